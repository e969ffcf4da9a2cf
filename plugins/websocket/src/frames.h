// Frames the plugin makes itself (errors it must answer without the core: oversized messages,
// rate limiting) and the cheap "does this look like a JSON envelope" check used to count bad
// frames. The core still validates every frame it receives; this check only feeds
// max_bad_frames, because the plugin cannot see the core's verdict.
//
// THREAD: make_error_frame uses a thread-local random generator; everything is reentrant.
#pragma once

#include <string>
#include <string_view>

namespace pvpd::websocket {

// True when `bytes` is valid UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// True when `bytes` is valid UTF-8 whose first non-whitespace byte is '{'.
bool looks_like_envelope(std::string_view bytes);

// A PVP `error` envelope from `system`: v, ULID id, ISO-8601 ms UTC ts, sender, type, payload
// {code, message, recoverable}. `message` is escaped.
std::string make_error_frame(std::string_view code, std::string_view message, bool recoverable);

// A new ULID (26 Crockford base32 characters, millisecond time prefix).
std::string make_ulid();

// JSON string escaping (quotes included).
std::string json_quote(std::string_view s);

}  // namespace pvpd::websocket
