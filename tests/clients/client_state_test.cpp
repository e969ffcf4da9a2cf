// Unit tests of libpvpclient's state model (ClientState): no terminal, no network.
#include <gtest/gtest.h>

#include <string>

#include "pvpclient/client_state.h"

namespace pvpd::client {
namespace {

// A server-stamped frame.
std::string frame(const std::string &type, const std::string &sender, const std::string &payload,
                  uint64_t seq = 0, const std::string &id = "") {
  std::string f = R"({"v":1,"type":")" + type + R"(","session":"s","sender":")" + sender + R"(")";
  if (!id.empty()) {
    f += R"(,"id":")" + id + R"(")";
  }
  if (seq != 0) {
    f += R"(,"seq":)" + std::to_string(seq);
  }
  return f + R"(,"payload":)" + payload + "}";
}

std::string announce(const std::string &id, const std::string &name, const std::string &type,
                     const std::string &role) {
  return frame("participant.announce", id,
               R"({"id":")" + id + R"(","name":")" + name + R"(","type":")" + type +
                   R"(","roles":[")" + role + R"("],"transport":"websocket"})");
}

class ClientStateTest : public ::testing::Test {
 protected:
  ClientState st{"bob"};
  void SetUp() override {
    st.apply(announce("alice", "Alice", "human", "driver"));
    st.apply(announce("bob", "Bob", "human", "approver"));
    st.apply(announce("claude", "Claude", "agent", "driver"));
  }
  const Entry &last() const { return st.entries().back(); }
};

TEST_F(ClientStateTest, PromptShowsSenderAndTargetByName) {
  st.apply(frame(
      "prompt.submit", "alice",
      R"({"content":"Build a login form","target_agent":"claude","contributors":["alice"],"context_keys":[]})",
      5));
  EXPECT_EQ(last().kind, EntryKind::kPrompt);
  EXPECT_EQ(plain_text(last()), "[Alice \xe2\x86\x92 Claude]: Build a login form");
  EXPECT_EQ(st.last_seq(), 5u);
}

