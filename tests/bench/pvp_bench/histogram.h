// Latency histogram for pvp-bench: log-linear buckets (64 per power of two, ~1.6% resolution),
// fixed memory, O(1) record, so recording millions of deliveries costs nothing measurable.
//
// THREAD: single-threaded (the bench's event loop). OWNERSHIP: plain value type.
#pragma once

#include <array>
#include <cstdint>

namespace pvpbench {

class Histogram {
 public:
  void record(uint64_t ns);
  void merge(const Histogram &o);
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  // Value at quantile q in [0,1] (upper edge of its bucket, capped at max); 0 when empty.
  uint64_t quantile(double q) const;

 private:
  static constexpr int kSub = 64;  // buckets per power of two
  static constexpr int kBuckets = kSub * 58;
  static int index_of(uint64_t v);
  static uint64_t upper_of(int index);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace pvpbench
