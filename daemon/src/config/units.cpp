#include "config/units.h"

#include <array>
#include <utility>

namespace pvpd::config {

namespace {

// Parses "<digits>[.<digits>]<unit>" and scales exactly by `factor` of the matched unit.
template <size_t N>
std::optional<uint64_t> parse_scaled(
    std::string_view s, const std::array<std::pair<std::string_view, uint64_t>, N> &units) {
  size_t i = 0;
  uint64_t whole = 0;
  bool any_digit = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (whole > (UINT64_MAX - d) / 10) {
      return std::nullopt;
    }
    whole = whole * 10 + d;
    any_digit = true;
    ++i;
  }
  if (!any_digit) {
    return std::nullopt;
  }
  std::string_view frac;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
    }
    frac = s.substr(start, i - start);
    if (frac.empty() || frac.size() > 18) {
      return std::nullopt;
    }
  }
  std::string_view unit = s.substr(i);
  uint64_t factor = 0;
  for (const auto &[name, f] : units) {
    if (name == unit) {
      factor = f;
      break;
    }
  }
  if (factor == 0) {
    return std::nullopt;
  }
  if (whole != 0 && factor > UINT64_MAX / whole) {
    return std::nullopt;
  }
  uint64_t result = whole * factor;
  if (!frac.empty()) {
    uint64_t num = 0;
    uint64_t den = 1;
    for (char c : frac) {
      num = num * 10 + static_cast<uint64_t>(c - '0');
      den *= 10;
    }
    // num/den < 1, so num * factor fits whenever factor < 2^64 / 10^18; check anyway.
    if (num != 0 && factor > UINT64_MAX / num) {
      return std::nullopt;
    }
    uint64_t scaled = num * factor;
    if (scaled % den != 0) {
      return std::nullopt;
    }
    uint64_t add = scaled / den;
    if (result > UINT64_MAX - add) {
      return std::nullopt;
    }
    result += add;
  }
  return result;
}

constexpr std::array<std::pair<std::string_view, uint64_t>, 6> kDurationUnits{{
    {"", 1},
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000},  // retention periods (daemon.journal.retention.ended_after)
}};

constexpr uint64_t kKi = 1024;
constexpr std::array<std::pair<std::string_view, uint64_t>, 11> kSizeUnits{{
    {"", 1},
    {"B", 1},
    {"kB", 1000},
    {"KB", 1000},
    {"MB", 1000 * 1000},
    {"GB", 1000 * 1000 * 1000},
    {"TB", 1000ull * 1000 * 1000 * 1000},
    {"KiB", kKi},
    {"MiB", kKi *kKi},
    {"GiB", kKi *kKi *kKi},
    {"TiB", kKi *kKi *kKi *kKi},
}};

}  // namespace

std::optional<uint64_t> parse_duration_ms(std::string_view s) {
  return parse_scaled(s, kDurationUnits);
}

std::optional<uint64_t> parse_size_bytes(std::string_view s) {
  return parse_scaled(s, kSizeUnits);
}

std::string format_duration_ms(uint64_t ms) {
  if (ms == 0) {
    return "0ms";
  }
  if (ms % kDurationUnits[4].second == 0) {
    return std::to_string(ms / kDurationUnits[4].second) + "h";
  }
  if (ms % kDurationUnits[3].second == 0) {
    return std::to_string(ms / kDurationUnits[3].second) + "m";
  }
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + "s";
  }
  return std::to_string(ms) + "ms";
}

std::string format_size_bytes(uint64_t bytes) {
  if (bytes != 0) {
    constexpr std::array<std::pair<const char *, uint64_t>, 4> kBinary{{
        {"TiB", kKi * kKi * kKi * kKi},
        {"GiB", kKi * kKi * kKi},
        {"MiB", kKi * kKi},
        {"KiB", kKi},
    }};
    for (const auto &[name, f] : kBinary) {
      if (bytes % f == 0) {
        return std::to_string(bytes / f) + name;
      }
    }
  }
  return std::to_string(bytes);
}

}  // namespace pvpd::config
