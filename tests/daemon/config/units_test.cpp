#include "config/units.h"

#include <gtest/gtest.h>

namespace pvpd::config {
namespace {

TEST(ConfigUnits, Durations) {
  EXPECT_EQ(parse_duration_ms("500ms"), 500u);
  EXPECT_EQ(parse_duration_ms("10s"), 10000u);
  EXPECT_EQ(parse_duration_ms("5m"), 300000u);
  EXPECT_EQ(parse_duration_ms("1h"), 3600000u);
  EXPECT_EQ(parse_duration_ms("30d"), 30u * 86400000u);  // journal retention periods
  EXPECT_EQ(parse_duration_ms("1.5s"), 1500u);
  EXPECT_EQ(parse_duration_ms("0.25m"), 15000u);
  EXPECT_EQ(parse_duration_ms("250"), 250u);
  EXPECT_EQ(parse_duration_ms("0"), 0u);
}

TEST(ConfigUnits, BadDurations) {
  for (const char *s : {"", "ms", "-1s", "+1s", "1 s", "1sec", "1w", "0.5ms", "1.s", ".5s", "1e3",
                        "s1", "1.5", "99999999999999999999", "999999999999999h"}) {
    EXPECT_FALSE(parse_duration_ms(s).has_value()) << s;
  }
}

TEST(ConfigUnits, Sizes) {
  EXPECT_EQ(parse_size_bytes("512"), 512u);
  EXPECT_EQ(parse_size_bytes("512B"), 512u);
  EXPECT_EQ(parse_size_bytes("64KiB"), 65536u);
  EXPECT_EQ(parse_size_bytes("1MiB"), 1048576u);
  EXPECT_EQ(parse_size_bytes("1GiB"), 1073741824u);
  EXPECT_EQ(parse_size_bytes("10kB"), 10000u);
  EXPECT_EQ(parse_size_bytes("10KB"), 10000u);
  EXPECT_EQ(parse_size_bytes("2MB"), 2000000u);
  EXPECT_EQ(parse_size_bytes("1.5KiB"), 1536u);
  EXPECT_EQ(parse_size_bytes("16EiB"), std::nullopt);
  EXPECT_EQ(parse_size_bytes("1TiB"), 1099511627776u);
}

TEST(ConfigUnits, BadSizes) {
  for (const char *s : {"", "KiB", "1 KiB", "1kib", "1Ki", "1.1B", "-5", "1.0000000000000000001KiB",
                        "99999999999999999999", "20000000TiB"}) {
    EXPECT_FALSE(parse_size_bytes(s).has_value()) << s;
  }
}

TEST(ConfigUnits, FormatRoundTrips) {
  EXPECT_EQ(format_duration_ms(10000), "10s");
  EXPECT_EQ(format_duration_ms(1500), "1500ms");
  EXPECT_EQ(format_duration_ms(120000), "2m");
  EXPECT_EQ(format_duration_ms(7200000), "2h");
  EXPECT_EQ(format_duration_ms(0), "0ms");
  EXPECT_EQ(format_size_bytes(1048576), "1MiB");
  EXPECT_EQ(format_size_bytes(1000), "1000");
  EXPECT_EQ(format_size_bytes(0), "0");
  for (uint64_t v : {0ull, 1ull, 999ull, 1000ull, 61000ull, 3600000ull, 1048576ull, 1536ull}) {
    EXPECT_EQ(parse_duration_ms(format_duration_ms(v)), v);
    EXPECT_EQ(parse_size_bytes(format_size_bytes(v)), v);
  }
}

}  // namespace
}  // namespace pvpd::config
