// Bridge polling (see bridge_poller.h).
#include "bridge_poller.h"

#include <rapidjson/document.h>

#include <cctype>

#include "pvpclient/http_get.h"
#include "pvpclient/json_view.h"

namespace pvp_tui {

std::string bridge_summary(const std::string &json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError() || !d.IsObject()) {
    return "";
  }
  using pvpd::client::member;
  auto num = [&](const char *k) {
    const rapidjson::Value *v = member(d, k);
    if (v != nullptr && v->IsUint64()) {
      return std::to_string(v->GetUint64());
    }
    if (v != nullptr && v->IsArray()) {
      return std::to_string(v->Size());
    }
    return std::string("0");
  };
  // pvpd's bridge reports tool executions as "shell:1, file_write:2", the reference as a count.
  std::string tools = num("tool_executions");
  if (const rapidjson::Value *t = member(d, "tool_executions"); t != nullptr && t->IsString()) {
    tools = t->GetStringLength() == 0 ? "none" : pvpd::client::str(d, "tool_executions");
  }
  std::string line = "\xe2\x8e\x87 since last commit: " + num("messages_since_last_commit") +
                     " messages, " + num("prompts_count") + " prompts, " + num("approvals_count") +
                     " approvals, tools: " + tools;
  std::string last;
  if (const rapidjson::Value *c = member(d, "last_commit"); c != nullptr) {
    last = c->IsString() ? pvpd::client::str(d, "last_commit")
                         : pvpd::client::str(*c, "sha", pvpd::client::str(*c, "hash"));
  }
  if (!last.empty()) {
    line += " \xc2\xb7 last commit " + last.substr(0, 12);
  }
  const std::string summary = pvpd::client::str(d, "decision_summary");
  if (!summary.empty()) {
    line += " \xc2\xb7 " + summary;
  }
  return line;
}

BridgePoller::BridgePoller(std::vector<BridgeEndpoint> endpoints, std::string session,
                           std::chrono::milliseconds interval)
    : endpoints_(std::move(endpoints)),
      session_(std::move(session)),
      interval_(interval),
      thread_([this] { run(); }) {}

BridgePoller::~BridgePoller() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::string BridgePoller::line() const {
  std::lock_guard<std::mutex> lock(mu_);
  return line_;
}

namespace {

std::string percent_encode(const std::string &s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

void BridgePoller::run() {
  // Until one endpoint answers, try them all each round; then stay with it.
  std::vector<BridgeEndpoint> candidates = endpoints_;
  for (;;) {
    std::string line;
    for (size_t k = 0; k < candidates.size(); ++k) {
      const BridgeEndpoint &e = candidates[k];
      auto reply = pvpd::client::http_get(
          e.host, e.port, e.path + "?session=" + percent_encode(session_), std::chrono::seconds(2));
      if (reply && reply->status == 200) {
        line = bridge_summary(reply->body);
        if (!line.empty() && candidates.size() > 1) {
          const BridgeEndpoint keep = e;
          candidates = {keep};
        }
        break;
      }
    }
    std::unique_lock<std::mutex> lock(mu_);
    line_ = line;
    if (cv_.wait_for(lock, interval_, [&] { return stop_; })) {
      return;
    }
  }
}

}  // namespace pvp_tui
