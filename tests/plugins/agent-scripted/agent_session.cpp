#include "agent_session.h"

#include <cstdio>

namespace pvpd::testing::agent {

std::unique_ptr<ws::WsDaemon> start_daemon(const std::string &agent_id,
                                           const std::string &agent_config) {
  std::string extra =
      "  - use: agent-scripted\n    id: " + agent_id + "\n    config: " + agent_config + "\n";
  return std::make_unique<ws::WsDaemon>("", extra, 2);
}

std::string session_config_json(int approvals_needed) {
  return R"({"require_approval_for":["file_write","file_delete","shell_execute"],)"
         R"("default_gate_quorum":{"type":"any","count":)" +
         std::to_string(approvals_needed) +
         R"(},"allow_forks":true,"max_participants":10,"ordering_mode":"total",)"
         R"("on_participant_timeout":"skip","heartbeat_interval_seconds":30,)"
         R"("idle_timeout_seconds":120,"away_timeout_seconds":300})";
}

std::string create_frame(const std::string &session, const std::string &sender,
                         const std::string &config_json) {
  return R"({"v":1,"type":"session.create","session":")" + session + R"(","sender":")" + sender +
         R"(","payload":{"name":"agent e2e","config":)" + config_json + "}}";
}

std::string human_join_frame(const std::string &session, const std::string &id,
                             const std::vector<std::string> &roles) {
  std::string r;
  for (const auto &role : roles) {
    r += (r.empty() ? "\"" : ",\"") + role + "\"";
  }
  return R"({"v":1,"type":"session.join","session":")" + session + R"(","sender":")" + id +
         R"(","payload":{"participant":{"id":")" + id + R"(","name":")" + id +
         R"(","type":"human","roles":[)" + r +
         R"(],"transport":"websocket","capabilities":["prompt","approve","add_context","interrupt"]},)"
         R"("supported_versions":[1]}})";
}

std::string prompt_frame(const std::string &session, const std::string &sender,
                         const std::string &agent, const std::string &text) {
  return R"({"v":1,"type":"prompt.submit","session":")" + session + R"(","sender":")" + sender +
         R"(","payload":{"content":")" + text + R"(","target_agent":")" + agent +
         R"(","contributors":[")" + sender + R"("],"context_keys":[]}})";
}

std::string vote_frame(const std::string &session, const std::string &sender,
                       const std::string &gate, bool approve, const std::string &reason) {
  if (approve) {
    return R"({"v":1,"type":"gate.approve","session":")" + session + R"(","sender":")" + sender +
           R"(","payload":{"gate":")" + gate + R"(","approver":")" + sender + R"("}})";
  }
  return R"({"v":1,"type":"gate.reject","session":")" + session + R"(","sender":")" + sender +
         R"(","payload":{"gate":")" + gate + R"(","rejector":")" + sender + R"(","reason":")" +
         reason + R"("}})";
}

std::string interrupt_frame(const std::string &session, const std::string &sender,
                            const std::string &agent, const std::string &urgency,
                            const std::string &inject) {
  std::string extra = inject.empty() ? "" : R"(,"inject_context":")" + inject + "\"";
  return R"({"v":1,"type":"interrupt.raise","session":")" + session + R"(","sender":")" + sender +
         R"(","payload":{"target":")" + agent + R"(","urgency":")" + urgency +
         R"(","message":"interrupt from the test")" + extra + "}}";
}

std::string str(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return "";
  }
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

std::optional<rapidjson::Document> wait_type(
    WsClient &c, const std::string &type,
    const std::function<bool(const rapidjson::Document &)> &pred,
    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return std::nullopt;
    }
    auto m = c.next(left);
    if (!m) {
      return std::nullopt;
    }
    rapidjson::Document d = ws::parse(m->data);
    if (str(d, "type") == type && (!pred || pred(d))) {
      return d;
    }
  }
}

std::vector<rapidjson::Document> collect_until(WsClient &c, const std::string &type,
                                               std::chrono::milliseconds timeout) {
  std::vector<rapidjson::Document> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto m = left.count() > 0 ? c.next(left) : std::nullopt;
    if (!m) {
      // Say what did arrive: a timeout alone tells nothing.
      std::string got;
      for (const auto &f : out) {
        got += " " + str(f, "type");
        if (str(f, "type") == "error") {
          got += "(" + str(f["payload"], "code") + ": " + str(f["payload"], "message") + ")";
        }
      }
      std::fprintf(stderr, "collect_until(%s): timed out; received:%s\n", type.c_str(),
                   got.c_str());
      return {};
    }
    out.push_back(ws::parse(m->data));
    if (str(out.back(), "type") == type) {
      return out;
    }
  }
}

}  // namespace pvpd::testing::agent
