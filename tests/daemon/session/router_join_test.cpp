// Session creation and the join reply sequence (pvp-anchor.md §2.2-2.3, §14 items 4-11).
#include "router_test_util.h"

namespace pvpd::testing {
namespace {

using H = ProtocolHarness;

TEST(RouterJoinTest, JoinReplySequenceMatchesTheReference) {
  H h;
  auto alice = h.connect();
  h.send(alice, H::create("s1", "alice"));
  h.send(alice, H::join("s1", "alice", "human", R"(["driver"])", R"(["prompt"])"));
  EXPECT_EQ(h.types(alice), (std::vector<std::string>{"session.create", "session.join",
                                                      "context.add", "participant.announce"}));
  auto bob = h.connect();
  h.send(bob, H::join("s1", "bob", "human", R"(["navigator"])"));
  auto got = h.take(bob);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].type(), "participant.announce");  // existing participant, sender = alice
  EXPECT_EQ(got[0].sender(), "alice");
  EXPECT_EQ(got[1].type(), "session.join");  // history: alice's join
  EXPECT_EQ(got[1].sender(), "alice");
  EXPECT_EQ(got[2].type(), "session.join");  // history: bob's own join
  EXPECT_EQ(got[2].sender(), "bob");
  EXPECT_EQ(got[3].type(), "context.add");
  EXPECT_EQ(got[3].str("key"), "session:working_directory");
  EXPECT_EQ(got[3].sender(), "system");
  EXPECT_EQ(got[4].type(), "participant.announce");
  EXPECT_EQ(got[4].sender(), "bob");
  // Alice sees bob's join and his announce.
  EXPECT_EQ(h.types(alice), (std::vector<std::string>{"participant.announce"}));
}

TEST(RouterJoinTest, ANewWorkingDirectoryReachesThoseAlreadyJoined) {
  H h;
  auto alice = h.connect();
  h.send(alice, H::create("s1", "alice"));
  h.send(alice, H::join("s1", "alice", "human", R"(["driver"])"));
  h.clear_all();
  EXPECT_EQ(h.router().set_working_directory("s1", "relative/x").code(), PVPD_E_INVAL);
  EXPECT_EQ(h.router().set_working_directory("nope", "/srv/ws").code(), PVPD_E_NOENT);
  ASSERT_TRUE(h.router().set_working_directory("s1", "/srv/ws/s1").is_ok());
  auto got = h.take(alice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type(), "context.update");
  EXPECT_EQ(got[0].str("key"), "session:working_directory");
  EXPECT_EQ(got[0].str("new_content"), "/srv/ws/s1");
  // The same path again changes nothing and says nothing.
  ASSERT_TRUE(h.router().set_working_directory("s1", "/srv/ws/s1").is_ok());
  EXPECT_TRUE(h.take(alice).empty());
  // A later joiner gets the new directory in its join reply.
  auto bob = h.connect();
  h.send(bob, H::join("s1", "bob", "human", R"(["navigator"])"));
  bool saw = false;
  for (auto &f : h.take(bob)) {
    if (f.type() == "context.add" && f.str("key") == "session:working_directory") {
      EXPECT_EQ(f.str("content"), "/srv/ws/s1");
      saw = true;
    }
  }
  EXPECT_TRUE(saw);
}

TEST(RouterJoinTest, CreateThenJoinKeepsTheCreatorsConfig) {
  H h;
  auto a = h.connect();
  h.send(a, H::create(
                "s1", "alice",
                R"({"require_approval_for":["all"],"default_gate_quorum":{"type":"any","count":2},)"
                R"("allow_forks":false,"max_participants":3,"ordering_mode":"total",)"
                R"("on_participant_timeout":"wait","heartbeat_interval_seconds":5,)"
                R"("idle_timeout_seconds":10,"away_timeout_seconds":20})"));
  h.send(a, H::join("s1", "alice", "human", R"(["driver"])"));
  const auto *s = h.router().find_session("s1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->config.max_participants, 3u);
  EXPECT_FALSE(s->config.allow_forks);
  EXPECT_EQ(s->config.require_approval_for, std::vector<std::string>{"all"});
}

TEST(RouterJoinTest, RecreateIsIdempotentAndEchoesToTheCreatorOnly) {
  H h;
  auto a = h.connect();
  h.send(a, H::create("s1", "alice"));
  h.send(a, H::join("s1", "alice", "human", R"(["driver"])"));
  auto b = h.join_as("s1", "bob", "human", R"(["navigator"])");
  h.send(a, H::frame("prompt.draft", "s1", "alice", R"({"content":"x","contributors":[]})"));
  h.clear_all();
  h.send(
      a,
      H::create(
          "s1", "alice",
          R"({"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},"allow_forks":true,"max_participants":1,"ordering_mode":"total","on_participant_timeout":"wait","heartbeat_interval_seconds":30,"idle_timeout_seconds":120,"away_timeout_seconds":300})"));
  EXPECT_EQ(h.types(a), std::vector<std::string>{"session.create"});
  EXPECT_TRUE(h.types(b).empty()) << "other participants are not disturbed";
  const auto *s = h.router().find_session("s1");
  EXPECT_EQ(s->participants.size(), 2u);
  EXPECT_EQ(s->config.max_participants, 10u) << "re-create must not reconfigure";
  EXPECT_EQ(s->history.size(), 4u) << "re-create must not wipe history (create, 2 joins, draft)";
}

