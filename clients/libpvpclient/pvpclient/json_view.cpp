// Defensive JSON accessors (see json_view.h).
#include "pvpclient/json_view.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pvpd::client {

const rapidjson::Value *member(const rapidjson::Value &obj, const char *name) {
  if (!obj.IsObject()) {
    return nullptr;
  }
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string str(const rapidjson::Value &obj, const char *name, const std::string &fallback) {
  const rapidjson::Value *v = member(obj, name);
  if (v == nullptr || !v->IsString()) {
    return fallback;
  }
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<uint64_t> uint_member(const rapidjson::Value &obj, const char *name) {
  const rapidjson::Value *v = member(obj, name);
  if (v == nullptr || !v->IsUint64()) {
    return std::nullopt;
  }
  return v->GetUint64();
}

bool bool_member(const rapidjson::Value &obj, const char *name, bool fallback) {
  const rapidjson::Value *v = member(obj, name);
  return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
}

std::vector<std::string> str_list(const rapidjson::Value &obj, const char *name) {
  std::vector<std::string> out;
  const rapidjson::Value *v = member(obj, name);
  if (v == nullptr || !v->IsArray()) {
    return out;
  }
  for (const auto &item : v->GetArray()) {
    if (item.IsString()) {
      out.emplace_back(item.GetString(), item.GetStringLength());
    }
  }
  return out;
}

std::string to_json(const rapidjson::Value &v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace pvpd::client
