// End to end through pvpd-websocket: frames in over WebSocket, routed by the core, frames out to
// every session member. Wire compatibility: any path, subprotocol echo, binary and fragmented
// frames, tokens in the URL or the Authorization header, many clients, shutdown close code.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "ws_daemon.h"

namespace pvpd::testing::ws {
namespace {

auto has_content(const std::string &content) {
  return [content](const Message &m) { return content_of(m) == content; };
}

uint64_t seq_of(const Message &m) {
  auto d = parse(m.data);
  return d.IsObject() && d.HasMember("seq") && d["seq"].IsUint64() ? d["seq"].GetUint64() : 0;
}

// Operators tell pvpd's threads apart in `top -H`, perf and gdb by name: the core keeps the
// process name, the journal writer, its flusher (fsync: batch, the default) and the plugin's
// lws thread are named.
TEST(WebsocketRouting, DaemonThreadsAreNamed) {
  WsDaemon d;
  ASSERT_TRUE(d.started());
  std::set<std::string> names;
  const std::string task_dir = "/proc/" + std::to_string(d.process().pid()) + "/task";
  for (const auto &task : std::filesystem::directory_iterator(task_dir)) {
    std::ifstream in(task.path() / "comm");
    std::string name;
    std::getline(in, name);
    names.insert(name);
  }
  EXPECT_TRUE(names.count("pvpd")) << "the main (core) thread keeps the process name";
  EXPECT_TRUE(names.count("pvpd-journal"));
  EXPECT_TRUE(names.count("pvpd-jflush"));
  EXPECT_TRUE(names.count("pvpd-ws"));
}

TEST(WebsocketRouting, ThreeClientsShareASessionWithIdenticalBytesAndIncreasingSeq) {
  WsDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient a(d.options()), b(d.options()), c(d.options());
  ASSERT_TRUE(join(a, "s1", "alice"));
  ASSERT_TRUE(join(b, "s1", "bob"));
  ASSERT_TRUE(join(c, "s1", "carol"));
  WsClient *clients[] = {&a, &b, &c};
  std::map<WsClient *, uint64_t> last_seq;
  for (int i = 0; i < 3; ++i) {
    const std::string marker = "m" + std::to_string(i);
    ASSERT_TRUE(clients[i]->send_text(draft_frame("s1",
                                                  clients[i] == &a   ? "alice"
                                                  : clients[i] == &b ? "bob"
                                                                     : "carol",
                                                  marker)));
    std::string bytes;
    for (WsClient *r : clients) {
      auto m = r->wait_for(has_content(marker));
      ASSERT_TRUE(m.has_value()) << "receiver missed " << marker << "\n" << d.process().log();
      EXPECT_EQ(type_of(*m), "prompt.draft");
      if (bytes.empty()) {
        bytes = m->data;
      } else {
        EXPECT_EQ(m->data, bytes) << "one serialization for every receiver";
      }
      uint64_t seq = seq_of(*m);
      EXPECT_GT(seq, last_seq[r]) << "seq increases per receiver";
      last_seq[r] = seq;
    }
  }
}

TEST(WebsocketRouting, UpgradeOnAnyPathEchoesFirstOfferedSubprotocol) {
  WsDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  ClientOptions o = d.options("/any/path/here?x=1");
  o.subprotocols = {"x-custom.v2", "pvp.v1"};
  WsClient first(o);
  ASSERT_TRUE(first.wait_open()) << first.failure();
  EXPECT_EQ(first.protocol(), "x-custom.v2");
  o.subprotocols = {"pvp.v1"};
  WsClient pvp(o);
  ASSERT_TRUE(pvp.wait_open()) << pvp.failure();
  EXPECT_EQ(pvp.protocol(), "pvp.v1");
  WsClient none(d.options("/"));
  ASSERT_TRUE(none.wait_open()) << none.failure();
  EXPECT_EQ(none.protocol(), "");
  EXPECT_TRUE(join(first, "s1", "p1"));
  EXPECT_TRUE(join(none, "s1", "p2"));
}

TEST(WebsocketRouting, BinaryFramesHoldingJsonAreAccepted) {
  WsDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient a(d.options()), b(d.options());
  ASSERT_TRUE(join(a, "s1", "alice"));
  ASSERT_TRUE(b.wait_open());
  ASSERT_TRUE(b.send_binary(join_frame("s1", "bob")));
  auto m = b.next();
  ASSERT_TRUE(m.has_value());
  EXPECT_NE(type_of(*m), "error") << m->data;
  ASSERT_TRUE(b.send_binary(draft_frame("s1", "bob", "binary-hello")));
  EXPECT_TRUE(a.wait_for(has_content("binary-hello")).has_value());
  auto echoed = b.wait_for(has_content("binary-hello"));
  ASSERT_TRUE(echoed.has_value());
  EXPECT_FALSE(echoed->binary) << "the server always answers with text frames";
}

TEST(WebsocketRouting, FragmentedMessageIsReassembled) {
  WsDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient a(d.options());
  ASSERT_TRUE(a.wait_open());
  ASSERT_TRUE(a.send_fragmented(join_frame("s1", "alice"), 7));
  auto m = a.next();
  ASSERT_TRUE(m.has_value());
  EXPECT_NE(type_of(*m), "error") << m->data;
  std::string big(100 * 1024, 'x');
  ASSERT_TRUE(a.send_fragmented(draft_frame("s1", "alice", big), 4096));
  auto echoed = a.wait_for(has_content(big));
  ASSERT_TRUE(echoed.has_value()) << "a 100 KiB message in 4 KiB fragments comes back whole";
}

TEST(WebsocketRouting, TokenInQueryOrAuthorizationHeaderConnects) {
  WsDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient by_query(d.options("/?token=query-token"));
  ClientOptions o = d.options("/");
  o.headers = {{"authorization", "Bearer header-token"}};
  WsClient by_header(o);
  EXPECT_TRUE(join(by_query, "s1", "q"));
  EXPECT_TRUE(join(by_header, "s1", "h"));
}

TEST(WebsocketRouting, TwoHundredClientsInTwentySessions) {
  WsDaemon d("      max_connections_per_ip: 500\n");
  ASSERT_TRUE(d.started()) << d.process().log();
  constexpr int kSessions = 20;
  constexpr int kPerSession = 10;
  WsLoop loops[4];
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < kSessions * kPerSession; ++i) {
    clients.push_back(std::make_unique<WsClient>(d.options(), &loops[i % 4]));
  }
  for (int i = 0; i < kSessions * kPerSession; ++i) {
    ASSERT_TRUE(clients[static_cast<std::size_t>(i)]->wait_open(10s)) << i;
    ASSERT_TRUE(clients[static_cast<std::size_t>(i)]->send_text(
        join_frame("room" + std::to_string(i % kSessions), "p" + std::to_string(i))));
  }
  for (auto &c : clients) {
    ASSERT_TRUE(c->next(10s).has_value());
  }
  for (int s = 0; s < kSessions; ++s) {
    ASSERT_TRUE(clients[static_cast<std::size_t>(s)]->send_text(draft_frame(
        "room" + std::to_string(s), "p" + std::to_string(s), "hello-room" + std::to_string(s))));
  }
  for (int i = 0; i < kSessions * kPerSession; ++i) {
    const std::string mine = "hello-room" + std::to_string(i % kSessions);
    auto m = clients[static_cast<std::size_t>(i)]->wait_for(
        [](const Message &msg) { return content_of(msg).rfind("hello-room", 0) == 0; }, 10s);
    ASSERT_TRUE(m.has_value()) << "client " << i;
    EXPECT_EQ(content_of(*m), mine) << "client " << i << " got another session's message";
  }
}

TEST(WebsocketRouting, SigtermClosesClientsWith1001) {
  WsDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  WsClient a(d.options());
  ASSERT_TRUE(join(a, "s1", "alice"));
  d.process().signal(SIGTERM);
  ASSERT_TRUE(a.wait_closed(10s));
  EXPECT_EQ(a.close_code(), 1001) << a.close_reason();
  auto r = d.process().wait_exit();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0) << r->err;
}

}  // namespace
}  // namespace pvpd::testing::ws
