// Unit tests of the websocket plugin's HTTP pieces without sockets: web/bridge options, static
// file paths (no traversal), the static site from a directory and from the embedded assets,
// routing precedence and security headers, the admin API against fake host slots, and the
// bridge proxy's target rewriting and its 502 when nothing listens.
#include <gtest/gtest.h>
#include <pvpd/plugin_abi.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "admin_routes.h"
#include "bridge_proxy.h"
#include "http_routes.h"
#include "options.h"
#include "static_site.h"

namespace pvpd::websocket {
namespace {

namespace fs = std::filesystem;

std::string header_of(const HttpResponse &r, const std::string &name) {
  for (const auto &[n, v] : r.headers) {
    if (n == name) {
      return v;
    }
  }
  return std::string();
}

TEST(WebsocketHttpOptions, WebAndBridgeDefaultsAndErrors) {
  Settings s;
  ASSERT_TRUE(parse_settings("{}", &s).empty());
  EXPECT_TRUE(s.web_enabled);
  EXPECT_EQ(s.web_path, "/");
  EXPECT_EQ(s.web_root, "");
  EXPECT_TRUE(s.bridge_enabled);
  EXPECT_FALSE(s.bridge_public);
  EXPECT_EQ(s.bridge_host, "127.0.0.1");
  EXPECT_EQ(s.bridge_port, 9847);

  ASSERT_TRUE(parse_settings(R"({"web":{"path":"/app","enabled":false},
                                 "bridge":{"url":"http://[::1]:81/","public":true}})",
                             &s)
                  .empty());
  EXPECT_EQ(s.web_path, "/app/");
  EXPECT_FALSE(s.web_enabled);
  EXPECT_EQ(s.bridge_host, "::1");
  EXPECT_EQ(s.bridge_port, 81);
  EXPECT_TRUE(s.bridge_public);

  for (const char *bad : {R"({"web":{"path":"app"}})", R"({"web":{"path":"/a/../b"}})",
                          R"({"bridge":{"url":"https://x:1"}})", R"({"bridge":{"url":"http://"}})",
                          R"({"bridge":{"url":"http://h:1/path"}})",
                          R"({"bridge":{"url":"http://u@h:1"}})", R"({"web":{"enabled":"yes"}})"}) {
    Settings t;
    EXPECT_FALSE(parse_settings(bad, &t).empty()) << bad;
  }
}

TEST(WebsocketStaticSite, AssetPathRefusesTraversalAndHiddenFiles) {
  EXPECT_EQ(asset_path("/", "/"), "index.html");
  EXPECT_EQ(asset_path("/", "/js/app.js"), "js/app.js");
  EXPECT_EQ(asset_path("/", "/js/"), "js/index.html");
  EXPECT_EQ(asset_path("/app/", "/app"), "index.html");
  EXPECT_EQ(asset_path("/app/", "/app/x.css"), "x.css");
  EXPECT_FALSE(asset_path("/app/", "/apps/x.css"));
  EXPECT_FALSE(asset_path("/app/", "/x.css"));
  EXPECT_FALSE(asset_path("/", "/../etc/passwd"));
  EXPECT_FALSE(asset_path("/", "/a/../../etc/passwd"));
  EXPECT_FALSE(asset_path("/", "/a/.."));
  EXPECT_FALSE(asset_path("/", "/./index.html"));
  EXPECT_FALSE(asset_path("/", "/a//b"));
  EXPECT_FALSE(asset_path("/", "/.git/config"));
  EXPECT_FALSE(asset_path("/", "/a\\b"));
  EXPECT_FALSE(asset_path("/", std::string("/a\0b", 4)));
  EXPECT_FALSE(asset_path("/", "/" + std::string(2000, 'a')));
}

TEST(WebsocketStaticSite, ContentTypes) {
  EXPECT_STREQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_STREQ(content_type_for("js/app.JS"), "text/javascript; charset=utf-8");
  EXPECT_STREQ(content_type_for("app.css"), "text/css; charset=utf-8");
  EXPECT_STREQ(content_type_for("i.svg"), "image/svg+xml");
  EXPECT_STREQ(content_type_for("a.d/noext"), "application/octet-stream");
}

class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/pvpd-static-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  ~TempTree() { fs::remove_all(root_); }
  fs::path root() const { return root_; }
  void write(const std::string &rel, const std::string &text) const {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }

 private:
  fs::path root_;
};

