// Counters of the T.140 plugin (status_json), one set per plugin instance.
//
// THREAD: written by the listener thread (and deliver on the core thread for host_errors),
// read by status_json on the core thread; relaxed atomics, since each is an independent count.
// OWNERSHIP: owned by the plugin instance; pipelines hold a pointer.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace pvpd::t140 {

// X(name): every counter, in status_json order.
#define PVPD_T140_COUNTERS(X) \
  X(packets)                  \
  X(bytes)                    \
  X(drop_truncated)           \
  X(drop_not_allowed)         \
  X(drop_rate_limited)        \
  X(drop_malformed)           \
  X(drop_rtcp)                \
  X(drop_srtp_auth)           \
  X(drop_srtp_replay)         \
  X(drop_payload_type)        \
  X(drop_red)                 \
  X(drop_stream_limit)        \
  X(drop_duplicate)           \
  X(drop_late)                \
  X(red_ignored_blocks)       \
  X(gaps)                     \
  X(lost_packets)             \
  X(recovered_by_red)         \
  X(loss_markers)             \
  X(invalid_utf8)             \
  X(boms)                     \
  X(controls_removed)         \
  X(ignored_backspaces)       \
  X(seq_restarts)             \
  X(compat_red_layout)        \
  X(compat_red_resplit)       \
  X(mux_red_unattributed)     \
  X(streams_created)          \
  X(streams_expired)          \
  X(flushes)                  \
  X(revisions)                \
  X(host_errors)              \
  X(no_session_chunks)        \
  X(ingress_backpressure)

struct Counters {
#define PVPD_T140_DECLARE(name) std::atomic<uint64_t> name{0};
  PVPD_T140_COUNTERS(PVPD_T140_DECLARE)
#undef PVPD_T140_DECLARE

  static void add(std::atomic<uint64_t> &c, uint64_t n = 1) {
    c.fetch_add(n, std::memory_order_relaxed);
  }
  static uint64_t get(const std::atomic<uint64_t> &c) {
    return c.load(std::memory_order_relaxed);
  }
};

// {"packets":N,...} with every counter.
std::string counters_json(const Counters &c);

}  // namespace pvpd::t140
