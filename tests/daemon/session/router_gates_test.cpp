// Tool proposals and gates through the router: server policy, quorum, identity of voters,
// timeouts, the reference's frame order, and auto-context after file writes.
#include "router_test_util.h"

namespace pvpd::testing {
namespace {

using H = ProtocolHarness;

std::string config_with_quorum(const std::string &quorum, const std::string &extra = "") {
  return R"({"require_approval_for":["shell_execute"],"default_gate_quorum":)" + quorum +
         R"(,"allow_forks":true,"max_participants":10,"ordering_mode":"total",)"
         R"("on_participant_timeout":"wait","heartbeat_interval_seconds":3600,)"
         R"("idle_timeout_seconds":3600,"away_timeout_seconds":7200)" +
         extra + "}";
}

std::string propose(const std::string &id, const std::string &category, bool requires_approval,
                    const std::string &risk = "low", const std::string &args = R"({"cmd":"ls"})") {
  return H::frame(
      "tool.propose", "s1", "agent",
      R"({"tool_name":"bash","arguments":)" + args + R"(,"agent":"agent","risk_level":")" + risk +
          R"(","description":"d","requires_approval":)" + (requires_approval ? "true" : "false") +
          R"(,"category":")" + category + R"("})",
      R"(,"id":")" + id + R"(")");
}

std::string vote(const std::string &type, const std::string &voter, const std::string &gate,
                 const std::string &claimed = "") {
  std::string who = claimed.empty() ? voter : claimed;
  return H::frame(type, "s1", voter,
                  type == "gate.approve"
                      ? R"({"gate":")" + gate + R"(","approver":")" + who + R"("})"
                      : R"({"gate":")" + gate + R"(","rejector":")" + who + R"(","reason":"no"})");
}

class RouterGatesTest : public ::testing::Test {
 protected:
  void start(const std::string &quorum = R"({"type":"any","count":1})",
             session::RouterOptions opts = {}) {
    h_ = std::make_unique<H>(opts);
    alice_ = h_->connect();
    h_->send(alice_, H::create("s1", "alice", config_with_quorum(quorum)));
    h_->send(alice_, H::join("s1", "alice", "human", R"(["driver","approver"])"));
    bob_ = h_->join_as("s1", "bob", "human", R"(["approver"])");
    carol_ = h_->join_as("s1", "carol", "human", R"(["approver"])");
    agent_ = h_->join_as("s1", "agent", "agent", R"(["approver"])");
    h_->clear_all();
  }
  std::vector<Frame> take(pvpd_conn_id c) { return h_->take(c); }

  std::unique_ptr<H> h_;
  pvpd_conn_id alice_ = 0, bob_ = 0, carol_ = 0, agent_ = 0;
};

TEST_F(RouterGatesTest, UngatedProposalGetsAutomaticExecuteFirst) {
  start();
  h_->send(agent_, propose("p1", "file_read", false));
  auto got = take(alice_);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type(), "tool.execute");
  EXPECT_EQ(got[0].str("tool_proposal"), "p1");
  EXPECT_EQ(got[0].payload()["approved_by"].Size(), 0u);
  EXPECT_EQ(got[1].type(), "tool.propose");
}

TEST_F(RouterGatesTest, ConfiguredGatedToolsAlwaysGate) {
  session::RouterOptions opts;
  opts.gated_tools = {"bash"};
  start(R"({"type":"any","count":1})", opts);
  // A low-risk file_read the agent says needs no approval: bash is gated by configuration.
  h_->send(agent_, propose("p1", "file_read", false));
  auto got = take(bob_);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type(), "gate.request");
  EXPECT_EQ(got[0].str("policy_reason"), "tool bash always requires approval");
}

TEST_F(RouterGatesTest, GateRequestPrecedesTheProposalAndApprovalExecutes) {
  start();
  h_->send(agent_, propose("p1", "shell_execute", false));
  auto got = take(bob_);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type(), "gate.request");
  EXPECT_EQ(got[0].str("action_ref"), "p1");
  EXPECT_EQ(got[0].str("action_type"), "tool");
  EXPECT_EQ(got[0].payload()["timeout_seconds"].GetUint(), 300u);
  EXPECT_EQ(got[0].str("message"), "agent wants to execute bash");
  EXPECT_EQ(got[1].type(), "tool.propose");
  h_->clear_all();
  h_->send(bob_, vote("gate.approve", "bob", "p1"));
  auto after = take(carol_);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].type(), "gate.approve");
  EXPECT_EQ(after[1].type(), "tool.execute");
  EXPECT_EQ(after[1].payload()["approved_by"][0].GetString(), std::string("bob"));
}

