// Unit tests of the websocket plugin's pieces that need no sockets: option parsing, the
// outbound queue's limits and pressure levels, the rate limiter, frame checks and plugin-made
// frames, HTTP routing and CORS, Prometheus rendering.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <set>

#include "connection.h"
#include "frames.h"
#include "http_routes.h"
#include "metrics.h"
#include "options.h"
#include "rate_limiter.h"

namespace pvpd::websocket {
namespace {

using namespace std::chrono_literals;

TEST(WebsocketOptions, DefaultsMatchTheOptionTable) {
  Settings s;
  ASSERT_TRUE(parse_settings("{}", &s).empty());
  ASSERT_EQ(s.listen.size(), 1u);
  EXPECT_EQ(s.listen[0].host, "127.0.0.1");
  EXPECT_EQ(s.listen[0].port, 3000);
  EXPECT_EQ(s.max_message, 1024u * 1024u);
  EXPECT_EQ(s.high_water, 256u);
  EXPECT_EQ(s.queue_limit, 1024u);
  EXPECT_EQ(s.on_overflow, OverflowPolicy::kDropDroppable);
  EXPECT_FALSE(s.rate_limited());
  EXPECT_EQ(s.max_connections, 1024u);
  EXPECT_EQ(s.max_connections_per_ip, 64u);
  EXPECT_EQ(s.max_bad_frames, 5u);
  EXPECT_TRUE(s.cors_origins.empty());
  EXPECT_TRUE(s.http);
  EXPECT_FALSE(s.tls());
}

TEST(WebsocketOptions, ParsesNormalizedJson) {
  Settings s;
  auto errors = parse_settings(
      R"({"listen":["[::1]:0","0.0.0.0:8080"],"tls":{"cert":"c.pem","key":"k.pem"},
          "max_message":4096,"send_queue":{"high_water":2,"limit":4,"on_overflow":"disconnect"},
          "rate_limit":{"burst":5,"per_second":0.5},"idle_timeout":60000,"ping_interval":0,
          "cors_origins":["http://a"],"http":false})",
      &s);
  ASSERT_TRUE(errors.empty()) << errors.front().message;
  ASSERT_EQ(s.listen.size(), 2u);
  EXPECT_EQ(s.listen[0].host, "::1");
  EXPECT_EQ(s.listen[0].port, 0);
  EXPECT_EQ(s.listen[1].port, 8080);
  EXPECT_TRUE(s.tls());
  EXPECT_EQ(s.max_message, 4096u);
  EXPECT_EQ(s.on_overflow, OverflowPolicy::kDisconnect);
  EXPECT_TRUE(s.rate_limited());
  EXPECT_EQ(s.idle_timeout_ms, 60000u);
  EXPECT_EQ(s.ping_interval_ms, 0u);
  EXPECT_FALSE(s.http);
}

TEST(WebsocketOptions, ReportsEveryProblemWithAPointer) {
  Settings s;
  auto errors = parse_settings(
      R"({"listen":["nope","1.2.3.4:70000"],"tls":{"cert":"c.pem"},
          "send_queue":{"high_water":10,"limit":5},"rate_limit":{"burst":3},
          "cors_origins":["*"],"ping_interval":10})",
      &s);
  std::set<std::string> pointers;
  for (const auto &e : errors) {
    pointers.insert(e.pointer);
  }
  for (const char *p : {"/listen/0", "/listen/1", "/tls/cert", "/send_queue/high_water",
                        "/rate_limit", "/cors_origins", "/ping_interval"}) {
    EXPECT_TRUE(pointers.count(p)) << p;
  }
  EXPECT_FALSE(parse_settings("[1]", &s).empty());
}

TEST(WebsocketOptions, ListenForms) {
  ListenAddress a;
  EXPECT_TRUE(parse_listen("127.0.0.1:0", &a));
  EXPECT_TRUE(parse_listen(":3000", &a));
  EXPECT_EQ(a.host, "");
  EXPECT_TRUE(parse_listen("[::]:3000", &a));
  EXPECT_EQ(a.host, "::");
  EXPECT_FALSE(parse_listen("::1:3000", &a));
  EXPECT_FALSE(parse_listen("host:", &a));
  EXPECT_FALSE(parse_listen("host:12x", &a));
  EXPECT_FALSE(parse_listen("host", &a));
  EXPECT_FALSE(a.is_unix());
}