TEST(WebsocketStaticSite, DiskRootServesFilesAndNothingOutside) {
  TempTree t;
  t.write("site/index.html", "<p>hi</p>");
  t.write("site/js/app.js", "export {};");
  t.write("secret.txt", "top secret");
  fs::create_symlink(t.root() / "secret.txt", t.root() / "site/link.txt");
  StaticSite site("/", (t.root() / "site").string());
  auto index = site.lookup("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, "<p>hi</p>");
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_FALSE(index->etag.empty());
  ASSERT_TRUE(site.lookup("/js/app.js"));
  EXPECT_FALSE(site.lookup("/../secret.txt"));
  EXPECT_FALSE(site.lookup("/link.txt")) << "a symlink out of the root is not served";
  EXPECT_FALSE(site.lookup("/js")) << "a directory is not a file";
  EXPECT_FALSE(site.lookup("/missing.html"));
}

TEST(WebsocketStaticSite, EmbeddedAssetsHaveTheIndex) {
  ASSERT_GT(kEmbeddedAssetCount, 0u);
  StaticSite site("/", "");
  auto index = site.lookup("/");
  ASSERT_TRUE(index);
  EXPECT_NE(index->body.find("<html"), std::string::npos);
  EXPECT_EQ(index->etag.front(), '"');
  EXPECT_FALSE(site.lookup("/no-such-file.js"));
}

HttpRoutes routes_with_site(std::shared_ptr<const StaticSite> site) {
  HttpRoutes::Providers p;
  p.health_json = [] { return std::string("{}"); };
  p.admin = [](const HttpRequest &) { return json_error(200, "admin"); };
  p.bridge = [](const HttpRequest &r) { return json_error(200, "bridge " + r.path); };
  return HttpRoutes({}, p, std::move(site));
}

TEST(WebsocketHttpRoutes, PrecedenceStaticFilesAndSecurityHeaders) {
  TempTree t;
  t.write("index.html", "<html></html>");
  t.write("health", "shadowed");
  auto routes = routes_with_site(std::make_shared<StaticSite>("/", t.root().string()));
  // /health beats a file of that name; admin and bridge paths are deferred to a worker.
  EXPECT_EQ(routes.handle({"GET", "/health", ""}).response.body, "{}");
  RouteResult admin = routes.handle({"GET", "/sessions", ""});
  ASSERT_TRUE(admin.deferred);
  EXPECT_EQ(admin.deferred().body, R"({"error":"admin"})");
  RouteResult bridge = routes.handle({"POST", "/bridge/commit-created", ""});
  ASSERT_TRUE(bridge.deferred);
  EXPECT_EQ(bridge.deferred().body, R"({"error":"bridge /bridge/commit-created"})");

  HttpResponse index = routes.handle({"GET", "/", ""}).response;
  EXPECT_EQ(index.status, 200u);
  EXPECT_EQ(index.body, "<html></html>");
  EXPECT_EQ(header_of(index, "content-security-policy"),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  EXPECT_EQ(header_of(index, "x-content-type-options"), "nosniff");
  EXPECT_EQ(header_of(index, "referrer-policy"), "no-referrer");
  EXPECT_EQ(header_of(index, "cache-control"), "no-cache");
  const std::string etag = header_of(index, "etag");
  ASSERT_FALSE(etag.empty());
  HttpRequest again{"GET", "/", ""};
  again.if_none_match = "\"other\", " + etag;
  HttpResponse not_modified = routes.handle(again).response;
  EXPECT_EQ(not_modified.status, 304u);
  EXPECT_TRUE(not_modified.body.empty());

  HttpResponse missing = routes.handle({"GET", "/nope.js", ""}).response;
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.body, R"({"error":"Not found"})");
  EXPECT_EQ(routes.handle({"POST", "/", ""}).response.status, 404u);
}

TEST(WebsocketHttpRoutes, WebDisabledAndPrefix) {
  auto off = routes_with_site(nullptr);
  EXPECT_EQ(off.handle({"GET", "/", ""}).response.status, 404u);
  TempTree t;
  t.write("index.html", "x");
  auto app = routes_with_site(std::make_shared<StaticSite>("/app/", t.root().string()));
  EXPECT_EQ(app.handle({"GET", "/app/", ""}).response.status, 200u);
  EXPECT_EQ(app.handle({"GET", "/app", ""}).response.status, 200u);
  EXPECT_EQ(app.handle({"GET", "/", ""}).response.status, 404u);
}

struct FakeHost {
  std::string admin_token = "adm";
  std::string last_token;
  std::string last_session;
  uint64_t last_from = 0;
  uint32_t last_format = 99;

  AdminSlots slots() {
    AdminSlots s;
    s.sessions = [this](std::string_view token, std::string *out) -> int32_t {
      last_token = std::string(token);
      if (token != admin_token) {
        return PVPD_E_PERM;
      }
      *out = R"({"sessions":[]})";
      return PVPD_OK;
    };
    s.transcript = [this](std::string_view token, std::string_view session, uint64_t from,
                          uint32_t format, std::string *out) -> int32_t {
      last_token = std::string(token);
      last_session = std::string(session);
      last_from = from;
      last_format = format;
      if (token != admin_token) {
        return PVPD_E_PERM;
      }
      if (session != "s1") {
        return PVPD_E_NOENT;
      }
      *out = "line\n";
      return PVPD_OK;
    };
    return s;
  }
};

HttpRequest admin_req(std::string path, std::string auth = "Bearer adm") {
  HttpRequest r{"GET", std::move(path), ""};
  r.authorization = std::move(auth);
  return r;
}

TEST(WebsocketAdminApi, AuthStatusesAndFormats) {
  FakeHost host;
  AdminSlots slots = host.slots();
  HttpResponse list = admin_response(slots, admin_req("/sessions"));
  EXPECT_EQ(list.status, 200u);
  EXPECT_EQ(list.body, R"({"sessions":[]})");
  EXPECT_EQ(list.content_type, "application/json");
  EXPECT_EQ(host.last_token, "adm");

  HttpResponse none = admin_response(slots, admin_req("/sessions", ""));
  EXPECT_EQ(none.status, 401u);
  EXPECT_EQ(header_of(none, "www-authenticate"), "Bearer");
  EXPECT_EQ(admin_response(slots, admin_req("/sessions", "Bearer nope")).status, 403u);
  EXPECT_EQ(admin_response(slots, admin_req("/sessions", "Basic YWRt")).status, 401u);

  HttpRequest query_token = admin_req("/sessions", "");
  query_token.query = {{"token", "adm"}};
  EXPECT_EQ(admin_response(slots, query_token).status, 400u) << "no tokens in URLs";

  HttpResponse jsonl = admin_response(slots, admin_req("/sessions/s1/transcript"));
  EXPECT_EQ(jsonl.status, 200u);
  EXPECT_EQ(jsonl.content_type, "application/x-ndjson");
  EXPECT_EQ(host.last_format, PVPD_TRANSCRIPT_JSONL);
  EXPECT_EQ(host.last_from, 0u);

  HttpRequest md = admin_req("/sessions/s1/transcript");
  md.query = {{"from", "17"}, {"format", "markdown"}};
  EXPECT_EQ(admin_response(slots, md).content_type, "text/markdown; charset=utf-8");
  EXPECT_EQ(host.last_from, 17u);
  EXPECT_EQ(host.last_format, PVPD_TRANSCRIPT_MARKDOWN);

  HttpRequest accept = admin_req("/sessions/s1/transcript");
  accept.accept = "text/markdown, */*;q=0.1";
  admin_response(slots, accept);
  EXPECT_EQ(host.last_format, PVPD_TRANSCRIPT_MARKDOWN);

  EXPECT_EQ(admin_response(slots, admin_req("/sessions/zz/transcript")).status, 404u);
  EXPECT_EQ(admin_response(slots, admin_req("/sessions/s1/other")).status, 404u);
  EXPECT_EQ(admin_response(slots, admin_req("/sessions//transcript")).status, 404u);
  for (const char *bad_from : {"", "-1", "1x", "99999999999999999999999"}) {
    HttpRequest r = admin_req("/sessions/s1/transcript");
    r.query = {{"from", bad_from}};
    EXPECT_EQ(admin_response(slots, r).status, 400u) << bad_from;
  }
  HttpRequest bad_format = admin_req("/sessions/s1/transcript");
  bad_format.query = {{"format", "html"}};
  EXPECT_EQ(admin_response(slots, bad_format).status, 400u);
  HttpRequest post = admin_req("/sessions");
  post.method = "POST";
  EXPECT_EQ(admin_response(slots, post).status, 405u);

  // An older host without the ABI 1.2 slots.
  EXPECT_EQ(admin_response(AdminSlots{}, admin_req("/sessions")).status, 501u);
}

TEST(WebsocketBridgeProxy, TargetRewriteAndBridgeDown) {
  HttpRequest r{"GET", "/bridge/commits", ""};
  r.query = {{"limit", "5"}, {"q", "a b&c"}};
  EXPECT_EQ(bridge_target(r), "/commits?limit=5&q=a%20b%26c");
  EXPECT_EQ(bridge_target(HttpRequest{"GET", "/bridge", ""}), "/");
  EXPECT_TRUE(is_bridge_path("/bridge"));
  EXPECT_TRUE(is_bridge_path("/bridge/x"));
  EXPECT_FALSE(is_bridge_path("/bridgex"));

  // Port 1 on loopback: nothing listens, the connection is refused at once.
  BridgeProxy proxy("127.0.0.1", 1, 1024, std::chrono::seconds(2));
  HttpResponse down = proxy.forward(HttpRequest{"GET", "/bridge/status", ""});
  EXPECT_EQ(down.status, 502u);
  EXPECT_EQ(down.body, R"({"error":"git bridge unavailable"})");
  HttpRequest big{"POST", "/bridge/message", ""};
  big.body.assign(2048, 'x');
  EXPECT_EQ(proxy.forward(big).status, 413u);
  EXPECT_EQ(proxy.forward(HttpRequest{"DELETE", "/bridge/x", ""}).status, 405u);
}

}  // namespace
}  // namespace pvpd::websocket
