// Units for config values: durations ("500ms", "10s", "1.5s", bare integer = ms) and sizes
// ("64KiB", "1MiB", "2MB", bare integer = bytes). Exposed for reuse by other components (CLI
// flags, plugin helpers) so every place accepts exactly the same spellings.
//
// THREAD: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pvpd::config {

// Units: ms, s, m, h. A fraction is allowed when the result is a whole number of milliseconds
// ("1.5s" yes, "0.5ms" no). No sign, no spaces. nullopt on anything else or on overflow.
std::optional<uint64_t> parse_duration_ms(std::string_view s);

// Units: B, kB/KB, MB, GB, TB (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024). A
// fraction is allowed when the result is a whole number of bytes ("1.5KiB"). nullopt otherwise.
std::optional<uint64_t> parse_size_bytes(std::string_view s);

// The shortest exact spelling, for --dump-config: 10000 -> "10s", 1500 -> "1500ms".
std::string format_duration_ms(uint64_t ms);
// 1048576 -> "1MiB", 1000 -> "1000" (decimal units are never produced).
std::string format_size_bytes(uint64_t bytes);

}  // namespace pvpd::config
