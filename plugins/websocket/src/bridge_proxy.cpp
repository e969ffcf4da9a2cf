// Reverse proxy to the git bridge (see bridge_proxy.h).
#include "bridge_proxy.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timespan.h>

#include <istream>
#include <ostream>

#include "admin_routes.h"

namespace pvpd::websocket {
namespace {

constexpr std::string_view kPrefix = "/bridge";

void percent_encode(std::string_view in, std::string *out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || c == '/') {
      out->push_back(ch);
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
}

}  // namespace

bool is_bridge_path(std::string_view path) {
  return path == kPrefix ||
         (path.size() > kPrefix.size() && path.substr(0, kPrefix.size()) == kPrefix &&
          path[kPrefix.size()] == '/');
}

std::string bridge_target(const HttpRequest &req) {
  std::string target;
  std::string_view rest = std::string_view(req.path).substr(kPrefix.size());
  percent_encode(rest.empty() ? std::string_view("/") : rest, &target);
  char sep = '?';
  for (const auto &[name, value] : req.query) {
    target.push_back(sep);
    sep = '&';
    percent_encode(name, &target);
    if (!value.empty()) {
      target.push_back('=');
      percent_encode(value, &target);
    }
  }
  return target;
}

HttpResponse BridgeProxy::forward(const HttpRequest &req) const {
  if (req.method != "GET" && req.method != "POST" && req.method != "OPTIONS" &&
      req.method != "HEAD") {
    HttpResponse r = json_error(405, "Method not allowed");
    r.headers.emplace_back("allow", "GET, POST, OPTIONS");
    return r;
  }
  if (req.body.size() > max_body_) {
    return json_error(413, "request body exceeds bridge.max_body");
  }
  try {
    Poco::Net::HTTPClientSession session(host_, static_cast<Poco::UInt16>(port_));
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout_).count();
    session.setTimeout(Poco::Timespan(us));
    session.setKeepAlive(false);
    Poco::Net::HTTPRequest up(req.method, bridge_target(req), Poco::Net::HTTPMessage::HTTP_1_1);
    up.setKeepAlive(false);
    if (!req.content_type.empty()) {
      up.setContentType(req.content_type);
    }
    if (!req.accept.empty()) {
      up.set("Accept", req.accept);
    }
    up.set("X-Forwarded-Prefix", std::string(kPrefix));
    if (req.method == "POST" || !req.body.empty()) {
      up.setContentLength(static_cast<std::streamsize>(req.body.size()));
    }
    std::ostream &out = session.sendRequest(up);
    out.write(req.body.data(), static_cast<std::streamsize>(req.body.size()));
    Poco::Net::HTTPResponse down;
    std::istream &in = session.receiveResponse(down);
    HttpResponse r;
    r.status = static_cast<unsigned>(down.getStatus());
    r.content_type = down.getContentType();
    if (r.content_type == Poco::Net::HTTPMessage::UNKNOWN_CONTENT_TYPE) {
      r.content_type.clear();
    }
    char buf[16 * 1024];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      r.body.append(buf, static_cast<std::size_t>(in.gcount()));
      if (r.body.size() > max_body_) {
        return json_error(502, "git bridge answer exceeds bridge.max_body");
      }
    }
    if (r.status < 100 || r.status > 599) {
      return json_error(502, "git bridge answered with a bad status");
    }
    r.headers.emplace_back("cache-control", "no-store");
    return r;
  } catch (const std::exception &) {
    // Refused, timed out or a broken answer: the details would only name our own loopback port.
    return json_error(502, "git bridge unavailable");
  }
}

}  // namespace pvpd::websocket
