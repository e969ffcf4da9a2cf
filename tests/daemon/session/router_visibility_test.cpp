// Visibility: context visible_to, thinking streams, secret scope, forks — live and on replay.
#include <map>
#include <tuple>

#include "router_test_util.h"
#include "util/ulid.h"

namespace pvpd::testing {
namespace {

using H = ProtocolHarness;

class RouterVisibilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_ = h_.connect();
    h_.send(alice_, H::create("s1", "alice"));
    h_.send(alice_, H::join("s1", "alice", "human", R"(["driver","approver"])",
                            R"(["prompt","approve","fork"])"));
    bob_ = h_.join_as("s1", "bob", "human", R"(["navigator"])");
    agent_ = h_.join_as("s1", "agent", "agent", R"(["navigator"])");
    h_.clear_all();
  }
  std::vector<std::string> late_joiner_types(const std::string &id, const std::string &roles) {
    auto c = h_.connect();
    h_.send(c, H::join("s1", id, "human", roles));
    return h_.types(c);
  }
  // Context key `k` (content `base`, message id c0), then fork "f" from c0 with the agent, then
  // `k` changed on both lines: by alice on main, by the agent on the fork. Returns the fork id.
  std::string fork_with_conflict(const std::string &base, const std::string &on_main,
                                 const std::string &on_fork) {
    h_.send(alice_, H::frame("context.add", "s1", "alice",
                             R"({"key":"k","content_type":"text","content":")" + base + "\"}",
                             R"(,"id":"c0")"));
    h_.send(
        alice_,
        H::frame(
            "fork.create", "s1", "alice",
            R"({"name":"f","from_point":"c0","reason":"r","participants":["agent"],"copy_context":true})"));
    std::string fork_id = h_.take(alice_).back().str("fork_id");
    h_.send(alice_, H::frame("context.update", "s1", "alice",
                             R"({"key":"k","new_content":")" + on_main + R"(","reason":"r"})"));
    h_.send(agent_, H::frame("context.update", "s1", "agent",
                             R"({"key":"k","new_content":")" + on_fork + R"(","reason":"r"})",
                             R"(,"fork":")" + fork_id + R"(")"));
    return fork_id;
  }
  // alice proposes merging `fork_id` into main; returns what alice received.
  std::vector<Frame> propose_merge(const std::string &fork_id, const std::string &strategy) {
    h_.send(alice_,
            H::frame("merge.propose", "s1", "alice",
                     R"({"source_fork":")" + fork_id + R"(","target_fork":"main","strategy":")" +
                         strategy + R"(","summary":"s"})"));
    return h_.take(alice_);
  }
  static bool contains(const std::vector<std::string> &v, const std::string &t) {
    return std::find(v.begin(), v.end(), t) != v.end();
  }
  H h_;
  pvpd_conn_id alice_ = 0, bob_ = 0, agent_ = 0;
};

TEST_F(RouterVisibilityTest, PrivateContextReachesOnlyItsAudienceLiveAndOnReplay) {
  h_.send(
      alice_,
      H::frame("context.add", "s1", "alice",
               R"({"key":"k","content_type":"text","content":"private","visible_to":["agent"]})"));
  EXPECT_TRUE(h_.take(bob_).empty());
  EXPECT_EQ(h_.types(agent_), std::vector<std::string>{"context.add"});
  EXPECT_FALSE(contains(late_joiner_types("dave", R"(["driver"])"), "context.add") &&
               false);  // dave gets the working-directory context.add only:
  auto dave = h_.connect();
  h_.send(dave, H::join("s1", "dave2", "human", R"(["driver"])"));
  for (auto &f : h_.take(dave)) {
    EXPECT_EQ(f.json.find("private"), std::string::npos) << f.json;
  }
}

