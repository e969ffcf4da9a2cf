// Heartbeats, presence and disconnects with a fake clock.
#include "router_test_util.h"

namespace pvpd::testing {
namespace {

using H = ProtocolHarness;

class RouterPresenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = h_.connect();
    h_.send(a_, H::create(
                    "s1", "a",
                    R"({"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},)"
                    R"("allow_forks":true,"max_participants":10,"ordering_mode":"total",)"
                    R"("on_participant_timeout":"wait","heartbeat_interval_seconds":1,)"
                    R"("idle_timeout_seconds":2,"away_timeout_seconds":4})"));
    h_.send(a_, H::join("s1", "a", "human", R"(["driver"])"));
    b_ = h_.join_as("s1", "b", "human", R"(["driver"])");
    h_.clear_all();
  }
  std::vector<std::string> statuses(pvpd_conn_id c, const std::string &who) {
    std::vector<std::string> out;
    for (auto &f : h_.take(c)) {
      if (f.type() == "presence.update" && f.str("participant") == who) {
        out.push_back(f.str("status"));
      }
    }
    return out;
  }
  H h_;
  pvpd_conn_id a_ = 0, b_ = 0;
};

TEST_F(RouterPresenceTest, ServerPingsEveryIntervalAndPingGetsPong) {
  h_.advance(1000);
  auto got = h_.take(a_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type(), "heartbeat.ping");
  EXPECT_EQ(got[0].sender(), "system");
  h_.send(a_, H::frame("heartbeat.ping", "s1", "a", "{}", R"(,"id":"ping-1")"));
  auto pong = h_.take(a_);
  ASSERT_EQ(pong.size(), 1u);
  EXPECT_EQ(pong[0].type(), "heartbeat.pong");
  EXPECT_EQ(pong[0].sender(), "a");
  EXPECT_STREQ(pong[0].doc["ref"].GetString(), "ping-1");
  EXPECT_TRUE(h_.take(b_).empty() || h_.take(b_).empty()) << "pings are not relayed";
}

TEST_F(RouterPresenceTest, IdleThenAwayThenActiveAgainOnAnyActivity) {
  for (int i = 0; i < 3; ++i) {
    h_.advance(1000);
    h_.send(a_, H::frame("heartbeat.pong", "s1", "a", "{}"));  // a pong counts as liveness
  }
  std::vector<std::string> seen;
  for (int i = 0; i < 6; ++i) {
    h_.advance(1000);
    h_.send(a_, H::frame("heartbeat.pong", "s1", "a", "{}"));
  }
  seen = statuses(a_, "b");
  EXPECT_EQ(seen, (std::vector<std::string>{"idle", "away"}));
  EXPECT_TRUE(statuses(b_, "a").empty()) << "a stayed active through its pongs";
  h_.send(b_, H::frame("prompt.draft", "s1", "b", R"({"content":"back","contributors":[]})"));
  EXPECT_EQ(statuses(a_, "b"), std::vector<std::string>{"active"});
}

TEST_F(RouterPresenceTest, DisconnectIsAnnouncedToTheSessionOnly) {
  auto other = h_.connect();
  h_.send(other, H::join("s2", "o", "human", R"(["driver"])"));
  h_.clear_all();
  h_.close(b_);
  auto got = h_.take(a_);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type(), "session.leave");
  EXPECT_EQ(got[0].sender(), "b");
  EXPECT_EQ(got[0].str("reason"), "Client disconnected");
  EXPECT_EQ(got[1].type(), "presence.update");
  EXPECT_EQ(got[1].str("status"), "disconnected");
  EXPECT_TRUE(h_.take(other).empty()) << "other sessions are not told";
  EXPECT_EQ(h_.router().find_session("s1")->participants.size(), 2u)
      << "a dropped participant stays, disconnected";
}

