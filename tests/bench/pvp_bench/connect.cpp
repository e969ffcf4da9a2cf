// `connect` and `idle`: C connections opened and joined (sessions of `group` participants,
// auto-created by the first join) with at most `concurrency` attempts in flight. `connect`
// reports joins/s and the connect→joined latency; `idle` then holds them for `hold` seconds
// and reports the server's RSS growth per connection (VmRSS after minus before, from /proc).
#include <algorithm>

#include "bench.h"

namespace pvpbench {
namespace {

class Connector : public Handler {
 public:
  Connector(const Options &o, Result *r) : o_(o), r_(r), pool_(o.host, o.port, this) {}
  int run();

  void on_open(Conn &c) override;
  void on_message(Conn &c, std::string_view msg) override;
  void on_closed(Conn &c) override;

 private:
  struct Member {
    std::string session;
    std::string id;
    uint64_t started_ns = 0;
    bool ready = false;
  };
  void ready(Conn &c);
  void connect_more();

  const Options &o_;
  Result *r_;
  Pool pool_;
  std::vector<Member> members_;
  std::size_t in_flight_ = 0;
  std::size_t ready_ = 0;
  std::size_t done_ = 0;  // ready or failed
  uint64_t last_ready_ns_ = 0;
};

void Connector::connect_more() {
  const auto total = static_cast<std::size_t>(o_.connections);
  while (in_flight_ < static_cast<std::size_t>(o_.concurrency) && members_.size() < total) {
    const std::size_t i = members_.size();
    Member m;
    m.session = o_.run_id + "-c" + std::to_string(i / static_cast<std::size_t>(o_.group));
    m.id = o_.run_id + "-p" + std::to_string(i);
    m.started_ns = now_ns();
    members_.push_back(std::move(m));
    ++in_flight_;
    pool_.connect(o_.target == Target::kBare ? "/" + members_.back().session : "/");
  }
}

void Connector::on_open(Conn &c) {
  if (o_.target == Target::kBare) {
    ready(c);
    return;
  }
  const Member &m = members_.at(c.index);
  pool_.send(c, join_frame(m.session, m.id, "human", "driver"));
}

void Connector::ready(Conn &c) {
  Member &m = members_.at(c.index);
  if (m.ready) {
    return;
  }
  m.ready = true;
  const uint64_t now = now_ns();
  r_->latency.record(now - m.started_ns);
  last_ready_ns_ = now;
  ++ready_;
  ++done_;
  --in_flight_;
  connect_more();
}

void Connector::on_message(Conn &c, std::string_view msg) {
  if (is_error(msg)) {
    ++r_->errors;
    if (r_->first_error.empty()) {
      r_->first_error = std::string(msg.substr(0, 300));
    }
    return;
  }
  if (!members_.at(c.index).ready && is_own_announce(msg, members_.at(c.index).id)) {
    ready(c);
  }
}

void Connector::on_closed(Conn &c) {
  ++r_->failures;
  if (r_->first_error.empty()) {
    r_->first_error = "connection " + std::to_string(c.index) + " closed: " + c.error;
  }
  if (!members_.at(c.index).ready) {
    ++done_;
    --in_flight_;
    connect_more();
  }
}

int Connector::run() {
  if (!pool_.ok()) {
    r_->setup_ok = false;
    r_->note = "lws context creation failed";
    return 3;
  }
  const bool idle = o_.scenario == "idle";
  r_->params = {
      {"connections", o_.connections}, {"group", o_.group}, {"concurrency", o_.concurrency}};
  if (idle) {
    r_->params.emplace_back("hold", o_.hold);
  }
  const auto total = static_cast<std::size_t>(o_.connections);
  r_->expected = total;
  members_.reserve(total);
  r_->before = sample_server(o_.server_pid);
  const uint64_t start = now_ns();
  connect_more();
  const auto budget =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.timeout));
  pool_.run_until([&] { return done_ == total; }, Clock::now() + budget);
  r_->delivered = ready_;
  r_->sent = members_.size();
  r_->elapsed_s = static_cast<double>(std::max(last_ready_ns_, start + 1) - start) / 1e9;
  r_->metrics.emplace_back("joins_per_s", static_cast<double>(ready_) / r_->elapsed_s);
  if (ready_ != total) {
    r_->lost = total - ready_;
    r_->note = "only " + std::to_string(ready_) + " of " + std::to_string(total) + " joined";
  }
  if (idle) {
    const auto hold_until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(o_.hold));
    pool_.run_until([] { return false; }, hold_until);
  }
  r_->after = sample_server(o_.server_pid);
  if (r_->after.valid && r_->before.valid && ready_ > 0) {
    const double growth = static_cast<double>(r_->after.rss_kib - r_->before.rss_kib);
    r_->metrics.emplace_back("server_rss_growth_kib", growth);
    r_->metrics.emplace_back("server_kib_per_connection", growth / static_cast<double>(ready_));
  }
  return r_->ok() ? 0 : 1;
}

}  // namespace

int run_connect(const Options &o, Result *r) {
  Connector c(o, r);
  return c.run();
}

}  // namespace pvpbench