TEST_F(RouterVisibilityTest, UpdatesKeepThePrivateAudience) {
  h_.send(alice_,
          H::frame("context.add", "s1", "alice",
                   R"({"key":"k","content_type":"text","content":"v1","visible_to":["agent"]})"));
  h_.clear_all();
  h_.send(alice_, H::frame("context.update", "s1", "alice",
                           R"({"key":"k","new_content":"v2","reason":"r"})"));
  EXPECT_TRUE(h_.take(bob_).empty());
  EXPECT_EQ(h_.types(agent_), std::vector<std::string>{"context.update"});
}

TEST_F(RouterVisibilityTest, UpdateOfUnknownKeyIsAnError) {
  h_.send(alice_, H::frame("context.update", "s1", "alice",
                           R"({"key":"nope","new_content":"v2","reason":"r"})"));
  auto got = h_.take(alice_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].str("message"), "context key 'nope' does not exist in session s1");
}

TEST_F(RouterVisibilityTest, ApproversOnlyThinkingAppliesToEveryChunk) {
  h_.send(agent_, H::frame("thinking.start", "s1", "agent",
                           R"({"agent":"agent","prompt_ref":"p","visible_to":"approvers_only"})"));
  h_.send(agent_, H::frame("thinking.chunk", "s1", "agent", R"({"text":"secret plan"})"));
  h_.send(agent_, H::frame("thinking.end", "s1", "agent", R"({"summary":"s"})"));
  h_.send(agent_,
          H::frame("response.start", "s1", "agent", R"({"agent":"agent","prompt_ref":"p"})"));
  EXPECT_EQ(h_.types(alice_), (std::vector<std::string>{"thinking.start", "thinking.chunk",
                                                        "thinking.end", "response.start"}));
  EXPECT_EQ(h_.types(bob_), std::vector<std::string>{"response.start"});
  auto late = late_joiner_types("erin", R"(["driver"])");
  EXPECT_FALSE(contains(late, "thinking.start"));
  EXPECT_FALSE(contains(late, "thinking.end"));
}

