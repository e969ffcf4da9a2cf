// The websocket plugin's HTTP side against the real pvpd: the embedded web dashboard and a
// `web.root` directory (security headers, ETag, no directory traversal), WebSocket upgrades on
// any path next to it, the admin API (GET /sessions, /sessions/{id}/transcript) with bearer
// tokens, and the /bridge/* reverse proxy against a tiny upstream HTTP server.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "ws_daemon.h"

namespace pvpd::testing::ws {
namespace {

constexpr const char *kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void expect_security_headers(HttpResult &r, const std::string &what) {
  EXPECT_EQ(r.headers["content-security-policy"], kCsp) << what;
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff") << what;
  EXPECT_EQ(r.headers["referrer-policy"], "no-referrer") << what;
}

TEST(WebsocketWeb, EmbeddedDashboardNextToHealthAndUpgrades) {
  WsDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  HttpResult index = http_request(d.port(), "GET", "/");
  ASSERT_EQ(index.status, 200) << index.body;
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<html"), std::string::npos) << index.body;
  expect_security_headers(index, "/");
  EXPECT_EQ(index.headers["cache-control"], "no-cache");
  const std::string etag = index.headers["etag"];
  ASSERT_FALSE(etag.empty());
  HttpResult same = http_request(d.port(), "GET", "/index.html");
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(same.body, index.body);
  HttpResult cached = http_request(d.port(), "GET", "/", {{"If-None-Match", etag}});
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());
  HttpResult head = http_request(d.port(), "HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());

  HttpResult missing = http_request(d.port(), "GET", "/no-such-file.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"error":"Not found"})");
  HttpResult hidden = http_request(d.port(), "GET", "/.gitignore");
  EXPECT_EQ(hidden.status, 404);

  HttpResult health = http_request(d.port(), "GET", "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.headers["content-type"], "application/json");
  EXPECT_EQ(parse(health.body)["status"].GetString(), std::string("ok"));
  EXPECT_TRUE(parse(health.body)["bridge_proxy"].GetBool());
  EXPECT_EQ(http_request(d.port(), "GET", "/metrics").status, 200);

  // The reference clients upgrade on any path, the dashboard's own included.
  for (const char *path : {"/", "/index.html", "/some/where?x=1"}) {
    WsClient c(d.options(path));
    EXPECT_TRUE(join(c, "web1", std::string("u") + std::to_string(std::strlen(path))))
        << path << ": " << c.failure();
  }
}

TEST(WebsocketWeb, DisabledAndPrefixed) {
  {
    WsDaemon d("      web: {enabled: false}\n");
    ASSERT_TRUE(d.started()) << d.process().log();
    EXPECT_EQ(http_request(d.port(), "GET", "/").status, 404);
    EXPECT_EQ(http_request(d.port(), "GET", "/health").status, 200);
  }
  WsDaemon d("      web: {path: /app}\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  EXPECT_EQ(http_request(d.port(), "GET", "/").status, 404);
  HttpResult app = http_request(d.port(), "GET", "/app/");
  EXPECT_EQ(app.status, 200);
  expect_security_headers(app, "/app/");
  EXPECT_EQ(http_request(d.port(), "GET", "/app").status, 200);
}

TEST(WebsocketWeb, RootDirectoryWithoutTraversal) {
  TempDir files;
  std::filesystem::create_directories(files.path() / "site/js");
  files.write("site/index.html", "<!doctype html><html><p>from disk</p></html>");
  files.write("site/js/app.js", "export const x = 1;\n");
  files.write("secret.txt", "TOP-SECRET");
  std::filesystem::create_symlink(files.path() / "secret.txt", files.path() / "site/leak.txt");
  WsDaemon d("      web: {root: \"" + (files.path() / "site").string() + "\"}\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  HttpResult index = http_request(d.port(), "GET", "/");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("from disk"), std::string::npos);
  HttpResult js = http_request(d.port(), "GET", "/js/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  expect_security_headers(js, "/js/app.js");
  for (const char *target :
       {"/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt",
        "/js/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt", "/leak.txt",
        "//secret.txt", "/js/..%5c..%5csecret.txt"}) {
    HttpResult r = http_request(d.port(), "GET", target);
    EXPECT_EQ(r.body.find("TOP-SECRET"), std::string::npos) << target;
    EXPECT_NE(r.status, 200) << target;
  }
  EXPECT_TRUE(d.process().running());
}

// ---- admin API ----

// Token mode: "adm-token-1" is an admin, "user-token-1" is not.
const std::string kTokenAuth =
    "  auth:\n"
    "    mode: token\n"
    "    tokens:\n"
    "      - sha256: \"b70cf7fbc388c79bbe2c7166ac0c28d5d2ad4deb4bd4bca657ffd6763b46143d\"\n"
    "        participant: \"\"\n"
    "        admin: true\n"
    "      - sha256: \"bf088932e195096498616fccd3385ce33946d6200ec2bd50d53f23314f0544e6\"\n"
    "        participant: \"\"\n";

TEST(WebsocketAdminHttp, SessionsAndTranscriptWithBearerTokens) {
  WsDaemon d("", "", 1, kTokenAuth);
  ASSERT_TRUE(d.started()) << d.process().log();
  HttpResult probe = http_request(d.port(), "GET", "/sessions");
  if (probe.status == 501) {
    GTEST_SKIP() << "pvpd without the ABI 1.2 admin slots: " << probe.body;
  }
  EXPECT_EQ(probe.status, 401) << probe.body;
  EXPECT_EQ(probe.headers["www-authenticate"], "Bearer");
  EXPECT_TRUE(parse(probe.body).IsObject());

  WsClient alice(d.options("/?token=adm-token-1"));
  ASSERT_TRUE(join(alice, "adm1", "alice")) << alice.failure();
  WsClient bob(d.options("/?token=user-token-1"));
  ASSERT_TRUE(join(bob, "adm1", "bob")) << bob.failure();

  const std::vector<std::pair<std::string, std::string>> admin = {
      {"Authorization", "Bearer adm-token-1"}};
  HttpResult forbidden =
      http_request(d.port(), "GET", "/sessions", {{"Authorization", "Bearer user-token-1"}});
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  EXPECT_EQ(http_request(d.port(), "GET", "/sessions", {{"Authorization", "Bearer nope"}}).status,
            403);
  EXPECT_EQ(http_request(d.port(), "GET", "/sessions?token=adm-token-1").status, 400)
      << "no tokens in URLs";

  HttpResult list;
  ASSERT_TRUE(eventually([&] {
    list = http_request(d.port(), "GET", "/sessions", admin);
    return list.status == 200 && list.body.find("\"adm1\"") != std::string::npos;
  })) << list.status
      << " " << list.body;
  EXPECT_EQ(list.headers["content-type"], "application/json");
  auto sessions = parse(list.body);
  ASSERT_TRUE(sessions.IsObject() && sessions["sessions"].IsArray()) << list.body;

  HttpResult jsonl;
  ASSERT_TRUE(eventually([&] {
    jsonl = http_request(d.port(), "GET", "/sessions/adm1/transcript", admin);
    return jsonl.status == 200 && jsonl.body.find("\"bob\"") != std::string::npos;
  })) << jsonl.status
      << " " << jsonl.body;
  EXPECT_EQ(jsonl.headers["content-type"], "application/x-ndjson");
  std::istringstream lines(jsonl.body);
  std::string line;
  uint64_t last_seq = 0;
  int count = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) {
      continue;
    }
    auto env = parse(line);
    ASSERT_TRUE(env.IsObject()) << line;
    ++count;
    if (env.HasMember("seq") && env["seq"].IsUint64()) {
      last_seq = env["seq"].GetUint64();
    }
  }
  EXPECT_GE(count, 2);
  ASSERT_GT(last_seq, 0u);
  HttpResult tail = http_request(
      d.port(), "GET", "/sessions/adm1/transcript?from=" + std::to_string(last_seq - 1), admin);
  EXPECT_EQ(tail.status, 200);
  EXPECT_LT(tail.body.size(), jsonl.body.size()) << "from=SEQ returns only what follows";
  EXPECT_FALSE(tail.body.empty());

  HttpResult md = http_request(d.port(), "GET", "/sessions/adm1/transcript?format=markdown", admin);
  EXPECT_EQ(md.status, 200);
  EXPECT_EQ(md.headers["content-type"], "text/markdown; charset=utf-8");
  EXPECT_NE(md.body.find('#'), std::string::npos) << md.body;
  HttpResult accept =
      http_request(d.port(), "GET", "/sessions/adm1/transcript",
                   {{"Authorization", "Bearer adm-token-1"}, {"Accept", "text/markdown"}});
  EXPECT_EQ(accept.headers["content-type"], "text/markdown; charset=utf-8");

  HttpResult unknown = http_request(d.port(), "GET", "/sessions/nope/transcript", admin);
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(http_request(d.port(), "GET", "/sessions/adm1/transcript?from=x", admin).status, 400);
  HttpResult no_token = http_request(d.port(), "GET", "/sessions/adm1/transcript");
  EXPECT_EQ(no_token.status, 401);
  EXPECT_EQ(no_token.body.find("\"bob\""), std::string::npos);
  EXPECT_EQ(d.process().log().find("adm-token-1"), std::string::npos) << "tokens are never logged";
}

// ---- bridge proxy ----

// A tiny HTTP/1.1 upstream on 127.0.0.1:<ephemeral>: answers every request with 200 and a JSON
// body naming what it saw, and records the requests.
class TinyUpstream {
 public:
  struct Seen {
    std::string method, target, body, content_type, authorization;
  };

  TinyUpstream() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (::bind(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr *>(&sa), &len) != 0) {
      return;
    }
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TinyUpstream() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
    ::close(fd_);
  }
  int port() const { return port_; }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // While held, a request is read and recorded but not answered until release().
  void hold() {
    std::lock_guard<std::mutex> lock(mu_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) {
        continue;
      }
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        serve(c);
        ::close(c);
      }
    }
  }

