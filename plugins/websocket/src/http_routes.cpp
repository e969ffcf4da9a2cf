// HTTP routing table (see http_routes.h).
#include "http_routes.h"

#include <algorithm>

#include "admin_routes.h"
#include "bridge_proxy.h"
#include "static_site.h"

namespace pvpd::websocket {
namespace {

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  // A list of (possibly weak) validators or "*"; weak comparison, as RFC 9110 asks for GET.
  auto strip_weak = [](std::string_view v) { return v.substr(0, 2) == "W/" ? v.substr(2) : v; };
  std::string_view want = strip_weak(etag);
  while (!if_none_match.empty()) {
    std::size_t comma = if_none_match.find(',');
    std::string_view item = if_none_match.substr(0, comma);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (item == "*" || strip_weak(item) == want) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

HttpRoutes::HttpRoutes(std::vector<std::string> cors_origins, Providers providers,
                       std::shared_ptr<const StaticSite> site)
    : cors_origins_(std::move(cors_origins)),
      providers_(std::move(providers)),
      site_(std::move(site)) {}

const std::vector<std::pair<std::string, std::string>> &HttpRoutes::web_security_headers() {
  static const std::vector<std::pair<std::string, std::string>> kHeaders = {
      {"content-security-policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
      {"x-content-type-options", "nosniff"},
      {"referrer-policy", "no-referrer"},
  };
  return kHeaders;
}

RouteResult HttpRoutes::handle(HttpRequest req) const {
  RouteResult out;
  HttpResponse &resp = out.response;
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (req.method == "OPTIONS") {
    resp.status = 204;
    resp.content_type.clear();
  } else if (get && req.path == "/health") {
    resp.status = 200;
    resp.body = providers_.health_json ? providers_.health_json() : "{\"status\":\"ok\"}";
  } else if (get && req.path == "/metrics") {
    resp.status = 200;
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp.body = providers_.metrics_text ? providers_.metrics_text() : std::string();
  } else if (is_admin_path(req.path) && providers_.admin) {
    resp.status = 0;
    add_cors(req, resp);
    auto admin = providers_.admin;
    out.deferred = [admin, r = std::move(req)] { return admin(r); };
    return out;
  } else if (is_bridge_path(req.path) && providers_.bridge) {
    resp.status = 0;
    add_cors(req, resp);
    auto bridge = providers_.bridge;
    out.deferred = [bridge, r = std::move(req)] { return bridge(r); };
    return out;
  } else if (get && site_ != nullptr && site_->covers(req.path)) {
    resp = static_file(req);
  } else {
    resp.status = 404;
    resp.body = "{\"error\":\"Not found\"}";
  }
  add_cors(req, resp);
  return out;
}

HttpResponse HttpRoutes::static_file(const HttpRequest &req) const {
  HttpResponse resp;
  std::optional<StaticFile> file = site_->lookup(req.path);
  if (!file) {
    resp.status = 404;
    resp.body = "{\"error\":\"Not found\"}";
    return resp;
  }
  resp.headers = web_security_headers();
  resp.headers.emplace_back("etag", file->etag);
  // Revalidate every time (cheap with the ETag): a daemon upgrade changes the files under the
  // same names, and a stale dashboard against a newer daemon is worse than a 304 round trip.
  resp.headers.emplace_back("cache-control", "no-cache");
  if (!req.if_none_match.empty() && etag_matches(req.if_none_match, file->etag)) {
    resp.status = 304;
    resp.content_type.clear();
    return resp;
  }
  resp.status = 200;
  resp.content_type = std::move(file->content_type);
  resp.body = std::move(file->body);
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
