#include "config/merge.h"

#include <map>
#include <string>
#include <utility>

#include "config/tree_walk.h"

namespace pvpd::config {

void merge_nodes(YamlNode &base, YamlNode overlay) {
  if (overlay.is_null() && !base.is_null()) {
    return;  // "key:" with no value means "not set", so it must not erase an earlier file's value
  }
  if (!base.is_map() || !overlay.is_map()) {
    base = std::move(overlay);
    return;
  }
  for (auto &[key, value] : overlay.entries) {
    if (YamlNode *existing = base.find(key.scalar)) {
      merge_nodes(*existing, std::move(value));
    } else {
      base.entries.emplace_back(std::move(key), std::move(value));
    }
  }
}

namespace {

// The id an entry merges by: `id`, else `use`; empty when neither is a usable string.
std::string merge_id(const YamlNode &entry) {
  if (!entry.is_map()) {
    return "";
  }
  for (const char *key : {"id", "use"}) {
    const YamlNode *n = entry.find(key);
    if (n != nullptr && n->is_scalar() && !n->scalar.empty()) {
      return n->scalar;
    }
  }
  return "";
}

const Mark &id_mark(const YamlNode &entry) {
  for (const char *key : {"id", "use"}) {
    const YamlNode *n = entry.find(key);
    if (n != nullptr && n->is_scalar()) {
      return n->mark;
    }
  }
  return entry.mark;
}

void merge_plugins(YamlNode &acc_list, YamlNode list, DiagnosticSink &sink) {
  if (list.is_null()) {
    return;
  }
  if (!list.is_sequence()) {
    sink.error(list.mark, "plugins", "expected a list of plugin instances, got " + list.describe());
    return;
  }
  if (!acc_list.is_sequence()) {
    Mark m = acc_list.mark;
    acc_list = YamlNode{};
    acc_list.kind = YamlNode::Kind::kSequence;
    acc_list.mark = list.mark.file.empty() ? m : list.mark;
  }
  std::map<std::string, Mark> seen_in_file;
  for (auto &entry : list.items) {
    std::string id = merge_id(entry);
    if (id.empty()) {
      acc_list.items.push_back(std::move(entry));
      continue;
    }
    if (auto it = seen_in_file.find(id); it != seen_in_file.end()) {
      sink.error(id_mark(entry), "plugins[" + id + "]",
                 "duplicate plugin instance id '" + id + "' (first defined at " +
                     format_mark(it->second) + ")");
      continue;
    }
    seen_in_file.emplace(id, id_mark(entry));
    YamlNode *target = nullptr;
    for (auto &existing : acc_list.items) {
      if (merge_id(existing) == id) {
        target = &existing;
        break;
      }
    }
    if (target == nullptr) {
      acc_list.items.push_back(std::move(entry));
    } else {
      // Keep the original entry's mark: that is where the instance is declared.
      merge_nodes(*target, std::move(entry));
    }
  }
}

}  // namespace

void merge_file(YamlNode &acc, YamlNode file_root, DiagnosticSink &sink) {
  if (!file_root.is_map()) {
    return;
  }
  if (!acc.is_map()) {
    acc = YamlNode{};
    acc.kind = YamlNode::Kind::kMap;
    acc.mark = file_root.mark;
  }
  for (auto &[key, value] : file_root.entries) {
    YamlNode *existing = acc.find(key.scalar);
    if (key.scalar == "plugins") {
      if (existing == nullptr) {
        YamlNode empty;
        empty.kind = YamlNode::Kind::kSequence;
        empty.mark = value.mark;
        acc.entries.emplace_back(key, std::move(empty));
        existing = &acc.entries.back().second;
      }
      merge_plugins(*existing, std::move(value), sink);
      continue;
    }
    if (existing != nullptr) {
      merge_nodes(*existing, std::move(value));
    } else {
      acc.entries.emplace_back(std::move(key), std::move(value));
    }
  }
}

}  // namespace pvpd::config
