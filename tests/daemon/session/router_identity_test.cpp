// Server-authoritative identity, membership, validation and authentication.
#include "auth/authenticator.h"
#include "router_test_util.h"

namespace pvpd::testing {
namespace {

using H = ProtocolHarness;

class RouterIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_ = h_.connect();
    h_.send(alice_, H::create("s1", "alice"));
    h_.send(alice_,
            H::join("s1", "alice", "human", R"(["driver","approver"])", R"(["prompt","approve"])"));
    bob_ = h_.join_as("s1", "bob", "human", R"(["navigator"])");
    h_.clear_all();
  }
  Frame only_error(pvpd_conn_id conn) {
    auto got = h_.take(conn);
    EXPECT_EQ(got.size(), 1u);
    EXPECT_EQ(got.empty() ? "" : got[0].type(), "error");
    return got.empty() ? Frame{} : std::move(got[0]);
  }
  H h_;
  pvpd_conn_id alice_ = 0;
  pvpd_conn_id bob_ = 0;
};

TEST_F(RouterIdentityTest, SpoofedSenderIsRejectedToTheSenderOnlyAndNotRecorded) {
  size_t history = h_.router().find_session("s1")->history.size();
  h_.send(bob_, H::frame("prompt.draft", "s1", "alice", R"({"content":"x","contributors":[]})"));
  auto err = only_error(bob_);
  EXPECT_EQ(err.str("code"), "UNAUTHORIZED");
  EXPECT_EQ(err.str("message"),
            "sender 'alice' does not match this connection's participant 'bob'");
  EXPECT_TRUE(h_.take(alice_).empty());
  EXPECT_EQ(h_.router().find_session("s1")->history.size(), history);
}

TEST_F(RouterIdentityTest, MissingSenderIsFilledByTheServer) {
  h_.send(
      bob_,
      R"({"v":1,"type":"prompt.draft","session":"s1","payload":{"content":"x","contributors":[]}})");
  auto got = h_.take(alice_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].sender(), "bob");
}

TEST_F(RouterIdentityTest, NonMemberCannotInject) {
  auto zed = h_.connect();
  h_.send(zed, H::join("other", "zed", "agent", R"(["driver"])"));
  h_.take(zed);
  h_.send(zed, H::frame("response.chunk", "s1", "zed", R"({"text":"pwned"})"));
  auto err = only_error(zed);
  EXPECT_EQ(err.str("code"), "UNAUTHORIZED");
  EXPECT_NE(err.str("message").find("is not a participant of session s1"), std::string::npos);
  EXPECT_TRUE(h_.take(alice_).empty());
}

TEST_F(RouterIdentityTest, FramesBeforeJoinAreRefused) {
  auto c = h_.connect();
  h_.send(c, H::frame("prompt.draft", "s1", "carol", R"({"content":"x","contributors":[]})"));
  EXPECT_EQ(only_error(c).str("message"),
            "join a session (session.join) before sending prompt.draft");
}

TEST_F(RouterIdentityTest, UnknownSessionGetsSessionNotFound) {
  h_.send(bob_, H::frame("prompt.draft", "nope", "bob", R"({"content":"x","contributors":[]})"));
  auto err = only_error(bob_);
  EXPECT_EQ(err.str("code"), "SESSION_NOT_FOUND");
  EXPECT_EQ(err.str("message"), "Session nope not found");
}

TEST_F(RouterIdentityTest, UnknownTypeAndServerOnlyTypesAreRefused) {
  h_.send(bob_, H::frame("made.up", "s1", "bob", "{}"));
  EXPECT_EQ(only_error(bob_).str("message"), "unknown message type 'made.up'");
  h_.send(bob_, H::frame("tool.execute", "s1", "bob", R"({"tool_proposal":"x","approved_by":[]})"));
  EXPECT_EQ(only_error(bob_).str("message"), "tool.execute is sent by the server only");
  h_.send(bob_, H::frame("gate.request", "s1", "bob", "{}"));
  EXPECT_EQ(only_error(bob_).str("code"), "UNAUTHORIZED");
}

TEST_F(RouterIdentityTest, SchemaViolationNamesTheField) {
  h_.send(alice_, H::frame("prompt.draft", "s1", "alice", R"({"contributors":[]})"));
  auto err = only_error(alice_);
  EXPECT_EQ(err.str("code"), "INVALID_MESSAGE");
  EXPECT_NE(err.str("message").find("payload.content"), std::string::npos) << err.str("message");
}

