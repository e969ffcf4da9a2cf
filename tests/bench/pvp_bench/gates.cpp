// `gates`: one session with an agent and an approver. The agent proposes a tool call that
// requires approval; the approver answers every gate.request with gate.approve; the round trip
// ends when the agent receives the tool.execute for its proposal. `window` proposals are kept
// open at once. pvpd only: the bare broadcaster has no gates.
#include <algorithm>
#include <unordered_map>

#include "bench.h"

namespace pvpbench {
namespace {

class Gates : public Handler {
 public:
  Gates(const Options &o, Result *r) : o_(o), r_(r), pool_(o.host, o.port, this) {}
  int run();

  void on_open(Conn &c) override;
  void on_message(Conn &c, std::string_view msg) override;
  void on_closed(Conn &c) override;

 private:
  void pump();
  std::string propose_frame(uint64_t i) const;

  const Options &o_;
  Result *r_;
  Pool pool_;
  std::string session_;
  std::string agent_id_;
  std::string approver_id_;
  Conn *agent_ = nullptr;
  Conn *approver_ = nullptr;
  bool agent_ready_ = false;
  bool approver_ready_ = false;
  bool running_ = false;
  uint64_t next_ = 0;
  uint64_t done_ = 0;
  std::unordered_map<std::string, uint64_t> open_;  // proposal id -> send time
  uint64_t first_ns_ = 0;
  uint64_t last_ns_ = 0;
};

std::string Gates::propose_frame(uint64_t i) const {
  const std::string id = o_.run_id + "-g" + std::to_string(i);
  return R"({"v":1,"id":")" + id + R"(","type":"tool.propose","session":")" + session_ +
         R"(","sender":")" + agent_id_ + R"(","payload":{"tool_name":"bench","arguments":{"n":)" +
         std::to_string(i) + R"(},"agent":")" + agent_id_ +
         R"(","risk_level":"low","description":"pvp-bench gate","requires_approval":true,)" +
         R"("category":"file_read"}})";
}

void Gates::on_open(Conn &c) {
  if (&c == agent_) {
    pool_.send(c, create_frame(session_, 10));
    pool_.send(c, join_frame(session_, agent_id_, "agent", "driver"));
  } else {
    pool_.send(c, join_frame(session_, approver_id_, "human", "approver"));
  }
}

void Gates::pump() {
  while (running_ && next_ < o_.messages && next_ - done_ < static_cast<uint64_t>(o_.window)) {
    const uint64_t ns = now_ns();
    if (first_ns_ == 0) {
      first_ns_ = ns;
    }
    open_.emplace(o_.run_id + "-g" + std::to_string(next_), ns);
    pool_.send(*agent_, propose_frame(next_++));
    ++r_->sent;
  }
}

void Gates::on_message(Conn &c, std::string_view msg) {
  if (is_error(msg)) {
    ++r_->errors;
    if (r_->first_error.empty()) {
      r_->first_error = std::string(msg.substr(0, 300));
    }
    return;
  }
  if (&c == agent_) {
    if (!agent_ready_) {
      agent_ready_ = is_own_announce(msg, agent_id_);
      return;
    }
    if (!has(msg, R"("type":"tool.execute")")) {
      return;
    }
    auto it = open_.find(std::string(string_field(msg, "tool_proposal")));
    if (it == open_.end()) {
      ++r_->duplicated;
      return;
    }
    const uint64_t now = now_ns();
    r_->latency.record(now - it->second);
    open_.erase(it);
    ++done_;
    ++r_->delivered;
    last_ns_ = now;
    pump();
    return;
  }
  if (!approver_ready_) {
    approver_ready_ = is_own_announce(msg, approver_id_);
    return;
  }
  if (has(msg, R"("type":"gate.request")")) {
    const std::string gate(string_field(msg, "action_ref"));
    pool_.send(c, R"({"v":1,"type":"gate.approve","session":")" + session_ + R"(","sender":")" +
                      approver_id_ + R"(","payload":{"gate":")" + gate + R"(","approver":")" +
                      approver_id_ + R"("}})");
  }
}

void Gates::on_closed(Conn &c) {
  ++r_->failures;
  if (r_->first_error.empty()) {
    r_->first_error = "connection " + std::to_string(c.index) + " closed: " + c.error;
  }
}

int Gates::run() {
  r_->params = {{"gates", static_cast<double>(o_.messages)}, {"window", o_.window}};
  if (o_.target == Target::kBare) {
    r_->skipped = true;
    r_->note = "the bare broadcaster has no gates";
    return 0;
  }
  if (!pool_.ok()) {
    r_->setup_ok = false;
    return 3;
  }
  session_ = o_.run_id + "-gates";
  agent_id_ = o_.run_id + "-agent";
  approver_id_ = o_.run_id + "-approver";
  const auto budget =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.timeout));
  agent_ = &pool_.connect("/");
  if (!pool_.run_until([&] { return agent_ready_ || r_->failures + r_->errors > 0; },
                       Clock::now() + budget) ||
      !agent_ready_) {
    r_->setup_ok = false;
    r_->note = "the agent did not join";
    return 3;
  }
  approver_ = &pool_.connect("/");
  if (!pool_.run_until([&] { return approver_ready_ || r_->failures + r_->errors > 0; },
                       Clock::now() + budget) ||
      !approver_ready_) {
    r_->setup_ok = false;
    r_->note = "the approver did not join";
    return 3;
  }
  r_->expected = o_.messages;
  r_->before = sample_server(o_.server_pid);
  running_ = true;
  pump();
  pool_.run_until([&] { return done_ == o_.messages || r_->failures + r_->errors > 0; },
                  Clock::now() + budget);
  running_ = false;
  r_->after = sample_server(o_.server_pid);
  r_->lost = o_.messages - done_;
  r_->elapsed_s = static_cast<double>(std::max(last_ns_, first_ns_ + 1) - first_ns_) / 1e9;
  r_->metrics.emplace_back("gates_per_s", static_cast<double>(done_) / r_->elapsed_s);
  return r_->ok() ? 0 : 1;
}

}  // namespace

int run_gates(const Options &o, Result *r) {
  Gates g(o, r);
  return g.run();
}

}  // namespace pvpbench
