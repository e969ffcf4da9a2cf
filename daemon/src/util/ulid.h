// ULID generation (https://github.com/ulid/spec): 48-bit millisecond time + 80 random bits,
// Crockford base32, 26 characters. pvpd's ids are monotonic within a millisecond (the random
// part is incremented), unlike the reference server's, so ids sort in creation order.
//
// THREAD: UlidGenerator is not thread-safe; the core thread owns one. new_ulid() is a
// convenience that uses a thread_local generator.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>

namespace pvpd {

class UlidGenerator {
 public:
  UlidGenerator();
  // Creates the next id for `unix_ms`. A clock going backwards reuses the last timestamp so
  // ordering is kept.
  std::string next(uint64_t unix_ms);

 private:
  uint64_t last_ms_ = 0;
  std::array<uint8_t, 10> random_{};
  std::mt19937_64 rng_;
};

std::string new_ulid();
// Milliseconds since the Unix epoch, from the system clock.
uint64_t unix_now_ms();
// "2026-11-22T03:16:29.372Z" (what the reference server sends in `ts`).
std::string iso8601_ms(uint64_t unix_ms);
// The inverse for timestamps of that shape ("Z" assumed, fraction optional); 0 when unparsable.
uint64_t parse_iso8601_ms(const std::string &ts);

}  // namespace pvpd
