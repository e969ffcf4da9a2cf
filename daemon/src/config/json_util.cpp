#include "config/json_util.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

#include "config/scalars.h"

namespace pvpd::config {

std::string pointer_child(const std::string &pointer, std::string_view key) {
  std::string out = pointer;
  out += '/';
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer_index(const std::string &pointer, size_t index) {
  return pointer + "/" + std::to_string(index);
}

rapidjson::Value yaml_to_json(const YamlNode &node, const std::string &pointer, JsonAlloc &alloc,
                              std::map<std::string, Mark> &marks) {
  marks[pointer] = node.mark;
  rapidjson::Value out;
  switch (node.kind) {
    case YamlNode::Kind::kNull: break;
    case YamlNode::Kind::kScalar: {
      if (!node.quoted) {
        if (auto b = parse_bool(node.scalar); b && is_core_bool(node.scalar)) {
          out.SetBool(*b);
          break;
        }
        if (auto i = parse_int64(node.scalar)) {
          out.SetInt64(*i);
          break;
        }
        if (auto d = parse_double(node.scalar)) {
          out.SetDouble(*d);
          break;
        }
      }
      out.SetString(node.scalar.data(), static_cast<rapidjson::SizeType>(node.scalar.size()),
                    alloc);
      break;
    }
    case YamlNode::Kind::kSequence:
      out.SetArray();
      for (size_t i = 0; i < node.items.size(); ++i) {
        out.PushBack(yaml_to_json(node.items[i], pointer_index(pointer, i), alloc, marks), alloc);
      }
      break;
    case YamlNode::Kind::kMap:
      out.SetObject();
      for (const auto &[k, v] : node.entries) {
        rapidjson::Value key(k.scalar.data(), static_cast<rapidjson::SizeType>(k.scalar.size()),
                             alloc);
        out.AddMember(key, yaml_to_json(v, pointer_child(pointer, k.scalar), alloc, marks), alloc);
      }
      break;
  }
  return out;
}

namespace {

void write_sorted(const rapidjson::Value &v, rapidjson::Writer<rapidjson::StringBuffer> &w) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member *> members;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      members.push_back(&*it);
    }
    std::stable_sort(members.begin(), members.end(), [](const auto *a, const auto *b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    w.StartObject();
    for (const auto *m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      write_sorted(m->value, w);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto &e : v.GetArray()) {
      write_sorted(e, w);
    }
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

}  // namespace

std::string canonical_json(const rapidjson::Value &value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  write_sorted(value, w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace pvpd::config
