// Test helpers for McpSession unit tests: a recording sink and small JSON accessors.
//
// THREAD: single test thread. OWNERSHIP: SessionHarness owns the settings, sink and session.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "mcp_session.h"

namespace pvpd::mcp::testing {

class RecordingSink final : public McpSink {
 public:
  void to_client(std::string line) override { client.push_back(std::move(line)); }
  pvpd_status to_pvp(std::string_view envelope) override {
    pvp.emplace_back(envelope);
    return pvp_status;
  }
  std::vector<std::string> client;
  std::vector<std::string> pvp;
  pvpd_status pvp_status = PVPD_OK;
};

inline rapidjson::Document parse(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str(), s.size());
  return d;
}

inline std::string str(const rapidjson::Value &v, const char *key) {
  if (!v.IsObject() || !v.HasMember(key) || !v[key].IsString()) {
    return "";
  }
  return v[key].GetString();
}

struct SessionHarness {
  explicit SessionHarness(Settings s = Settings()) : settings(std::move(s)) {
    session = std::make_unique<McpSession>(settings, &sink, 1);
  }
  // Sends one line; returns the replies it produced.
  std::vector<std::string> send(const std::string &line) {
    std::size_t before = sink.client.size();
    session->handle_line(line, now);
    return {sink.client.begin() + static_cast<std::ptrdiff_t>(before), sink.client.end()};
  }
  // The single reply to a line (a parsed document; Null when there was none or several).
  rapidjson::Document reply(const std::string &line) {
    auto r = send(line);
    rapidjson::Document d;
    if (r.size() == 1) {
      d.Parse(r[0].c_str());
    }
    return d;
  }
  void pvp(const std::string &envelope, bool replay = false) {
    session->on_pvp(envelope, replay, now);
  }
  void initialize(const std::string &caps = "{}") {
    send(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":)" +
        caps + R"(,"clientInfo":{"name":"t","version":"1"}}})");
    send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  }
  // Joins `session` as `id` and confirms it with the participant's own announce.
  void join(const std::string &ses = "s1", const std::string &id = "claude") {
    send(
        R"({"jsonrpc":"2.0","id":"j","method":"tools/call","params":{"name":"pvp_join","arguments":{"session":")" +
        ses + R"(","participant_id":")" + id + R"(","name":"Claude"}}})");
    pvp(announce(ses, id, "agent"));
  }
  static std::string announce(const std::string &ses, const std::string &id,
                              const std::string &type) {
    return R"({"v":1,"type":"participant.announce","id":"a-)" + id + R"(","session":")" + ses +
           R"(","sender":")" + id + R"(","payload":{"id":")" + id + R"(","name":")" + id +
           R"(","type":")" + type + R"(","roles":["approver"],"transport":"websocket"}})";
  }
  // The last PVP envelope sent, parsed.
  rapidjson::Document last_pvp() { return parse(sink.pvp.empty() ? "" : sink.pvp.back()); }

  Settings settings;
  RecordingSink sink;
  std::unique_ptr<McpSession> session;
  uint64_t now = 1000;
};

// The text of a tools/call result's first content block, parsed as JSON when it is JSON.
inline std::string result_text(const rapidjson::Document &reply) {
  if (!reply.IsObject() || !reply.HasMember("result")) {
    return "";
  }
  const auto &r = reply["result"];
  if (!r.HasMember("content") || !r["content"].IsArray() || r["content"].Empty()) {
    return "";
  }
  return str(r["content"][0], "text");
}

inline bool is_error_result(const rapidjson::Document &reply) {
  return reply.IsObject() && reply.HasMember("result") && reply["result"].HasMember("isError") &&
         reply["result"]["isError"].GetBool();
}

inline int error_code(const rapidjson::Document &reply) {
  if (!reply.IsObject() || !reply.HasMember("error")) {
    return 0;
  }
  return reply["error"]["code"].GetInt();
}

}  // namespace pvpd::mcp::testing
