// The operator HTTP API on the WebSocket port: GET /sessions and
// GET /sessions/{id}/transcript[?from=SEQ&format=jsonl|markdown], answered through the host's
// ABI 1.2 slots admin_sessions_json / admin_transcript.
//
// Auth: only `Authorization: Bearer <token>` (never a query token: URLs end up in logs and
// browser history). The host decides whether the token is an admin's; without a header the
// host is asked with an empty token (open mode on loopback lets it through) and a refusal is
// 401, with a token it is 403. Missing slots (an older host) → 501.
// THREAD: the host slots read journal files, so admin_response() runs on a worker thread,
// never the core thread and never the lws service thread. AdminSlots must be callable from
// any thread; parse_admin_target() is pure.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http_routes.h"

namespace pvpd::websocket {

// The host's admin slots as callables (fakes in unit tests). Empty = the host lacks the slot.
struct AdminSlots {
  std::function<int32_t(std::string_view token, std::string *out)> sessions;
  std::function<int32_t(std::string_view token, std::string_view session, uint64_t from_seq,
                        uint32_t format, std::string *out)>
      transcript;
};

struct AdminTarget {
  bool transcript = false;  // false: the session list
  std::string session;
  uint64_t from_seq = 0;
  bool markdown = false;
};

// True for the paths this API owns ("/sessions" and everything below it).
bool is_admin_path(std::string_view path);

// Parses a request for an admin path. On failure returns nullopt and sets *status (400 or
// 404) and *error.
std::optional<AdminTarget> parse_admin_target(const HttpRequest &req, unsigned *status,
                                              std::string *error);

// The credential of `Authorization: Bearer X` (case-insensitive scheme), or "".
std::string bearer_token(std::string_view authorization);

// The whole answer; blocking (see THREAD).
HttpResponse admin_response(const AdminSlots &slots, const HttpRequest &req);

// {"error":"<message>"} with the message escaped.
HttpResponse json_error(unsigned status, std::string_view message);

}  // namespace pvpd::websocket
