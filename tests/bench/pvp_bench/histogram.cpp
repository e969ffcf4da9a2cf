// Log-linear latency histogram (see histogram.h).
#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace pvpbench {

// Values below kSub get one bucket each; above, a power of two [2^m, 2^(m+1)) is split into
// kSub equal buckets.
int Histogram::index_of(uint64_t v) {
  if (v < kSub) {
    return static_cast<int>(v);
  }
  const int m = 63 - std::countl_zero(v);  // m >= 6
  const int shift = m - 6;
  const int sub = static_cast<int>((v >> shift) & (kSub - 1));
  return std::min((m - 5) * kSub + sub, kBuckets - 1);
}

uint64_t Histogram::upper_of(int index) {
  if (index < kSub) {
    return static_cast<uint64_t>(index);
  }
  const int m = index / kSub + 5;
  const uint64_t sub = static_cast<uint64_t>(index % kSub);
  const int shift = m - 6;
  return ((uint64_t{kSub} + sub + 1) << shift) - 1;
}

void Histogram::record(uint64_t ns) {
  ++buckets_[static_cast<std::size_t>(index_of(ns))];
  ++count_;
  max_ = std::max(max_, ns);
}

void Histogram::merge(const Histogram &o) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    buckets_[i] += o.buckets_[i];
  }
  count_ += o.count_;
  max_ = std::max(max_, o.max_);
}

uint64_t Histogram::quantile(double q) const {
  if (count_ == 0) {
    return 0;
  }
  const auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= std::max<uint64_t>(rank, 1)) {
      return std::min(upper_of(static_cast<int>(i)), max_);
    }
  }
  return max_;
}

}  // namespace pvpbench
