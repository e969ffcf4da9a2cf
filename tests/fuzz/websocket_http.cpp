// Fuzz target: the websocket plugin's HTTP request handling that sees untrusted bytes (plugins/
// websocket): URL path → static file path (traversal refusal), the admin API's path, query and
// Authorization parsing (against fake host slots), the /bridge target rewriting, ETag matching
// and the whole routing table with the embedded assets.
//
// Input: "<path>\n<authorization>\n<accept>\n<if-none-match>\n<name=value&...>".
// Invariants: a static path never has a "." / ".." / empty segment; JSON answers parse; a bridge
// target always starts with '/'.
#include <pvpd/plugin_abi.h>
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "admin_routes.h"
#include "bridge_proxy.h"
#include "http_routes.h"
#include "static_site.h"

namespace {

using namespace pvpd::websocket;

std::string_view next_line(std::string_view &in) {
  std::size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  return line;
}

void check(bool ok) {
  if (!ok) {
    __builtin_trap();
  }
}

void must_be_json(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str(), s.size());
  check(!d.HasParseError());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char *>(data), size);
  HttpRequest req;
  req.method = "GET";
  req.path = std::string(next_line(in));
  req.authorization = std::string(next_line(in));
  req.accept = std::string(next_line(in));
  req.if_none_match = std::string(next_line(in));
  std::string_view query = next_line(in);
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view arg = query.substr(0, amp);
    std::size_t eq = arg.find('=');
    req.query.emplace_back(std::string(arg.substr(0, eq)),
                           eq == std::string_view::npos ? "" : std::string(arg.substr(eq + 1)));
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }

  for (std::string_view prefix : {"/", "/app/"}) {
    if (auto rel = asset_path(prefix, req.path)) {
      std::string_view r = *rel;
      check(!r.empty() && r.front() != '/' && r.find("//") == std::string_view::npos);
      check(r.find("/.") == std::string_view::npos && r.front() != '.');
    }
  }

  AdminSlots slots;
  slots.sessions = [](std::string_view token, std::string *out) -> int32_t {
    if (token != "admin") {
      return PVPD_E_PERM;
    }
    *out = "{\"sessions\":[]}";
    return PVPD_OK;
  };
  slots.transcript = [](std::string_view token, std::string_view session, uint64_t, uint32_t,
                        std::string *out) -> int32_t {
    if (token != "admin") {
      return PVPD_E_PERM;
    }
    if (session != "s1") {
      return PVPD_E_NOENT;
    }
    *out = "{}\n";
    return PVPD_OK;
  };
  if (is_admin_path(req.path)) {
    HttpResponse r = admin_response(slots, req);
    if (r.status != 200) {
      must_be_json(r.body);
    }
  }
  if (is_bridge_path(req.path)) {
    check(bridge_target(req).front() == '/');
  }

  static const auto site = std::make_shared<const StaticSite>("/", "");
  static const HttpRoutes routes({"http://ok.example"}, HttpRoutes::Providers{}, site);
  RouteResult result = routes.handle(req);
  if (!result.deferred && result.response.content_type == "application/json") {
    must_be_json(result.response.body);
  }
  return 0;
}
