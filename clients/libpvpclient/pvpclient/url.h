// Server URL parsing for PVP clients: ws://HOST[:PORT][/PATH][?QUERY], wss://, and
// ws+unix:///ABSOLUTE/SOCKET/PATH[?QUERY] for pvpd's local admin socket (a websocket listener
// `unix:/path`); the socket path runs up to '?', and the HTTP path is then always "/".
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
  std::string unix_path;   // ws+unix:// only: the socket file (then host is "localhost", port 0)

  bool is_unix() const { return !unix_path.empty(); }

  // The URL with any token=... query value replaced by "***".
  std::string redacted() const;
  // http(s)://host:port for plain HTTP requests to the same server (the bridge endpoints);
  // "" for ws+unix:// URLs (no TCP address to reach).
  std::string http_base() const;
};

// nullopt and a reason in *error for anything that is not a ws/wss URL with a usable port or a
// ws+unix URL with an absolute socket path that fits sun_path.
std::optional<Url> parse_url(const std::string &text, std::string *error);

}  // namespace pvpd::client
