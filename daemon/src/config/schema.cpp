#include "config/schema.h"

#include <cstddef>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "config/scalars.h"
#include "config/suggest.h"
#include "config/tree_walk.h"
#include "config/units.h"

namespace pvpd::config {

std::vector<pvpd_option_desc> read_option_table(const pvpd_plugin_descriptor_v1 *d) {
  constexpr size_t kNeedDesc = offsetof(pvpd_plugin_descriptor_v1, option_count) + sizeof(uint32_t);
  constexpr size_t kNeedOpt = offsetof(pvpd_option_desc, key) + sizeof(const char *);
  constexpr uint32_t kMaxOptions = 4096;
  constexpr uint32_t kMaxStride = 4096;
  std::vector<pvpd_option_desc> out;
  if (d == nullptr || d->struct_size < kNeedDesc || d->options == nullptr || d->option_count == 0 ||
      d->option_count > kMaxOptions) {
    return out;
  }
  // The array's element size is the plugin's sizeof(pvpd_option_desc), which its first
  // entry's struct_size tells us; a later minor may have appended fields.
  uint32_t stride = d->options[0].struct_size;
  if (stride < kNeedOpt || stride > kMaxStride) {
    return out;
  }
  const auto *base = reinterpret_cast<const unsigned char *>(d->options);
  for (uint32_t i = 0; i < d->option_count; ++i) {
    pvpd_option_desc o{};
    const unsigned char *p = base + static_cast<size_t>(i) * stride;
    std::memcpy(&o, p, std::min<size_t>(stride, sizeof o));
    if (o.struct_size < kNeedOpt) {
      continue;
    }
    if (o.struct_size < sizeof o) {
      // Fields beyond the writer's struct read as zero/NULL (plugin_abi.h conventions).
      std::memset(reinterpret_cast<unsigned char *>(&o) + o.struct_size, 0,
                  sizeof o - o.struct_size);
    }
    out.push_back(o);
  }
  return out;
}

const char *option_type_name(uint32_t type) {
  switch (type) {
    case PVPD_OPT_STRING: return "string";
    case PVPD_OPT_INT: return "integer";
    case PVPD_OPT_BOOL: return "bool";
    case PVPD_OPT_DURATION: return "duration";
    case PVPD_OPT_SIZE: return "size";
    case PVPD_OPT_FLOAT: return "float";
    case PVPD_OPT_STRING_LIST: return "string list";
    case PVPD_OPT_ANY: return "any";
    default: return "unknown";
  }
}

namespace {

// The option table as a tree: "tls.cert" is child "cert" of map "tls"; "listeners[].port" is
// child "port" of the element schema of list "listeners".
struct SchemaChild;

// Member functions are defined after SchemaChild is complete: clang with libstdc++ rejects a
// vector of std::pair holding the incomplete SchemaNode, so children use a named struct.
struct SchemaNode {
  const pvpd_option_desc *leaf = nullptr;
  bool list_of_maps = false;
  std::vector<SchemaChild> children;  // declaration order

  SchemaNode *child(std::string_view name);
  const SchemaNode *child(std::string_view name) const;
  std::vector<std::string> names() const;
};

struct SchemaChild {
  std::string first;  // key
  SchemaNode second;  // its schema
  SchemaChild(std::string name, SchemaNode node)
      : first(std::move(name)), second(std::move(node)) {}
};

SchemaNode *SchemaNode::child(std::string_view name) {
  for (auto &[n, c] : children) {
    if (n == name) {
      return &c;
    }
  }
  return nullptr;
}

const SchemaNode *SchemaNode::child(std::string_view name) const {
  for (const auto &[n, c] : children) {
    if (n == name) {
      return &c;
    }
  }
  return nullptr;
}

std::vector<std::string> SchemaNode::names() const {
  std::vector<std::string> out;
  for (const auto &[n, c] : children) {
    out.push_back(n);
  }
  return out;
}

SchemaNode build_schema(const std::vector<pvpd_option_desc> &options) {
  SchemaNode root;
  for (const auto &opt : options) {
    if (opt.key == nullptr || opt.key[0] == '\0') {
      continue;
    }
    std::string_view key(opt.key);
    SchemaNode *node = &root;
    bool bad = false;
    while (!key.empty()) {
      size_t dot = key.find('.');
      std::string_view seg = key.substr(0, dot);
      key = dot == std::string_view::npos ? std::string_view() : key.substr(dot + 1);
      bool is_list = seg.size() > 2 && seg.substr(seg.size() - 2) == "[]";
      if (is_list) {
        seg.remove_suffix(2);
      }
      if (seg.empty() || (dot != std::string_view::npos && key.empty())) {
        bad = true;
        break;
      }
      SchemaNode *c = node->child(seg);
      if (c == nullptr) {
        node->children.emplace_back(std::string(seg), SchemaNode{});
        c = &node->children.back().second;
      }
      if (is_list) {
        c->list_of_maps = true;
      }
      node = c;
    }
    if (!bad && node != &root && node->leaf == nullptr) {
      node->leaf = &opt;
    }
  }
  return root;
}

class Validator {
 public:
  Validator(DiagnosticSink &sink, SchemaResult &result)
      : sink_(sink), result_(result), alloc_(result.json.GetAllocator()) {}

