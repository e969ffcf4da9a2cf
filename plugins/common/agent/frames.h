// Frame: builds one PVP envelope an agent sends ({"v":1,"id","session","sender","type",
// "payload"}); the server stamps ts and seq and checks the sender against the connection.
//
// THREAD: a Frame is a value; use it on one thread.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::agent {

class Frame {
 public:
  // An empty `id` leaves the id to the server.
  Frame(std::string_view type, std::string_view session, std::string_view sender,
        std::string_view id = {});

  Frame &set(const char *key, std::string_view value);
  Frame &set(const char *key, const char *value) { return set(key, std::string_view(value)); }
  Frame &set(const char *key, bool value);
  Frame &set(const char *key, uint64_t value);
  Frame &set(const char *key, double value);
  Frame &set_strings(const char *key, const std::vector<std::string> &values);
  // Parses `json` into the payload; text that is not valid JSON is stored as a string.
  Frame &set_json(const char *key, std::string_view json);
  // Sets a member of a nested object payload[object][key].
  Frame &set_in(const char *object, const char *key, uint64_t value);
  Frame &set_in(const char *object, const char *key, double value);
  Frame &set_in(const char *object, const char *key, std::string_view value);

  rapidjson::Value &payload() { return doc_["payload"]; }
  rapidjson::Document::AllocatorType &allocator() { return doc_.GetAllocator(); }
  std::string str() const;

 private:
  rapidjson::Value &object(const char *name);
  rapidjson::Document doc_;
};

// A unique id for frames the agent names itself (tool proposals: the gate id equals it).
std::string new_frame_id(std::string_view prefix);

}  // namespace pvpd::agent
