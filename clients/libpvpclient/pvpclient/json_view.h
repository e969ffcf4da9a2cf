// Defensive accessors for JSON received from the network (libpvpclient).
//
// Frames are untrusted: every accessor tolerates a missing member, a wrong kind or a non-object
// parent and returns a default instead, so callers never branch on shapes themselves.
// THREAD/OWNERSHIP: free functions over caller-owned values; no state.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pvpd::client {

const rapidjson::Value *member(const rapidjson::Value &obj, const char *name);
std::string str(const rapidjson::Value &obj, const char *name, const std::string &fallback = "");
std::optional<uint64_t> uint_member(const rapidjson::Value &obj, const char *name);
bool bool_member(const rapidjson::Value &obj, const char *name, bool fallback = false);
// Array of strings (non-strings skipped).
std::vector<std::string> str_list(const rapidjson::Value &obj, const char *name);
// Compact JSON text of any value.
std::string to_json(const rapidjson::Value &v);

}  // namespace pvpd::client
