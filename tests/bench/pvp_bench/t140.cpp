// `t140`: real-time text into transcripts (docs/plugins/t140.md). `--streams` RTP streams
// (one UDP socket each, so distinct source ports, and distinct random SSRCs) send RFC 4103
// T.140 packets (payload type 96, or RFC 2198 RED with `--red` generations, payload type 98:
// the plugin's defaults) to the t140 plugin's listener; `--receivers` WebSocket observers
// joined to the listener's session count the `context.add` (audio_transcript) frames.
//
// Every packet's text is "#<n>:<send ns>:" padded with 'x' to `--size` bytes, ending in ". ",
// so the plugin's chunker sees one sentence per packet (with `sentence_settle: 0` in the
// plugin config, scripts/bench, it is flushed as soon as it arrives) and every transcript is
// exactly one packet's text without the trailing space. Each observer checks every transcript
// against the text sent (exact bytes: a U+FFFD loss marker, a merged or cut sentence counts as
// garbled), keeps a bitmap per stream (lost, duplicated, reordered) and records the latency
// from the packet's send time (its scheduled time at a fixed rate, so a stall is charged to
// every packet it delayed) to the transcript's arrival. Packet 0 of every stream is a warm-up
// that makes the plugin open the stream's participant and join; it is checked like the others
// but not timed, and the measurement starts once every observer saw it.
//
// `--rate R` > 0: open loop, R packets/s per stream for `--duration` s (or `--messages`
// packets); `--rate 0`: closed loop, at most `--window` packets per stream not yet transcribed
// to every observer (UDP has no flow control: the window keeps the plugin's socket buffer from
// overflowing, which would be loss, not throughput).
//
// THREAD: everything runs on the Pool's loop thread (UDP sends included: non-blocking sockets).
// OWNERSHIP: the scenario owns its sockets and closes them at the end of run().
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <random>
#include <unordered_map>

#include "bench.h"

namespace pvpbench {
namespace {

constexpr uint8_t kT140Pt = 96;  // the plugin's default t140_pt
constexpr uint8_t kRedPt = 98;   // the plugin's default red_pt
// Large enough for every stream and observer of all the runs that share one session (streams
// leave only after the plugin's stream_timeout).
constexpr int kMaxParticipants = 5000;

struct RtpStream {
  int fd = -1;
  uint32_t ssrc = 0;
  uint16_t seq0 = 0;
  uint32_t ts0 = 0;
  uint64_t next = 0;       // next packet number to send (0 = the warm-up)
  uint64_t completed = 0;  // packets 0..completed-1 reached every observer
  std::vector<uint64_t> send_ns;
  std::vector<uint32_t> counts;  // observers that got packet n
  uint64_t t0_ns = 0;            // scheduled start of packet 1 (fixed rate)
};

struct Observer {
  Conn *conn = nullptr;
  std::string id;
  bool ready = false;
  std::vector<std::vector<uint64_t>> bits;  // per stream: packet numbers seen
  std::vector<uint64_t> max_seen;
  std::vector<bool> any;
};

// Packet n's text: "#<n>:<ns>:" + 'x' * k + ". ", `size` bytes unless the prefix is longer.
std::string packet_text(uint64_t n, uint64_t ns, int size) {
  char buf[48];
  int len = std::snprintf(buf, sizeof buf, "#%" PRIu64 ":%" PRIu64 ":", n, ns);
  std::string t(buf, static_cast<std::size_t>(len));
  const std::size_t want = static_cast<std::size_t>(size);
  if (t.size() + 2 < want) {
    t.append(want - 2 - t.size(), 'x');
  }
  t += ". ";
  return t;
}

void put16(std::string &b, uint16_t v) {
  b.push_back(static_cast<char>(v >> 8));
  b.push_back(static_cast<char>(v & 0xff));
}

void put32(std::string &b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v & 0xffff));
}

class T140 : public Handler {
 public:
  T140(const Options &o, Result *r) : o_(o), r_(r), pool_(o.host, o.port, this) {}
  ~T140() override {
    for (RtpStream &s : streams_) {
      if (s.fd >= 0) {
        ::close(s.fd);
      }
    }
  }
  T140(const T140 &) = delete;
  T140 &operator=(const T140 &) = delete;

  int run();

  void on_open(Conn &c) override;
  void on_message(Conn &c, std::string_view msg) override;
  void on_closed(Conn &c) override;

