#include "config/json_util.h"

#include "util/canonical_json.h"

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

namespace {}  // namespace

std::string canonical_json(const rapidjson::Value &value) {
  return pvpd::canonical_json(value);
}

}  // namespace pvpd::config
