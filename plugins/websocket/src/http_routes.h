// Plain HTTP on the WebSocket port: which response a request gets. Pure logic, no lws types, so
// the routing table is unit-tested without sockets. In order of precedence:
//
//   OPTIONS <any>               204 (CORS headers only for configured origins)
//   GET /health                 200 {"status":"ok","bridge_proxy":...,"plugin":{...},"daemon":...}
//   GET /metrics                200 Prometheus text
//   /sessions, /sessions/...    admin API (admin_routes.h), deferred to a worker
//   /bridge, /bridge/...        git bridge proxy (bridge_proxy.h), deferred to a worker
//   GET/HEAD under web.path     the dashboard's static files (static_site.h)
//   anything else               404 {"error":"Not found"}
//
// THREAD: HttpRoutes is immutable after construction; handle() runs on the lws thread and the
// providers it calls must be safe there (they read atomics or take WsServer::mu_ briefly). A
// Deferred it returns is run on a worker thread (it may block) and must own what it uses.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pvpd::websocket {

class StaticSite;

struct HttpRequest {
  HttpRequest() = default;
  HttpRequest(std::string m, std::string p, std::string o = std::string())
      : method(std::move(m)), path(std::move(p)), origin(std::move(o)) {}

  std::string method;                                      // "GET", "OPTIONS", ...
  std::string path;                                        // decoded, without the query string
  std::string origin;                                      // Origin header, or empty
  std::vector<std::pair<std::string, std::string>> query;  // decoded name/value pairs
  std::string authorization;
  std::string accept;
  std::string if_none_match;
  std::string content_type;
  std::string body;
};

struct HttpResponse {
  unsigned status = 404;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, lower-case names
};

// A response computed later on a worker thread.
using Deferred = std::function<HttpResponse()>;

struct RouteResult {
  HttpResponse response;  // when !deferred; else only its headers (CORS) are added to the result
  Deferred deferred;
};

class HttpRoutes {
 public:
  struct Providers {
    std::function<std::string()> health_json;   // the whole /health body
    std::function<std::string()> metrics_text;  // the whole /metrics body
    // Admin API / bridge proxy on a worker; empty = 404 (bridge disabled, or tests).
    std::function<HttpResponse(const HttpRequest &)> admin;
    std::function<HttpResponse(const HttpRequest &)> bridge;
  };

  // `site` may be null (web.enabled: false).
  HttpRoutes(std::vector<std::string> cors_origins, Providers providers,
             std::shared_ptr<const StaticSite> site = nullptr);

  RouteResult handle(HttpRequest req) const;

  // The headers every web app response carries (CSP and friends).
  static const std::vector<std::pair<std::string, std::string>> &web_security_headers();

 private:
  void add_cors(const HttpRequest &req, HttpResponse &resp) const;
  HttpResponse static_file(const HttpRequest &req) const;

  std::vector<std::string> cors_origins_;
  Providers providers_;
  std::shared_ptr<const StaticSite> site_;
};

}  // namespace pvpd::websocket