TEST_F(RouterGatesTest, GateRequestIdIsAcceptedAsAlias) {
  start();
  h_->send(agent_, propose("p1", "shell_execute", false));
  std::string alias = take(bob_)[0].doc["id"].GetString();
  h_->send(bob_, vote("gate.approve", "bob", alias));
  auto after = take(bob_);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].str("gate"), "p1") << "recorded under the canonical gate id";
  EXPECT_EQ(after[1].type(), "tool.execute");
}

TEST_F(RouterGatesTest, SpoofedApproverFieldIsReplacedByTheSender) {
  start(R"({"type":"any","count":2})");
  h_->send(agent_, propose("p1", "shell_execute", false));
  h_->send(bob_, vote("gate.approve", "bob", "p1", "ghost"));
  h_->clear_all();
  h_->send(bob_, vote("gate.approve", "bob", "p1", "ghost2"));
  auto err = take(bob_);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(err[0].str("message"), "'bob' already approved gate p1");
  h_->send(carol_, vote("gate.approve", "carol", "p1"));
  auto got = take(alice_);
  ASSERT_EQ(got.size(), 2u);
  const auto &by = got[1].payload()["approved_by"];
  ASSERT_EQ(by.Size(), 2u);
  EXPECT_STREQ(by[0].GetString(), "bob");
  EXPECT_STREQ(by[1].GetString(), "carol");
}

TEST_F(RouterGatesTest, ProposerCannotApproveItsOwnAction) {
  start();
  h_->send(agent_, propose("p1", "shell_execute", false));
  h_->clear_all();
  h_->send(agent_, vote("gate.approve", "agent", "p1"));
  auto err = take(agent_);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(err[0].str("code"), "UNAUTHORIZED");
  EXPECT_EQ(err[0].str("message"), "the proposer cannot approve its own action");
}

TEST_F(RouterGatesTest, NonApproverCannotVote) {
  start();
  auto obs = h_->join_as("s1", "olga", "human", R"(["observer"])");
  h_->send(agent_, propose("p1", "shell_execute", false));
  h_->clear_all();
  h_->send(obs, vote("gate.approve", "olga", "p1"));
  EXPECT_EQ(take(obs)[0].str("code"), "UNAUTHORIZED");
}

TEST_F(RouterGatesTest, MajorityNeedsStrictlyMoreThanHalf) {
  start(R"({"type":"majority"})");  // eligible: alice, bob, carol (agent proposes): 2 of 3
  h_->send(agent_, propose("p1", "shell_execute", false));
  h_->send(bob_, vote("gate.approve", "bob", "p1"));
  h_->clear_all();
  h_->send(carol_, vote("gate.approve", "carol", "p1"));
  auto got = take(alice_);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].type(), "tool.execute");
}

TEST_F(RouterGatesTest, RejectResolvesTheGateForEveryone) {
  start(R"({"type":"any","count":2})");
  h_->send(agent_, propose("p1", "shell_execute", false));
  h_->send(bob_, vote("gate.approve", "bob", "p1"));
  h_->send(carol_, vote("gate.reject", "carol", "p1"));
  h_->clear_all();
  h_->send(alice_, vote("gate.approve", "alice", "p1"));
  auto got = take(alice_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type(), "error");
  EXPECT_EQ(got[0].str("message"), "gate 'p1' is not open in session s1");
  EXPECT_EQ(h_->router().counters().gates_rejected, 1u);
}

TEST_F(RouterGatesTest, RiskAtOrAboveThresholdIsGatedWhateverTheAgentSays) {
  start();
  h_->send(agent_, propose("p1", "file_read", false, "critical"));
  EXPECT_EQ(take(alice_)[0].type(), "gate.request");
}

