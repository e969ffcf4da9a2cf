// YAML source: parses one config file into a small tree that keeps a Mark on every node and,
// unlike YAML::Node in yaml-cpp 0.7, sees duplicate map keys (yaml-cpp keeps both silently and
// lookups return the first). Built from yaml-cpp's event API so that anchors, aliases and
// deeply nested input are bounded and a malformed document can never crash the loader.
//
// THREAD: parse_yaml is reentrant; a YamlNode is a plain value owned by whoever holds it.
// OWNERSHIP: nodes own their children by value (aliases are deep copies, within a budget).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostics.h"

namespace pvpd::config {

struct YamlEntry;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kNull;
  Mark mark;
  std::string scalar;   // kScalar
  bool quoted = false;  // quoted or explicitly tagged: never resolved as number/bool/null
  // ${VAR} expansion failed here and was reported: later checks skip the value instead of
  // reporting a second, confusing error about the unexpanded text.
  bool expand_failed = false;
  std::vector<YamlNode> items;     // kSequence
  std::vector<YamlEntry> entries;  // kMap, in file order; keys are scalars

  bool is_null() const { return kind == Kind::kNull; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_map() const { return kind == Kind::kMap; }

  // First entry with this key, or nullptr. Only meaningful for maps.
  const YamlNode *find(std::string_view key) const;
  YamlNode *find(std::string_view key);

  // "a string", "a list", ... for "expected X, got Y" messages.
  std::string describe() const;

  // True if this node or any descendant has expand_failed.
  bool any_expand_failed() const;
};

// One map entry. A struct rather than std::pair: pair's conditionally-explicit constructors need
// a complete YamlNode where the vector member is declared, which clang with libstdc++ rejects.
struct YamlEntry {
  YamlNode first;   // the key (a scalar)
  YamlNode second;  // the value
  YamlEntry() = default;
  YamlEntry(YamlNode key, YamlNode value) : first(std::move(key)), second(std::move(value)) {}
};

// Parses `text` (one YAML document) as file `file`. Syntax errors, duplicate keys, non-scalar
// keys and multiple documents are reported to `sink`; duplicates are dropped (the first one
// stays, as yaml-cpp would do). Returns nullopt when the text is not usable at all. An empty
// document yields a null node.
std::optional<YamlNode> parse_yaml(const std::string &text, const std::string &file,
                                   DiagnosticSink &sink);

}  // namespace pvpd::config
