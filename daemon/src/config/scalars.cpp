#include "config/scalars.h"

#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

namespace pvpd::config {

std::optional<int64_t> parse_int64(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') {
      return std::nullopt;
    }
  }
  if (s.empty()) {
    return std::nullopt;
  }
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
  }
  if (s.empty() || s[0] == '+' || !(s[0] == '-' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) {
    return std::nullopt;
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<bool> parse_bool(std::string_view s) {
  constexpr std::array<std::string_view, 9> kTrue{"true", "True", "TRUE", "yes", "Yes",
                                                  "YES",  "on",   "On",   "ON"};
  constexpr std::array<std::string_view, 9> kFalse{"false", "False", "FALSE", "no", "No",
                                                   "NO",    "off",   "Off",   "OFF"};
  for (auto t : kTrue) {
    if (s == t) {
      return true;
    }
  }
  for (auto f : kFalse) {
    if (s == f) {
      return false;
    }
  }
  return std::nullopt;
}

bool is_core_bool(std::string_view s) {
  return s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE";
}

}  // namespace pvpd::config
