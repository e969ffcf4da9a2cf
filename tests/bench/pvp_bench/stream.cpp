// The streaming scenarios: `fanout` (one session, one agent, N receivers) and `sessions`
// (K sessions of one agent and P-1 receivers each, at a modest rate). Every receiver keeps a
// bitmap of the bench message numbers it saw, which gives exact loss, duplicate and reorder
// counts; latency is receive time minus the send time embedded in the chunk text (both on this
// process's steady clock), and at a fixed rate the scheduled send time, so a server stall is
// charged to every message it delayed (no coordinated omission).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench.h"

namespace pvpbench {
namespace {

struct Member {
  std::size_t group = 0;
  bool sender = false;
  std::string id;
  bool ready = false;
  std::vector<uint64_t> bits;
  uint64_t got = 0;
  uint64_t max_seen = 0;
  bool any = false;
};

struct Group {
  std::string session;
  std::string agent;
  Conn *sender = nullptr;
  std::size_t receivers = 0;  // receivers to join
  std::size_t ready = 0;      // receivers joined
  uint64_t next = 0;          // next message number to send
  uint64_t completed = 0;     // messages 0..completed-1 reached every receiver
  std::vector<uint32_t> counts;
  uint64_t t0_ns = 0;  // scheduled start (fixed rate)
};

class Stream : public Handler {
 public:
  Stream(const Options &o, Result *r) : o_(o), r_(r), pool_(o.host, o.port, this) {}

  int run();

  void on_open(Conn &c) override;
  void on_message(Conn &c, std::string_view msg) override;
  void on_closed(Conn &c) override;
  void on_drained(Conn &c) override;

 private:
  bool bare() const { return o_.target == Target::kBare; }
  void became_ready(Conn &c);
  void connect_more();
  void pump(Group &g);
  void tick();
  void error_frame(std::string_view msg);

