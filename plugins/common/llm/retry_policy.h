// Retry policy for LLM requests: which failures may be retried, how long to wait (exponential
// backoff with full jitter, or the server's retry-after), per research mcp-agents.md §3.4/§5.2.
//
// A request is only retried while nothing of it reached the agent (no delta emitted), so a
// retry never duplicates output.
//
// THREAD: pure functions (the random engine is the caller's). OWNERSHIP / LIFETIME: n/a.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace pvpd::llm {

// 408, 409, 429, 500, 502, 503, 504 and 529 (Anthropic "overloaded").
bool retryable_status(long status);

// A Retry-After value: delta-seconds ("1", "1.5") or an HTTP date, relative to `now`. A date in
// the past gives 0. nullopt when unreadable.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// Full jitter: uniform in [0, min(max, base * 2^attempt)] (attempt 0 is the first retry).
std::chrono::milliseconds backoff_delay(uint32_t attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds max, std::mt19937_64 &rng);

}  // namespace pvpd::llm
