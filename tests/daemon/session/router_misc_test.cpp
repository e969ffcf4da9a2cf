// Session end, roles, prompts, interrupts, shutdown.
#include "router_test_util.h"

namespace pvpd::testing {
namespace {

using H = ProtocolHarness;

class RouterMiscTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = h_.connect();
    h_.send(admin_, H::create("s1", "root"));
    h_.send(admin_, H::join("s1", "root", "human", R"(["admin","driver"])",
                            R"(["interrupt","end_session"])"));
    obs_ = h_.join_as("s1", "olga", "human", R"(["observer"])");
    nav_ = h_.join_as("s1", "nav", "human", R"(["navigator"])");
    agent_ = h_.join_as("s1", "agent", "agent", R"(["navigator"])");
    h_.clear_all();
  }
  Frame first(pvpd_conn_id c) {
    auto got = h_.take(c);
    return got.empty() ? Frame{} : std::move(got[0]);
  }
  H h_;
  pvpd_conn_id admin_ = 0, obs_ = 0, nav_ = 0, agent_ = 0;
};

TEST_F(RouterMiscTest, ObserversAreReadOnly) {
  h_.send(
      obs_,
      H::frame("prompt.submit", "s1", "olga",
               R"({"content":"x","target_agent":"agent","contributors":[],"context_keys":[]})"));
  EXPECT_EQ(first(obs_).str("code"), "UNAUTHORIZED");
  h_.send(obs_, H::frame("response.chunk", "s1", "olga", R"({"text":"x"})"));
  EXPECT_EQ(first(obs_).str("code"), "UNAUTHORIZED");
  h_.send(obs_,
          H::frame("secret.share", "s1", "olga", R"({"key":"k","scope":[],"value_ref":"v"})"));
  EXPECT_EQ(first(obs_).str("code"), "UNAUTHORIZED");
}

TEST_F(RouterMiscTest, EnvelopeErrorsNameTheRefusedFrame) {
  // Parsed as an object with an id: the error relates to it, and carries its session.
  h_.send(nav_, R"({"v":2,"id":"m-1","session":"s1","type":"prompt.submit","payload":{}})");
  Frame e = first(nav_);
  EXPECT_EQ(e.type(), "error");
  EXPECT_EQ(e.str("code"), "INVALID_MESSAGE");
  EXPECT_EQ(e.str("related_to"), "m-1");
  EXPECT_STREQ(e.doc["session"].GetString(), "s1");
  h_.send(nav_, R"({"id":"m-2","session":"s1","type":"prompt.submit","payload":[]})");
  EXPECT_EQ(first(nav_).str("related_to"), "m-2");
  // No usable id: no related_to (an id that is not a string is not echoed back).
  h_.send(nav_, R"({"id":7,"session":"s1","type":"x"})");
  Frame f = first(nav_);
  EXPECT_EQ(f.str("code"), "INVALID_MESSAGE");
  EXPECT_FALSE(f.payload().HasMember("related_to"));
  h_.send(nav_, "{not json");
  EXPECT_FALSE(first(nav_).payload().HasMember("related_to"));
}

TEST_F(RouterMiscTest, SessionEndNeedsAuthorityAndReallyEnds) {
  h_.send(nav_,
          H::frame("session.end", "s1", "nav", R"({"reason":"r","final_state":"completed"})"));
  EXPECT_EQ(first(nav_).str("code"), "UNAUTHORIZED");
  h_.send(admin_,
          H::frame("session.end", "s1", "root", R"({"reason":"done","final_state":"completed"})"));
  EXPECT_EQ(first(nav_).type(), "session.end");
  h_.send(nav_, H::frame("prompt.draft", "s1", "nav", R"({"content":"x","contributors":[]})"));
  auto err = first(nav_);
  EXPECT_EQ(err.str("code"), "INVALID_STATE");
  EXPECT_EQ(err.str("message"), "session s1 has ended");
}

TEST_F(RouterMiscTest, RoleChangeUsesTheSenderNotChangedBy) {
  h_.send(
      nav_,
      H::frame(
          "participant.role_change", "s1", "nav",
          R"({"participant":"olga","old_roles":[],"new_roles":["driver"],"changed_by":"root"})"));
  EXPECT_EQ(first(nav_).str("code"), "UNAUTHORIZED");
  h_.send(
      admin_,
      H::frame(
          "participant.role_change", "s1", "root",
          R"({"participant":"olga","old_roles":[],"new_roles":["driver"],"changed_by":"someone"})"));
  auto got = first(nav_);
  EXPECT_EQ(got.type(), "participant.role_change");
  EXPECT_EQ(got.str("changed_by"), "root");
  h_.clear_all();
  h_.send(
      obs_,
      H::frame("prompt.submit", "s1", "olga",
               R"({"content":"x","target_agent":"agent","contributors":[],"context_keys":[]})"));
  EXPECT_EQ(first(obs_).type(), "prompt.submit") << "the new role took effect";
  h_.clear_all();
  h_.send(
      admin_,
      H::frame(
          "participant.role_change", "s1", "root",
          R"({"participant":"ghost","old_roles":[],"new_roles":["driver"],"changed_by":"root"})"));
  EXPECT_EQ(first(admin_).str("code"), "PARTICIPANT_NOT_FOUND");
}

