// Bad input and resource limits of pvpd-websocket against the real daemon: oversized messages,
// garbage, slow consumers, droppable deltas under pressure, rate limits, connection limits.
// None of these may crash the daemon or disturb other clients.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "ws_daemon.h"

namespace pvpd::testing::ws {
namespace {

bool is_error(const Message &m, const std::string &code) {
  auto d = parse(m.data);
  return d.IsObject() && d.HasMember("type") && std::string(d["type"].GetString()) == "error" &&
         d["payload"].IsObject() && d["payload"].HasMember("code") &&
         std::string(d["payload"]["code"].GetString()) == code;
}

uint64_t seq_of(const Message &m) {
  auto d = parse(m.data);
  return d.IsObject() && d.HasMember("seq") && d["seq"].IsUint64() ? d["seq"].GetUint64() : 0;
}

TEST(WebsocketLimits, OversizedMessageGetsErrorThenClose1009) {
  WsDaemon d("      max_message: 4KiB\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient a(d.options());
  ASSERT_TRUE(join(a, "s1", "alice"));
  ASSERT_TRUE(a.send_fragmented(draft_frame("s1", "alice", std::string(8192, 'x')), 1000));
  auto err = a.wait_for([](const Message &m) { return type_of(m) == "error"; });
  ASSERT_TRUE(err.has_value());
  EXPECT_TRUE(is_error(*err, "INVALID_MESSAGE")) << err->data;
  EXPECT_NE(err->data.find("message exceeds max_message of 4096 bytes"), std::string::npos)
      << err->data;
  ASSERT_TRUE(a.wait_closed());
  EXPECT_EQ(a.close_code(), 1009);
  EXPECT_EQ(d.metric("oversized_total"), 1);
  EXPECT_TRUE(d.process().running());
}

TEST(WebsocketLimits, GarbageGetsInvalidMessageAndRepeatedGarbageCloses1007) {
  WsDaemon d("      max_bad_frames: 3\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient a(d.options());
  ASSERT_TRUE(a.wait_open());
  ASSERT_TRUE(a.send_text("{not json"));
  auto err = a.next();
  ASSERT_TRUE(err.has_value());
  EXPECT_TRUE(is_error(*err, "INVALID_MESSAGE")) << err->data;
  // A good frame resets the count: the connection stays usable.
  ASSERT_TRUE(join(a, "s1", "alice"));
  ASSERT_TRUE(a.send_text(std::string("{\"v\":1,\"type\":\"x\xff\xfe\"}")));  // invalid UTF-8
  err = a.wait_for([](const Message &m) { return type_of(m) == "error"; });
  ASSERT_TRUE(err.has_value());
  EXPECT_TRUE(is_error(*err, "INVALID_MESSAGE")) << err->data;
  ASSERT_TRUE(a.send_binary("garbage"));
  ASSERT_TRUE(a.send_text("  [1,2]"));
  ASSERT_TRUE(a.wait_closed());
  EXPECT_EQ(a.close_code(), 1007) << a.close_reason();
  EXPECT_GE(d.metric("bad_frames_total"), 3);
  WsClient b(d.options());
  EXPECT_TRUE(join(b, "s1", "bob")) << "the daemon serves others after garbage";
}

TEST(WebsocketLimits, SlowConsumerIsClosed1008AndOthersAreUnaffected) {
  WsDaemon d(
      "      send_queue: {high_water: 64, limit: 256}\n"
      "      max_connections_per_ip: 500\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient slow(d.options()), sender(d.options()), peer(d.options());
  ASSERT_TRUE(join(slow, "s1", "slow"));
  ASSERT_TRUE(join(sender, "s1", "sender"));
  ASSERT_TRUE(join(peer, "s1", "peer"));
  const long long rss_before = d.rss_kib();
  slow.pause_reading();
  const std::string payload(8 * 1024, 'p');
  // 24 MiB in batches: far more than socket buffers and the queue hold for the paused reader,
  // while the sender reads its own echoes before sending more (a well-behaved fast client).
  constexpr int kBatches = 30;
  constexpr int kBatch = 100;
  std::string last;
  for (int b = 0; b < kBatches; ++b) {
    for (int i = 0; i < kBatch; ++i) {
      last = payload + std::to_string(b * kBatch + i);
      ASSERT_TRUE(sender.send_text(draft_frame("s1", "sender", last)))
          << "close " << sender.close_code() << "\n"
          << d.process().log();
    }
    ASSERT_TRUE(sender.wait_for([&](const Message &m) { return content_of(m) == last; }, 60s))
        << "batch " << b << " close " << sender.close_code() << " slow-consumer closes "
        << d.metric("slow_consumer_disconnects_total");
  }
  ASSERT_TRUE(peer.wait_for([&](const Message &m) { return content_of(m) == last; }, 60s))
      << "close " << peer.close_code() << " slow-consumer closes "
      << d.metric("slow_consumer_disconnects_total") << "\n"
      << d.process().log();
  ASSERT_TRUE(eventually([&] { return d.metric("slow_consumer_disconnects_total") >= 1; }));
  const long long rss_after = d.rss_kib();
  EXPECT_LT(rss_after - rss_before, 256 * 1024) << "server memory stays bounded (KiB)";
  slow.resume_reading();
  ASSERT_TRUE(slow.wait_closed(20s));
  // 1008 when the close frame got through; 1006 when the server had to drop the TCP connection
  // because the peer was still not reading 2 s after the close was decided.
  EXPECT_TRUE(slow.close_code() == 1008 || slow.close_code() == 1006) << slow.close_code();
  if (slow.close_code() == 1008) {
    EXPECT_EQ(slow.close_reason(), "slow consumer");
  }
  EXPECT_TRUE(d.process().running());
  ASSERT_TRUE(sender.send_text(draft_frame("s1", "sender", "after")));
  EXPECT_TRUE(peer.wait_for([](const Message &m) { return content_of(m) == "after"; }));
}

TEST(WebsocketLimits, DroppableDeltasAreDroppedUnderPressureWithAVisibleSeqGap) {
  WsDaemon d("      send_queue: {high_water: 4, limit: 8}\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient agent(d.options()), viewer(d.options());
  ASSERT_TRUE(join(agent, "s1", "agent1", "agent"));
  ASSERT_TRUE(join(viewer, "s1", "viewer"));
  viewer.pause_reading();
  const std::string text(4 * 1024, 't');
  constexpr int kBatches = 30;
  constexpr int kBatch = 100;
  for (int b = 0; b < kBatches; ++b) {
    std::string last;
    for (int i = 0; i < kBatch; ++i) {
      last = text + std::to_string(b * kBatch + i);
      ASSERT_TRUE(agent.send_text(chunk_frame("s1", "agent1", last)));
    }
    // Pace the agent by its own echoes; an echo may itself be dropped, hence no assertion.
    agent.wait_for([&](const Message &m) { return content_of(m) == last; }, 300ms);
  }
  ASSERT_FALSE(agent.closed()) << d.process().log();
  constexpr int kChunks = kBatches * kBatch;
  viewer.resume_reading();
  // Keep streaming small "end" deltas until one reaches the viewer: by then its queue drained.
  std::vector<uint64_t> seqs;
  bool got_end = false;
  for (int round = 0; round < 100 && !got_end; ++round) {
    ASSERT_TRUE(agent.send_text(chunk_frame("s1", "agent1", "end")));
    while (auto m = viewer.next(200ms)) {
      if (type_of(*m) == "thinking.chunk") {
        seqs.push_back(seq_of(*m));
        got_end = got_end || content_of(*m) == "end";
      }
    }
  }
  ASSERT_TRUE(got_end) << "the viewer stays connected and receives live deltas again";
  EXPECT_FALSE(viewer.closed());
  ASSERT_GE(seqs.size(), 2u);
  EXPECT_LT(seqs.size(), static_cast<std::size_t>(kChunks)) << "some deltas were dropped";
  bool gap = false;
  for (std::size_t i = 1; i < seqs.size(); ++i) {
    EXPECT_GT(seqs[i], seqs[i - 1]);
    gap = gap || seqs[i] > seqs[i - 1] + 1;
  }
  EXPECT_TRUE(gap) << "the seq gap shows the client what it missed";
}

TEST(WebsocketLimits, RateLimitAnswersRateLimitedThenDrops) {
  WsDaemon d("      rate_limit: {burst: 5, per_second: 1}\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient a(d.options());
  ASSERT_TRUE(join(a, "s1", "alice"));
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(a.send_text(draft_frame("s1", "alice", "r" + std::to_string(i))));
  }
  auto err = a.wait_for([](const Message &m) { return type_of(m) == "error"; });
  ASSERT_TRUE(err.has_value());
  EXPECT_TRUE(is_error(*err, "RATE_LIMITED")) << err->data;
  EXPECT_TRUE(eventually([&] { return d.metric("rate_limited_total") >= 5; }));
  EXPECT_FALSE(a.closed());
}

TEST(WebsocketLimits, ConnectionsBeyondTheLimitsGet503) {
  WsDaemon d("      max_connections_per_ip: 3\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  std::vector<std::unique_ptr<WsClient>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<WsClient>(d.options()));
    ASSERT_TRUE(open.back()->wait_open());
  }
  HttpResult r = http_request(d.port(), "GET", "/",
                              {{"Upgrade", "websocket"},
                               {"Connection", "Upgrade"},
                               {"Sec-WebSocket-Version", "13"},
                               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  EXPECT_EQ(r.status, 503);
  WsClient refused(d.options());
  EXPECT_FALSE(refused.wait_open());
  EXPECT_GE(d.metric("connections_refused_total"), 2);
  open.front()->close();
  ASSERT_TRUE(open.front()->wait_closed());
  ASSERT_TRUE(eventually([&] { return d.metric("connections") == 2; }));
  WsClient again(d.options());
  EXPECT_TRUE(again.wait_open()) << "a freed slot is usable again";
}

TEST(WebsocketLimits, IdleConnectionsAreClosed1001) {
  WsDaemon d("      idle_timeout: 1s\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient a(d.options());
  ASSERT_TRUE(join(a, "s1", "alice"));
  ASSERT_TRUE(a.wait_closed(10s));
  EXPECT_EQ(a.close_code(), 1001);
  EXPECT_EQ(a.close_reason(), "idle timeout");
}

// A peer that completed the handshake and then went silent (never answers pings) is dropped.
TEST(WebsocketLimits, HalfOpenPeerIsReapedByPingTimeout) {
  WsDaemon d("      ping_interval: 1s\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(d.port()));
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa), 0);
  const std::string req =
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  ASSERT_TRUE(eventually([&] { return d.metric("connections") == 1; }));
  // Read (and ignore) pings until the server hangs up.
  bool eof = false;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!eof && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 500) > 0) {
      char buf[512];
      eof = ::recv(fd, buf, sizeof buf, 0) <= 0;
    }
  }
  ::close(fd);
  EXPECT_TRUE(eof) << "the silent peer was not reaped";
  EXPECT_TRUE(eventually([&] { return d.metric("connections") == 0; }));
}

}  // namespace
}  // namespace pvpd::testing::ws
