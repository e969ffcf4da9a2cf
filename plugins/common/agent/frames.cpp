#include "agent/frames.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>

namespace pvpd::agent {
namespace {

rapidjson::Value str_value(std::string_view s, rapidjson::Document::AllocatorType &a) {
  rapidjson::Value v;
  v.SetString(s.empty() ? "" : s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
  return v;
}

void put(rapidjson::Value &obj, const char *key, rapidjson::Value value,
         rapidjson::Document::AllocatorType &a) {
  auto it = obj.FindMember(key);
  if (it != obj.MemberEnd()) {
    it->value = std::move(value);
  } else {
    obj.AddMember(rapidjson::Value(key, a), std::move(value), a);
  }
}

}  // namespace

Frame::Frame(std::string_view type, std::string_view session, std::string_view sender,
             std::string_view id) {
  doc_.SetObject();
  auto &a = doc_.GetAllocator();
  doc_.AddMember("v", 1, a);
  if (!id.empty()) {
    doc_.AddMember("id", str_value(id, a), a);
  }
  doc_.AddMember("session", str_value(session, a), a);
  doc_.AddMember("sender", str_value(sender, a), a);
  doc_.AddMember("type", str_value(type, a), a);
  doc_.AddMember("payload", rapidjson::Value(rapidjson::kObjectType), a);
}

Frame &Frame::set(const char *key, std::string_view value) {
  put(payload(), key, str_value(value, allocator()), allocator());
  return *this;
}
Frame &Frame::set(const char *key, bool value) {
  put(payload(), key, rapidjson::Value(value), allocator());
  return *this;
}
Frame &Frame::set(const char *key, uint64_t value) {
  put(payload(), key, rapidjson::Value(value), allocator());
  return *this;
}
Frame &Frame::set(const char *key, double value) {
  put(payload(), key, rapidjson::Value(value), allocator());
  return *this;
}
Frame &Frame::set_strings(const char *key, const std::vector<std::string> &values) {
  rapidjson::Value arr(rapidjson::kArrayType);
  for (const auto &v : values) {
    arr.PushBack(str_value(v, allocator()), allocator());
  }
  put(payload(), key, std::move(arr), allocator());
  return *this;
}
Frame &Frame::set_json(const char *key, std::string_view json) {
  rapidjson::Document parsed(&allocator());
  parsed.Parse(json.empty() ? "" : json.data(), json.size());
  if (parsed.HasParseError()) {
    return set(key, json);
  }
  rapidjson::Value v(parsed, allocator());
  put(payload(), key, std::move(v), allocator());
  return *this;
}

rapidjson::Value &Frame::object(const char *name) {
  auto it = payload().FindMember(name);
  if (it == payload().MemberEnd() || !it->value.IsObject()) {
    put(payload(), name, rapidjson::Value(rapidjson::kObjectType), allocator());
    it = payload().FindMember(name);
  }
  return it->value;
}
Frame &Frame::set_in(const char *obj, const char *key, uint64_t value) {
  put(object(obj), key, rapidjson::Value(value), allocator());
  return *this;
}
Frame &Frame::set_in(const char *obj, const char *key, double value) {
  put(object(obj), key, rapidjson::Value(value), allocator());
  return *this;
}
Frame &Frame::set_in(const char *obj, const char *key, std::string_view value) {
  put(object(obj), key, str_value(value, allocator()), allocator());
  return *this;
}

std::string Frame::str() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc_.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string new_frame_id(std::string_view prefix) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[64];
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::snprintf(buf, sizeof buf, "-%011llx%04llx%08llx", static_cast<unsigned long long>(ms),
                static_cast<unsigned long long>(counter.fetch_add(1) & 0xffff),
                static_cast<unsigned long long>(rng() & 0xffffffffULL));
  return std::string(prefix) + buf;
}

}  // namespace pvpd::agent
