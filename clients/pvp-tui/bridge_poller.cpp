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
  std::string line = "\xe2\x8e\x87 since last commit: " + num("messages_since_last_commit") +
                     " messages, " + num("prompts_count") + " prompts, " + num("approvals_count") +
                     " approvals, " + num("tool_executions") + " tools";
  std::string last;
  if (const rapidjson::Value *c = member(d, "last_commit"); c != nullptr) {
    last = c->IsString() ? pvpd::client::str(d, "last_commit") : pvpd::client::str(*c, "hash");
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

BridgePoller::BridgePoller(std::string host, int port, std::string session,
                           std::chrono::milliseconds interval)
    : host_(std::move(host)),
      port_(port),
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
  for (;;) {
    auto reply = pvpd::client::http_get(
        host_, port_, "/bridge/commit-context?session=" + percent_encode(session_),
        std::chrono::seconds(2));
    std::string line;
    if (reply && reply->status == 200) {
      line = bridge_summary(reply->body);
    }
    std::unique_lock<std::mutex> lock(mu_);
    line_ = line;
    if (cv_.wait_for(lock, interval_, [&] { return stop_; })) {
      return;
    }
  }
}

}  // namespace pvp_tui
