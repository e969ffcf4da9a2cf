// Token bucket for inbound messages of one connection.
//
// THREAD: owned by one Connection and used only on the lws service thread; not synchronized.
// Time is passed in, so tests drive it without sleeping.
#pragma once

#include <algorithm>
#include <chrono>

namespace pvpd::websocket {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // burst <= 0 or per_second <= 0 disables limiting (every take() succeeds).
  RateLimiter(double burst, double per_second, Clock::time_point now)
      : burst_(burst), per_second_(per_second), tokens_(burst), last_(now) {}

  bool enabled() const { return burst_ > 0 && per_second_ > 0; }

  // Takes one token; false when the bucket is empty (the message should be dropped).
  bool take(Clock::time_point now) {
    if (!enabled()) {
      return true;
    }
    std::chrono::duration<double> elapsed = now - last_;
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed.count()) * per_second_);
    if (tokens_ < 1.0) {
      return false;
    }
    tokens_ -= 1.0;
    return true;
  }

 private:
  double burst_;
  double per_second_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace pvpd::websocket