 private:
  bool open_sockets();
  // Sends packet s.next of stream `i` stamped `ns`; false when the socket is full (retry later).
  bool send_packet(std::size_t i, uint64_t ns);
  void pump(std::size_t i);
  void tick();
  void on_transcript(Observer &ob, std::string_view msg);
  void garbled(std::size_t stream, std::string_view content, const char *why);
  void fail(const std::string &what);

  const Options &o_;
  Result *r_;
  Pool pool_;
  std::vector<RtpStream> streams_;
  std::vector<Observer> observers_;  // by Conn::index
  std::unordered_map<uint32_t, std::size_t> by_ssrc_;
  uint64_t total_ = 0;  // packets per stream, the warm-up included
  bool fixed_rate_ = false;
  bool running_ = false;
  bool retry_armed_ = false;
  std::size_t observers_ready_ = 0;
  std::size_t warm_ = 0;  // streams whose warm-up reached every observer
  std::size_t done_ = 0;  // streams completely transcribed to every observer
  uint64_t garbled_ = 0;
  uint64_t chars_ = 0;           // transcript bytes received in the measured phase
  uint64_t measured_in_ = 0;     // transcripts received in the measured phase
  uint64_t measured_out_ = 0;    // packets sent in the measured phase
  uint64_t chars_expected_ = 0;  // transcript bytes owed, all phases
  uint64_t chars_in_ = 0;        // transcript bytes received intact, all phases
  uint64_t first_send_ns_ = 0;
  uint64_t last_send_ns_ = 0;
  uint64_t last_delivery_ns_ = 0;
};

void T140::fail(const std::string &what) {
  ++r_->failures;
  if (r_->first_error.empty()) {
    r_->first_error = what;
  }
}

bool T140::open_sockets() {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(o_.t140_port));
  if (inet_pton(AF_INET, o_.host.c_str(), &to.sin_addr) != 1) {
    r_->note = "t140 needs an IPv4 --host";
    return false;
  }
  std::mt19937 rng(static_cast<uint32_t>(now_ns() ^ static_cast<uint64_t>(getpid())));
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    RtpStream &s = streams_[i];
    do {
      s.ssrc = static_cast<uint32_t>(rng());
    } while (by_ssrc_.count(s.ssrc) != 0);
    by_ssrc_[s.ssrc] = i;
    s.seq0 = static_cast<uint16_t>(rng());
    s.ts0 = static_cast<uint32_t>(rng());
    s.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0 || ::connect(s.fd, reinterpret_cast<sockaddr *>(&to), sizeof to) != 0) {
      r_->note = std::string("UDP socket: ") + std::strerror(errno);
      return false;
    }
  }
  return true;
}

bool T140::send_packet(std::size_t i, uint64_t ns) {
  RtpStream &s = streams_[i];
  const uint64_t n = s.next;
  auto ts_of = [&](uint64_t at) { return s.ts0 + static_cast<uint32_t>(at / 1000000); };
  const std::string text = packet_text(n, ns, o_.size);
  std::string pkt;
  pkt.reserve(16 + text.size() * static_cast<std::size_t>(o_.red + 1) + 4 * 9);
  pkt.push_back(static_cast<char>(0x80));  // V=2, no padding, no extension, no CSRC
  // The marker bit starts a burst (RFC 4103 §3): here, the stream's first packet.
  pkt.push_back(static_cast<char>((n == 0 ? 0x80 : 0) | (o_.red > 0 ? kRedPt : kT140Pt)));
  put16(pkt, static_cast<uint16_t>(s.seq0 + n));
  put32(pkt, ts_of(ns));
  put32(pkt, s.ssrc);
  if (o_.red > 0) {
    // RFC 2198, oldest generation first; the first packets repeat empty generations (RFC 4103
    // §4: the redundancy is present from the start).
    std::vector<std::string> old;
    for (int g = o_.red; g >= 1; --g) {
      const auto k = static_cast<uint64_t>(g);
      if (n >= k) {
        const uint64_t at = s.send_ns[n - k];
        old.push_back(packet_text(n - k, at, o_.size));
        const uint32_t offset = std::min<uint32_t>(ts_of(ns) - ts_of(at), 0x3fff);
        put32(pkt, (uint32_t{0x80 | kT140Pt} << 24) | (offset << 10) |
                       static_cast<uint32_t>(old.back().size()));
      } else {
        old.emplace_back();
        put32(pkt, uint32_t{0x80 | kT140Pt} << 24);
      }
    }
    pkt.push_back(static_cast<char>(kT140Pt));
    for (const std::string &b : old) {
      pkt += b;
    }
  }
  pkt += text;
  if (::send(s.fd, pkt.data(), pkt.size(), 0) != static_cast<ssize_t>(pkt.size())) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      return false;
    }
    fail("stream " + std::to_string(i) + ": send: " + std::strerror(errno));
    return false;
  }
  s.send_ns[n] = ns;
  ++s.next;
  ++r_->sent;
  chars_expected_ += text.size() - 1;  // the trailing space is trimmed by the chunker
  if (running_) {
    ++measured_out_;
    if (first_send_ns_ == 0) {
      first_send_ns_ = ns;
    }
  }
  last_send_ns_ = now_ns();
  return true;
}

