// Server URL parsing for PVP clients: ws://HOST[:PORT][/PATH][?QUERY] and wss://.
//
// The query may carry the token (`?token=`); redacted() hides it so a URL can be shown or
// logged without leaking the credential.
// THREAD/OWNERSHIP: plain values.
#pragma once

#include <optional>
#include <string>

namespace pvpd::client {

struct Url {
  bool tls = false;
  std::string host;  // without IPv6 brackets
  int port = 0;
  std::string path = "/";  // path plus "?query" when present

  // The URL with any token=... query value replaced by "***".
  std::string redacted() const;
  // http(s)://host:port for plain HTTP requests to the same server (the bridge endpoints).
  std::string http_base() const;
};

// nullopt and a reason in *error for anything that is not a ws/wss URL with a usable port.
std::optional<Url> parse_url(const std::string &text, std::string *error);

}  // namespace pvpd::client