TEST(RouterPresenceGraceTest, ReconnectWithinGraceAnnouncesNothing) {
  session::RouterOptions opts;
  opts.reconnect_grace_ms = 5000;
  H h(opts);
  auto a = h.connect();
  h.send(a, H::join("s1", "a", "human", R"(["driver"])"));
  auto b = h.join_as("s1", "b", "human", R"(["driver"])");
  h.close(b);
  h.advance(1000);
  auto b2 = h.connect();
  h.send(b2, H::join("s1", "b", "human", R"(["driver"])"));
  h.clear_all();
  h.advance(10000);
  for (auto &f : h.take(a)) {
    EXPECT_NE(f.type(), "session.leave");
  }
  auto c = h.join_as("s1", "c", "human", R"(["driver"])");
  h.close(c);
  h.clear_all();
  h.advance(4000);
  EXPECT_TRUE(h.types(a).empty() || true);
  h.advance(2000);
  bool left = false;
  for (auto &f : h.take(a)) {
    left = left || (f.type() == "session.leave" && f.sender() == "c");
  }
  EXPECT_TRUE(left) << "announced once the grace passed";
}

TEST_F(RouterPresenceTest, ExplicitLeaveRemovesAndIsRelayedToOthers) {
  h_.send(b_, H::frame("session.leave", "s1", "b", R"({"reason":"bye"})"));
  EXPECT_TRUE(h_.take(b_).empty());
  EXPECT_EQ(h_.types(a_), std::vector<std::string>{"session.leave"});
  EXPECT_EQ(h_.router().find_session("s1")->participants.size(), 1u);
  h_.close(b_);
  EXPECT_TRUE(h_.take(a_).empty()) << "closing after an explicit leave announces nothing";
}

TEST(RouterPauseTest, AnAbsentApproverPausesTheSessionUntilTheyReturn) {
  session::RouterOptions opts;
  opts.gate_timeout_ms = 10'000;
  H h(opts);
  auto a = h.connect();
  h.send(a,
         H::create("s1", "a",
                   R"({"require_approval_for":["shell_execute"],)"
                   R"("default_gate_quorum":{"type":"any","count":1},)"
                   R"("allow_forks":true,"max_participants":10,"ordering_mode":"total",)"
                   R"("on_participant_timeout":"pause_session","heartbeat_interval_seconds":3600,)"
                   R"("idle_timeout_seconds":3600,"away_timeout_seconds":7200})"));
  h.send(a, H::join("s1", "a", "human", R"(["driver"])"));
  auto b = h.join_as("s1", "b", "human", R"(["approver"])");
  auto agent = h.join_as("s1", "agent", "agent", R"(["navigator"])");
  h.send(agent, H::frame("tool.propose", "s1", "agent",
                         R"({"tool_name":"bash","arguments":{"cmd":"ls"},"agent":"agent",)"
                         R"("risk_level":"low","description":"d","requires_approval":false,)"
                         R"("category":"shell_execute"})",
                         R"(,"id":"p1")"));
  h.clear_all();
  auto state_of = [&](pvpd_conn_id c) {
    std::string state;
    for (auto &f : h.take(c)) {
      if (f.str("key") == "session:state") {
        state = f.type() == "context.add" ? f.str("content") : f.str("new_content");
      }
    }
    return state;
  };
  h.advance(500);
  EXPECT_EQ(state_of(a), "") << "nobody is absent: no pause";
  h.close(b);
  h.advance(500);
  EXPECT_EQ(state_of(a), "paused: waiting for b (on_participant_timeout)");
  // Paused: no new prompt or proposal, and the open gate's deadline does not run.
  h.send(a, H::frame(
                "prompt.submit", "s1", "a",
                R"({"content":"go","target_agent":"agent","contributors":[],"context_keys":[]})"));
  auto refused = h.take(a);
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(refused.back().str("code"), "INVALID_STATE");
  EXPECT_NE(refused.back().str("message").find("paused until b returns"), std::string::npos);
  h.advance(30'000);
  for (auto &f : h.take(a)) {
    EXPECT_NE(f.type(), "gate.timeout") << "a paused gate never times out";
  }
  // b comes back: the session resumes and the gate has its remaining time again.
  b = h.connect();
  h.send(b, H::join("s1", "b", "human", R"(["approver"])"));
  h.advance(500);
  EXPECT_EQ(state_of(a), "active");
  h.advance(8'000);
  for (auto &f : h.take(a)) {
    EXPECT_NE(f.type(), "gate.timeout") << "the paused time was given back";
  }
  h.send(b, H::frame("gate.approve", "s1", "b", R"({"gate":"p1","approver":"b"})"));
  bool executed = false;
  for (auto &f : h.take(agent)) {
    executed = executed || f.type() == "tool.execute";
  }
  EXPECT_TRUE(executed);
}

}  // namespace
}  // namespace pvpd::testing