// Closed loop: keep `window` packets of stream i in flight.
void T140::pump(std::size_t i) {
  RtpStream &s = streams_[i];
  while (running_ && r_->failures == 0 && s.next < total_ &&
         s.next - s.completed < static_cast<uint64_t>(o_.window)) {
    if (!send_packet(i, now_ns())) {
      if (!retry_armed_ && r_->failures == 0) {
        // The socket buffer is full: try every stream again in a millisecond.
        retry_armed_ = true;
        pool_.after(std::chrono::microseconds(1000), [this] {
          retry_armed_ = false;
          for (std::size_t j = 0; j < streams_.size(); ++j) {
            pump(j);
          }
        });
      }
      return;
    }
  }
}

// Open loop: send whatever is due by now, stamped with its scheduled time.
void T140::tick() {
  const uint64_t now = now_ns();
  bool more = false;
  for (std::size_t i = 0; i < streams_.size() && r_->failures == 0; ++i) {
    RtpStream &s = streams_[i];
    if (now >= s.t0_ns) {
      // Packet n (n >= 1) is due at t0 + (n - 1) / rate.
      const auto due = std::min<uint64_t>(
          total_, static_cast<uint64_t>(static_cast<double>(now - s.t0_ns) * o_.rate / 1e9) + 2);
      while (s.next < due) {
        const auto scheduled =
            s.t0_ns + static_cast<uint64_t>(static_cast<double>(s.next - 1) * 1e9 / o_.rate);
        if (!send_packet(i, scheduled)) {
          break;  // full socket buffer: the rest of what is due goes at the next tick
        }
      }
    }
    more = more || s.next < total_;
  }
  if (more && r_->failures == 0) {
    const double period_us = 1e6 / o_.rate;
    const auto wait = static_cast<int64_t>(std::clamp(period_us, 100.0, 1000.0));
    pool_.after(std::chrono::microseconds(wait), [this] { tick(); });
  }
}

void T140::on_open(Conn &c) {
  Observer &ob = observers_.at(c.index);
  // Idempotent create (the plugin's own create, or an earlier run's, may have come first),
  // then a join that asks for no history replay: transcripts of earlier runs in the same
  // session are not this run's (they are also told apart by SSRC, below).
  pool_.send(c, create_frame(o_.t140_session, kMaxParticipants));
  pool_.send(c, R"({"v":1,"type":"session.join","session":")" + o_.t140_session +
                    R"(","sender":")" + ob.id + R"(","payload":{"participant":{"id":")" + ob.id +
                    R"(","name":")" + ob.id +
                    R"(","type":"human","roles":["observer"],"transport":"websocket",)"
                    R"("metadata":{"resume_from":9007199254740991}},"supported_versions":[1]}})");
}

void T140::garbled(std::size_t stream, std::string_view content, const char *why) {
  ++garbled_;
  ++r_->errors;
  if (r_->first_error.empty()) {
    r_->first_error = "stream " + std::to_string(stream) + ": " + why + ": \"" +
                      std::string(content.substr(0, 200)) + "\"";
  }
}

