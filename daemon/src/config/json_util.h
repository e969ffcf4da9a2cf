// JSON helpers for normalized plugin configs: YAML -> JSON for untyped (PVPD_OPT_ANY) values,
// RFC 6901 pointers, and a canonical writer (object keys sorted) so two configs that mean the
// same thing have the same text, which is what reload's per-instance diff compares.
//
// THREAD: pure functions. OWNERSHIP: values are allocated from the caller's allocator.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <string_view>

#include "config/diagnostics.h"
#include "config/yaml_source.h"

namespace pvpd::config {

using JsonAlloc = rapidjson::Document::AllocatorType;

// "/" + key with "~" -> "~0" and "/" -> "~1".
std::string pointer_child(const std::string &pointer, std::string_view key);
std::string pointer_index(const std::string &pointer, size_t index);

// Converts a YAML subtree: plain scalars resolve to null/bool/integer/float when they look
// like one (YAML 1.2 core schema), quoted scalars stay strings. Every node's mark is recorded
// in `marks` under its pointer.
rapidjson::Value yaml_to_json(const YamlNode &node, const std::string &pointer, JsonAlloc &alloc,
                              std::map<std::string, Mark> &marks);

// Compact JSON with object members sorted by key, recursively.
std::string canonical_json(const rapidjson::Value &value);

}  // namespace pvpd::config
