// Small helpers for writing JSON with RapidJSON's Writer from std::string / string_view.
//
// THREAD: stateless. OWNERSHIP: the caller owns the writer and its buffer.
// Why: RapidJSON's Writer::String asserts on a null pointer, which an empty string_view may
// carry; every string goes through put() so that can never happen.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>
#include <vector>

namespace pvpd::git_bridge {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline void put(JsonWriter &w, std::string_view s) {
  w.String(s.data() == nullptr ? "" : s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
inline void put_key(JsonWriter &w, std::string_view s) {
  w.Key(s.data() == nullptr ? "" : s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
// A string, or null when empty (the reference reports absent values as null).
inline void put_or_null(JsonWriter &w, std::string_view s) {
  if (s.empty()) {
    w.Null();
  } else {
    put(w, s);
  }
}
inline void put_list(JsonWriter &w, const std::vector<std::string> &items) {
  w.StartArray();
  for (const std::string &s : items) {
    put(w, s);
  }
  w.EndArray();
}

}  // namespace pvpd::git_bridge