void T140::on_transcript(Observer &ob, std::string_view msg) {
  const uint64_t now = now_ns();
  // "source":"t140:<listener>/ssrc-<8 hex digits>" names the stream (docs/plugins/t140.md).
  const std::string_view source = string_field(msg, "source");
  const auto dash = source.rfind("/ssrc-");
  if (dash == std::string_view::npos || source.size() != dash + 6 + 8) {
    return;  // not a t140 transcript
  }
  uint32_t ssrc = 0;
  const char *hex = source.data() + dash + 6;
  if (std::from_chars(hex, hex + 8, ssrc, 16).ptr != hex + 8) {
    return;
  }
  const auto it = by_ssrc_.find(ssrc);
  if (it == by_ssrc_.end()) {
    return;  // another run's stream in the same session
  }
  const std::size_t si = it->second;
  RtpStream &s = streams_[si];
  const std::string_view content = string_field(msg, "content");
  uint64_t n = 0;
  if (content.size() < 2 || content[0] != '#' ||
      std::from_chars(content.data() + 1, content.data() + content.size(), n).ec != std::errc()) {
    garbled(si, content, "not a packet's text");
    return;
  }
  if (n >= s.next) {
    garbled(si, content, "a packet number not sent yet");
    return;
  }
  const std::string want = packet_text(n, s.send_ns[n], o_.size);
  if (content != std::string_view(want).substr(0, want.size() - 1)) {
    garbled(si, content, "text differs from the packet's");
    return;
  }
  uint64_t &word = ob.bits[si][n / 64];
  const uint64_t bit = uint64_t{1} << (n % 64);
  if ((word & bit) != 0) {
    ++r_->duplicated;
    return;
  }
  word |= bit;
  if (ob.any[si] && n < ob.max_seen[si]) {
    ++r_->reordered;
  }
  ob.any[si] = true;
  ob.max_seen[si] = std::max(ob.max_seen[si], n);
  ++r_->delivered;
  chars_in_ += content.size();
  if (n > 0) {
    r_->latency.record(now > s.send_ns[n] ? now - s.send_ns[n] : 0);
    ++measured_in_;
    chars_ += content.size();
    last_delivery_ns_ = now;
  }
  if (++s.counts[n] == observers_.size()) {
    const uint64_t before = s.completed;
    while (s.completed < s.next && s.counts[s.completed] == observers_.size()) {
      ++s.completed;
    }
    if (before == 0 && s.completed > 0) {
      ++warm_;
    }
    if (s.completed == total_ && before < total_) {
      ++done_;
    }
    if (!fixed_rate_) {
      pump(si);
    }
  }
}

void T140::on_message(Conn &c, std::string_view msg) {
  Observer &ob = observers_.at(c.index);
  if (is_error(msg)) {
    ++r_->errors;
    if (r_->first_error.empty()) {
      r_->first_error = std::string(msg.substr(0, 300));
    }
    return;
  }
  if (!ob.ready) {
    if (is_own_announce(msg, ob.id)) {
      ob.ready = true;
      ++observers_ready_;
    }
    return;
  }
  if (has(msg, R"("type":"context.add")")) {
    on_transcript(ob, msg);
  }
}

void T140::on_closed(Conn &c) {
  fail("connection " + std::to_string(c.index) + " closed: " + c.error);
}

