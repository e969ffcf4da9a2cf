// /bridge/* on the WebSocket port: a reverse proxy to the git bridge's HTTP API (plugins/
// git-bridge, default http://127.0.0.1:9847), so a browser reaches it on the dashboard's origin.
// GET/POST/OPTIONS with path (minus "/bridge") and query; request and response bodies up to
// max_body; only Content-Type/Accept go upstream (never the caller's Authorization).
//
// THREAD: forward() blocks on the network (Poco::Net::HTTPClientSession with timeouts), so it
// runs on a worker thread; a BridgeProxy is immutable and may be used by several at once.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "http_routes.h"

namespace pvpd::websocket {

// True for "/bridge" and everything below it.
bool is_bridge_path(std::string_view path);

// The upstream request target for a proxied request: path without "/bridge" (at least "/") and
// the query re-encoded from its decoded name/value pairs.
std::string bridge_target(const HttpRequest &req);

class BridgeProxy {
 public:
  BridgeProxy(std::string host, int port, std::size_t max_body,
              std::chrono::milliseconds timeout = std::chrono::seconds(15))
      : host_(std::move(host)), port_(port), max_body_(max_body), timeout_(timeout) {}

  // 502 JSON when the bridge cannot be reached or answers badly; 413 for a large request.
  HttpResponse forward(const HttpRequest &req) const;

 private:
  std::string host_;
  int port_;
  std::size_t max_body_;
  std::chrono::milliseconds timeout_;
};

}  // namespace pvpd::websocket