  static std::string header(const std::string &head, const std::string &name) {
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    std::size_t at = lower.find("\r\n" + name + ":");
    if (at == std::string::npos) {
      return std::string();
    }
    std::size_t v = head.find_first_not_of(' ', at + name.size() + 3);
    return head.substr(v, head.find("\r\n", v) - v);
  }

  void serve(int c) {
    std::string raw;
    char buf[4096];
    std::size_t head_end = std::string::npos;
    std::size_t want = 0;
    for (;;) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) {
        return;
      }
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        return;
      }
      raw.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos && (head_end = raw.find("\r\n\r\n")) != std::string::npos) {
        std::string cl = header(raw.substr(0, head_end), "content-length");
        want = cl.empty() ? 0 : std::stoul(cl);
      }
      if (head_end != std::string::npos && raw.size() >= head_end + 4 + want) {
        break;
      }
    }
    Seen s;
    std::string head = raw.substr(0, head_end);
    s.method = head.substr(0, head.find(' '));
    s.target =
        head.substr(head.find(' ') + 1, head.find(' ', head.find(' ') + 1) - head.find(' ') - 1);
    s.body = raw.substr(head_end + 4, want);
    s.content_type = header(head, "content-type");
    s.authorization = header(head, "authorization");
    std::string body =
        "{\"method\":\"" + s.method + "\",\"bytes\":" + std::to_string(s.body.size()) + "}";
    {
      std::unique_lock<std::mutex> lock(mu_);
      seen_.push_back(std::move(s));
      cv_.wait_for(lock, 20s, [this] { return !held_; });
    }
    std::string resp =
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;  // guarded by mu_
  std::vector<Seen> seen_;
};