TEST_F(RouterIdentityTest, ConnectionCannotSwitchIdentity) {
  h_.send(bob_, H::join("s2", "mallory", "human", R"(["driver"])"));
  EXPECT_EQ(only_error(bob_).str("message"),
            "this connection is already bound to participant 'bob'");
}

TEST_F(RouterIdentityTest, NewerConnectionReplacesOlderWithoutALeave) {
  auto bob2 = h_.connect();
  h_.send(bob2, H::join("s1", "bob", "human", R"(["navigator"])"));
  h_.clear_all();
  h_.close(bob_);  // the stale socket goes away
  EXPECT_TRUE(h_.take(alice_).empty()) << "no leave for a replaced connection";
  h_.send(alice_, H::frame("prompt.draft", "s1", "alice", R"({"content":"x","contributors":[]})"));
  EXPECT_EQ(h_.types(bob2), std::vector<std::string>{"prompt.draft"});
}

TEST_F(RouterIdentityTest, CausalRefsMustNameKnownMessages) {
  h_.send(bob_, H::frame("prompt.draft", "s1", "bob", R"({"content":"x","contributors":[]})",
                         R"(,"causal_refs":["nope"])"));
  EXPECT_EQ(only_error(bob_).str("code"), "INVALID_MESSAGE");
}

TEST(RouterAuthTest, TokenModeRequiresAValidTokenAndNarrowsRoles) {
  session::RouterOptions opts;
  opts.auth.mode = "token";
  opts.auth.tokens.push_back(auth::TokenGrant{
      auth::sha256_hex("t-alice"), "alice", {"driver", "approver"}, {"prompt"}, false});
  H h(opts);
  auto c = h.connect(false);
  h.send(c, H::join("s1", "alice", "human", R"(["driver","admin"])"));
  auto got = h.take(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].str("message"),
            "a token is required to join (payload.token, ?token= or Authorization)");
  h.send(c, H::join("s1", "alice", "human", R"(["driver"])", "[]", R"(,"token":"wrong")"));
  EXPECT_EQ(h.take(c)[0].str("message"), "invalid token");
  h.send(c, H::join("s1", "mallory", "human", R"(["driver"])", "[]", R"(,"token":"t-alice")"));
  EXPECT_NE(h.take(c)[0].str("message").find("belongs to participant 'alice'"), std::string::npos);

  h.send(c,
         H::join("s1", "alice", "human", R"(["driver","admin"])", "[]", R"(,"token":"t-alice")"));
  auto joined = h.take(c);
  ASSERT_FALSE(joined.empty());
  EXPECT_EQ(joined[0].type(), "session.join");
  EXPECT_EQ(joined[0].json.find("t-alice"), std::string::npos) << "the token is never relayed";
  const auto *p = h.router().find_session("s1")->participants.data();
  EXPECT_EQ(p->roles, std::vector<std::string>{"driver"}) << "admin was not granted";
  for (const auto &entry : h.router().find_session("s1")->history) {
    EXPECT_EQ(std::string(entry.msg.buffer.view()).find("t-alice"), std::string::npos);
  }
}

TEST(RouterAuthTest, TransportCredentialIsAccepted) {
  session::RouterOptions opts;
  opts.auth.mode = "token";
  opts.auth.tokens.push_back(
      auth::TokenGrant{auth::sha256_hex("bearer"), "", {"driver"}, {}, true});
  H h(opts);
  auto c = h.connect(false, "bearer");
  h.send(c, H::join("s1", "anyone", "human", "[]"));
  auto got = h.take(c);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0].type(), "session.join");
  EXPECT_TRUE(h.router().find_session("s1")->participants[0].admin);
}

TEST(RouterAuthTest, TokenModeCreateNeedsAToken) {
  session::RouterOptions opts;
  opts.auth.mode = "token";
  opts.auth.tokens.push_back(
      auth::TokenGrant{auth::sha256_hex("t-alice"), "alice", {"driver"}, {}, false});
  H h(opts);
  // No token anywhere: refused, and no session exists afterwards.
  auto anon = h.connect(false);
  h.send(anon, H::create("spam", "mallory"));
  auto got = h.take(anon);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].str("code"), "UNAUTHORIZED");
  EXPECT_EQ(h.router().find_session("spam"), nullptr);
  // Someone else's token: refused.
  auto thief = h.connect(false, "t-alice");
  h.send(thief, H::create("spam", "mallory"));
  EXPECT_EQ(h.take(thief)[0].str("message"),
            "this token belongs to participant 'alice', not 'mallory'");
  EXPECT_EQ(h.router().find_session("spam"), nullptr);
  // payload.token (what a browser can send) works and is never recorded.
  auto web = h.connect(false);
  std::string create = H::create("s1", "alice");
  create.insert(create.find(R"("payload":{)") + 11, R"("token":"t-alice",)");
  h.send(web, create);
  ASSERT_NE(h.router().find_session("s1"), nullptr);
  for (const auto &entry : h.router().find_session("s1")->history) {
    EXPECT_EQ(std::string(entry.msg.buffer.view()).find("t-alice"), std::string::npos);
  }
  // The transport credential works too.
  auto tui = h.connect(false, "t-alice");
  h.send(tui, H::create("s2", "alice"));
  EXPECT_NE(h.router().find_session("s2"), nullptr);
}

