// Helpers shared by the McpSession translation units (mcp_session.cpp, session_tools.cpp,
// session_pvp.cpp): RapidJSON accessors that never throw or assert on hostile input, and the
// tool-argument checker whose messages become isError results the model can act on.
//
// THREAD: pure functions and a stack-only checker; no shared state.
// OWNERSHIP/LIFETIME: returned views (sv, find) borrow from the value passed in.
#pragma once

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "jsonrpc.h"

namespace pvpd::mcp::session_util {

using Value = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

inline std::string_view sv(const Value &v) {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}

inline std::string str_of(const Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return std::string();
  }
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? std::string(sv(it->value)) : std::string();
}

inline const Value *find(const Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return nullptr;
  }
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

// Tool-argument checks. Problems become isError results the model can read and correct.
class Args {
 public:
  explicit Args(const Value &v) : v_(v) {}
  std::string error;

  bool str(const char *key, std::string *out, bool required, std::size_t max = 1 << 20) {
    const Value *x = find(v_, key);
    if (x == nullptr) {
      if (required) {
        fail(std::string("missing required argument \"") + key + "\"");
      }
      return !required;
    }
    if (!x->IsString() || (required && x->GetStringLength() == 0) || x->GetStringLength() > max) {
      fail(std::string("argument \"") + key + "\" must be a " + (required ? "non-empty " : "") +
           "string of at most " + std::to_string(max) + " bytes");
      return false;
    }
    *out = std::string(sv(*x));
    return true;
  }
  bool strings(const char *key, std::vector<std::string> *out) {
    const Value *x = find(v_, key);
    if (x == nullptr) {
      return true;
    }
    if (!x->IsArray()) {
      fail(std::string("argument \"") + key + "\" must be an array of strings");
      return false;
    }
    out->clear();
    for (const auto &s : x->GetArray()) {
      if (!s.IsString()) {
        fail(std::string("argument \"") + key + "\" must be an array of strings");
        return false;
      }
      out->emplace_back(sv(s));
    }
    return true;
  }
  bool number(const char *key, double *out, double lo, double hi) {
    const Value *x = find(v_, key);
    if (x == nullptr) {
      return true;
    }
    if (!x->IsNumber() || !std::isfinite(x->GetDouble()) || x->GetDouble() < lo ||
        x->GetDouble() > hi) {
      fail(std::string("argument \"") + key + "\" must be a number from " +
           std::to_string(static_cast<long long>(lo)) + " to " +
           std::to_string(static_cast<long long>(hi)));
      return false;
    }
    *out = x->GetDouble();
    return true;
  }
  bool boolean(const char *key, bool *out) {
    const Value *x = find(v_, key);
    if (x == nullptr) {
      return true;
    }
    if (!x->IsBool()) {
      fail(std::string("argument \"") + key + "\" must be true or false");
      return false;
    }
    *out = x->GetBool();
    return true;
  }
  bool choice(const char *key, std::string *out, std::initializer_list<std::string_view> set) {
    std::string v;
    if (!str(key, &v, false)) {
      return false;
    }
    if (find(v_, key) == nullptr) {
      return true;
    }
    if (std::find(set.begin(), set.end(), v) == set.end()) {
      std::string list;
      for (std::string_view s : set) {
        list += (list.empty() ? "" : ", ") + std::string(s);
      }
      fail(std::string("argument \"") + key + "\" must be one of " + list);
      return false;
    }
    *out = v;
    return true;
  }

 private:
  void fail(std::string m) {
    if (error.empty()) {
      error = std::move(m);
    }
  }
  const Value &v_;
};

inline Value string_array(const std::vector<std::string> &items, Alloc &a) {
  Value arr(rapidjson::kArrayType);
  for (const auto &s : items) {
    arr.PushBack(json_string(s, a), a);
  }
  return arr;
}

// Participant ids are 1..128 bytes; keep generated ones readable and bounded.
inline std::string sanitize_id(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (out.size() >= 48) {
      break;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '-');
  }
  return out.empty() ? std::string("agent") : out;
}

inline std::string preview(std::string_view s, std::size_t max) {
  if (s.size() <= max) {
    return std::string(s);
  }
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
    --cut;  // never split a UTF-8 sequence
  }
  return std::string(s.substr(0, cut)) + "...";
}

}  // namespace pvpd::mcp::session_util