TEST_F(RouterMiscTest, PromptMustTargetAnAgentInTheSession) {
  h_.send(nav_,
          H::frame("prompt.submit", "s1", "nav",
                   R"({"content":"x","target_agent":"olga","contributors":[],"context_keys":[]})"));
  EXPECT_EQ(first(nav_).str("code"), "PARTICIPANT_NOT_FOUND");
}

TEST_F(RouterMiscTest, DraftContributorsConvergeAndAmendNeedsASubmittedPrompt) {
  h_.send(admin_, H::frame("prompt.draft", "s1", "root", R"({"content":"a","contributors":[]})"));
  h_.send(nav_, H::frame("prompt.draft", "s1", "nav", R"({"content":"ab","contributors":[]})"));
  h_.clear_all();
  h_.send(
      nav_,
      H::frame("prompt.submit", "s1", "nav",
               R"({"content":"abc","target_agent":"agent","contributors":[],"context_keys":[]})"));
  auto submit = first(agent_);
  ASSERT_EQ(submit.type(), "prompt.submit");
  const auto &c = submit.payload()["contributors"];
  ASSERT_EQ(c.Size(), 2u);
  EXPECT_STREQ(c[0].GetString(), "root");
  EXPECT_STREQ(c[1].GetString(), "nav");
  h_.clear_all();
  h_.send(nav_, H::frame("prompt.amend", "s1", "nav",
                         R"({"original_prompt":"nope","amendment":"x","reason":"r"})"));
  EXPECT_EQ(first(nav_).str("code"), "INVALID_STATE");
  std::string id = submit.doc["id"].GetString();
  h_.send(nav_, H::frame("prompt.amend", "s1", "nav",
                         R"({"original_prompt":")" + id + R"(","amendment":"x","reason":"r"})"));
  EXPECT_EQ(first(agent_).type(), "prompt.amend");
}

TEST_F(RouterMiscTest, InterruptNeedsCapabilityAndInjectsContext) {
  h_.send(nav_, H::frame("interrupt.raise", "s1", "nav", R"({"urgency":"stop","message":"halt"})"));
  EXPECT_EQ(first(nav_).str("code"), "UNAUTHORIZED");
  h_.send(
      admin_,
      H::frame(
          "interrupt.raise", "s1", "root",
          R"({"target":"agent","urgency":"stop","message":"halt","inject_context":"use tabs"})"));
  auto got = h_.take(agent_);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type(), "interrupt.raise");
  // Transports are told it is urgent (ahead of queued deltas); nothing else is.
  for (const auto &d : h_.endpoint().deliveries) {
    EXPECT_EQ((d.flags & PVPD_MSG_URGENT) != 0, d.type == "interrupt.raise") << d.type;
  }
  EXPECT_EQ(got[1].type(), "context.add");
  EXPECT_EQ(got[1].str("key"), "interrupt_" + std::string(got[0].doc["id"].GetString()));
  EXPECT_EQ(got[1].str("content"), "use tabs");
  EXPECT_EQ(got[1].sender(), "root");
  h_.clear_all();
  h_.send(agent_, H::frame("interrupt.acknowledge", "s1", "agent",
                           R"({"interrupt":"x","by":"root","action_taken":"stopped"})"));
  EXPECT_EQ(first(admin_).str("by"), "agent");
}

TEST_F(RouterMiscTest, ShutdownTellsEverySessionBeforeClosing) {
  h_.router().shutdown("Server shutdown");
  auto got = first(nav_);
  EXPECT_EQ(got.type(), "session.end");
  EXPECT_EQ(got.str("reason"), "Server shutdown");
  EXPECT_EQ(got.str("final_state"), "aborted");
}

TEST_F(RouterMiscTest, SeqIsTotalAndClientSeqIsOverwritten) {
  uint64_t before = h_.router().last_seq("s1");
  h_.send(nav_, H::frame("prompt.draft", "s1", "nav", R"({"content":"x","contributors":[]})",
                         R"(,"seq":999)"));
  auto got = first(agent_);
  EXPECT_EQ(got.doc["seq"].GetUint64(), before + 1);
}

}  // namespace
}  // namespace pvpd::testing