TEST_F(RouterVisibilityTest, SecretValueGoesToScopeOnlyAndNeverIntoHistory) {
  h_.send(alice_,
          H::frame("secret.share", "s1", "alice",
                   R"({"key":"db","scope":["agent"],"value_ref":"postgres://u:SECRET@h"})"));
  auto to_agent = h_.take(agent_);
  ASSERT_EQ(to_agent.size(), 1u);
  EXPECT_EQ(to_agent[0].str("value_ref"), "postgres://u:SECRET@h");
  EXPECT_TRUE(h_.take(bob_).empty());
  for (const auto &entry : h_.router().find_session("s1")->history) {
    EXPECT_EQ(std::string(entry.msg.buffer.view()).find("SECRET"), std::string::npos);
  }
  // The agent reconnects: the replayed record carries the digest, not the value.
  auto agent2 = h_.connect();
  h_.send(agent2, H::join("s1", "agent", "agent", R"(["navigator"])"));
  bool saw_secret = false;
  for (auto &f : h_.take(agent2)) {
    EXPECT_EQ(f.json.find("SECRET"), std::string::npos);
    if (f.type() == "secret.share") {
      saw_secret = true;
      EXPECT_EQ(f.str("value_ref").rfind("sha256:", 0), 0u);
    }
  }
  EXPECT_TRUE(saw_secret);
}

TEST_F(RouterVisibilityTest, ExpiredOrRevokedSecretsAreHandled) {
  h_.send(
      alice_,
      H::frame(
          "secret.share", "s1", "alice",
          R"({"key":"k","scope":["agent"],"value_ref":"v","expires_at":"2001-01-01T00:00:00.000Z"})"));
  EXPECT_EQ(h_.take(alice_)[0].str("message"), "payload.expires_at is in the past");
  h_.send(alice_, H::frame("secret.revoke", "s1", "alice", R"({"key":"k","reason":"r"})"));
  EXPECT_EQ(h_.take(alice_)[0].str("code"), "INVALID_STATE");
  h_.send(alice_, H::frame("secret.share", "s1", "alice",
                           R"({"key":"k","scope":["agent"],"value_ref":"v"})"));
  h_.send(alice_, H::frame("secret.revoke", "s1", "alice", R"({"key":"k","reason":"r"})"));
  EXPECT_EQ(h_.types(agent_), (std::vector<std::string>{"secret.share", "secret.revoke"}));
  EXPECT_TRUE(h_.take(bob_).empty());
}

TEST_F(RouterVisibilityTest, SecretsAreRevokedByTheServerWhenTheyExpire) {
  // Expires 90 s after the fake clock's now.
  const std::string expires = iso8601_ms(h_.now_ms + 90'000);
  h_.send(alice_, H::frame("secret.share", "s1", "alice",
                           R"({"key":"k","scope":["agent"],"value_ref":"v","expires_at":")" +
                               expires + R"("})"));
  EXPECT_EQ(h_.types(agent_), (std::vector<std::string>{"secret.share"}));
  h_.clear_all();
  // Pings and presence frames also arrive while the clock moves: look at revokes only.
  auto revokes = [&](pvpd_conn_id c) {
    std::vector<Frame> out;
    for (auto &f : h_.take(c)) {
      if (f.type() == "secret.revoke") {
        out.push_back(std::move(f));
      }
    }
    return out;
  };
  h_.advance(60'000);
  EXPECT_TRUE(revokes(agent_).empty()) << "not yet expired";
  h_.advance(31'000);
  auto got = revokes(agent_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].sender(), "system");
  EXPECT_EQ(got[0].str("key"), "k");
  EXPECT_EQ(got[0].str("reason"), "expired");
  EXPECT_EQ(revokes(alice_).size(), 1u) << "the sharer learns it too";
  EXPECT_TRUE(revokes(bob_).empty()) << "outside the scope nobody hears of it";
  // Once expired it is no longer active: a revoke is refused, and it is revoked only once.
  h_.send(alice_, H::frame("secret.revoke", "s1", "alice", R"({"key":"k","reason":"r"})"));
  auto refused = h_.take(alice_);
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(refused.back().str("code"), "INVALID_STATE");
  h_.advance(60'000);
  EXPECT_TRUE(revokes(agent_).empty());
}

TEST_F(RouterVisibilityTest, ForkFramesReachOnlyTheForksParticipants) {
  h_.send(alice_, H::frame("prompt.draft", "s1", "alice", R"({"content":"x","contributors":[]})",
                           R"(,"id":"m1")"));
  h_.clear_all();
  h_.send(
      alice_,
      H::frame(
          "fork.create", "s1", "alice",
          R"({"name":"experiment","from_point":"m1","reason":"r","participants":["agent"],"copy_context":false})"));
  auto created = h_.take(bob_);
  ASSERT_EQ(created.size(), 1u);
  std::string fork_id = created[0].str("fork_id");
  ASSERT_EQ(fork_id.rfind("fork-", 0), 0u);
  h_.clear_all();
  h_.send(agent_, H::frame("response.start", "s1", "agent", R"({"agent":"agent","prompt_ref":"p"})",
                           R"(,"fork":")" + fork_id + R"(")"));
  EXPECT_TRUE(h_.take(bob_).empty());
  EXPECT_EQ(h_.types(alice_).size(), 1u) << "the creator follows its fork";
  EXPECT_EQ(h_.types(agent_).size(), 1u);
  h_.send(bob_, H::frame("fork.switch", "s1", "bob", R"({"target_fork":")" + fork_id + R"("})"));
  EXPECT_EQ(h_.types(bob_), std::vector<std::string>{"fork.switch"});
  h_.clear_all();
  h_.send(agent_, H::frame("response.end", "s1", "agent", R"({"finish_reason":"complete"})",
                           R"(,"fork":")" + fork_id + R"(")"));
  EXPECT_EQ(h_.types(bob_).size(), 1u) << "after fork.switch bob receives the fork";
}

TEST_F(RouterVisibilityTest, PromptsAndThinkingOnAForkStayInIt) {
  h_.send(alice_, H::frame("prompt.draft", "s1", "alice", R"({"content":"x","contributors":[]})",
                           R"(,"id":"m1")"));
  h_.send(
      alice_,
      H::frame(
          "fork.create", "s1", "alice",
          R"({"name":"experiment","from_point":"m1","reason":"r","participants":["agent"],"copy_context":false})"));
  std::string fork_id = h_.take(bob_).back().str("fork_id");
  h_.clear_all();
  const std::string on_fork = R"(,"fork":")" + fork_id + R"(")";
  h_.send(
      alice_,
      H::frame("prompt.submit", "s1", "alice",
               R"({"content":"try it","target_agent":"agent","contributors":[],"context_keys":[]})",
               on_fork));
  EXPECT_EQ(h_.types(agent_), std::vector<std::string>{"prompt.submit"});
  EXPECT_TRUE(h_.take(bob_).empty()) << "bob is not on the fork";
  h_.send(agent_, H::frame("thinking.start", "s1", "agent",
                           R"({"agent":"agent","prompt_ref":"p","visible_to":"all"})", on_fork));
  h_.send(agent_, H::frame("thinking.chunk", "s1", "agent", R"({"text":"fork idea"})"));
  h_.send(agent_, H::frame("thinking.end", "s1", "agent", R"({"summary":"s"})"));
  EXPECT_TRUE(h_.take(bob_).empty()) << "the whole stream follows its start's fork";
  EXPECT_EQ(h_.types(alice_), (std::vector<std::string>{"prompt.submit", "thinking.start",
                                                        "thinking.chunk", "thinking.end"}));
  // A late joiner on the main line does not get the fork's prompt in its replay.
  auto late = late_joiner_types("carl", R"(["navigator"])");
  EXPECT_FALSE(contains(late, "prompt.submit"));
  h_.clear_all();
  // An unknown fork is refused; "main" is the main line.
  h_.send(alice_,
          H::frame("prompt.submit", "s1", "alice",
                   R"({"content":"x","target_agent":"agent","contributors":[],"context_keys":[]})",
                   R"(,"fork":"fork-nope")"));
  EXPECT_EQ(h_.take(alice_).back().str("code"), "INVALID_STATE");
  h_.send(alice_,
          H::frame("prompt.submit", "s1", "alice",
                   R"({"content":"x","target_agent":"agent","contributors":[],"context_keys":[]})",
                   R"(,"fork":"main")"));
  EXPECT_EQ(h_.types(bob_), std::vector<std::string>{"prompt.submit"});
}

TEST_F(RouterVisibilityTest, ForksCanBeDisabled) {
  h_.send(alice_, H::frame("session.config_update", "s1", "alice",
                           R"({"changes":{"allow_forks":false},"reason":"r"})"));
  EXPECT_EQ(h_.take(alice_)[0].str("code"), "UNAUTHORIZED") << "alice is not admin";
}

TEST_F(RouterVisibilityTest, MergeListsConflictsChangedOnBothSides) {
  const std::string fork_id = fork_with_conflict("0", "main", "fork");
  h_.clear_all();
  auto got = propose_merge(fork_id, "manual");
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].payload()["conflicts"].IsArray());
  ASSERT_EQ(got[0].payload()["conflicts"].Size(), 1u);
  EXPECT_STREQ(got[0].payload()["conflicts"][0].GetString(), "k");
  std::string merge_id = got[0].doc["id"].GetString();
  h_.send(alice_,
          H::frame("merge.execute", "s1", "alice", R"({"merge_proposal":")" + merge_id + R"("})"));
  EXPECT_EQ(h_.take(alice_)[0].str("message"),
            "a manual merge with conflicts needs payload.resolved_conflicts");
  h_.clear_all();
  h_.send(
      alice_,
      H::frame("merge.execute", "s1", "alice",
               R"({"merge_proposal":")" + merge_id +
                   R"(","resolved_conflicts":[{"conflict_id":"k","resolution":"use_source"}]})"));
  auto merged = h_.take(bob_);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].type(), "merge.execute");
  EXPECT_EQ(merged[1].type(), "context.update");
  EXPECT_EQ(merged[1].sender(), "system");
  EXPECT_EQ(merged[1].str("new_content"), "fork") << "use_source takes the fork's text";
}

