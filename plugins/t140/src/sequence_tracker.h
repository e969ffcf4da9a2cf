// Per-RTP-source sequence bookkeeping (RFC 3550 A.1, RFC 4103 §5): extended sequence numbers
// across wrap-around, sender restarts, duplicate and late-packet suppression, and a reorder
// buffer that waits a bounded time for missing packets (filled by RED redundancy when it
// arrives) before declaring a loss.
//
// Input is already split into (seq, block) items by the RED decoder; output is the blocks in
// sequence order, with one loss entry per unrecoverable gap.
//
// THREAD: one instance per source, one thread. OWNERSHIP: stores copies of block bytes.
// Time is passed in (ms), so tests use a fake clock.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::t140 {

struct SequenceOptions {
  uint64_t reorder_wait_ms = 1000;  // RFC 4103 §5.4: wait at most about one second
  std::size_t max_buffered = 128;   // packets held waiting for a gap; more forces the loss
  std::size_t max_buffered_bytes = 256 * 1024;  // the same bound in bytes
  uint32_t max_dropout = 3000;                  // RFC 3550 A.1
  uint32_t max_misorder = 100;
  uint64_t restart_idle_ms = 10000;  // after this much silence any seq is a fresh start
};

// One item of a packet: the primary (distance 0) or a redundant copy of an earlier packet.
struct SeqItem {
  uint32_t distance = 0;
  std::string_view data;
  uint32_t tag = 0;  // opaque attribution (sub-stream) carried through to the output
};

struct OrderedBlock {
  bool loss = false;  // a gap: `lost` packets are missing here
  uint32_t lost = 0;
  bool recovered = false;  // this block came from redundancy, not its own packet
  std::string data;
  uint32_t tag = 0;
};

struct SequenceStats {
  uint64_t duplicates = 0;
  uint64_t late = 0;
  uint64_t gaps = 0;
  uint64_t lost_packets = 0;
  uint64_t recovered = 0;
  uint64_t restarts = 0;
};

class SequenceTracker {
 public:
  explicit SequenceTracker(SequenceOptions options = {}) : options_(options) {}

  // Adds one packet. Returns false when the packet was a duplicate or too late (dropped).
  bool add(uint16_t seq, const std::vector<SeqItem> &items, uint64_t now_ms,
           std::vector<OrderedBlock> *out, SequenceStats *stats);
  // Declares losses whose wait expired and releases what follows them.
  void poll(uint64_t now_ms, std::vector<OrderedBlock> *out, SequenceStats *stats);
  std::optional<uint64_t> next_deadline() const;
  // The primary payload of (primary seq - distance) if still known, for RED re-splitting.
  std::optional<std::string_view> recent_primary(uint16_t seq) const;

 private:
  int64_t extend(uint16_t seq) const;
  void reset(uint16_t seq, std::vector<OrderedBlock> *out);
  void release(std::vector<OrderedBlock> *out);
  void remember_primary(int64_t ext, std::string_view data);

  struct Held {
    std::string data;
    uint32_t tag = 0;
    bool recovered = false;
  };

  SequenceOptions options_;
  bool started_ = false;
  int64_t next_ = 0;     // the next extended seq to deliver
  int64_t highest_ = 0;  // the highest extended primary seq seen
  uint64_t last_arrival_ms_ = 0;
  std::optional<uint16_t> probation_seq_;  // a suspicious jump waits for its successor
  std::map<int64_t, Held> held_;
  std::size_t held_bytes_ = 0;
  std::optional<uint64_t> gap_since_ms_;
  std::deque<int64_t> declared_lost_;  // recent seqs given up on, to tell late from duplicate
  std::deque<std::pair<int64_t, std::string>> recent_primaries_;
};

}  // namespace pvpd::t140
