#include "llm/json_util.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pvpd::llm::json {

bool parse(std::string_view text, rapidjson::Document &doc, std::string *error) {
  // kParseStopWhenDoneFlag is not set: trailing garbage after the value is an error too.
  doc.Parse(text.empty() ? "" : text.data(), text.size());
  if (!doc.HasParseError()) {
    return true;
  }
  if (error != nullptr) {
    *error = std::string(rapidjson::GetParseError_En(doc.GetParseError())) + " at offset " +
             std::to_string(doc.GetErrorOffset());
  }
  return false;
}

std::string write(const Value &v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  v.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

const Value *member(const Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return nullptr;
  }
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

const Value *object_member(const Value &obj, const char *key) {
  const Value *v = member(obj, key);
  return v != nullptr && v->IsObject() ? v : nullptr;
}

std::string_view string_member(const Value &obj, const char *key) {
  const Value *v = member(obj, key);
  if (v == nullptr || !v->IsString()) {
    return {};
  }
  return std::string_view(v->GetString(), v->GetStringLength());
}

uint64_t uint_member(const Value &obj, const char *key) {
  const Value *v = member(obj, key);
  return v != nullptr && v->IsUint64() ? v->GetUint64() : 0;
}

bool bool_member(const Value &obj, const char *key, bool fallback) {
  const Value *v = member(obj, key);
  return v != nullptr && v->IsBool() ? v->GetBool() : fallback;
}

}  // namespace pvpd::llm::json