TEST(RouterAuthTest, OpenModeRefusesRemoteConnectionsUnlessAllowed) {
  H h;
  auto remote = h.connect(false);
  h.send(remote, H::join("s1", "r", "human", R"(["driver"])"));
  auto got = h.take(remote);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].str("code"), "UNAUTHORIZED");
  session::RouterOptions opts;
  opts.auth.allow_open_remote = true;
  H h2(opts);
  auto r2 = h2.connect(false);
  h2.send(r2, H::join("s1", "r", "human", R"(["driver"])"));
  EXPECT_EQ(h2.take(r2)[0].type(), "session.join");
}

TEST(RouterAuthTest, AgentPluginConnectionsJoinAsTheirInstanceOnlyWithoutToken) {
  session::RouterOptions opts;
  opts.auth.mode = "token";  // no token is needed: the daemon vouches for its own plugins
  H h(opts);
  auto human = h.connect(true);
  auto agent = h.connect_internal("demo");
  h.send(agent, H::join("s1", "alice", "agent", R"(["navigator"])"));
  auto got = h.take(agent);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].str("code"), "UNAUTHORIZED");
  EXPECT_EQ(got[0].str("message"),
            "agent instance 'demo' may only join as 'demo' or 'demo:<name>', not 'alice'");
  h.send(agent, H::join("s1", "demox", "agent", R"(["navigator"])"));
  EXPECT_EQ(h.take(agent)[0].str("code"), "UNAUTHORIZED") << "a prefix is not the instance";
  h.send(agent, H::join("s1", "demo", "human", R"(["driver"])"));
  EXPECT_EQ(h.take(agent)[0].str("message"),
            "an agent instance must join with participant.type \"agent\"");

  h.send(agent, H::join("s1", "demo", "agent", R"(["admin","approver"])"));
  auto joined = h.take(agent);
  ASSERT_FALSE(joined.empty());
  EXPECT_EQ(joined[0].type(), "session.join");
  const session::Participant *p = h.router().find_session("s1")->find("demo");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->roles, std::vector<std::string>{"navigator"}) << "roles are the daemon's choice";
  EXPECT_FALSE(p->admin);

  auto second = h.connect_internal("demo");
  h.send(second, H::join("s2", "demo:reviewer", "agent", R"([])"));
  ASSERT_FALSE(h.take(second).empty());
  EXPECT_NE(h.router().find_session("s2")->find("demo:reviewer"), nullptr);

  // An ordinary connection still needs a token, whatever it claims.
  h.send(human, H::join("s1", "demo", "agent", R"(["navigator"])"));
  EXPECT_EQ(h.take(human)[0].str("code"), "UNAUTHORIZED");
}

TEST_F(RouterIdentityTest, AgentAttachIsAdminOnlyAndRecorded) {
  h_.send(bob_, H::frame("agent.attach", "s1", "bob", R"({"agent":"demo"})"));
  auto err = only_error(bob_);
  EXPECT_EQ(err.str("code"), "UNAUTHORIZED");
  auto admin = h_.join_as("s1", "root", "human", R"(["admin"])");
  h_.clear_all();
  size_t history = h_.router().find_session("s1")->history.size();
  h_.send(admin, H::frame("agent.attach", "s1", "root", R"({"agent":"demo","reason":"review"})"));
  EXPECT_EQ(h_.types(alice_), std::vector<std::string>{"agent.attach"});
  EXPECT_EQ(h_.router().find_session("s1")->history.size(), history + 1);
  h_.clear_all();
  h_.send(admin, H::frame("agent.attach", "s1", "root", R"({"agent":"alice"})"));
  EXPECT_EQ(only_error(admin).str("message"), "'alice' is already in session s1");
  h_.send(admin, H::frame("agent.attach", "s1", "root", R"({})"));
  EXPECT_EQ(only_error(admin).str("code"), "INVALID_MESSAGE");
}

}  // namespace
}  // namespace pvpd::testing
