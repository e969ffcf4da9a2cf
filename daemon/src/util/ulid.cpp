#include "util/ulid.h"

#include <sys/random.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace pvpd {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t seed_from_os() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), 0) != static_cast<ssize_t>(sizeof(seed))) {
    seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  return seed;
}
}  // namespace

UlidGenerator::UlidGenerator() : rng_(seed_from_os()) {}

std::string UlidGenerator::next(uint64_t unix_ms) {
  if (unix_ms > last_ms_) {
    last_ms_ = unix_ms;
    for (size_t i = 0; i < random_.size(); i += 8) {
      uint64_t r = rng_();
      for (size_t j = 0; j < 8 && i + j < random_.size(); ++j) {
        random_[i + j] = static_cast<uint8_t>(r >> (8 * j));
      }
    }
  } else {
    // Same (or earlier) millisecond: increment the 80-bit random part as a big-endian number.
    for (size_t i = random_.size(); i-- > 0;) {
      if (++random_[i] != 0) {
        break;
      }
    }
  }
  std::string out(26, '0');
  uint64_t t = last_ms_;
  for (int i = 9; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kCrockford[t & 31u];
    t >>= 5;
  }
  // 80 bits -> 16 characters of 5 bits.
  size_t bit = 0;
  for (size_t c = 0; c < 16; ++c) {
    unsigned v = 0;
    for (int b = 0; b < 5; ++b, ++bit) {
      unsigned byte = random_[bit / 8];
      unsigned bitval = (byte >> (7 - bit % 8)) & 1u;
      v = (v << 1) | bitval;
    }
    out[10 + c] = kCrockford[v];
  }
  return out;
}

std::string new_ulid() {
  thread_local UlidGenerator gen;
  return gen.next(unix_now_ms());
}

uint64_t unix_now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string iso8601_ms(uint64_t unix_ms) {
  // Every accepted message is stamped: the date-and-seconds prefix is formatted once per
  // second per thread, then only the milliseconds change.
  thread_local uint64_t cached_secs = UINT64_MAX;
  thread_local std::string cached_prefix;  // "YYYY-MM-DDTHH:MM:SS."
  const uint64_t secs = unix_ms / 1000;
  if (secs != cached_secs) {
    const auto t = static_cast<time_t>(secs);
    struct tm tm_utc {};
    gmtime_r(&t, &tm_utc);
    char buf[64];  // generous: the compiler cannot prove tm fields are in range
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.", tm_utc.tm_year + 1900,
                  tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min, tm_utc.tm_sec);
    cached_prefix = buf;
    cached_secs = secs;
  }
  const auto ms = static_cast<unsigned>(unix_ms % 1000);
  std::string out;
  out.reserve(cached_prefix.size() + 4);
  out += cached_prefix;
  out.push_back(static_cast<char>('0' + ms / 100));
  out.push_back(static_cast<char>('0' + ms / 10 % 10));
  out.push_back(static_cast<char>('0' + ms % 10));
  out.push_back('Z');
  return out;
}

uint64_t parse_iso8601_ms(const std::string &ts) {
  struct tm tm_utc {};
  if (std::sscanf(ts.c_str(), "%d-%d-%dT%d:%d:%d", &tm_utc.tm_year, &tm_utc.tm_mon, &tm_utc.tm_mday,
                  &tm_utc.tm_hour, &tm_utc.tm_min, &tm_utc.tm_sec) != 6) {
    return 0;
  }
  int ms = 0;
  auto dot = ts.find('.');
  if (dot != std::string::npos) {
    ms = std::atoi(ts.c_str() + dot + 1) % 1000;
  }
  tm_utc.tm_year -= 1900;
  tm_utc.tm_mon -= 1;
  time_t secs = timegm(&tm_utc);
  return secs < 0 ? 0 : static_cast<uint64_t>(secs) * 1000 + static_cast<uint64_t>(ms);
}

}  // namespace pvpd
