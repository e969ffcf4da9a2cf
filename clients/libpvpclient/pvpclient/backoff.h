// Reconnection delays: exponential backoff with jitter (libpvpclient).
//
// The n-th consecutive failure waits a random time in [d/2, d] where d = min(max, initial * 2^n):
// "equal jitter", so a restarted server is not hit by every client at the same instant while no
// client waits much less than the nominal delay. reset() after a successful connection.
// THREAD: not thread-safe; owned by the connection's service thread (or a test).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace pvpd::client {

struct BackoffPolicy {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds max{30000};
  // 0 = retry forever.
  unsigned max_attempts = 0;
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {}, uint64_t seed = std::random_device{}());
  // The delay before the next attempt; counts the attempt.
  std::chrono::milliseconds next();
  void reset() { attempts_ = 0; }
  unsigned attempts() const { return attempts_; }
  bool exhausted() const { return policy_.max_attempts != 0 && attempts_ >= policy_.max_attempts; }
  // The nominal (un-jittered) delay for attempt n.
  std::chrono::milliseconds nominal(unsigned n) const;

 private:
  BackoffPolicy policy_;
  std::mt19937_64 rng_;
  unsigned attempts_ = 0;
};

}  // namespace pvpd::client