  const Options &o_;
  Result *r_;
  Pool pool_;
  std::vector<Group> groups_;
  std::vector<Member> members_;                               // by Conn::index
  std::vector<std::pair<std::size_t, std::string>> pending_;  // receivers not yet connected
  std::size_t next_pending_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t senders_ready_ = 0;
  std::size_t receivers_ready_ = 0;
  std::size_t total_receivers_ = 0;
  uint64_t total_messages_ = 0;
  bool running_ = false;
  bool fixed_rate_ = false;
  uint64_t per_group_ = 0;
  uint64_t first_send_ns_ = 0;
  uint64_t last_send_ns_ = 0;
  uint64_t last_delivery_ns_ = 0;
  uint64_t completed_groups_ = 0;
};

void Stream::error_frame(std::string_view msg) {
  ++r_->errors;
  if (r_->first_error.empty()) {
    r_->first_error = std::string(msg.substr(0, 300));
  }
}

void Stream::on_open(Conn &c) {
  Member &m = members_.at(c.index);
  Group &g = groups_[m.group];
  if (bare()) {
    became_ready(c);
    return;
  }
  if (m.sender) {
    pool_.send(c, create_frame(g.session, static_cast<int>(g.receivers) + 10));
    pool_.send(c, join_frame(g.session, m.id, "agent", "driver"));
  } else {
    pool_.send(c, join_frame(g.session, m.id, "human", "observer"));
  }
}

void Stream::became_ready(Conn &c) {
  Member &m = members_.at(c.index);
  if (m.ready) {
    return;
  }
  m.ready = true;
  if (m.sender) {
    ++senders_ready_;
  } else {
    ++groups_[m.group].ready;
    ++receivers_ready_;
    --in_flight_;
    connect_more();
  }
}

void Stream::connect_more() {
  while (in_flight_ < static_cast<std::size_t>(o_.concurrency) && next_pending_ < pending_.size()) {
    auto &[group, id] = pending_[next_pending_++];
    Member m;
    m.group = group;
    m.id = id;
    m.bits.assign((per_group_ + 63) / 64, 0);
    members_.push_back(std::move(m));
    ++in_flight_;
    pool_.connect(bare() ? "/" + groups_[group].session : "/");
  }
}

void Stream::on_message(Conn &c, std::string_view msg) {
  Member &m = members_.at(c.index);
  if (is_error(msg)) {
    error_frame(msg);
    return;
  }
  if (!m.ready) {
    if (is_own_announce(msg, m.id)) {
      became_ready(c);
    }
    return;
  }
  if (m.sender) {
    return;  // pvpd echoes the chunks to their sender too; only receivers are counted
  }
  uint64_t id = 0;
  uint64_t ns = 0;
  if (!parse_chunk(msg, &id, &ns)) {
    return;  // announces of later joiners, heartbeats
  }
  const uint64_t now = now_ns();
  Group &g = groups_[m.group];
  if (id >= per_group_) {
    error_frame(msg);
    return;
  }
  uint64_t &word = m.bits[id / 64];
  const uint64_t bit = uint64_t{1} << (id % 64);
  if ((word & bit) != 0) {
    ++r_->duplicated;
    return;
  }
  word |= bit;
  r_->latency.record(now > ns ? now - ns : 0);
  ++r_->delivered;
  ++m.got;
  if (m.any && id < m.max_seen) {
    ++r_->reordered;
  }
  m.any = true;
  m.max_seen = std::max(m.max_seen, id);
  last_delivery_ns_ = now;
  if (++g.counts[id] == g.receivers) {
    const uint64_t before = g.completed;
    while (g.completed < per_group_ && g.counts[g.completed] == g.receivers) {
      ++g.completed;
    }
    if (g.completed == per_group_ && before < per_group_) {
      ++completed_groups_;
    }
    if (!fixed_rate_) {
      pump(g);
    }
  }
}

void Stream::on_closed(Conn &c) {
  ++r_->failures;
  if (r_->first_error.empty()) {
    r_->first_error = "connection " + std::to_string(c.index) + " closed: " + c.error;
  }
  Member &m = members_.at(c.index);
  if (!m.ready && !m.sender) {
    --in_flight_;
    connect_more();
  }
}

void Stream::on_drained(Conn &c) {
  Member &m = members_.at(c.index);
  if (running_ && m.sender && !fixed_rate_) {
    pump(groups_[m.group]);
  }
}

// Window mode: keep `window` messages in flight per session.
void Stream::pump(Group &g) {
  if (!running_ || g.sender == nullptr || g.sender->closed) {
    return;
  }
  while (g.next < per_group_ && g.next - g.completed < static_cast<uint64_t>(o_.window) &&
         g.sender->out.size() < 16) {
    const uint64_t ns = now_ns();
    if (first_send_ns_ == 0) {
      first_send_ns_ = ns;
    }
    last_send_ns_ = ns;
    pool_.send(*g.sender, chunk_frame(g.session, g.agent, g.next++, ns, o_.size, bare()));
    ++r_->sent;
  }
}

// Fixed-rate mode: send whatever is due by now, stamped with its scheduled time.
void Stream::tick() {
  const uint64_t now = now_ns();
  bool more = false;
  for (Group &g : groups_) {
    if (g.sender == nullptr || g.sender->closed || now < g.t0_ns) {
      more = more || g.next < per_group_;
      continue;
    }
    const auto due = std::min<uint64_t>(
        per_group_, static_cast<uint64_t>(static_cast<double>(now - g.t0_ns) * o_.rate / 1e9) + 1);
    while (g.next < due) {
      const auto scheduled =
          g.t0_ns + static_cast<uint64_t>(static_cast<double>(g.next) * 1e9 / o_.rate);
      last_send_ns_ = now;
      pool_.send(*g.sender, chunk_frame(g.session, g.agent, g.next++, scheduled, o_.size, bare()));
      ++r_->sent;
    }
    more = more || g.next < per_group_;
  }
  if (more) {
    const double period_us = 1e6 / o_.rate;
    const auto wait = static_cast<int64_t>(std::clamp(period_us, 100.0, 1000.0));
    pool_.after(std::chrono::microseconds(wait), [this] { tick(); });
  }
}

int Stream::run() {
  if (!pool_.ok()) {
    r_->note = "lws context creation failed";
    r_->setup_ok = false;
    return 3;
  }
  const bool fanout = o_.scenario == "fanout";
  const std::size_t k = fanout ? 1 : static_cast<std::size_t>(o_.sessions);
  const std::size_t per = fanout ? static_cast<std::size_t>(o_.receivers)
                                 : static_cast<std::size_t>(o_.participants - 1);
  fixed_rate_ = o_.rate > 0;
  per_group_ =
      fanout ? o_.messages : std::max<uint64_t>(1, static_cast<uint64_t>(o_.rate * o_.duration));
  if (!fanout && !fixed_rate_) {
    r_->note = "sessions needs --rate";
    r_->setup_ok = false;
    return 2;
  }
  total_receivers_ = k * per;
  total_messages_ = per_group_ * k;
  r_->expected = total_messages_ * per;
  if (fanout) {
    r_->params = {{"receivers", static_cast<double>(per)},
                  {"size", o_.size},
                  {"messages", static_cast<double>(per_group_)},
                  {"rate", o_.rate},
                  {"window", fixed_rate_ ? 0 : o_.window}};
  } else {
    r_->params = {{"sessions", static_cast<double>(k)},
                  {"participants", o_.participants},
                  {"rate", o_.rate},
                  {"duration", o_.duration},
                  {"size", o_.size}};
  }
  const auto setup_start = Clock::now();
  const auto budget =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.timeout));
  groups_.resize(k);
  members_.reserve(k + total_receivers_);
  for (std::size_t i = 0; i < k; ++i) {
    Group &g = groups_[i];
    g.session = o_.run_id + "-s" + std::to_string(i);
    g.agent = o_.run_id + "-a" + std::to_string(i);
    g.receivers = per;
    g.counts.assign(per_group_, 0);
    Member m;
    m.group = i;
    m.sender = true;
    m.id = g.agent;
    members_.push_back(m);
    g.sender = &pool_.connect(bare() ? "/" + g.session : "/");
    for (std::size_t j = 0; j < per; ++j) {
      pending_.emplace_back(i, o_.run_id + "-r" + std::to_string(i) + "-" + std::to_string(j));
    }
  }
  // Receivers join after their session's agent has created it (its config sizes the session).
  if (!pool_.run_until([&] { return senders_ready_ == k || r_->failures > 0 || r_->errors > 0; },
                       setup_start + budget) ||
      senders_ready_ != k) {
    r_->setup_ok = false;
    r_->note = "agents did not join in time";
    return 3;
  }
  connect_more();
  if (!pool_.run_until(
          [&] {
            return receivers_ready_ == total_receivers_ || r_->failures > 0 || r_->errors > 0;
          },
          setup_start + budget) ||
      receivers_ready_ != total_receivers_) {
    r_->setup_ok = false;
    r_->note = "receivers did not join in time (" + std::to_string(receivers_ready_) + " of " +
               std::to_string(total_receivers_) + ")";
    return 3;
  }
  r_->metrics.emplace_back("setup_s",
                           std::chrono::duration<double>(Clock::now() - setup_start).count());