TEST_F(RouterGatesTest, TimeoutRejectsWithTheReferenceShape) {
  start(R"({"type":"any","count":2})");
  h_->send(agent_, propose("p1", "shell_execute", false));
  h_->send(bob_, vote("gate.approve", "bob", "p1"));
  h_->clear_all();
  h_->advance(299'000);
  EXPECT_TRUE(take(alice_).empty());
  h_->advance(2'000);
  auto got = take(alice_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type(), "gate.timeout");
  EXPECT_EQ(got[0].str("gate"), "p1");
  EXPECT_EQ(got[0].payload()["approvals_received"].GetUint(), 1u);
  EXPECT_EQ(got[0].payload()["approvals_required"].GetUint(), 2u);
  EXPECT_EQ(got[0].str("resolution"), "rejected");
  h_->clear_all();
  h_->send(carol_, vote("gate.approve", "carol", "p1"));
  EXPECT_EQ(take(carol_)[0].type(), "error") << "a timed-out gate cannot be approved";
}

TEST_F(RouterGatesTest, TimeoutCanAutoApprove) {
  session::RouterOptions opts;
  opts.gate_timeout_ms = 10'000;
  opts.gate_timeout_resolution = "auto_approved";
  start(R"({"type":"any","count":1})", opts);
  h_->send(agent_, propose("p1", "shell_execute", false));
  h_->clear_all();
  h_->advance(11'000);
  EXPECT_EQ(h_->types(agent_), (std::vector<std::string>{"gate.timeout", "tool.execute"}));
}

TEST_F(RouterGatesTest, LateJoinerReceivesOpenGateRequests) {
  start();
  h_->send(agent_, propose("p1", "shell_execute", false));
  auto dave = h_->connect();
  h_->send(dave, H::join("s1", "dave", "human", R"(["approver"])"));
  int gate_requests = 0;
  for (auto &f : h_->take(dave)) {
    if (f.type() == "gate.request") {
      ++gate_requests;
      EXPECT_EQ(f.str("action_ref"), "p1");
    }
  }
  EXPECT_EQ(gate_requests, 1);
  h_->send(dave, vote("gate.approve", "dave", "p1"));
  auto got = h_->take(dave);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].type(), "tool.execute");
}

TEST_F(RouterGatesTest, ResultForAnUnapprovedProposalIsRefused) {
  start();
  h_->send(agent_, propose("p1", "shell_execute", false));
  h_->clear_all();
  h_->send(agent_, H::frame("tool.result", "s1", "agent",
                            R"({"tool_proposal":"p1","success":true,"duration_ms":1})"));
  auto err = take(agent_);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(err[0].str("code"), "INVALID_STATE");
}

TEST_F(RouterGatesTest, SuccessfulFileWriteBecomesContext) {
  start();
  h_->send(agent_,
           propose("p1", "file_write", false, "low", R"({"path":"src/a.txt","content":"hello"})"));
  h_->send(agent_, H::frame("tool.result", "s1", "agent",
                            R"({"tool_proposal":"p1","success":true,"duration_ms":3})"));
  auto got = take(alice_);
  ASSERT_FALSE(got.empty());
  const Frame &last = got.back();
  EXPECT_EQ(last.type(), "context.add");
  EXPECT_EQ(last.sender(), "system");
  EXPECT_EQ(last.str("key"), "file:src/a.txt");
  EXPECT_EQ(last.str("content"), "hello");
  EXPECT_EQ(last.str("source"), "tool:bash");
}

TEST_F(RouterGatesTest, ToolProposeAgentFieldIsTheSender) {
  start();
  h_->send(agent_,
           H::frame("tool.propose", "s1", "agent",
                    R"({"tool_name":"x","arguments":{},"agent":"alice","risk_level":"low",)"
                    R"("description":"d","requires_approval":false,"category":"file_read"})"));
  auto got = take(bob_);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].str("agent"), "agent");
}

TEST_F(RouterGatesTest, HumansCannotProposeTools) {
  start();
  h_->send(alice_, propose("p1", "file_read", false)
                       .replace(propose("p1", "file_read", false).find(R"("sender":"agent")"),
                                std::string(R"("sender":"agent")").size(), R"("sender":"alice")"));
  auto err = take(alice_);
  ASSERT_EQ(err.size(), 1u);
  EXPECT_EQ(err[0].str("code"), "UNAUTHORIZED");
}

}  // namespace
}  // namespace pvpd::testing

