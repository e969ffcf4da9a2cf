// One WebSocket connection: its bounded outbound queue (filled by deliver() on the core thread,
// drained by the lws service thread) and its inbound reassembly state (lws thread only).
//
// THREAD: fields are grouped by who may touch them. "guarded" fields are read and written only
// with WsServer::mu_ held; "lws thread" fields only on the lws service thread, without a lock.
// Only the lws thread pops or clears the queue, so the front message it is part-way through
// writing never disappears under it.
// OWNERSHIP: queued messages hold a buffer reference (pvpd::BufRef), released when written,
// dropped, or when the connection is destroyed. WsServer owns Connections (unique_ptr in a map);
// the lws per-session data holds a raw pointer that is cleared on LWS_CALLBACK_CLOSED.
// LIFETIME: created on LWS_CALLBACK_ESTABLISHED, destroyed on LWS_CALLBACK_CLOSED (lws thread).
#pragma once

#include <pvpd/plugin.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "rate_limiter.h"

struct lws;

namespace pvpd::websocket {

// The bounded FIFO of messages waiting to be written. Not synchronized (see above).
class OutboundQueue {
 public:
  enum class Push { kQueued, kDropped, kOverflow };

  OutboundQueue(std::size_t high_water, std::size_t limit, bool drop_droppable)
      : high_water_(high_water), limit_(limit), drop_droppable_(drop_droppable) {}

  // Queues `buf` unless the queue is at its limit: then a droppable message is dropped (when the
  // policy allows) and anything else reports kOverflow (the caller closes the connection).
  // `pressure_on` is set when this push crossed the high-water mark.
  Push push(pvpd::BufRef buf, bool droppable, bool *pressure_on);
  // Queues a plugin-made frame regardless of the limit (errors before a close).
  void push_control(pvpd::BufRef buf) { items_.push_back(Item{std::move(buf), false}); }
  // The message being written, or nullptr.
  const pvpd::BufRef *front() const { return items_.empty() ? nullptr : &items_.front().buf; }
  // The i-th queued message (i < size()); stays valid until the lws thread pops it.
  const pvpd::BufRef &at(std::size_t i) const { return items_[i].buf; }
  // An urgent message (an interrupt) is coming: drops the droppable messages queued behind the
  // first `keep` (those the writer has already taken), so it is not stuck behind deltas it makes
  // moot. Returns how many were dropped.
  std::size_t drop_droppable_after(std::size_t keep);
  // Removes the front; `pressure_off` is set when the queue drained below half the high-water
  // mark after having crossed it.
  void pop(bool *pressure_off);
  void clear() { items_.clear(); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  bool pressured() const { return pressured_; }

 private:
  struct Item {
    pvpd::BufRef buf;
    bool droppable = false;
  };
  std::deque<Item> items_;
  std::size_t high_water_;
  std::size_t limit_;
  bool drop_droppable_;
  bool pressured_ = false;
};

struct Connection {
  Connection(pvpd_conn_id conn_id, struct lws *w, std::string peer_text, std::string ip_text,
             OutboundQueue queue, RateLimiter rate)
      : id(conn_id),
        wsi(w),
        peer(std::move(peer_text)),
        ip(std::move(ip_text)),
        out(std::move(queue)),
        limiter(rate) {}

  // Immutable after construction.
  const pvpd_conn_id id;
  struct lws *const wsi;   // dereferenced on the lws thread only
  const std::string peer;  // "ip:port"
  const std::string ip;

  // Guarded by WsServer::mu_.
  OutboundQueue out;
  int close_code = 0;                      // != 0: close requested with this WebSocket status code
  std::string close_reason;                // sent in the close frame
  int32_t close_pvpd = PVPD_CLOSE_NORMAL;  // reason reported with conn_closed
  bool flush_before_close = true;          // false: drop the queue (slow consumer)
  bool resume_reads = false;               // flow(conn, 1) arrived; the lws thread resumes reading
  bool marked = false;                     // listed in WsServer::marked_ (avoid duplicates)

  // lws thread only.
  std::size_t out_offset = 0;  // bytes of out.front() already written
  // Messages at the queue's front the lws thread is writing right now (a batch, or the one
  // being fragmented): they must stay where they are until it pops them.
  std::size_t out_in_flight = 0;
  std::string in;  // message being reassembled
  bool in_binary = false;
  bool in_oversized = false;  // discarding the rest of an oversized message
  bool reads_paused = false;
  bool closing = false;     // close frame sent or being sent; ignore further input
  uint32_t bad_frames = 0;  // consecutive frames that do not look like envelopes
  RateLimiter limiter;
  bool rate_limited = false;  // in a rate-limit episode (error already sent)
  uint64_t rate_drops = 0;    // messages dropped in the current episode
  std::chrono::steady_clock::time_point last_rx = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point close_requested_at{};
};

}  // namespace pvpd::websocket