  r_->before = sample_server(o_.server_pid);
  running_ = true;
  if (fixed_rate_) {
    const uint64_t start = now_ns() + 1000000;  // 1 ms from now
    first_send_ns_ = start;
    for (std::size_t i = 0; i < k; ++i) {
      // Sessions start staggered across one send period so they do not burst together.
      groups_[i].t0_ns = start + static_cast<uint64_t>(static_cast<double>(i) * 1e9 /
                                                       (o_.rate * static_cast<double>(k)));
    }
    tick();
  } else {
    pump(groups_[0]);
  }
  // Run until every message reached every receiver, or `timeout` passes after the last send.
  const auto hard = Clock::now() + budget +
                    std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(fixed_rate_ ? o_.duration + 1 : 0));
  pool_.run_until(
      [&] {
        if (completed_groups_ == k) {
          return true;
        }
        bool all_sent = true;
        for (const Group &g : groups_) {
          all_sent = all_sent && g.next == per_group_;
        }
        // Stalled: nothing sent or received for a while (everything sent, or a window that
        // cannot advance because a message is missing): the rest is lost.
        const uint64_t quiet = now_ns() - std::max(last_send_ns_, last_delivery_ns_);
        return ((all_sent || !fixed_rate_) && quiet > 5'000'000'000ULL) || r_->failures > 0;
      },
      hard);
  running_ = false;
  r_->after = sample_server(o_.server_pid);
  r_->lost = r_->expected > r_->delivered ? r_->expected - r_->delivered : 0;
  const uint64_t end = std::max(last_delivery_ns_, first_send_ns_ + 1);
  r_->elapsed_s = static_cast<double>(end - first_send_ns_) / 1e9;
  r_->metrics.emplace_back("deliveries_per_s",
                           static_cast<double>(r_->delivered) / std::max(r_->elapsed_s, 1e-9));
  r_->metrics.emplace_back("messages_per_s",
                           static_cast<double>(r_->sent) / std::max(r_->elapsed_s, 1e-9));
  if (r_->after.valid && r_->delivered > 0) {
    r_->metrics.emplace_back(
        "server_cpu_us_per_delivery",
        (r_->after.cpu_s - r_->before.cpu_s) * 1e6 / static_cast<double>(r_->delivered));
  }
  return r_->ok() ? 0 : 1;
}

}  // namespace

int run_stream(const Options &o, Result *r) {
  Stream s(o, r);
  return s.run();
}

}  // namespace pvpbench
