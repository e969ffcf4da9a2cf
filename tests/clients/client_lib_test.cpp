// Unit tests of libpvpclient's URL parsing, backoff and frame builders.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>

#include "pvpclient/backoff.h"
#include "pvpclient/frame_dedup.h"
#include "pvpclient/frames.h"
#include "pvpclient/url.h"

namespace pvpd::client {
namespace {

TEST(UrlTest, ParsesWsAndWss) {
  std::string err;
  auto u = parse_url("ws://127.0.0.1:3000", &err);
  ASSERT_TRUE(u) << err;
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 3000);
  EXPECT_EQ(u->path, "/");
  u = parse_url("wss://[::1]/pvp?token=s3cret&x=1", &err);
  ASSERT_TRUE(u) << err;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/pvp?token=s3cret&x=1");
  EXPECT_EQ(u->redacted(), "wss://[::1]:443/pvp?token=***&x=1");
  u = parse_url("ws://h:1?token=abc", &err);
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->path, "/?token=abc");
  EXPECT_EQ(u->redacted().find("abc"), std::string::npos);
  for (const char *bad :
       {"http://h", "ws://", "ws://h:0", "ws://h:70000", "ws://h:x", "ws://[::1", "ws://u:p@h"}) {
    EXPECT_FALSE(parse_url(bad, &err)) << bad;
    EXPECT_FALSE(err.empty());
  }
}

TEST(UrlTest, ParsesWsUnixSocketUrls) {
  std::string err;
  auto u = parse_url("ws+unix:///run/pvpd/admin.sock", &err);
  ASSERT_TRUE(u) << err;
  EXPECT_TRUE(u->is_unix());
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->unix_path, "/run/pvpd/admin.sock");
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(u->http_base(), "");
  EXPECT_EQ(u->redacted(), "ws+unix:///run/pvpd/admin.sock");
  u = parse_url("ws+unix:///tmp/a.sock?token=s3cret&x=1", &err);
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->unix_path, "/tmp/a.sock");
  EXPECT_EQ(u->path, "/?token=s3cret&x=1");
  EXPECT_EQ(u->redacted(), "ws+unix:///tmp/a.sock?token=***&x=1");
  EXPECT_FALSE(parse_url("ws://127.0.0.1:1", &err)->is_unix());
  const std::string too_long = "ws+unix:///" + std::string(120, 'a');
  for (const std::string &bad :
       {std::string("ws+unix://"), std::string("ws+unix://rel.sock"), std::string("ws+unix:///"),
        std::string("ws+unix://?token=x"), too_long}) {
    err.clear();
    EXPECT_FALSE(parse_url(bad, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

TEST(BackoffTest, ExponentialWithJitterCappedAndReset) {
  Backoff b(BackoffPolicy{std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 0}, 42);
  const int64_t nominal[] = {100, 200, 400, 800, 1000, 1000};
  for (int64_t d : nominal) {
    const auto got = b.next().count();
    EXPECT_GE(got, d / 2);
    EXPECT_LE(got, d);
  }
  EXPECT_EQ(b.attempts(), 6u);
  EXPECT_FALSE(b.exhausted());
  b.reset();
  EXPECT_LE(b.next().count(), 100);
  // Jitter: many clients do not all pick the same delay.
  Backoff c(BackoffPolicy{std::chrono::milliseconds(1000), std::chrono::milliseconds(1000), 0}, 7);
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) {
    seen.insert(c.next().count());
  }
  EXPECT_GT(seen.size(), 5u);
  Backoff limited(BackoffPolicy{std::chrono::milliseconds(1), std::chrono::milliseconds(2), 2});
  limited.next();
  limited.next();
  EXPECT_TRUE(limited.exhausted());
}

rapidjson::Document parse(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

TEST(FramesTest, JoinCarriesResumeCursorOnlyWhenResuming) {
  JoinRequest j;
  j.session = "s";
  j.id = "alice";
  j.name = "Alice \"A\"";
  j.roles = {"driver"};
  j.capabilities = {"prompt"};
  auto d = parse(join_frame(j).text);
  ASSERT_TRUE(d.IsObject());
  EXPECT_STREQ(d["type"].GetString(), "session.join");
  EXPECT_STREQ(d["sender"].GetString(), "alice");
  EXPECT_STREQ(d["payload"]["participant"]["name"].GetString(), "Alice \"A\"");
  EXPECT_FALSE(d["payload"]["participant"].HasMember("metadata"));
  j.resume_from = 42;
  d = parse(join_frame(j).text);
  EXPECT_EQ(d["payload"]["participant"]["metadata"]["resume_from"].GetUint64(), 42u);
}

TEST(FramesTest, TypedHelpersAndCustomPayload) {
  Frame f = gate_approve_frame("s", "bob", "g1", "looks fine", "");
  auto d = parse(f.text);
  EXPECT_EQ(f.id.size(), 26u);
  EXPECT_STREQ(d["id"].GetString(), f.id.c_str());
  EXPECT_STREQ(d["payload"]["approver"].GetString(), "bob");
  EXPECT_STREQ(d["payload"]["comment"].GetString(), "looks fine");
  EXPECT_FALSE(d["payload"].HasMember("digest"));
  d = parse(pong_frame("s", "bob", "ping1").text);
  EXPECT_STREQ(d["ref"].GetString(), "ping1");
  std::string err;
  auto c = custom_frame("s", "bob", "context.add",
                        R"({"key":"k","content_type":"text","content":"x"})", &err);
  ASSERT_TRUE(c) << err;
  EXPECT_STREQ(parse(c->text)["payload"]["key"].GetString(), "k");
  EXPECT_FALSE(custom_frame("s", "bob", "x", "[1]", &err));
  EXPECT_FALSE(custom_frame("s", "bob", "x", "{", &err));
  EXPECT_NE(new_id(), new_id());
}

TEST(FrameDedupTest, SeqCursorIdsForServersWithoutSeqAndGateRequests) {
  FrameDedup d;
  EXPECT_TRUE(d.first_time(1, "a", "session.join"));
  EXPECT_TRUE(d.first_time(5, "b", "prompt.submit"));
  EXPECT_FALSE(d.first_time(5, "b", "prompt.submit"));
  EXPECT_FALSE(d.first_time(3, "c", "prompt.submit"));  // below the cursor
  EXPECT_EQ(d.cursor(), 5u);
  // pvpd re-sends an open gate's request (old seq, same id) to every joiner.
  EXPECT_TRUE(d.first_time(2, "g", "gate.request"));
  EXPECT_TRUE(d.first_time(2, "g", "gate.request"));
  // A server without seqs replays its whole history on a re-join: ids catch it.
  EXPECT_TRUE(d.first_time(0, "x1", "prompt.submit"));
  EXPECT_FALSE(d.first_time(0, "x1", "prompt.submit"));
  EXPECT_TRUE(d.first_time(0, "", "heartbeat.ping"));
  EXPECT_TRUE(d.first_time(0, "", "heartbeat.ping"));
  EXPECT_EQ(d.cursor(), 5u);
}

}  // namespace
}  // namespace pvpd::client
