// HTTP on the WebSocket port (/health, /metrics, 404 JSON, CORS) and TLS (wss with a generated
// self-signed certificate; a plain connection to the TLS port is refused; mutual TLS with a
// generated CA: a client certificate it signed is let in, none or another CA's is refused).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <sstream>

#include "ws_daemon.h"

namespace pvpd::testing::ws {
namespace {

// One Prometheus sample line `name{labels} value` (labels optional), or false. Hand-written:
// std::regex trips GCC 12's -Wmaybe-uninitialized in the ASan build.
bool parse_sample(const std::string &line, std::string *name, std::string *labels, double *value) {
  auto name_char = [](char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
  };
  std::size_t i = 0;
  while (i < line.size() && name_char(line[i], i == 0)) {
    ++i;
  }
  if (i == 0) {
    return false;
  }
  *name = line.substr(0, i);
  labels->clear();
  if (i < line.size() && line[i] == '{') {
    std::size_t close = line.find('}', i);
    if (close == std::string::npos) {
      return false;
    }
    *labels = line.substr(i, close + 1 - i);
    i = close + 1;
  }
  if (i >= line.size() || line[i] != ' ') {
    return false;
  }
  const std::string number = line.substr(i + 1);
  if (number.empty() || number.find_first_not_of("0123456789.eE+-") != std::string::npos) {
    return false;
  }
  *value = std::stod(number);
  return true;
}

TEST(WebsocketHttp, HealthMetricsAndNotFound) {
  WsDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient a(d.options());
  ASSERT_TRUE(join(a, "s1", "alice"));

  HttpResult health = http_request(d.port(), "GET", "/health");
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(health.headers["content-type"], "application/json");
  auto h = parse(health.body);
  ASSERT_TRUE(h.IsObject()) << health.body;
  EXPECT_STREQ(h["status"].GetString(), "ok");
  EXPECT_TRUE(h["bridge_proxy"].GetBool());  // bridge.enabled defaults to true
  ASSERT_TRUE(h["plugin"].IsObject());
  EXPECT_EQ(h["plugin"]["connections"].GetUint64(), 1u);
  ASSERT_TRUE(h["plugin"]["listeners"].IsArray());
  EXPECT_EQ(std::string(h["plugin"]["listeners"][0].GetString()),
            "127.0.0.1:" + std::to_string(d.port()));
  // The daemon's own status through the ABI 1.1 host slot.
  ASSERT_TRUE(h.HasMember("daemon") && h["daemon"].IsObject()) << health.body;
  // ABI 1.1 or later (1.1 added the slot).
  const std::string abi = h["daemon"]["abi"].GetString();
  EXPECT_TRUE(abi.rfind("1.", 0) == 0 && std::stoi(abi.substr(2)) >= 1) << abi;
  EXPECT_EQ(h["daemon"]["protocol"].GetInt(), 1);
  EXPECT_TRUE(h["daemon"]["counters"].IsObject());
  // ... with every plugin instance's status_json, by instance id.
  ASSERT_TRUE(h["daemon"].HasMember("plugins") && h["daemon"]["plugins"].IsObject());
  ASSERT_TRUE(h["daemon"]["plugins"].HasMember("ws")) << health.body;
  EXPECT_TRUE(h["daemon"]["plugins"]["ws"]["listeners"].IsArray());

  // Plugin status reaches the daemon's snapshot within a refresh (about twice a second).
  HttpResult metrics;
  ASSERT_TRUE(eventually([&] {
    metrics = http_request(d.port(), "GET", "/metrics");
    return metrics.body.find("pvpd_plugin_websocket_connections{instance=\"ws\"} 1\n") !=
           std::string::npos;
  })) << metrics.body;
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers["content-type"].rfind("text/plain; version=0.0.4", 0), 0u);
  // Prometheus text format: HELP and TYPE before each sample, `name value` samples.
  std::istringstream in(metrics.body);
  std::string line;
  std::set<std::string> helped, typed;
  std::map<std::string, double> samples;
  while (std::getline(in, line)) {
    std::string name, labels;
    double value = 0;
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (line.rfind("# TYPE ", 0) == 0) {
      std::string rest = line.substr(7);
      std::string type = rest.substr(rest.find(' ') + 1);
      EXPECT_TRUE(type == "counter" || type == "gauge") << line;
      typed.insert(rest.substr(0, rest.find(' ')));
    } else if (parse_sample(line, &name, &labels, &value)) {
      EXPECT_TRUE(helped.count(name) && typed.count(name)) << "HELP/TYPE precede " << line;
      samples[name + labels] = value;
    } else {
      ADD_FAILURE() << "not Prometheus text: " << line;
    }
  }
  EXPECT_EQ(samples["pvpd_websocket_connections"], 1);
  // Every plugin's numeric status, labelled with its instance, from the daemon's snapshot.
  EXPECT_EQ(samples["pvpd_plugin_websocket_connections{instance=\"ws\"}"], 1) << metrics.body;
  // Daemon metrics (ABI 1.1 metrics_text) come first on the same page.
  for (const char *name :
       {"pvpd_uptime_seconds", "pvpd_sessions", "pvpd_connections", "pvpd_messages_accepted_total",
        "pvpd_gates_opened_total", "pvpd_journal_failures_total"}) {
    EXPECT_TRUE(samples.count(name)) << name;
  }
  EXPECT_GE(samples["pvpd_websocket_connections_total"], 1);
  EXPECT_GE(samples["pvpd_websocket_frames_in_total"], 1);
  EXPECT_GE(samples["pvpd_websocket_frames_out_total"], 1);
  EXPECT_GT(samples["pvpd_websocket_bytes_out_total"], 0);
  for (const char *name : {"queue_drops_total", "slow_consumer_disconnects_total",
                           "rate_limited_total", "bad_frames_total", "bytes_in_total"}) {
    EXPECT_TRUE(samples.count(std::string("pvpd_websocket_") + name)) << name;
  }

