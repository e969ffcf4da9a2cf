// JSON helpers for the LLM code: safe RapidJSON strings from string_views, tolerant field
// getters for provider events (a missing or mistyped field reads as empty/zero, never throws or
// asserts), compact serialization and parsing with a readable error.
//
// THREAD: free functions, no shared state.
// OWNERSHIP: returned views borrow from the value they were read from.
// LIFETIME: n/a.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace pvpd::llm::json {

using Value = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

// A copied string value; an empty view may carry a null pointer, which RapidJSON asserts on.
inline Value str(std::string_view s, Alloc &a) {
  Value v;
  if (s.empty()) {
    v.SetString("", 0, a);
  } else {
    v.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
  }
  return v;
}

// Parses `text` into `doc`. On failure returns false and describes where in `error`.
bool parse(std::string_view text, rapidjson::Document &doc, std::string *error);

// Compact serialization of `v`.
std::string write(const Value &v);

// Member `key` of `obj` when `obj` is an object that has it, else nullptr.
const Value *member(const Value &obj, const char *key);
const Value *object_member(const Value &obj, const char *key);
std::string_view string_member(const Value &obj, const char *key);
uint64_t uint_member(const Value &obj, const char *key);
bool bool_member(const Value &obj, const char *key, bool fallback = false);

}  // namespace pvpd::llm::json