// Each strategy's result for one conflicting key and one key only the fork added.
class RouterMergeTest
    : public RouterVisibilityTest,
      public ::testing::WithParamInterface<std::tuple<std::string, std::string, std::string>> {};

TEST_P(RouterMergeTest, StrategyDecidesTheTargetsContent) {
  const auto &[strategy, resolution, expected] = GetParam();
  const std::string fork_id = fork_with_conflict(R"(a\nb)", R"(a\nmain)", R"(a\nfork)");
  h_.send(agent_, H::frame("context.add", "s1", "agent",
                           R"({"key":"notes","content_type":"text","content":"new"})",
                           R"(,"fork":")" + fork_id + R"(")"));
  std::string merge_id = propose_merge(fork_id, strategy).back().doc["id"].GetString();
  h_.clear_all();
  std::string extra;
  if (!resolution.empty()) {
    extra = R"(,"resolved_conflicts":[{"conflict_id":"k","resolution":")" + resolution + "\"" +
            (resolution == "custom" ? R"(,"custom_value":"hand merged")" : "") + "}]";
  }
  h_.send(alice_, H::frame("merge.execute", "s1", "alice",
                           R"({"merge_proposal":")" + merge_id + "\"" + extra + "}"));
  std::map<std::string, std::string> result;
  for (auto &f : h_.take(bob_)) {
    if (f.type() == "context.update") {
      result[f.str("key")] = f.str("new_content");
    } else if (f.type() == "context.add") {
      result[f.str("key")] = f.str("content");
    }
  }
  EXPECT_EQ(result["notes"], "new") << "a key only the fork touched always comes over";
  if (expected.empty()) {
    EXPECT_EQ(result.count("k"), 0u) << "use_target leaves the target as it is";
  } else {
    EXPECT_EQ(result["k"], expected);
  }
  // The merged result is part of history: a late joiner on the main line gets it.
  auto late = h_.connect();
  h_.send(late, H::join("s1", "late", "human", R"(["navigator"])"));
  bool saw_notes = false;
  for (auto &f : h_.take(late)) {
    saw_notes = saw_notes || (f.type() == "context.add" && f.str("key") == "notes");
  }
  EXPECT_TRUE(saw_notes);
}

INSTANTIATE_TEST_SUITE_P(Strategies, RouterMergeTest,
                         ::testing::Values(std::make_tuple("replace", "", "a\nfork"),
                                           std::make_tuple("append", "", "a\nmain\na\nfork"),
                                           std::make_tuple("interleave", "", "a\nmain\nfork"),
                                           std::make_tuple("manual", "use_source", "a\nfork"),
                                           std::make_tuple("manual", "use_target", ""),
                                           std::make_tuple("manual", "custom", "hand merged")));

TEST_F(RouterVisibilityTest, ManualMergeMustResolveEveryConflict) {
  const std::string fork_id = fork_with_conflict("0", "main", "fork");
  std::string merge_id = propose_merge(fork_id, "manual").back().doc["id"].GetString();
  h_.send(
      alice_,
      H::frame(
          "merge.execute", "s1", "alice",
          R"({"merge_proposal":")" + merge_id +
              R"(","resolved_conflicts":[{"conflict_id":"other","resolution":"use_source"}]})"));
  auto got = h_.take(alice_);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().str("code"), "INVALID_STATE");
  EXPECT_EQ(got.back().str("message"), "conflict 'k' has no entry in payload.resolved_conflicts");
}

}  // namespace
}  // namespace pvpd::testing