  for (const char *target : {"/nope", "/nope.js", "/js/nope/"}) {
    HttpResult r = http_request(d.port(), "GET", target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.body, R"({"error":"Not found"})") << target;
  }
}

TEST(WebsocketHttp, CorsIsOffByDefault) {
  WsDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  HttpResult r = http_request(d.port(), "GET", "/health", {{"Origin", "http://evil.example"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.count("access-control-allow-origin"), 0u);
  HttpResult pre = http_request(d.port(), "OPTIONS", "/health", {{"Origin", "http://a.example"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.headers.count("access-control-allow-origin"), 0u);
}

TEST(WebsocketHttp, CorsOnlyForConfiguredOrigins) {
  WsDaemon d("      cors_origins: [\"http://app.example\"]\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  HttpResult ok = http_request(d.port(), "OPTIONS", "/health", {{"Origin", "http://app.example"}});
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.headers["access-control-allow-origin"], "http://app.example");
  HttpResult get = http_request(d.port(), "GET", "/health", {{"Origin", "http://app.example"}});
  EXPECT_EQ(get.headers["access-control-allow-origin"], "http://app.example");
  HttpResult other = http_request(d.port(), "GET", "/health", {{"Origin", "http://other.example"}});
  EXPECT_EQ(other.headers.count("access-control-allow-origin"), 0u);
}

// run_command does not search PATH.
std::string find_program(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return std::string();
}

TEST(WebsocketTls, WssWorksWithAGeneratedCertAndPlainIsRefused) {
#if defined(__SANITIZE_THREAD__)
  // Under TSan the libwebsockets *test client* fails its TLS handshake ("SSL err 1") while the
  // TSan-built daemon serves wss to other clients (curl) fine; the plugin's threading is covered
  // by the other websocket tests under TSan, and this test runs in the plain and ASan builds.
  GTEST_SKIP() << "TLS test client handshake fails under TSan (known, see comment)";
#endif
  const std::string openssl = find_program("openssl");
  if (openssl.empty()) {
    GTEST_SKIP() << "the openssl command is not installed";
  }
  TempDir certs;
  auto cert = certs.path() / "cert.pem";
  auto key = certs.path() / "key.pem";
  ProcessResult gen =
      run_command({openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                   key.string(), "-out", cert.string(), "-days", "1", "-subj", "/CN=localhost"});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  WsDaemon d("      tls: {cert: \"" + cert.string() + "\", key: \"" + key.string() + "\"}\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  ClientOptions o = d.options("/");
  o.tls = true;
  // The lws test client's own TLS handshake fails now and then under a loaded sanitizer run
  // ("connect SSL err 1" before any byte reaches pvpd); a server that cannot do TLS fails every
  // attempt, so a few fresh clients keep the test meaningful without the flake.
  auto tls_client = [&](const std::string &id) {
    std::unique_ptr<WsClient> c;
    for (int attempt = 0; attempt < 3; ++attempt) {
      c = std::make_unique<WsClient>(o);
      if (join(*c, "s1", id)) {
        return c;
      }
    }
    ADD_FAILURE() << id << " could not join over TLS: " << c->failure();
    return std::unique_ptr<WsClient>();
  };
  auto a = tls_client("alice");
  ASSERT_TRUE(a);
  auto b = tls_client("bob");
  ASSERT_TRUE(b);
  ASSERT_TRUE(a->send_text(draft_frame("s1", "alice", "over-tls")));
  EXPECT_TRUE(b->wait_for([](const Message &m) { return content_of(m) == "over-tls"; }));

  WsClient plain(d.options("/"));
  EXPECT_FALSE(plain.wait_open()) << "a plain WebSocket to the TLS port must not open";
  HttpResult http = http_request(d.port(), "GET", "/health", {}, 3s);
  EXPECT_NE(http.status, 200) << "plain HTTP to the TLS port is not served";
  EXPECT_TRUE(d.process().running());
}

TEST(WebsocketTls, MutualTlsNeedsAClientCertificateFromTheConfiguredCa) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "TLS test client handshake fails under TSan (see the wss test)";
#endif
  const std::string openssl = find_program("openssl");
  if (openssl.empty()) {
    GTEST_SKIP() << "the openssl command is not installed";
  }
  TempDir certs;
  auto p = [&](const char *name) { return (certs.path() / name).string(); };
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), openssl);
    ProcessResult r = run_command(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0;
  };
  auto self_signed = [&](const std::string &stem, const std::string &cn) {
    return run({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                p((stem + ".key").c_str()), "-out", p((stem + ".pem").c_str()), "-days", "1",
                "-subj", "/CN=" + cn});
  };
  ASSERT_TRUE(self_signed("server", "localhost"));
  ASSERT_TRUE(self_signed("ca", "pvpd test CA"));
  ASSERT_TRUE(self_signed("other-ca", "someone else's CA"));
  // A client certificate signed by the CA, and one signed by the other CA.
  for (const std::string issuer : {"ca", "other-ca"}) {
    const std::string stem = "client-" + issuer;
    ASSERT_TRUE(run({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", p((stem + ".key").c_str()),
                     "-out", p((stem + ".csr").c_str()), "-subj", "/CN=alice-" + issuer}));
    ASSERT_TRUE(run({"x509", "-req", "-in", p((stem + ".csr").c_str()), "-CA",
                     p((issuer + ".pem").c_str()), "-CAkey", p((issuer + ".key").c_str()),
                     "-CAcreateserial", "-out", p((stem + ".pem").c_str()), "-days", "1"}));
  }
  WsDaemon d("      tls: {cert: \"" + p("server.pem") + "\", key: \"" + p("server.key") +
             "\", client_ca: \"" + p("ca.pem") + "\"}\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  ClientOptions o = d.options("/");
  o.tls = true;
  o.client_cert = p("client-ca.pem");
  o.client_key = p("client-ca.key");
  // Retried like the wss test: the lws test client's handshake flakes under loaded sanitizers.
  std::unique_ptr<WsClient> good;
  for (int attempt = 0; attempt < 3 && !good; ++attempt) {
    auto c = std::make_unique<WsClient>(o);
    if (join(*c, "mtls", "alice")) {
      good = std::move(c);
    }
  }
  ASSERT_TRUE(good) << "a client with a certificate from tls.client_ca must get in";

  ClientOptions none = d.options("/");
  none.tls = true;
  WsClient anonymous(none);
  EXPECT_FALSE(anonymous.wait_open()) << "no client certificate: refused";
  ClientOptions other = none;
  other.client_cert = p("client-other-ca.pem");
  other.client_key = p("client-other-ca.key");
  WsClient stranger(other);
  EXPECT_FALSE(stranger.wait_open()) << "a certificate from another CA: refused";
  EXPECT_TRUE(d.process().running());
  // The accepted client is unaffected by the refusals.
  EXPECT_FALSE(good->closed());
}

}  // namespace
}  // namespace pvpd::testing::ws
