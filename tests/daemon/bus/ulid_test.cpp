#include "util/ulid.h"

#include <gtest/gtest.h>

#include <set>

namespace pvpd {
namespace {

TEST(UlidTest, MonotonicWithinOneMillisecond) {
  UlidGenerator gen;
  std::string prev = gen.next(1000);
  for (int i = 0; i < 1000; ++i) {
    std::string next = gen.next(1000);
    ASSERT_EQ(next.size(), 26u);
    ASSERT_LT(prev, next);
    prev = next;
  }
}

TEST(UlidTest, ClockGoingBackwardsKeepsOrder) {
  UlidGenerator gen;
  std::string a = gen.next(5000);
  std::string b = gen.next(4000);
  EXPECT_LT(a, b);
}

TEST(UlidTest, TimestampPrefixEncodesMilliseconds) {
  UlidGenerator gen;
  // 1469918176385 ms is the spec's example timestamp "01ARYZ6S41".
  EXPECT_EQ(gen.next(1469918176385ull).substr(0, 10), "01ARYZ6S41");
}

TEST(UlidTest, Iso8601HasMilliseconds) {
  EXPECT_EQ(iso8601_ms(1763782589372ull), "2025-11-22T03:36:29.372Z");
  // The per-second prefix is cached: the same second, the next one, a jump back, and
  // milliseconds needing zero padding must all format from scratch correctly.
  EXPECT_EQ(iso8601_ms(1763782589005ull), "2025-11-22T03:36:29.005Z");
  EXPECT_EQ(iso8601_ms(1763782590040ull), "2025-11-22T03:36:30.040Z");
  EXPECT_EQ(iso8601_ms(0ull), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_ms(1763782589999ull), "2025-11-22T03:36:29.999Z");
}

}  // namespace
}  // namespace pvpd
