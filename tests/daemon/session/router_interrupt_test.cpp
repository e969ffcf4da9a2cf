// Interrupts: stop/emergency mark the target's open streams interrupted (later chunks refused,
// the end forced to finish_reason "interrupted"); acknowledgements are tracked and an
// unacknowledged interrupt is reported to the session after the configured deadline.
#include "router_test_util.h"

namespace pvpd::testing {
namespace {

using H = ProtocolHarness;

class RouterInterruptTest : public ::testing::Test {
 protected:
  static session::RouterOptions options() {
    session::RouterOptions o;
    o.interrupt_ack_timeout_ms = 5000;
    return o;
  }
  void SetUp() override {
    alice_ = h_.connect();
    h_.send(alice_, H::create("s1", "alice"));
    h_.send(alice_, H::join("s1", "alice", "human", R"(["driver"])", R"(["interrupt","prompt"])"));
    bot_ = h_.join_as("s1", "bot", "agent", R"(["navigator"])");
    h_.clear_all();
  }
  std::string raise(const std::string &urgency, const std::string &target = "bot") {
    h_.send(alice_, H::frame("interrupt.raise", "s1", "alice",
                             R"({"target":")" + target + R"(","urgency":")" + urgency +
                                 R"(","message":"wait"})"));
    auto got = h_.take(alice_);
    EXPECT_FALSE(got.empty());
    return got.empty() ? "" : got[0].doc["id"].GetString();
  }
  H h_{options()};
  pvpd_conn_id alice_ = 0, bot_ = 0;
};

TEST_F(RouterInterruptTest, StopRefusesFurtherChunksAndEndsTheStreamInterrupted) {
  h_.send(bot_, H::frame("response.start", "s1", "bot", R"({"agent":"bot","prompt_ref":"p"})"));
  h_.send(bot_, H::frame("response.chunk", "s1", "bot", R"({"text":"a"})"));
  h_.send(bot_, H::frame("thinking.start", "s1", "bot",
                         R"({"agent":"bot","prompt_ref":"p","visible_to":"all"})"));
  EXPECT_EQ(h_.types(alice_),
            (std::vector<std::string>{"response.start", "response.chunk", "thinking.start"}));
  raise("stop");
  h_.clear_all();
  h_.send(bot_, H::frame("response.chunk", "s1", "bot", R"({"text":"b"})"));
  auto refused = h_.take(bot_);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].str("code"), "INVALID_STATE");
  EXPECT_EQ(refused[0].str("message"),
            "response stream was interrupted by alice; no more chunks are accepted until it ends");
  h_.send(bot_, H::frame("thinking.chunk", "s1", "bot", R"({"text":"t"})"));
  EXPECT_EQ(h_.take(bot_).at(0).str("code"), "INVALID_STATE");
  EXPECT_TRUE(h_.take(alice_).empty()) << "refused chunks are not relayed";

  h_.send(bot_, H::frame("response.end", "s1", "bot", R"({"finish_reason":"complete"})"));
  auto end = h_.take(alice_);
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0].payload()["finish_reason"].GetString(), std::string("interrupted"));
  h_.send(bot_, H::frame("thinking.end", "s1", "bot", R"({})"));
  h_.clear_all();
  // A new stream is a new stream.
  h_.send(bot_, H::frame("response.start", "s1", "bot", R"({"agent":"bot","prompt_ref":"p"})"));
  h_.send(bot_, H::frame("response.chunk", "s1", "bot", R"({"text":"again"})"));
  EXPECT_EQ(h_.types(alice_), (std::vector<std::string>{"response.start", "response.chunk"}));
  EXPECT_TRUE(h_.take(bot_).size() == 2u);
}

TEST_F(RouterInterruptTest, PauseDoesNotInterruptStreams) {
  h_.send(bot_, H::frame("response.start", "s1", "bot", R"({"agent":"bot","prompt_ref":"p"})"));
  raise("pause");
  h_.clear_all();
  h_.send(bot_, H::frame("response.chunk", "s1", "bot", R"({"text":"b"})"));
  EXPECT_EQ(h_.types(alice_), std::vector<std::string>{"response.chunk"});
}

TEST_F(RouterInterruptTest, UnacknowledgedInterruptIsReportedOnceAfterTheDeadline) {
  std::string id = raise("stop");
  h_.clear_all();
  h_.advance(4000);
  EXPECT_TRUE(h_.take(alice_).empty());
  h_.advance(1500);
  auto got = h_.take(alice_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type(), "error");
  EXPECT_EQ(got[0].str("code"), "TIMEOUT");
  EXPECT_EQ(got[0].str("related_to"), id);
  EXPECT_EQ(got[0].str("message"),
            "'bot' did not acknowledge the stop interrupt " + id + " within 5 s");
  EXPECT_EQ(h_.types(bot_), std::vector<std::string>{"error"}) << "everyone is told";
  h_.advance(10000);
  EXPECT_TRUE(h_.take(alice_).empty()) << "reported once";
}

TEST_F(RouterInterruptTest, AcknowledgedInterruptIsNotReported) {
  std::string id = raise("pause");
  h_.send(bot_,
          H::frame("interrupt.acknowledge", "s1", "bot",
                   R"({"interrupt":")" + id + R"(","by":"someone","action_taken":"paused"})"));
  auto ack = h_.take(alice_);
  ASSERT_EQ(ack.size(), 1u);
  EXPECT_EQ(ack[0].str("by"), "bot") << "the acknowledger is the sender";
  h_.advance(6000);
  EXPECT_TRUE(h_.take(alice_).empty());
}

TEST_F(RouterInterruptTest, UntargetedInterruptWaitsForEveryConnectedAgent) {
  auto bot2 = h_.join_as("s1", "bot2", "agent", R"(["navigator"])");
  h_.clear_all();
  h_.send(alice_, H::frame("interrupt.raise", "s1", "alice",
                           R"({"urgency":"emergency","message":"everyone stop"})"));
  std::string id = h_.take(alice_).at(0).doc["id"].GetString();
  h_.send(bot_, H::frame("interrupt.acknowledge", "s1", "bot",
                         R"({"interrupt":")" + id + R"(","by":"bot","action_taken":"stopped"})"));
  h_.clear_all();
  h_.advance(6000);
  auto got = h_.take(alice_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].str("message").find("'bot2' did not acknowledge the emergency interrupt"),
            std::string::npos);
  (void)bot2;
}

}  // namespace
}  // namespace pvpd::testing
