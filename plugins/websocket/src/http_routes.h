// Plain HTTP on the WebSocket port: which response a request gets. Pure logic, no lws types, so
// the routing table is unit-tested without sockets.
//
//   GET /health     200 {"status":"ok","bridge_proxy":false,"plugin":{...}}
//   GET /metrics    200 Prometheus text
//   OPTIONS <any>   204 (CORS headers only for configured origins)
//   anything else   404 {"error":"Not found"}   (/sessions/{id}/transcript, /bridge/* come later)
//
// THREAD: HttpRoutes is immutable after construction; the providers it calls must be safe on
// the lws thread (they are: they read atomics or take WsServer::mu_ briefly).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pvpd::websocket {

struct HttpRequest {
  std::string_view method;  // "GET", "OPTIONS", ...
  std::string_view path;    // without the query string
  std::string_view origin;  // Origin header, or empty
};

struct HttpResponse {
  unsigned status = 404;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

class HttpRoutes {
 public:
  struct Providers {
    std::function<std::string()> health_json;   // the whole /health body
    std::function<std::string()> metrics_text;  // the whole /metrics body
  };

  HttpRoutes(std::vector<std::string> cors_origins, Providers providers)
      : cors_origins_(std::move(cors_origins)), providers_(std::move(providers)) {}

  HttpResponse handle(const HttpRequest &req) const;

 private:
  void add_cors(const HttpRequest &req, HttpResponse &resp) const;

  std::vector<std::string> cors_origins_;
  Providers providers_;
};

}  // namespace pvpd::websocket
