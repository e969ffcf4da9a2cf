// A minimal blocking HTTP/1.1 GET for plain-http side endpoints of a PVP server (the git bridge's
// /bridge/commit-context, polled by pvp-tui for its decision-tracking line).
//
// Plain HTTP only (https yields nullopt): it is a convenience line, not worth a TLS stack here.
// THREAD: reentrant; call from a background thread, it blocks up to `timeout`.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace pvpd::client {

struct HttpReply {
  int status = 0;
  std::string body;
};

std::optional<HttpReply> http_get(const std::string &host, int port, const std::string &target,
                                  std::chrono::milliseconds timeout);

}  // namespace pvpd::client
