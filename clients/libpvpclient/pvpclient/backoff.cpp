// Exponential backoff with jitter (see backoff.h).
#include "pvpclient/backoff.h"

#include <algorithm>

namespace pvpd::client {

Backoff::Backoff(BackoffPolicy policy, uint64_t seed) : policy_(policy), rng_(seed) {}

std::chrono::milliseconds Backoff::nominal(unsigned n) const {
  const int64_t initial = std::max<int64_t>(1, policy_.initial.count());
  const int64_t max = std::max<int64_t>(initial, policy_.max.count());
  int64_t d = initial;
  for (unsigned i = 0; i < n && d < max; ++i) {
    d *= 2;
  }
  return std::chrono::milliseconds(std::min(d, max));
}

std::chrono::milliseconds Backoff::next() {
  const int64_t d = nominal(attempts_).count();
  ++attempts_;
  std::uniform_int_distribution<int64_t> dist(d / 2, d);
  return std::chrono::milliseconds(dist(rng_));
}

}  // namespace pvpd::client