namespace pvpd::testing {
namespace {

TEST(RouterGatesEscalationTest, TimeoutEscalatesToAdminsWhoThenDecide) {
  session::RouterOptions opts;
  opts.gate_timeout_ms = 10'000;
  opts.gate_timeout_resolution = "escalated";
  H h(opts);
  auto root = h.connect();
  h.send(root, H::create("s1", "root", config_with_quorum(R"({"type":"any","count":2})")));
  h.send(root, H::join("s1", "root", "human", R"(["admin"])"));
  auto bob = h.join_as("s1", "bob", "human", R"(["approver"])");
  auto agent = h.join_as("s1", "agent", "agent", R"(["navigator"])");
  h.send(agent, propose("p1", "shell_execute", false));
  h.send(root, vote("gate.approve", "root", "p1"));
  EXPECT_EQ(h.take(root).back().str("code"), "UNAUTHORIZED") << "admin alone cannot approve";
  h.clear_all();
  h.advance(11'000);
  auto got = h.take(bob);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].str("resolution"), "escalated");
  h.clear_all();
  h.send(root, vote("gate.approve", "root", "p1"));
  EXPECT_EQ(h.types(agent), (std::vector<std::string>{"gate.approve", "tool.execute"}));
}

TEST(RouterGatesSkipTest, AbsentApproverIsSkippedUnderSkipPolicy) {
  H h;
  auto a = h.connect();
  h.send(a, H::create("s1", "a",
                      R"({"require_approval_for":["all"],"default_gate_quorum":{"type":"all"},)"
                      R"("allow_forks":true,"max_participants":10,"ordering_mode":"total",)"
                      R"("on_participant_timeout":"skip","heartbeat_interval_seconds":3600,)"
                      R"("idle_timeout_seconds":3600,"away_timeout_seconds":7200})"));
  h.send(a, H::join("s1", "a", "human", R"(["approver"])"));
  auto b = h.join_as("s1", "b", "human", R"(["approver"])");
  auto agent = h.join_as("s1", "agent", "agent", R"(["navigator"])");
  h.send(agent, H::frame("tool.propose", "s1", "agent",
                         R"({"tool_name":"t","arguments":{},"agent":"agent","risk_level":"low",)"
                         R"("description":"d","requires_approval":false,"category":"file_read"})",
                         R"(,"id":"p1")"));
  h.send(a, vote("gate.approve", "a", "p1"));
  h.clear_all();
  h.close(b);  // b will not come back; under "skip" the gate no longer waits for b
  bool executed = false;
  for (auto &f : h.take(agent)) {
    executed = executed || f.type() == "tool.execute";
  }
  EXPECT_TRUE(executed);
}

std::string gated_context(const std::string &id, const std::string &sender,
                          const std::string &extra = "") {
  return H::frame("context.add", "s1", sender,
                  R"({"key":"t140:alice","content_type":"audio_transcript",)"
                  R"("content":"ship it on friday","requires_approval":true)" +
                      extra + "}",
                  R"(,"id":")" + id + R"(")");
}

TEST_F(RouterGatesTest, GatedContextIsHeldUntilApproved) {
  start();
  h_->send(alice_, gated_context("c1", "alice"));
  auto got = take(bob_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type(), "gate.request");
  EXPECT_EQ(got[0].str("action_type"), "context_change");
  EXPECT_EQ(got[0].str("action_ref"), "c1");
  EXPECT_EQ(got[0].str("message"), "alice wants to add context 't140:alice'");
  EXPECT_NE(got[0].str("held_frame").find("ship it on friday"), std::string::npos);
  EXPECT_EQ(h_->router().find_session("s1")->context.count("t140:alice"), 0u);
  // The sender cannot approve its own change.
  h_->send(alice_, vote("gate.approve", "alice", "c1"));
  EXPECT_EQ(take(alice_).back().str("code"), "UNAUTHORIZED");
  h_->clear_all();
  h_->send(bob_, vote("gate.approve", "bob", "c1"));
  auto after = take(carol_);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].type(), "gate.approve");
  EXPECT_EQ(after[1].type(), "context.add");
  EXPECT_STREQ(after[1].doc["id"].GetString(), "c1");
  EXPECT_EQ(after[1].sender(), "alice");
  EXPECT_EQ(after[1].str("content"), "ship it on friday");
  EXPECT_EQ(h_->router().find_session("s1")->context.count("t140:alice"), 1u);
}

TEST_F(RouterGatesTest, RejectedContextIsNeverApplied) {
  start();
  h_->send(alice_, gated_context("c1", "alice"));
  h_->send(bob_, vote("gate.reject", "bob", "c1"));
  h_->clear_all();
  // Too late to approve: the gate is gone, and nothing was ever added.
  h_->send(carol_, vote("gate.approve", "carol", "c1"));
  EXPECT_EQ(take(carol_).back().str("code"), "INVALID_STATE");
  EXPECT_EQ(h_->router().find_session("s1")->context.count("t140:alice"), 0u);
  EXPECT_TRUE(h_->router().find_session("s1")->held_context.empty());
}

TEST_F(RouterGatesTest, GatedContextMustBePublic) {
  start();
  h_->send(alice_, gated_context("c1", "alice", R"(,"visible_to":["bob"])"));
  auto got = take(alice_);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().str("code"), "INVALID_MESSAGE");
  EXPECT_TRUE(take(bob_).empty());
}

}  // namespace
}  // namespace pvpd::testing