TEST(RouterJoinTest, JoinAutoCreatesWithReferenceDefaults) {
  H h;
  auto d = h.connect();
  h.send(d, H::join("auto", "dave", "human", R"(["driver"])"));
  const auto *s = h.router().find_session("auto");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "Auto-created session");
  EXPECT_EQ(s->config.on_participant_timeout, "wait");
  EXPECT_EQ(s->config.idle_timeout_seconds, 300u);
  EXPECT_EQ(s->config.away_timeout_seconds, 600u);
  EXPECT_EQ(s->config.heartbeat_interval_seconds, 30u);
  EXPECT_EQ(s->config.max_participants, 10u);
}

TEST(RouterJoinTest, MaxParticipantsIsEnforcedButRejoinIsNot) {
  H h;
  auto a = h.connect();
  h.send(
      a,
      H::create(
          "s1", "a",
          R"({"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},"allow_forks":true,"max_participants":1,"ordering_mode":"total","on_participant_timeout":"wait","heartbeat_interval_seconds":30,"idle_timeout_seconds":120,"away_timeout_seconds":300})"));
  h.send(a, H::join("s1", "a", "human", R"(["driver"])"));
  auto b = h.connect();
  h.send(b, H::join("s1", "b", "human", R"(["driver"])"));
  auto got = h.take(b);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].str("code"), "INVALID_STATE");
  EXPECT_NE(got[0].str("message").find("max_participants 1"), std::string::npos);
  auto a2 = h.connect();
  h.send(a2, H::join("s1", "a", "human", R"(["driver"])"));
  EXPECT_FALSE(h.types(a2).empty());
  EXPECT_EQ(h.router().find_session("s1")->participants.size(), 1u);
}

TEST(RouterJoinTest, UnsupportedVersionIsRefused) {
  H h;
  auto a = h.connect();
  h.send(
      a,
      H::frame(
          "session.join", "s1", "a",
          R"({"participant":{"id":"a","name":"A","type":"human","roles":["driver"],"transport":"websocket"},"supported_versions":[2]})"));
  auto got = h.take(a);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type(), "error");
  EXPECT_EQ(got[0].str("message"), "payload.supported_versions does not include 1");
  EXPECT_EQ(h.router().find_session("s1"), nullptr) << "a refused join creates nothing";
}

TEST(RouterJoinTest, ResumeFromCursorReplaysOnlyWhatWasMissed) {
  H h;
  auto a = h.connect();
  h.send(a, H::create("s1", "a"));
  h.send(a, H::join("s1", "a", "human", R"(["driver"])"));
  auto b = h.join_as("s1", "b", "human", R"(["driver"])");
  uint64_t cursor = h.router().last_seq("s1");
  h.close(b);
  h.send(a, H::frame("prompt.draft", "s1", "a", R"({"content":"one","contributors":[]})"));
  h.send(a, H::frame("prompt.draft", "s1", "a", R"({"content":"two","contributors":[]})"));
  auto b2 = h.connect();
  std::string j = H::join("s1", "b", "human", R"(["driver"])");
  const std::string transport = R"("transport":"websocket")";
  j.replace(j.find(transport), transport.size(),
            transport + R"(,"metadata":{"resume_from":)" + std::to_string(cursor) + "}");
  h.send(b2, j);
  std::vector<std::string> replayed;
  for (auto &f : h.take(b2)) {
    if (f.doc.HasMember("seq") && f.doc["seq"].GetUint64() <= cursor) {
      ADD_FAILURE() << "replayed a frame the client already had: " << f.json;
    }
    if (f.type() == "prompt.draft") {
      replayed.push_back(f.str("content"));
    }
  }
  EXPECT_EQ(replayed, (std::vector<std::string>{"one", "two"}));
}

// History is bounded by max_history: the oldest frames leave it (each eviction O(1), so a long
// session stays as cheap per message as a young one), and a joiner's replay holds exactly the
// newest max_history recorded frames, in order.
TEST(RouterJoinTest, HistoryKeepsTheNewestMaxHistoryFrames) {
  session::RouterOptions opts;
  opts.max_history = 5;
  H h(opts);
  auto a = h.connect();
  h.send(a, H::create("s1", "a"));
  h.send(a, H::join("s1", "a", "human", R"(["driver"])"));
  for (int i = 1; i <= 40; ++i) {
    h.send(a, H::frame("prompt.draft", "s1", "a",
                       R"({"content":"d)" + std::to_string(i) + R"(","contributors":[]})"));
  }
  auto b = h.connect();
  h.send(b, H::join("s1", "b", "human", R"(["driver"])"));
  std::vector<std::string> replayed;
  size_t history_frames = 0;
  for (auto &f : h.take(b)) {
    if (f.doc.HasMember("seq") && f.doc["seq"].GetUint64() < h.router().last_seq("s1")) {
      ++history_frames;
    }
    if (f.type() == "prompt.draft") {
      replayed.push_back(f.str("content"));
    }
  }
  // b's own announce is recorded before the replay, so it is the fifth of the five kept.
  EXPECT_EQ(replayed, (std::vector<std::string>{"d37", "d38", "d39", "d40"}));
  EXPECT_LE(history_frames, 5u);
}

}  // namespace
}  // namespace pvpd::testing