TEST_F(ClientStateTest, StreamingChunksAccumulateInPlacePerAgent) {
  const size_t before = st.entries().size();
  st.apply(frame("thinking.start", "claude",
                 R"({"agent":"claude","prompt_ref":"p1","visible_to":"all"})", 6));
  st.apply(frame("thinking.chunk", "claude", R"({"text":"Consider"})", 7));
  st.apply(frame("thinking.chunk", "claude", R"({"text":"ing OAuth"})", 8));
  ASSERT_NE(st.current_thinking(), nullptr);
  EXPECT_TRUE(st.current_thinking()->streaming);
  st.apply(frame("thinking.end", "claude", R"({"summary":"s"})", 9));
  st.apply(frame("response.start", "claude", R"({"agent":"claude","prompt_ref":"p1"})", 10));
  st.apply(frame("response.chunk", "claude", R"({"text":"I'll "})", 11));
  // Another agent's stream interleaves without mixing.
  st.apply(announce("gpt", "GPT", "agent", "driver"));
  st.apply(frame("response.chunk", "gpt", R"({"text":"other"})", 12));
  st.apply(frame("response.chunk", "claude", R"({"text":"create it."})", 13));
  st.apply(frame("response.end", "claude", R"({"finish_reason":"complete"})", 14));
  // thinking + claude response + gpt joined + gpt response
  ASSERT_EQ(st.entries().size(), before + 4);
  const Entry &thinking = st.entries()[before];
  EXPECT_EQ(thinking.kind, EntryKind::kThinking);
  EXPECT_EQ(thinking.text, "Considering OAuth");
  EXPECT_FALSE(thinking.streaming);
  const Entry &resp = st.entries()[before + 1];
  EXPECT_EQ(resp.kind, EntryKind::kResponse);
  EXPECT_EQ(resp.text, "I'll create it.");
  EXPECT_FALSE(resp.streaming);
  EXPECT_EQ(st.entries()[before + 3].text, "other");
  EXPECT_TRUE(st.entries()[before + 3].streaming);
}

TEST_F(ClientStateTest, ChunkWithoutStartStillShows) {
  st.apply(frame("response.chunk", "claude", R"({"text":"late joiner"})"));
  EXPECT_EQ(last().kind, EntryKind::kResponse);
  EXPECT_EQ(last().text, "late joiner");
}

TEST_F(ClientStateTest, GateLifecycleAndVoting) {
  st.apply(frame(
      "gate.request", "system",
      R"({"action_type":"tool","action_ref":"prop1","quorum":{"type":"any","count":2},"timeout_seconds":300,"message":"claude wants to execute file_write","digest":"abc"})",
      20, "req1"));
  st.apply(frame(
      "tool.propose", "claude",
      R"({"tool_name":"file_write","arguments":{"path":"auth.ts"},"agent":"claude","risk_level":"high","description":"write","requires_approval":true,"category":"file_write"})",
      21, "prop1"));
  ASSERT_EQ(st.open_gates().size(), 1u);
  const Gate *g = st.gate("prop1");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->tool_name, "file_write");
  EXPECT_EQ(g->digest, "abc");
  EXPECT_EQ(g->request_id, "req1");
  EXPECT_EQ(st.next_gate_to_vote(), g);
  const size_t entries = st.entries().size();
  // The join re-sends open gates: no second entry.
  st.apply(frame(
      "gate.request", "system",
      R"({"action_type":"tool","action_ref":"prop1","quorum":{"type":"any","count":2},"timeout_seconds":300,"message":"m"})"));
  EXPECT_EQ(st.entries().size(), entries);
  // Our approval: still open (count 2) but nothing left for us to vote on.
  st.apply(frame("gate.approve", "bob", R"({"gate":"prop1","approver":"bob"})", 22));
  EXPECT_EQ(st.open_gates().size(), 1u);
  EXPECT_EQ(st.next_gate_to_vote(), nullptr);
  EXPECT_NE(plain_text(st.entries()[g->entry]).find("approved by bob"), std::string::npos);
  st.apply(frame("tool.execute", "system",
                 R"({"tool_proposal":"prop1","approved_by":["bob","alice"]})", 23));
  EXPECT_TRUE(st.open_gates().empty());
  EXPECT_EQ(st.gate("prop1")->status, GateStatus::kExecuted);
  EXPECT_NE(plain_text(last()).find("file_write (approved by bob, alice)"), std::string::npos);
}

TEST_F(ClientStateTest, GateRejectTimeoutAndAlias) {
  st.apply(frame("gate.request", "system", R"({"action_ref":"p1","message":"m"})", 1, "r1"));
  st.apply(frame("gate.request", "system", R"({"action_ref":"p2","message":"m"})", 2, "r2"));
  st.apply(frame("gate.request", "system", R"({"action_ref":"p3","message":"m"})", 3, "r3"));
  st.apply(frame("gate.reject", "alice", R"({"gate":"p1","rejector":"alice","reason":"no"})", 4));
  EXPECT_EQ(st.gate("p1")->status, GateStatus::kRejected);
  st.apply(frame(
      "gate.timeout", "system",
      R"({"gate":"p2","approvals_received":0,"approvals_required":1,"resolution":"escalated"})",
      5));
  EXPECT_EQ(st.gate("p2")->status, GateStatus::kOpen);  // escalated gates stay open
  st.apply(frame(
      "gate.timeout", "system",
      R"({"gate":"p2","approvals_received":0,"approvals_required":1,"resolution":"rejected"})", 6));
  EXPECT_EQ(st.gate("p2")->status, GateStatus::kTimedOut);
  // A vote naming the gate.request id counts for its gate.
  st.apply(frame("gate.approve", "alice", R"({"gate":"r3","approver":"alice"})", 7));
  ASSERT_EQ(st.gate("p3")->approvals.size(), 1u);
  EXPECT_EQ(st.gate("p3")->approvals[0], "alice");
}

TEST_F(ClientStateTest, LateJoinerSeesOpenGateResentWithItsOldSeq) {
  // Replay: the proposal (seq 21), then our own join (seq 30); then the server re-sends the
  // open gate's request, which still carries seq 20.
  st.apply(frame(
      "tool.propose", "claude",
      R"({"tool_name":"file_write","arguments":{},"agent":"claude","risk_level":"high","description":"","requires_approval":true,"category":"file_write"})",
      21, "prop1"));
  st.apply(frame(
      "session.join", "bob",
      R"({"participant":{"id":"bob","name":"Bob","type":"human","roles":["approver"],"transport":"websocket"},"supported_versions":[1]})",
      30));
  st.apply(frame("gate.request", "system", R"({"action_ref":"prop1","message":"m"})", 20, "req1"));
  ASSERT_EQ(st.open_gates().size(), 1u);
  EXPECT_EQ(st.open_gates()[0]->tool_name, "file_write");
  EXPECT_EQ(st.next_gate_to_vote(), st.gate("prop1"));
  EXPECT_EQ(st.last_seq(), 30u);
}

TEST_F(ClientStateTest, OwnProposalIsNotOffered) {
  ClientState agent("claude");
  agent.apply(frame("gate.request", "system", R"({"action_ref":"p1","message":"m"})", 1));
  agent.apply(frame(
      "tool.propose", "claude",
      R"({"tool_name":"t","arguments":{},"agent":"claude","risk_level":"low","description":"","requires_approval":true,"category":"file_read"})",
      2, "p1"));
  EXPECT_EQ(agent.open_gates().size(), 1u);
  EXPECT_EQ(agent.next_gate_to_vote(), nullptr);
}

TEST_F(ClientStateTest, PresenceAndMembership) {
  ASSERT_EQ(st.participants().size(), 3u);
  EXPECT_EQ(st.participants()[0]->id, "alice");
  EXPECT_EQ(st.agents(), std::vector<std::string>{"claude"});
  st.apply(frame("presence.update", "system",
                 R"({"participant":"alice","status":"idle","last_active":"x"})"));
  EXPECT_EQ(st.participant("alice")->presence, "idle");
  st.apply(frame("session.leave", "alice", R"({"reason":"Client disconnected"})"));
  EXPECT_EQ(st.participant("alice")->presence, "disconnected");
  st.apply(announce("alice", "Alice", "human", "driver"));
  EXPECT_EQ(st.participant("alice")->presence, "active");
  EXPECT_NE(plain_text(last()).find("Alice reconnected"), std::string::npos);
  st.apply(frame("session.leave", "alice", R"({"reason":"done"})", 40));
  EXPECT_EQ(st.participant("alice"), nullptr);
  // A resumed join replays joins instead of announces.
  st.apply(frame(
      "session.join", "dave",
      R"({"participant":{"id":"dave","name":"Dave","type":"human","roles":["navigator"],"transport":"websocket"},"supported_versions":[1]})",
      41));
  ASSERT_NE(st.participant("dave"), nullptr);
  EXPECT_EQ(st.participant("dave")->roles, std::vector<std::string>{"navigator"});
  st.apply(frame(
      "participant.role_change", "alice",
      R"({"participant":"dave","old_roles":["navigator"],"new_roles":["approver"],"changed_by":"alice"})",
      42));
  EXPECT_EQ(st.participant("dave")->roles, std::vector<std::string>{"approver"});
}

TEST_F(ClientStateTest, ResumeCursorDropsDuplicatesButKeepsUnrecordedFrames) {
  st.apply(frame("prompt.submit", "alice",
                 R"({"content":"one","target_agent":"claude","contributors":[],"context_keys":[]})",
                 10));
  const size_t n = st.entries().size();
  st.apply(frame("prompt.submit", "alice",
                 R"({"content":"one","target_agent":"claude","contributors":[],"context_keys":[]})",
                 10));
  st.apply(frame(
      "prompt.submit", "alice",
      R"({"content":"older","target_agent":"claude","contributors":[],"context_keys":[]})", 3));
  EXPECT_EQ(st.entries().size(), n);
  EXPECT_EQ(st.last_seq(), 10u);
  st.apply(
      frame("error", "system", R"({"code":"INVALID_STATE","message":"nope","recoverable":true})"));
  EXPECT_EQ(st.entries().size(), n + 1);
  EXPECT_EQ(last().kind, EntryKind::kError);
  st.apply(frame("prompt.submit", "alice",
                 R"({"content":"two","target_agent":"claude","contributors":[],"context_keys":[]})",
                 11));
  EXPECT_EQ(st.last_seq(), 11u);
  EXPECT_EQ(last().text, "two");
}

TEST_F(ClientStateTest, UntrustedFramesNeverCrash) {
  const size_t n = st.entries().size();
  for (const char *bad :
       {"", "{", "null", "[1,2]", "\"x\"", "{\"type\":5}", "{\"payload\":{}}",
        "{\"type\":\"prompt.submit\",\"payload\":[]}",
        "{\"type\":\"gate.approve\",\"payload\":{\"gate\":7}}",
        "{\"type\":\"thinking.chunk\",\"payload\":{\"text\":{\"a\":1}}}",
        "{\"type\":\"participant.announce\",\"payload\":{\"id\":[]}}",
        "{\"type\":\"tool.execute\",\"seq\":-1,\"payload\":{\"approved_by\":7}}", "\xff\xfe"}) {
    st.apply(bad);
  }
  EXPECT_GE(st.malformed_count(), 8u);
  EXPECT_GT(st.entries().size(), n);
  st.apply(frame("made.up", "alice", R"({"x":1})"));
  EXPECT_EQ(st.unknown_count(), 1u);
  EXPECT_EQ(last().kind, EntryKind::kUnknown);
}

TEST_F(ClientStateTest, InterruptRaisedAndAcknowledged) {
  st.apply(frame("interrupt.raise", "alice",
                 R"({"urgency":"stop","message":"wrong file","target":"claude"})", 30, "int1"));
  ASSERT_NE(st.last_interrupt(), nullptr);
  EXPECT_FALSE(st.last_interrupt()->acknowledged);
  EXPECT_EQ(last().kind, EntryKind::kInterrupt);
  st.apply(frame("interrupt.acknowledge", "claude",
                 R"({"interrupt":"int1","by":"claude","action_taken":"stopped"})", 31));
  EXPECT_TRUE(st.last_interrupt()->acknowledged);
  EXPECT_EQ(st.last_interrupt()->ack_action, "stopped");
}

TEST_F(ClientStateTest, DraftsFromOthersAreLiveUntilSubmit) {
  st.apply(frame("prompt.draft", "alice",
                 R"({"content":"Build a","contributors":["alice"],"target_agent":"claude"})"));
  ASSERT_EQ(st.drafts().count("alice"), 1u);
  EXPECT_EQ(st.drafts().at("alice").content, "Build a");
  EXPECT_EQ(st.drafts().at("alice").target, "claude");
  st.apply(frame(
      "prompt.submit", "alice",
      R"({"content":"Build a form","target_agent":"claude","contributors":[],"context_keys":[]})",
      50));
  EXPECT_EQ(st.drafts().count("alice"), 0u);
}

TEST_F(ClientStateTest, ShutdownNoticeDoesNotEndTheSession) {
  st.apply(
      frame("session.end", "system", R"({"reason":"Server shutdown","final_state":"aborted"})"));
  EXPECT_FALSE(st.ended());
  st.apply(frame("session.end", "alice", R"({"reason":"done","final_state":"completed"})", 60));
  EXPECT_TRUE(st.ended());
}

TEST_F(ClientStateTest, ContextTranscriptsAndWorkingDirectory) {
  st.apply(frame("context.add", "system",
                 R"({"key":"session:working_directory","content_type":"text","content":"/w/s"})"));
  EXPECT_EQ(st.working_directory(), "/w/s");
  st.apply(frame(
      "context.add", "t140-1",
      R"({"key":"t1","content_type":"audio_transcript","content":"hello team","source":"Meeting"})",
      70));
  EXPECT_EQ(last().kind, EntryKind::kTranscript);
  EXPECT_NE(plain_text(last()).find("Meeting: hello team"), std::string::npos);
  st.apply(frame("secret.share", "alice",
                 R"({"key":"k","scope":["bob"],"value_ref":"SUPERSECRET"})", 71));
  EXPECT_EQ(plain_text(last()).find("SUPERSECRET"), std::string::npos);
}

TEST_F(ClientStateTest, ToolOutputAndResult) {
  st.apply(frame(
      "tool.propose", "claude",
      R"({"tool_name":"shell","arguments":{"cmd":"ls"},"agent":"claude","risk_level":"low","description":"","requires_approval":false,"category":"shell_execute"})",
      80, "p9"));
  st.apply(frame("tool.output", "claude",
                 R"({"tool_proposal":"p9","stream":"stdout","text":"a\n","complete":false})"));
  st.apply(frame("tool.output", "claude",
                 R"({"tool_proposal":"p9","stream":"stdout","text":"b\n","complete":true})"));
  EXPECT_EQ(last().kind, EntryKind::kToolOutput);
  EXPECT_EQ(last().text, "a\nb\n");
  st.apply(frame("tool.result", "claude",
                 R"({"tool_proposal":"p9","success":true,"duration_ms":3,"result":"done"})", 81));
  EXPECT_EQ(plain_text(last()), "\xe2\x9c\x93 shell succeeded: done");
}

TEST(SanitizeTest, ControlCharactersAndInvalidUtf8) {
  EXPECT_EQ(sanitize("a\x1b[2Jb\tc\nd"), "a?[2Jb\tc\nd");
  EXPECT_EQ(sanitize("\xe4\xbd\xa0\xe5\xa5\xbd"), "\xe4\xbd\xa0\xe5\xa5\xbd");  // 你好
  EXPECT_EQ(sanitize("x\xc3"), "x\xef\xbf\xbd");
  EXPECT_EQ(sanitize("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  EXPECT_EQ(sanitize("\xc2\x9b"), "\xef\xbf\xbd\xef\xbf\xbd");                  // C1 CSI
}

TEST(ClientStateScaleTest, HundredThousandMessagesAndSearch) {
  ClientState st("me");
  for (int i = 1; i <= 100000; ++i) {
    st.apply(frame("prompt.submit", "alice",
                   R"({"content":"message )" + std::to_string(i) +
                       R"(","target_agent":"a","contributors":[],"context_keys":[]})",
                   static_cast<uint64_t>(i)));
  }
  ASSERT_EQ(st.entries().size(), 100000u);
  EXPECT_EQ(st.last_seq(), 100000u);
  auto hit = st.find_backward("MESSAGE 500", st.entries().size());
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(st.entries()[*hit].text, "message 50099");
  auto first = st.find_backward("message 1", 1);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, 0u);
  EXPECT_FALSE(st.find_backward("absent", st.entries().size()).has_value());
}

}  // namespace
}  // namespace pvpd::client
