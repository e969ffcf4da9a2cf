// Scalar text -> typed value conversions shared by the schema checks and untyped (ANY) values.
// Strict on purpose: "1e3" is not an integer and "0x10" is not a number, so a typo is an error
// rather than a surprising value.
//
// THREAD: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pvpd::config {

// Optional sign and decimal digits, within int64.
std::optional<int64_t> parse_int64(std::string_view s);
// Finite decimal number (optional sign, fraction, exponent).
std::optional<double> parse_double(std::string_view s);
// true/false, yes/no, on/off in lower, Capitalized or UPPER case.
std::optional<bool> parse_bool(std::string_view s);
// Only the YAML 1.2 core spellings true/True/TRUE/false/False/FALSE, used when no schema says
// "bool" (so an untyped "yes" or "on" stays a string).
bool is_core_bool(std::string_view s);

}  // namespace pvpd::config
