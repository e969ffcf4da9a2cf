// ProtocolHarness: a Router with a recording endpoint, a fake clock, and client helpers that
// speak PVP the way the reference clients do. Tests read what each client received as parsed
// JSON.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "bus/connection_table.h"
#include "recording_endpoint.h"
#include "session/router.h"

namespace pvpd::testing {

struct Frame {
  std::string json;
  rapidjson::Document doc;
  std::string type() const { return doc["type"].GetString(); }
  std::string sender() const { return doc["sender"].GetString(); }
  const rapidjson::Value &payload() const { return doc["payload"]; }
  std::string str(const char *key) const {
    auto it = doc["payload"].FindMember(key);
    return it != doc["payload"].MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
  }
};

class ProtocolHarness {
 public:
  explicit ProtocolHarness(session::RouterOptions options = {});

  uint64_t now_ms = 1'700'000'000'000ull;
  session::Router &router() { return *router_; }

  // A connection (local unless told otherwise) with an optional transport credential.
  pvpd_conn_id connect(bool local = true, std::string credential = "");
  // An agent plugin's in-process connection, opened by instance `owner`.
  pvpd_conn_id connect_internal(const std::string &owner);
  void send(pvpd_conn_id conn, const std::string &json) { router_->on_inbound(conn, json); }
  void close(pvpd_conn_id conn);
  void advance(uint64_t ms) {
    now_ms += ms;
    router_->tick();
  }

  // Builders for the frames reference clients send.
  static std::string create(const std::string &session, const std::string &sender,
                            const std::string &config_json = "");
  static std::string join(const std::string &session, const std::string &id,
                          const std::string &type, const std::string &roles_json,
                          const std::string &caps_json = "[]", const std::string &extra = "");
  static std::string frame(const std::string &type, const std::string &session,
                           const std::string &sender, const std::string &payload_json,
                           const std::string &extra = "");

  // Joins `id` on a new connection (creating the session with `config_json` if it does not
  // exist yet) and clears what it received.
  pvpd_conn_id join_as(const std::string &session, const std::string &id, const std::string &type,
                       const std::string &roles_json, const std::string &caps_json = "[]");

  // Frames received by `conn` since the last take(conn).
  std::vector<Frame> take(pvpd_conn_id conn);
  std::vector<std::string> types(pvpd_conn_id conn);  // take() and keep only types
  const RecordingEndpoint &endpoint() const { return ep_; }
  void clear_all();

 private:
  bus::ConnectionTable conns_;
  bus::Bus bus_{conns_};
  RecordingEndpoint ep_;
  std::unique_ptr<session::Router> router_;
  std::map<pvpd_conn_id, size_t> cursor_;
};

}  // namespace pvpd::testing