TEST(WebsocketOptions, UnixListenEntries) {
  ListenAddress a;
  ASSERT_TRUE(parse_listen("unix:/run/pvpd/admin.sock", &a));
  EXPECT_TRUE(a.is_unix());
  EXPECT_EQ(a.unix_path, "/run/pvpd/admin.sock");
  EXPECT_EQ(a.text, "unix:/run/pvpd/admin.sock");
  EXPECT_EQ(a.host, "");
  EXPECT_EQ(a.port, 0);
  // 107 bytes is the longest path sun_path holds with its NUL.
  EXPECT_TRUE(parse_listen("unix:/" + std::string(106, 'a'), &a));
  EXPECT_FALSE(parse_listen("unix:/" + std::string(107, 'a'), &a));
  const std::vector<std::string> bad_entries = {
      "unix:",          "unix:/",          "unix:admin.sock",           "unix:./a.sock",
      "unix:@abstract", "unix:/run/pvpd/", std::string("unix:/a\0b", 9)};
  for (const std::string &bad : bad_entries) {
    EXPECT_FALSE(parse_listen(bad, &a)) << bad;
  }
  // A unix entry is never an HTTP upstream.
  std::string host;
  int port = 0;
  EXPECT_FALSE(parse_http_url("http://unix:/x", &host, &port));

  Settings s;
  auto errors =
      parse_settings(R"({"listen":["127.0.0.1:0","unix:/tmp/a.sock","unix:rel.sock"]})", &s);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pointer, "/listen/2");
  EXPECT_NE(errors[0].message.find("unix:/absolute/path"), std::string::npos);
  ASSERT_TRUE(parse_settings(R"({"listen":["unix:/tmp/a.sock"]})", &s).empty());
  ASSERT_EQ(s.listen.size(), 1u);
  EXPECT_EQ(s.listen[0].unix_path, "/tmp/a.sock");
}

// A fake host buffer table counting references, so queue tests prove nothing leaks.
std::atomic<int> g_refs{0};
struct FakeBuf {
  std::string bytes;
};
void fake_ref(const pvpd_buf *) {
  ++g_refs;
}
void fake_unref(const pvpd_buf *) {
  --g_refs;
}
pvpd_str fake_view(const pvpd_buf *b) {
  const auto *f = reinterpret_cast<const FakeBuf *>(b);
  return pvpd_str{f->bytes.data(), f->bytes.size()};
}
pvpd_host_api_v1 fake_api() {
  pvpd_host_api_v1 api{};
  api.struct_size = sizeof api;
  api.buf_ref = &fake_ref;
  api.buf_unref = &fake_unref;
  api.buf_view = &fake_view;
  return api;
}

TEST(WebsocketQueue, AnUrgentMessageDropsTheDeltasBehindTheWritersBatch) {
  pvpd_host_api_v1 api = fake_api();
  FakeBuf d1{"delta-1"}, keep{"keep"}, d2{"delta-2"}, d3{"delta-3"}, done{"done"};
  auto ref = [&](FakeBuf &f) {
    return pvpd::BufRef::retain(&api, reinterpret_cast<const pvpd_buf *>(&f));
  };
  {
    OutboundQueue q(/*high_water=*/100, /*limit=*/100, /*drop_droppable=*/true);
    bool on = false;
    q.push(ref(d1), true, &on);     // being written by the lws thread
    q.push(ref(keep), false, &on);  // not droppable: stays, in order
    q.push(ref(d2), true, &on);
    q.push(ref(d3), true, &on);
    q.push(ref(done), false, &on);
    EXPECT_EQ(q.drop_droppable_after(/*keep=*/1), 2u);
    ASSERT_EQ(q.size(), 3u);
    EXPECT_EQ(q.at(0).view(), "delta-1") << "what the writer holds is never touched";
    EXPECT_EQ(q.at(1).view(), "keep");
    EXPECT_EQ(q.at(2).view(), "done");
    EXPECT_EQ(q.drop_droppable_after(/*keep=*/5), 0u);
    EXPECT_EQ(q.drop_droppable_after(/*keep=*/0), 1u);
    EXPECT_EQ(q.at(0).view(), "keep");
  }
  EXPECT_EQ(g_refs.load(), 0) << "dropped messages release their reference";
}

TEST(WebsocketQueue, PressureAndLimits) {
  pvpd_host_api_v1 api = fake_api();
  FakeBuf buf{"{}"};
  const auto *b = reinterpret_cast<const pvpd_buf *>(&buf);
  {
    OutboundQueue q(/*high_water=*/2, /*limit=*/4, /*drop_droppable=*/true);
    bool on = false;
    EXPECT_EQ(q.push(pvpd::BufRef::retain(&api, b), false, &on), OutboundQueue::Push::kQueued);
    EXPECT_FALSE(on);
    EXPECT_EQ(q.push(pvpd::BufRef::retain(&api, b), false, &on), OutboundQueue::Push::kQueued);
    EXPECT_TRUE(on) << "crossing high water reports pressure once";
    q.push(pvpd::BufRef::retain(&api, b), false, &on);
    EXPECT_FALSE(on);
    q.push(pvpd::BufRef::retain(&api, b), false, &on);
    EXPECT_EQ(q.push(pvpd::BufRef::retain(&api, b), true, &on), OutboundQueue::Push::kDropped);
    EXPECT_EQ(q.push(pvpd::BufRef::retain(&api, b), false, &on), OutboundQueue::Push::kOverflow);
    EXPECT_EQ(g_refs.load(), 4) << "refused messages hold no reference";
    q.push_control(pvpd::BufRef::retain(&api, b));
    EXPECT_EQ(q.size(), 5u) << "control frames bypass the limit";
    bool off = false;
    q.pop(&off);
    q.pop(&off);
    q.pop(&off);
    EXPECT_FALSE(off);
    q.pop(&off);
    EXPECT_TRUE(off) << "drained to half the high-water mark";
    EXPECT_FALSE(q.pressured());
  }
  EXPECT_EQ(g_refs.load(), 0);
  OutboundQueue strict(1, 1, /*drop_droppable=*/false);
  bool on = false;
  strict.push(pvpd::BufRef::retain(&api, b), true, &on);
  EXPECT_EQ(strict.push(pvpd::BufRef::retain(&api, b), true, &on), OutboundQueue::Push::kOverflow);
  strict.clear();
  EXPECT_EQ(g_refs.load(), 0);
}

