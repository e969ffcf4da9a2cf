#include "llm_e2e.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace pvpd::testing::llm_e2e {

std::unique_ptr<ws::WsDaemon> start_daemon(const std::string &plugin, const std::string &agent_id,
                                           const std::string &config,
                                           const std::string &credentials_dir) {
  std::string extra =
      "  - use: " + plugin + "\n    id: " + agent_id + "\n    config: " + config + "\n";
  return std::make_unique<ws::WsDaemon>("", extra, 2,
                                        "  credentials_dir: " + credentials_dir + "\n");
}

std::string str(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return "";
  }
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

std::vector<rapidjson::Document> collect_until(WsClient &c, const std::string &type,
                                               const std::string &sender,
                                               std::chrono::milliseconds timeout) {
  return collect_until_frame(
      c,
      [&](const rapidjson::Document &d) {
        return str(d, "type") == type && str(d, "sender") == sender;
      },
      timeout);
}

std::vector<rapidjson::Document> collect_until_frame(
    WsClient &c, const std::function<bool(const rapidjson::Document &)> &pred,
    std::chrono::milliseconds timeout) {
  std::vector<rapidjson::Document> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return {};
    }
    auto m = c.next(left);
    if (!m) {
      return {};
    }
    out.push_back(ws::parse(m->data));
    if (std::getenv("LLM_E2E_DEBUG") != nullptr) {
      fprintf(stderr, "<< %s\n", m->data.c_str());
    }
    if (pred(out.back())) {
      return out;
    }
  }
}

bool open_session(WsClient &c, const std::string &session, const std::string &human,
                  const std::string &agent, int approvals) {
  EXPECT_TRUE(c.wait_open());
  std::string config = R"({"require_approval_for":["file_write","file_delete","shell_execute"],)"
                       R"("default_gate_quorum":{"type":"any","count":)" +
                       std::to_string(approvals) +
                       R"(},"allow_forks":true,"max_participants":10,"ordering_mode":"total",)"
                       R"("on_participant_timeout":"skip","heartbeat_interval_seconds":30,)"
                       R"("idle_timeout_seconds":120,"away_timeout_seconds":300})";
  EXPECT_TRUE(c.send_text(R"({"v":1,"type":"session.create","session":")" + session +
                          R"(","sender":")" + human + R"(","payload":{"name":"llm e2e","config":)" +
                          config + "}}"));
  EXPECT_TRUE(c.send_text(
      R"({"v":1,"type":"session.join","session":")" + session + R"(","sender":")" + human +
      R"(","payload":{"participant":{"id":")" + human + R"(","name":")" + human +
      R"(","type":"human","roles":["driver","approver"],"transport":"websocket",)"
      R"("capabilities":["prompt","approve","add_context","interrupt"]},"supported_versions":[1]}})"));
  // The agent's join is announced to the session (participant.announce; session.join echoes
  // depend on the core's version).
  auto frames = collect_until_frame(c, [&](const rapidjson::Document &d) {
    std::string type = str(d, "type");
    return str(d, "sender") == agent && (type == "participant.announce" || type == "session.join");
  });
  EXPECT_FALSE(frames.empty()) << "the agent did not join " << session;
  return !frames.empty();
}

std::string prompt_frame(const std::string &session, const std::string &sender,
                         const std::string &agent, const std::string &text) {
  return R"({"v":1,"id":"p-1","type":"prompt.submit","session":")" + session + R"(","sender":")" +
         sender + R"(","payload":{"content":")" + text + R"(","target_agent":")" + agent +
         R"(","contributors":[")" + sender + R"("],"context_keys":[]}})";
}

std::string approve_frame(const std::string &session, const std::string &sender,
                          const std::string &gate) {
  return R"({"v":1,"type":"gate.approve","session":")" + session + R"(","sender":")" + sender +
         R"(","payload":{"gate":")" + gate + R"(","approver":")" + sender + R"("}})";
}

std::string text_of(const std::vector<rapidjson::Document> &frames, const std::string &type) {
  std::string out;
  for (const auto &f : frames) {
    if (str(f, "type") == type && f.HasMember("payload")) {
      out += str(f["payload"], "text");
    }
  }
  return out;
}

std::vector<std::string> types_of(const std::vector<rapidjson::Document> &frames,
                                  const std::string &sender) {
  std::vector<std::string> out;
  for (const auto &f : frames) {
    if (str(f, "sender") != sender) {
      continue;
    }
    std::string t = str(f, "type");
    if (out.empty() || out.back() != t) {
      out.push_back(t);
    }
  }
  return out;
}

}  // namespace pvpd::testing::llm_e2e
