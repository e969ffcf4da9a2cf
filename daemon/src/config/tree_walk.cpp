#include "config/tree_walk.h"

#include <utility>

namespace pvpd::config {

std::string child_path(const std::string &parent, std::string_view key) {
  if (parent.empty()) {
    return std::string(key);
  }
  std::string out = parent;
  out += '.';
  out += key;
  return out;
}

std::string index_path(const std::string &parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string instance_label(const YamlNode &entry, size_t index) {
  if (entry.is_map()) {
    for (const char *key : {"id", "use"}) {
      const YamlNode *n = entry.find(key);
      if (n != nullptr && n->is_scalar() && !n->scalar.empty()) {
        return n->scalar;
      }
    }
  }
  return std::to_string(index);
}

std::string element_path(const std::string &parent, const YamlNode &element, size_t index) {
  if (parent == "plugins") {
    return "plugins[" + instance_label(element, index) + "]";
  }
  return index_path(parent, index);
}

namespace {

void dedupe(YamlNode &node, const std::string &path, DiagnosticSink &sink) {
  if (node.is_sequence()) {
    for (size_t i = 0; i < node.items.size(); ++i) {
      dedupe(node.items[i], element_path(path, node.items[i], i), sink);
    }
    return;
  }
  if (!node.is_map()) {
    return;
  }
  std::vector<YamlEntry> kept;
  kept.reserve(node.entries.size());
  for (auto &entry : node.entries) {
    YamlNode &key = entry.first;
    if (!key.is_scalar()) {
      sink.error(key.mark, path, "map keys must be strings, got " + key.describe());
      continue;
    }
    const YamlEntry *first = nullptr;
    for (const auto &k : kept) {
      if (k.first.scalar == key.scalar) {
        first = &k;
        break;
      }
    }
    if (first != nullptr) {
      sink.error(key.mark, child_path(path, key.scalar),
                 "duplicate key '" + key.scalar + "' (first defined at " +
                     format_mark(first->first.mark) + ")");
      continue;
    }
    kept.push_back(std::move(entry));
  }
  node.entries = std::move(kept);
  for (auto &[k, v] : node.entries) {
    dedupe(v, child_path(path, k.scalar), sink);
  }
}

void walk(YamlNode &node, const std::string &path,
          const std::function<void(YamlNode &, const std::string &)> &fn) {
  switch (node.kind) {
    case YamlNode::Kind::kScalar: fn(node, path); break;
    case YamlNode::Kind::kSequence:
      for (size_t i = 0; i < node.items.size(); ++i) {
        walk(node.items[i], element_path(path, node.items[i], i), fn);
      }
      break;
    case YamlNode::Kind::kMap:
      for (auto &[k, v] : node.entries) {
        walk(v, child_path(path, k.scalar), fn);
      }
      break;
    case YamlNode::Kind::kNull: break;
  }
}

}  // namespace

void remove_duplicate_keys(YamlNode &root, DiagnosticSink &sink) {
  dedupe(root, "", sink);
}

void for_each_scalar_value(YamlNode &root,
                           const std::function<void(YamlNode &, const std::string &)> &fn) {
  walk(root, "", fn);
}

}  // namespace pvpd::config
