// HTTP routing table (see http_routes.h).
#include "http_routes.h"

#include <algorithm>

namespace pvpd::websocket {

HttpResponse HttpRoutes::handle(const HttpRequest &req) const {
  HttpResponse resp;
  if (req.method == "OPTIONS") {
    resp.status = 204;
    resp.content_type.clear();
  } else if ((req.method == "GET" || req.method == "HEAD") && req.path == "/health") {
    resp.status = 200;
    resp.body = providers_.health_json ? providers_.health_json() : "{\"status\":\"ok\"}";
  } else if ((req.method == "GET" || req.method == "HEAD") && req.path == "/metrics") {
    resp.status = 200;
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp.body = providers_.metrics_text ? providers_.metrics_text() : std::string();
  } else {
    resp.status = 404;
    resp.body = "{\"error\":\"Not found\"}";
  }
  add_cors(req, resp);
  return resp;
}

void HttpRoutes::add_cors(const HttpRequest &req, HttpResponse &resp) const {
  if (req.origin.empty() ||
      std::find(cors_origins_.begin(), cors_origins_.end(), req.origin) == cors_origins_.end()) {
    return;
  }
  resp.headers.emplace_back("access-control-allow-origin", std::string(req.origin));
  resp.headers.emplace_back("vary", "Origin");
  resp.headers.emplace_back("access-control-allow-methods", "GET, POST, OPTIONS");
  resp.headers.emplace_back("access-control-allow-headers", "Content-Type, Authorization");
}

}  // namespace pvpd::websocket
