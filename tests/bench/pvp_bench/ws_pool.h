// pvp-bench's WebSocket client side: ONE libwebsockets context serving every connection of a
// run from one event loop (the caller's thread), so the load generator costs one core and no
// locks. Scenarios implement Handler and drive the loop with run_until().
//
// THREAD: everything, callbacks included, runs on the thread that calls run_until().
// OWNERSHIP: Pool owns its Conns (stable addresses: std::deque) and the lws context.
// LIFETIME: Conns live until the Pool is destroyed; a closed Conn stays with closed=true.
#pragma once

#include <libwebsockets.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pvpbench {

using Clock = std::chrono::steady_clock;

struct Conn {
  std::size_t index = 0;  // position in Pool::conns()
  struct lws *wsi = nullptr;
  std::deque<std::string> out;  // frames waiting for WRITEABLE
  std::string in;               // message being reassembled
  bool open = false;
  bool closed = false;
  bool failed = false;
  std::string error;
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual void on_open(Conn &c) = 0;
  virtual void on_message(Conn &c, std::string_view msg) = 0;
  virtual void on_closed(Conn &c) = 0;
  // Called when c's queue ran empty and the socket can take more (lets senders refill).
  virtual void on_drained(Conn &) {}
};

class Pool {
 public:
  Pool(std::string host, int port, Handler *handler);
  ~Pool();
  Pool(const Pool &) = delete;
  Pool &operator=(const Pool &) = delete;

  bool ok() const { return context_ != nullptr; }
  // Starts a connection to ws://host:port<path>; the handler hears on_open or on_closed.
  Conn &connect(const std::string &path);
  // Queues a text frame and asks for a WRITEABLE callback.
  void send(Conn &c, std::string frame);
  // Asks for a WRITEABLE callback (on_drained follows once the queue is empty).
  void want_write(Conn &c);
  void close(Conn &c);
  // Runs `fn` on the loop after `delay`.
  void after(std::chrono::microseconds delay, std::function<void()> fn);
  // Services the loop until pred() is true or `deadline` passes; true when pred() held.
  bool run_until(const std::function<bool()> &pred, Clock::time_point deadline);
  std::deque<Conn> &conns() { return conns_; }

 private:
  struct Timer {
    lws_sorted_usec_list_t sul;  // first member: the callback casts back
    Pool *pool;
    std::function<void()> fn;
    bool done = false;
  };
  static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      std::size_t len);
  struct Heartbeat {
    lws_sorted_usec_list_t sul;
    Pool *pool;
  };
  static void on_timer(lws_sorted_usec_list_t *sul);
  static void on_heartbeat(lws_sorted_usec_list_t *sul);
  int on_writeable(Conn &c);

  std::string host_;
  int port_;
  Handler *handler_;
  lws_protocols protocols_[2]{};
  struct lws_context *context_ = nullptr;
  std::deque<Conn> conns_;
  std::vector<std::unique_ptr<Timer>> timers_;
  std::vector<unsigned char> scratch_;
  Heartbeat heartbeat_{};
  bool destroying_ = false;
};

}  // namespace pvpbench