int T140::run() {
  fixed_rate_ = o_.rate > 0;
  const uint64_t per_stream =
      fixed_rate_ && !o_.messages_given
          ? std::max<uint64_t>(1, static_cast<uint64_t>(o_.rate * o_.duration))
          : o_.messages;
  total_ = per_stream + 1;
  r_->params = {{"streams", o_.streams}, {"receivers", o_.receivers},
                {"size", o_.size},       {"messages", static_cast<double>(per_stream)},
                {"rate", o_.rate},       {"window", fixed_rate_ ? 0 : o_.window},
                {"red", o_.red}};
  if (o_.target == Target::kBare) {
    r_->skipped = true;
    r_->note = "the bare broadcaster has no t140 counterpart";
    return 0;
  }
  if (!pool_.ok()) {
    r_->setup_ok = false;
    r_->note = "lws context creation failed";
    return 3;
  }
  streams_.resize(static_cast<std::size_t>(o_.streams));
  for (RtpStream &s : streams_) {
    s.send_ns.assign(total_, 0);
    s.counts.assign(total_, 0);
  }
  if (!open_sockets()) {
    r_->setup_ok = false;
    return 3;
  }
  const auto setup_start = Clock::now();
  const auto budget =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.timeout));
  observers_.resize(static_cast<std::size_t>(o_.receivers));
  for (std::size_t i = 0; i < observers_.size(); ++i) {
    Observer &ob = observers_[i];
    ob.id = o_.run_id + "-obs" + std::to_string(i);
    ob.bits.assign(streams_.size(), std::vector<uint64_t>((total_ + 63) / 64, 0));
    ob.max_seen.assign(streams_.size(), 0);
    ob.any.assign(streams_.size(), false);
    ob.conn = &pool_.connect("/");
  }
  if (!pool_.run_until(
          [&] {
            return observers_ready_ == observers_.size() || r_->failures > 0 || r_->errors > 0;
          },
          setup_start + budget) ||
      observers_ready_ != observers_.size()) {
    r_->setup_ok = false;
    r_->note = "observers did not join in time (" + std::to_string(observers_ready_) + " of " +
               std::to_string(observers_.size()) + ")";
    return 3;
  }
  // Warm-up: packet 0 of every stream makes the plugin join the stream's participant.
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (!send_packet(i, now_ns())) {
      fail("stream " + std::to_string(i) + ": the warm-up packet could not be sent");
    }
  }
  if (!pool_.run_until([&] { return warm_ == streams_.size() || r_->failures + r_->errors > 0; },
                       setup_start + budget) ||
      warm_ != streams_.size()) {
    r_->setup_ok = false;
    r_->note = "warm-up incomplete: " + std::to_string(warm_) + " of " +
               std::to_string(streams_.size()) +
               " streams transcribed (without a garbled text: is sentence_settle 0 and the "
               "listener's rate_limit off?)";
    return 3;
  }
  r_->metrics.emplace_back("setup_s",
                           std::chrono::duration<double>(Clock::now() - setup_start).count());

  r_->before = sample_server(o_.server_pid);
  running_ = true;
  if (fixed_rate_) {
    const uint64_t start = now_ns() + 1000000;  // 1 ms from now
    for (std::size_t i = 0; i < streams_.size(); ++i) {
      // Streams start staggered across one send period so they do not burst together.
      streams_[i].t0_ns =
          start + static_cast<uint64_t>(static_cast<double>(i) * 1e9 / (o_.rate * o_.streams));
    }
    tick();
  } else {
    for (std::size_t i = 0; i < streams_.size(); ++i) {
      pump(i);
    }
  }
  // Until every packet reached every observer, or nothing moved for 5 s after the last send
  // (the plugin waits `reorder_wait`, 1 s by default, before it gives a gap up).
  const auto hard = Clock::now() + budget +
                    std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                        fixed_rate_ ? static_cast<double>(per_stream) / o_.rate + 1 : 0));
  pool_.run_until(
      [&] {
        if (done_ == streams_.size() || r_->failures > 0) {
          return true;
        }
        bool all_sent = true;
        for (const RtpStream &s : streams_) {
          all_sent = all_sent && s.next == total_;
        }
        const uint64_t quiet = now_ns() - std::max(last_send_ns_, last_delivery_ns_);
        return (all_sent || !fixed_rate_) && quiet > 5'000'000'000ULL;
      },
      hard);
  running_ = false;
  r_->after = sample_server(o_.server_pid);
  r_->expected = r_->sent * observers_.size();
  r_->lost = r_->expected > r_->delivered ? r_->expected - r_->delivered : 0;
  if (first_send_ns_ == 0) {
    first_send_ns_ = now_ns();
  }
  const uint64_t end = std::max(last_delivery_ns_, first_send_ns_ + 1);
  r_->elapsed_s = static_cast<double>(end - first_send_ns_) / 1e9;
  const double el = std::max(r_->elapsed_s, 1e-9);
  r_->metrics.emplace_back("packets_per_s", static_cast<double>(measured_out_) / el);
  r_->metrics.emplace_back("transcripts_per_s", static_cast<double>(measured_in_) / el);
  r_->metrics.emplace_back("transcript_chars_per_s", static_cast<double>(chars_) / el);
  r_->metrics.emplace_back("garbled", static_cast<double>(garbled_));
  const uint64_t owed = chars_expected_ * observers_.size();
  r_->metrics.emplace_back("lost_chars",
                           static_cast<double>(owed > chars_in_ ? owed - chars_in_ : 0));
  if (r_->after.valid && measured_out_ > 0) {
    r_->metrics.emplace_back(
        "server_cpu_us_per_packet",
        (r_->after.cpu_s - r_->before.cpu_s) * 1e6 / static_cast<double>(measured_out_));
  }
  return r_->ok() ? 0 : 1;
}

}  // namespace

int run_t140(const Options &o, Result *r) {
  T140 t(o, r);
  return t.run();
}

}  // namespace pvpbench