  void check_map(const YamlNode *node, const Mark &parent_mark, const SchemaNode &schema,
                 const std::string &path, const std::string &pointer, rapidjson::Value &out) {
    if (node != nullptr && node->is_null()) {
      node = nullptr;
    }
    if (node != nullptr) {
      result_.pointer_marks[pointer] = node->mark;
      if (!node->is_map()) {
        error(node->mark, path, "expected a map, got " + node->describe());
        return;
      }
    }
    std::vector<std::string> present;
    if (node != nullptr) {
      for (const auto &[k, v] : node->entries) {
        std::string child_p = child_path(path, k.scalar);
        std::string child_ptr = pointer_child(pointer, k.scalar);
        const SchemaNode *c = schema.child(k.scalar);
        if (c == nullptr) {
          error(k.mark, child_p,
                "unknown key '" + k.scalar + "'" + did_you_mean(k.scalar, schema.names()));
          continue;
        }
        if (v.is_null()) {
          continue;  // "key:" with no value means "not set": the default applies
        }
        present.push_back(k.scalar);
        if (c->leaf != nullptr && c->leaf->type != PVPD_OPT_ANY && v.any_expand_failed()) {
          result_.ok = false;  // the ${VAR} error was reported; don't add a type error
          continue;
        }
        rapidjson::Value value;
        if (c->leaf != nullptr) {
          if (!convert_leaf(v, *c->leaf, child_p, child_ptr, value)) {
            continue;
          }
        } else if (c->list_of_maps) {
          if (!check_list(v, *c, child_p, child_ptr, value)) {
            continue;
          }
        } else {
          value.SetObject();
          check_map(&v, v.mark, *c, child_p, child_ptr, value);
        }
        add_member(out, k.scalar, std::move(value));
      }
    }
    const Mark &here = node != nullptr ? node->mark : parent_mark;
    for (const auto &[name, c] : schema.children) {
      if (std::find(present.begin(), present.end(), name) != present.end()) {
        continue;
      }
      std::string child_p = child_path(path, name);
      if (c.leaf != nullptr) {
        if ((c.leaf->flags & PVPD_OPT_REQUIRED) != 0) {
          error(here, child_p, "missing required key '" + name + "'");
        } else if (c.leaf->default_json != nullptr) {
          rapidjson::Value def;
          if (default_value(*c.leaf, here, child_p, def)) {
            add_member(out, name, std::move(def));
          }
        }
      } else if (!c.list_of_maps) {
        rapidjson::Value sub(rapidjson::kObjectType);
        check_map(nullptr, here, c, child_p, pointer_child(pointer, name), sub);
        if (sub.MemberCount() > 0) {
          add_member(out, name, std::move(sub));
        }
      }
    }
  }

 private:
  void error(const Mark &mark, const std::string &path, std::string message) {
    result_.ok = false;
    sink_.error(mark, path, std::move(message));
  }

  void add_member(rapidjson::Value &obj, const std::string &name, rapidjson::Value value) {
    if (obj.HasMember(name)) {
      // A merged tree has unique keys; never produce invalid JSON if that changes.
      obj[name] = std::move(value);
      return;
    }
    obj.AddMember(rapidjson::Value(name, alloc_), std::move(value), alloc_);
  }