TEST(WebsocketRateLimiter, TokenBucket) {
  auto t = RateLimiter::Clock::time_point{} + 1h;
  RateLimiter r(3, 2, t);
  EXPECT_TRUE(r.take(t));
  EXPECT_TRUE(r.take(t));
  EXPECT_TRUE(r.take(t));
  EXPECT_FALSE(r.take(t));
  EXPECT_TRUE(r.take(t + 500ms)) << "2/s refills one token in 500 ms";
  EXPECT_FALSE(r.take(t + 500ms));
  EXPECT_TRUE(r.take(t + 10s));
  RateLimiter off(0, 0, t);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(off.take(t));
  }
}

TEST(WebsocketFrames, EnvelopeCheck) {
  EXPECT_TRUE(looks_like_envelope(" \n{\"a\":1}"));
  EXPECT_TRUE(looks_like_envelope("{\"t\":\"h\xc3\xa9\"}"));
  EXPECT_FALSE(looks_like_envelope("[1]"));
  EXPECT_FALSE(looks_like_envelope(""));
  EXPECT_FALSE(looks_like_envelope("{\"\xff\"}"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80"));
}

TEST(WebsocketFrames, ErrorFrameIsAPvpEnvelope) {
  std::string f = make_error_frame("RATE_LIMITED", "slow \"down\"\n", true);
  rapidjson::Document d;
  d.Parse(f.c_str());
  ASSERT_TRUE(d.IsObject()) << f;
  EXPECT_EQ(d["v"].GetInt(), 1);
  EXPECT_EQ(std::string(d["id"].GetString()).size(), 26u);
  EXPECT_EQ(std::string(d["ts"].GetString()).size(), 24u);  // 2026-01-01T00:00:00.000Z
  EXPECT_STREQ(d["sender"].GetString(), "system");
  EXPECT_STREQ(d["type"].GetString(), "error");
  EXPECT_STREQ(d["payload"]["code"].GetString(), "RATE_LIMITED");
  EXPECT_STREQ(d["payload"]["message"].GetString(), "slow \"down\"\n");
  EXPECT_TRUE(d["payload"]["recoverable"].GetBool());
  EXPECT_NE(make_ulid(), make_ulid());
}

TEST(WebsocketHttpRoutes, RoutesAndCors) {
  HttpRoutes::Providers providers;
  providers.health_json = [] { return std::string("{\"status\":\"ok\"}"); };
  providers.metrics_text = [] { return std::string("m 1\n"); };
  HttpRoutes routes({"http://ok.example"}, providers);
  HttpResponse h = routes.handle({"GET", "/health", ""}).response;
  EXPECT_EQ(h.status, 200u);
  EXPECT_EQ(h.body, "{\"status\":\"ok\"}");
  EXPECT_TRUE(h.headers.empty());
  HttpResponse m = routes.handle({"GET", "/metrics", ""}).response;
  EXPECT_EQ(m.status, 200u);
  EXPECT_EQ(m.content_type.rfind("text/plain", 0), 0u);
  HttpResponse nf = routes.handle({"POST", "/health", ""}).response;
  EXPECT_EQ(nf.status, 404u);
  EXPECT_EQ(nf.body, "{\"error\":\"Not found\"}");
  HttpResponse pre = routes.handle({"OPTIONS", "/anything", "http://ok.example"}).response;
  EXPECT_EQ(pre.status, 204u);
  ASSERT_FALSE(pre.headers.empty());
  EXPECT_EQ(pre.headers[0].second, "http://ok.example");
  EXPECT_TRUE(routes.handle({"GET", "/health", "http://other.example"}).response.headers.empty());
}

TEST(WebsocketMetrics, PrometheusText) {
  Metrics m;
  Metrics::bump(m.frames_in, 3);
  std::string text = render_prometheus(m);
  EXPECT_NE(text.find("# HELP pvpd_websocket_frames_in_total "), std::string::npos);
  EXPECT_NE(text.find("# TYPE pvpd_websocket_frames_in_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("\npvpd_websocket_frames_in_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE pvpd_websocket_connections gauge\n"), std::string::npos);
  rapidjson::Document d;
  d.Parse(("{" + counters_json(m) + "}").c_str());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["frames_in_total"].GetUint64(), 3u);
}

}  // namespace
}  // namespace pvpd::websocket
