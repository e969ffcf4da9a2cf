// Router::Inbound: the frame the router is handling and what it resolved about it. Private to
// the router's translation units.
#pragma once

#include <string>

#include "session/router.h"

namespace pvpd::session {

struct Router::Inbound {
  pvpd_conn_id conn = 0;
  bus::Connection *connection = nullptr;  // null for frames published by plugins
  bus::Envelope env;
  std::string type;
  std::string session_id;
  std::string id;  // client-sent id, may be empty (then assigned when recorded)
  Session *session = nullptr;
  Participant *participant = nullptr;
};

// Small RapidJSON helpers shared by the handlers.
inline std::string json_string(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return {};
  }
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : std::string();
}

inline std::vector<std::string> json_strings(const rapidjson::Value &obj, const char *key) {
  std::vector<std::string> out;
  if (!obj.IsObject()) {
    return out;
  }
  auto it = obj.FindMember(key);
  if (it != obj.MemberEnd() && it->value.IsArray()) {
    for (const auto &v : it->value.GetArray()) {
      if (v.IsString()) {
        out.emplace_back(v.GetString(), v.GetStringLength());
      }
    }
  }
  return out;
}

inline void json_set_string(rapidjson::Value &obj, const char *key, std::string_view value,
                            rapidjson::Document::AllocatorType &alloc) {
  rapidjson::Value v = bus::make_json_string(value, alloc);
  auto it = obj.FindMember(key);
  if (it != obj.MemberEnd()) {
    it->value = v;
  } else {
    obj.AddMember(rapidjson::Value(key, alloc), v, alloc);
  }
}

}  // namespace pvpd::session