  bool check_list(const YamlNode &v, const SchemaNode &schema, const std::string &path,
                  const std::string &pointer, rapidjson::Value &out) {
    result_.pointer_marks[pointer] = v.mark;
    if (!v.is_sequence()) {
      error(v.mark, path, "expected a list of maps, got " + v.describe());
      return false;
    }
    out.SetArray();
    for (size_t i = 0; i < v.items.size(); ++i) {
      const YamlNode &item = v.items[i];
      std::string item_path = index_path(path, i);
      std::string item_ptr = pointer_index(pointer, i);
      if (!item.is_map()) {
        result_.pointer_marks[item_ptr] = item.mark;
        error(item.mark, item_path, "expected a map, got " + item.describe());
        continue;
      }
      rapidjson::Value obj(rapidjson::kObjectType);
      check_map(&item, item.mark, schema, item_path, item_ptr, obj);
      out.PushBack(std::move(obj), alloc_);
    }
    return true;
  }

  bool check_choice(const YamlNode &v, const pvpd_option_desc &opt, const std::string &path) {
    if (opt.choices == nullptr || opt.choices[0] == '\0') {
      return true;
    }
    std::vector<std::string> choices;
    std::string_view rest(opt.choices);
    while (true) {
      size_t bar = rest.find('|');
      choices.emplace_back(rest.substr(0, bar));
      if (bar == std::string_view::npos) {
        break;
      }
      rest.remove_prefix(bar + 1);
    }
    if (std::find(choices.begin(), choices.end(), v.scalar) != choices.end()) {
      return true;
    }
    std::string list;
    for (const auto &c : choices) {
      list += list.empty() ? c : ", " + c;
    }
    error(v.mark, path,
          "invalid value '" + v.scalar + "', expected one of: " + list +
              did_you_mean(v.scalar, choices));
    return false;
  }

  bool check_range_signed(const YamlNode &v, const pvpd_option_desc &opt, int64_t value,
                          const std::string &path) {
    if ((opt.flags & PVPD_OPT_RANGE) == 0 || (value >= opt.min_value && value <= opt.max_value)) {
      return true;
    }
    error(v.mark, path,
          "value " + std::to_string(value) + " is out of range (" + std::to_string(opt.min_value) +
              ".." + std::to_string(opt.max_value) + ")");
    return false;
  }

  bool check_range_unsigned(const YamlNode &v, const pvpd_option_desc &opt, uint64_t value,
                            const std::string &path) {
    if ((opt.flags & PVPD_OPT_RANGE) == 0) {
      return true;
    }
    bool below = opt.min_value > 0 && value < static_cast<uint64_t>(opt.min_value);
    bool above = opt.max_value < 0 || value > static_cast<uint64_t>(opt.max_value);
    if (!below && !above) {
      return true;
    }
    auto fmt = [&opt](int64_t x) {
      uint64_t u = x < 0 ? 0 : static_cast<uint64_t>(x);
      return opt.type == PVPD_OPT_DURATION ? format_duration_ms(u) : format_size_bytes(u);
    };
    std::string shown =
        opt.type == PVPD_OPT_DURATION ? format_duration_ms(value) : format_size_bytes(value);
    error(v.mark, path,
          "value " + shown + " is out of range (" + fmt(opt.min_value) + ".." + fmt(opt.max_value) +
              ")");
    return false;
  }