TEST(WebsocketBridgeHttp, ProxiesPublicGetAndPost) {
  TinyUpstream up;
  ASSERT_GT(up.port(), 0);
  WsDaemon d("      bridge: {url: \"http://127.0.0.1:" + std::to_string(up.port()) +
             "\", public: true}\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  HttpResult get = http_request(d.port(), "GET", "/bridge/commits?limit=5",
                                {{"Authorization", "Bearer secret-should-not-leak"}});
  EXPECT_EQ(get.status, 201) << get.body;
  EXPECT_EQ(get.headers["content-type"], "application/json");
  EXPECT_EQ(get.body, R"({"method":"GET","bytes":0})");
  const std::string payload = R"({"commit_sha":"abcdef12"})";
  HttpResult post = http_request(d.port(), "POST", "/bridge/commit-created",
                                 {{"Content-Type", "application/json"}}, 5s, "127.0.0.1", payload);
  EXPECT_EQ(post.status, 201) << post.body;
  EXPECT_EQ(post.body, "{\"method\":\"POST\",\"bytes\":" + std::to_string(payload.size()) + "}");
  auto seen = up.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/commits?limit=5");
  EXPECT_TRUE(seen[0].authorization.empty()) << "the caller's credential stays here";
  EXPECT_EQ(seen[1].method, "POST");
  EXPECT_EQ(seen[1].target, "/commit-created");
  EXPECT_EQ(seen[1].body, payload);
  EXPECT_EQ(seen[1].content_type, "application/json");

  HttpResult big = http_request(d.port(), "POST", "/bridge/message", {}, 5s, "127.0.0.1",
                                std::string(1100 * 1024, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(up.seen().size(), 2u);
}

TEST(WebsocketBridgeHttp, ASlowBridgeDoesNotHoldUpOtherRequests) {
  TinyUpstream up;
  ASSERT_GT(up.port(), 0);
  WsDaemon d("      bridge: {url: \"http://127.0.0.1:" + std::to_string(up.port()) +
             "\", public: true}\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient a(d.options());
  ASSERT_TRUE(join(a, "slow", "alice"));
  up.hold();
  auto pending = std::async(
      std::launch::async, [&] { return http_request(d.port(), "GET", "/bridge/status", {}, 30s); });
  ASSERT_TRUE(eventually([&] { return up.seen().size() == 1; }));
  // The upstream has the request and is not answering: the lws thread still serves HTTP and
  // WebSocket traffic.
  EXPECT_EQ(http_request(d.port(), "GET", "/health").status, 200);
  EXPECT_EQ(http_request(d.port(), "GET", "/").status, 200);
  WsClient b(d.options());
  EXPECT_TRUE(join(b, "slow", "bob"));
  up.release();
  HttpResult r = pending.get();
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST(WebsocketBridgeHttp, BridgeDownIs502AndDisabledIs404) {
  {
    // Port 1: nothing listens on loopback.
    WsDaemon d("      bridge: {url: \"http://127.0.0.1:1\", public: true}\n");
    ASSERT_TRUE(d.started()) << d.process().log();
    HttpResult r = http_request(d.port(), "GET", "/bridge/status");
    EXPECT_EQ(r.status, 502);
    EXPECT_EQ(r.body, R"({"error":"git bridge unavailable"})");
    EXPECT_EQ(http_request(d.port(), "GET", "/health").status, 200) << "the lws thread is free";
  }
  WsDaemon d("      bridge: {enabled: false}\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  EXPECT_EQ(http_request(d.port(), "GET", "/bridge/status").status, 404);
  EXPECT_FALSE(parse(http_request(d.port(), "GET", "/health").body)["bridge_proxy"].GetBool());
}

TEST(WebsocketBridgeHttp, NeedsTheAdminTokenUnlessPublic) {
  TinyUpstream up;
  ASSERT_GT(up.port(), 0);
  WsDaemon d("      bridge: {url: \"http://127.0.0.1:" + std::to_string(up.port()) + "\"}\n", "", 1,
             kTokenAuth);
  ASSERT_TRUE(d.started()) << d.process().log();
  HttpResult anon = http_request(d.port(), "GET", "/bridge/status");
  if (anon.status == 501) {
    GTEST_SKIP() << "pvpd without the ABI 1.2 admin slots: " << anon.body;
  }
  EXPECT_EQ(anon.status, 401) << anon.body;
  EXPECT_EQ(
      http_request(d.port(), "GET", "/bridge/status", {{"Authorization", "Bearer user-token-1"}})
          .status,
      403);
  EXPECT_TRUE(up.seen().empty());
  HttpResult ok =
      http_request(d.port(), "GET", "/bridge/status", {{"Authorization", "Bearer adm-token-1"}});
  EXPECT_EQ(ok.status, 201) << ok.body;
  ASSERT_EQ(up.seen().size(), 1u);
  EXPECT_EQ(up.seen()[0].target, "/status");
  // The admin's verdict is remembered briefly; nobody else's.
  EXPECT_EQ(
      http_request(d.port(), "GET", "/bridge/status", {{"Authorization", "Bearer adm-token-1"}})
          .status,
      201);
  EXPECT_EQ(
      http_request(d.port(), "GET", "/bridge/status", {{"Authorization", "Bearer user-token-1"}})
          .status,
      403);
  EXPECT_EQ(up.seen().size(), 2u);
}

}  // namespace
}  // namespace pvpd::testing::ws
