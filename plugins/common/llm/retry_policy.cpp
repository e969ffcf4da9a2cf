#include "llm/retry_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace pvpd::llm {

bool retryable_status(long status) {
  switch (status) {
    case 408:
    case 409:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
    case 529: return true;
    default: return false;
  }
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
    value.remove_suffix(1);
  }
  if (value.empty() || value.size() > 64) {
    return std::nullopt;
  }
  std::string text(value);
  bool numeric = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '.';
  });
  if (numeric) {
    char *end = nullptr;
    double seconds = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !std::isfinite(seconds) || seconds < 0 ||
        seconds > 86400.0 * 365) {
      return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000.0)));
  }
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) {
    return std::nullopt;
  }
  auto at = std::chrono::system_clock::from_time_t(when);
  if (at <= now) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

std::chrono::milliseconds backoff_delay(uint32_t attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max, std::mt19937_64 &rng) {
  int64_t cap = max.count();
  int64_t ceiling = base.count();
  for (uint32_t i = 0; i < attempt && ceiling < cap; ++i) {
    ceiling *= 2;
  }
  ceiling = std::clamp<int64_t>(ceiling, 0, cap);
  std::uniform_int_distribution<int64_t> dist(0, ceiling);
  return std::chrono::milliseconds(dist(rng));
}

}  // namespace pvpd::llm