  bool convert_leaf(const YamlNode &v, const pvpd_option_desc &opt, const std::string &path,
                    const std::string &pointer, rapidjson::Value &out) {
    result_.pointer_marks[pointer] = v.mark;
    const uint32_t type = opt.type;
    if (type == PVPD_OPT_ANY || type == 0 || type > PVPD_OPT_ANY) {
      // Unknown types come from a newer ABI minor: pass through rather than reject.
      if (v.any_expand_failed()) {
        result_.ok = false;
      }
      out = yaml_to_json(v, pointer, alloc_, result_.pointer_marks);
      return true;
    }
    if (type == PVPD_OPT_STRING_LIST) {
      out.SetArray();
      if (v.is_scalar()) {
        if (!check_choice(v, opt, path)) {
          return false;
        }
        out.PushBack(rapidjson::Value(v.scalar, alloc_), alloc_);
        return true;
      }
      if (!v.is_sequence()) {
        error(v.mark, path, "expected a string or a list of strings, got " + v.describe());
        return false;
      }
      bool ok = true;
      for (size_t i = 0; i < v.items.size(); ++i) {
        const YamlNode &item = v.items[i];
        result_.pointer_marks[pointer_index(pointer, i)] = item.mark;
        if (!item.is_scalar()) {
          error(item.mark, index_path(path, i), "expected a string, got " + item.describe());
          ok = false;
          continue;
        }
        if (!check_choice(item, opt, index_path(path, i))) {
          ok = false;
          continue;
        }
        out.PushBack(rapidjson::Value(item.scalar, alloc_), alloc_);
      }
      return ok;
    }
    static constexpr const char *kExpected[] = {"",           "a string", "an integer", "a boolean",
                                                "a duration", "a size",   "a number"};
    if (!v.is_scalar()) {
      error(v.mark, path, std::string("expected ") + kExpected[type] + ", got " + v.describe());
      return false;
    }
    const std::string &s = v.scalar;
    switch (type) {
      case PVPD_OPT_STRING:
        if (!check_choice(v, opt, path)) {
          return false;
        }
        out.SetString(s, alloc_);
        return true;
      case PVPD_OPT_INT: {
        auto i = parse_int64(s);
        if (!i) {
          error(v.mark, path, "expected an integer, got '" + s + "'");
          return false;
        }
        if (!check_range_signed(v, opt, *i, path)) {
          return false;
        }
        out.SetInt64(*i);
        return true;
      }
      case PVPD_OPT_BOOL: {
        auto b = parse_bool(s);
        if (!b) {
          error(v.mark, path, "expected true or false, got '" + s + "'");
          return false;
        }
        out.SetBool(*b);
        return true;
      }
      case PVPD_OPT_DURATION: {
        auto d = parse_duration_ms(s);
        if (!d) {
          error(v.mark, path,
                "invalid duration '" + s +
                    "' (use e.g. 500ms, 10s, 5m, 1h; a bare number is milliseconds)");
          return false;
        }
        if (!check_range_unsigned(v, opt, *d, path)) {
          return false;
        }
        out.SetUint64(*d);
        return true;
      }
      case PVPD_OPT_SIZE: {
        auto b = parse_size_bytes(s);
        if (!b) {
          error(
              v.mark, path,
              "invalid size '" + s + "' (use e.g. 512, 64KiB, 1MiB, 2GB; a bare number is bytes)");
          return false;
        }
        if (!check_range_unsigned(v, opt, *b, path)) {
          return false;
        }
        out.SetUint64(*b);
        return true;
      }
      case PVPD_OPT_FLOAT: {
        auto d = parse_double(s);
        if (!d) {
          error(v.mark, path, "expected a number, got '" + s + "'");
          return false;
        }
        out.SetDouble(*d);
        return true;
      }
      default: break;
    }
    return false;
  }

  bool default_value(const pvpd_option_desc &opt, const Mark &mark, const std::string &path,
                     rapidjson::Value &out) {
    rapidjson::Document d;
    d.Parse(opt.default_json);
    bool ok = !d.HasParseError();
    if (ok && (opt.type == PVPD_OPT_DURATION || opt.type == PVPD_OPT_SIZE) && d.IsString()) {
      // Defaults may be written with units ("\"5s\""): normalize like a configured value.
      std::string_view s(d.GetString(), d.GetStringLength());
      auto v = opt.type == PVPD_OPT_DURATION ? parse_duration_ms(s) : parse_size_bytes(s);
      if (v) {
        out.SetUint64(*v);
        return true;
      }
      ok = false;
    }
    if (!ok) {
      error(mark, path,
            std::string("the plugin declares an invalid default ") + opt.default_json +
                " (a plugin bug)");
      return false;
    }
    out.CopyFrom(d, alloc_);
    return true;
  }

  DiagnosticSink &sink_;
  SchemaResult &result_;
  JsonAlloc &alloc_;
};

}  // namespace

SchemaResult validate_options(const YamlNode *node, const Mark &parent_mark,
                              const std::vector<pvpd_option_desc> &options, const std::string &path,
                              DiagnosticSink &sink) {
  SchemaResult result;
  result.json.SetObject();
  SchemaNode schema = build_schema(options);
  Validator v(sink, result);
  v.check_map(node, parent_mark, schema, path, "", result.json);
  if (result.pointer_marks.find("") == result.pointer_marks.end()) {
    result.pointer_marks[""] = node != nullptr ? node->mark : parent_mark;
  }
  return result;
}

}  // namespace pvpd::config
