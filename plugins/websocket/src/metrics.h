// The plugin's own counters, exposed on GET /metrics (Prometheus text format 0.0.4) and in
// status_json.
//
// THREAD: every counter is a relaxed atomic; any thread may bump or read them. A scrape is not a
// consistent snapshot across counters, which Prometheus does not need.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace pvpd::websocket {

struct Metrics {
  std::atomic<uint64_t> connections_current{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> connections_refused{0};  // over max_connections / per-IP limit
  std::atomic<uint64_t> frames_in{0};
  std::atomic<uint64_t> frames_out{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> queue_drops{0};  // droppable messages dropped at the queue limit
  std::atomic<uint64_t> slow_consumer_disconnects{0};
  std::atomic<uint64_t> rate_limited{0};  // inbound messages dropped by the rate limit
  std::atomic<uint64_t> bad_frames{0};    // inbound frames that were not UTF-8 JSON objects
  std::atomic<uint64_t> oversized{0};     // inbound messages over max_message
  std::atomic<uint64_t> http_requests{0};

  static void bump(std::atomic<uint64_t> &c, uint64_t by = 1) {
    c.fetch_add(by, std::memory_order_relaxed);
  }
  static uint64_t get(const std::atomic<uint64_t> &c) { return c.load(std::memory_order_relaxed); }
};

// Prometheus text exposition of `m`: every metric prefixed `pvpd_websocket_`, with HELP and
// TYPE lines. No instance label: each instance serves its own port.
std::string render_prometheus(const Metrics &m);

// The counters as the members of a JSON object (no braces), for status_json.
std::string counters_json(const Metrics &m);

}  // namespace pvpd::websocket
