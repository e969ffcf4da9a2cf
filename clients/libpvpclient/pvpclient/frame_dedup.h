// Drops frames a client has already seen when a server replays history after a reconnect
// (libpvpclient; docs/clients/pvp-tui.md "Reconnection").
//
// Recorded frames carry a `seq` (pvpd: from 1, always): anything at or below the highest seq
// seen is a duplicate, which is what makes a `resume_from` join exact. Servers without seqs
// (the reference server numbers only in `total` ordering mode, and ignores resume_from, so it
// replays the whole history on every join) are handled by remembering the ids of the last
// kMaxIds frames without a seq. `gate.request` is exempt from both: pvpd re-sends an open
// gate's request to every joiner with its original seq and id, and a late joiner needs it.
// THREAD: not thread-safe; one owner (SessionClient). OWNERSHIP: plain value.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_set>

namespace pvpd::client {

class FrameDedup {
 public:
  static constexpr size_t kMaxIds = 200000;
  // True when the frame is new (and records it).
  bool first_time(uint64_t seq, const std::string &id, const std::string &type);
  uint64_t cursor() const { return cursor_; }

 private:
  uint64_t cursor_ = 0;
  std::unordered_set<std::string> ids_;
  std::deque<std::string> order_;
};

}  // namespace pvpd::client
