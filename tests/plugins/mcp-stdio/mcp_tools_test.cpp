// Unit tests of the pvp_* tools of McpSession: the PVP frames they send, how delivered frames
// answer them (join replies, echoes, gate decisions), long-poll reads, cancellation, pushes.
#include <gtest/gtest.h>

#include <string>

#include "mcp_test_util.h"

namespace pvpd::mcp::testing {
namespace {

std::string call(const std::string &id, const std::string &tool, const std::string &args) {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":{"name":")" + tool +
         R"(","arguments":)" + args + "}}";
}

std::string frame(const std::string &type, const std::string &sender, const std::string &payload,
                  const std::string &id = "m1") {
  return R"({"v":1,"type":")" + type + R"(","id":")" + id + R"(","session":"s1","sender":")" +
         sender + R"(","payload":)" + payload + "}";
}

TEST(McpTools, JoinSendsAPvpJoinAndAnswersOnTheOwnAnnounce) {
  SessionHarness h;
  h.initialize();
  EXPECT_TRUE(
      h.send(call("1", "pvp_join",
                  R"({"session":"s1","name":"Claude","participant_id":"claude","token":"sekrit"})"))
          .empty());
  auto join = h.last_pvp();
  EXPECT_EQ(str(join, "type"), "session.join");
  EXPECT_EQ(str(join, "session"), "s1");
  EXPECT_EQ(str(join, "sender"), "claude");
  const auto &part = join["payload"]["participant"];
  EXPECT_EQ(str(part, "transport"), "mcp");
  EXPECT_EQ(str(part, "type"), "agent");
  EXPECT_EQ(str(join["payload"], "token"), "sekrit");
  EXPECT_EQ(join["payload"]["supported_versions"][0].GetInt(), 1);
  // Someone else's announce (replayed) does not answer; our own does.
  EXPECT_TRUE(h.send("").empty());
  h.pvp(SessionHarness::announce("s1", "alice", "human"), true);
  EXPECT_EQ(h.sink.client.size(), 1u);  // only the initialize result so far
  h.pvp(SessionHarness::announce("s1", "claude", "agent"));
  auto r = parse(h.sink.client.back());
  EXPECT_EQ(r["id"].GetInt(), 1);
  EXPECT_NE(result_text(r).find("Joined session s1 as claude"), std::string::npos);
  EXPECT_TRUE(h.session->joined());
}

TEST(McpTools, ARefusedJoinIsAnErrorResultAndLeavesTheAgentUnjoined) {
  SessionHarness h;
  h.initialize();
  h.send(call("1", "pvp_join", R"({"session":"s1","participant_id":"claude"})"));
  std::string join_id = str(h.last_pvp(), "id");
  h.pvp(
      R"({"v":1,"type":"error","id":"e1","session":"s1","sender":"system","payload":{"code":"UNAUTHORIZED","message":"invalid token","recoverable":true,"related_to":")" +
      join_id + R"("}})");
  auto r = parse(h.sink.client.back());
  EXPECT_TRUE(is_error_result(r));
  EXPECT_NE(result_text(r).find("invalid token"), std::string::npos);
  EXPECT_FALSE(h.session->joined());
  auto status = h.reply(call("2", "pvp_respond", R"({"text":"hi"})"));
  EXPECT_TRUE(is_error_result(status));
  EXPECT_NE(result_text(status).find("invalid token"), std::string::npos);
}

TEST(McpTools, JoinTimesOutWithoutAnAnswer) {
  SessionHarness h;
  h.initialize();
  h.send(call("1", "pvp_join", R"({"session":"s1"})"));
  EXPECT_EQ(h.session->pending_calls(), 1u);
  h.session->tick(h.now + h.settings.join_timeout_ms);
  EXPECT_TRUE(is_error_result(parse(h.sink.client.back())));
  EXPECT_EQ(h.session->pending_calls(), 0u);
}

TEST(McpTools, ToolsThatNeedASessionSayHowToJoin) {
  SessionHarness h;
  h.initialize();
  auto r = h.reply(call("1", "pvp_respond", R"({"text":"hello"})"));
  EXPECT_TRUE(is_error_result(r));
  EXPECT_NE(result_text(r).find("pvp_join"), std::string::npos);
  auto p = h.reply(call("2", "pvp_permission", R"({"tool_name":"Bash","input":{"command":"ls"}})"));
  auto verdict = parse(result_text(p));
  EXPECT_EQ(str(verdict, "behavior"), "deny");
  EXPECT_TRUE(h.sink.pvp.empty());
}

TEST(McpTools, BridgeHelloJoinsWithoutAToolCall) {
  SessionHarness h;
  EXPECT_TRUE(
      h.send(
           R"({"pvp_mcp_bridge":1,"session":"s9","name":"Claude","participant_id":"cc","token":"t0k"})")
          .empty());
  auto join = h.last_pvp();
  EXPECT_EQ(str(join, "type"), "session.join");
  EXPECT_EQ(str(join, "session"), "s9");
  EXPECT_EQ(str(join["payload"], "token"), "t0k");
  h.pvp(SessionHarness::announce("s9", "cc", "agent"));
  EXPECT_TRUE(h.sink.client.empty());  // nobody asked, nobody is answered
  EXPECT_TRUE(h.session->joined());
  // A hello that is not the first line is just an invalid request.
  auto r = h.reply(R"({"pvp_mcp_bridge":1,"session":"x"})");
  EXPECT_EQ(error_code(r), rpc_code::kInvalidRequest);
}

TEST(McpTools, PermissionProposesAGatedToolUseAndAllowsOnExecute) {
  SessionHarness h;
  h.initialize();
  h.join();
  EXPECT_TRUE(
      h
          .send(call(
              "7", "pvp_permission",
              R"({"tool_name":"Bash","input":{"command":"rm -rf build"},"tool_use_id":"toolu_1"})"))
          .empty());
  auto propose = h.last_pvp();
  EXPECT_EQ(str(propose, "type"), "tool.propose");
  const auto &p = propose["payload"];
  EXPECT_EQ(str(p, "tool_name"), "Bash");
  EXPECT_EQ(str(p["arguments"], "command"), "rm -rf build");
  EXPECT_TRUE(p["requires_approval"].GetBool());
  // Classified by the agents' tool runtime: a recursive delete, whatever the tool's name.
  EXPECT_EQ(str(p, "category"), "file_delete");
  EXPECT_EQ(str(p, "risk_level"), "high");
  EXPECT_EQ(str(p, "agent"), "claude");
  std::string gate = str(propose, "id");
  h.pvp(frame(
      "gate.request", "system",
      R"({"action_type":"tool","action_ref":")" + gate +
          R"(","quorum":{"type":"any","count":2},"timeout_seconds":300,"message":"claude wants to execute Bash"})",
      "g1"));
  h.pvp(frame("tool.propose", "claude", "{}", gate));
  h.pvp(frame("gate.approve", "alice",
              R"({"gate":")" + gate + R"(","approver":"alice","comment":"fine"})", "v1"));
  EXPECT_EQ(h.session->pending_calls(), 1u);
  h.pvp(frame("gate.approve", "bob", R"({"gate":")" + gate + R"(","approver":"bob"})", "v2"));
  h.pvp(frame("tool.execute", "system",
              R"({"tool_proposal":")" + gate + R"(","approved_by":["alice","bob"]})", "x1"));
  auto r = parse(h.sink.client.back());
  EXPECT_EQ(r["id"].GetInt(), 7);
  auto verdict = parse(result_text(r));
  EXPECT_EQ(str(verdict, "behavior"), "allow");
  EXPECT_EQ(str(verdict["updatedInput"], "command"), "rm -rf build");
  EXPECT_EQ(r["result"]["structuredContent"]["approvals"].Size(), 2u);
  EXPECT_EQ(std::string(r["result"]["structuredContent"]["approvals"][0].GetString()),
            "alice: fine");
  EXPECT_EQ(h.session->pending_calls(), 0u);
}

TEST(McpTools, PermissionDeniesWithTheReviewersReason) {
  SessionHarness h;
  h.initialize();
  h.join();
  h.send(call("8", "pvp_permission", R"({"tool_name":"Write","input":{"path":"/etc/passwd"}})"));
  std::string gate = str(h.last_pvp(), "id");
  EXPECT_EQ(str(h.last_pvp()["payload"], "category"), "file_write");
  h.pvp(frame("gate.reject", "bob",
              R"({"gate":")" + gate + R"(","rejector":"bob","reason":"not that file"})", "v3"));
  auto verdict = parse(result_text(parse(h.sink.client.back())));
  EXPECT_EQ(str(verdict, "behavior"), "deny");
  EXPECT_EQ(str(verdict, "message"), "Rejected by bob: not that file");
}

TEST(McpTools, PermissionDeniesOnGateTimeoutRefusalAndSessionEnd) {
  SessionHarness h;
  h.initialize();
  h.join();
  h.send(call("1", "pvp_permission", R"({"tool_name":"Bash","input":{"command":"a"}})"));
  std::string g1 = str(h.last_pvp(), "id");
  h.send(call("2", "pvp_permission", R"({"tool_name":"Bash","input":{"command":"b"}})"));
  std::string g2 = str(h.last_pvp(), "id");
  h.send(call("3", "pvp_permission", R"({"tool_name":"Bash","input":{"command":"c"}})"));
  h.pvp(frame("gate.timeout", "system",
              R"({"gate":")" + g1 +
                  R"(","approvals_received":1,"approvals_required":2,"resolution":"rejected"})"));
  auto v1 = parse(result_text(parse(h.sink.client.back())));
  EXPECT_EQ(str(v1, "behavior"), "deny");
  EXPECT_NE(str(v1, "message").find("1 of 2"), std::string::npos);
  h.pvp(frame(
      "error", "system",
      R"({"code":"UNAUTHORIZED","message":"only agents may propose","recoverable":true,"related_to":")" +
          g2 + R"("})"));
  auto v2 = parse(result_text(parse(h.sink.client.back())));
  EXPECT_NE(str(v2, "message").find("only agents may propose"), std::string::npos);
  h.pvp(frame("session.end", "alice", R"({"reason":"done","final_state":"completed"})"));
  auto v3 = parse(result_text(parse(h.sink.client.back())));
  EXPECT_EQ(parse(h.sink.client.back())["id"].GetInt(), 3);
  EXPECT_EQ(str(v3, "behavior"), "deny");
  EXPECT_EQ(h.session->pending_calls(), 0u);
}

TEST(McpTools, CancelledPermissionIsNeverAnswered) {
  SessionHarness h;
  h.initialize();
  h.join();
  h.send(call("\"perm-1\"", "pvp_permission", R"({"tool_name":"Bash","input":{"command":"ls"}})"));
  std::string gate = str(h.last_pvp(), "id");
  EXPECT_EQ(h.session->pending_calls(), 1u);
  EXPECT_TRUE(
      h.send(
           R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"perm-1","reason":"user pressed esc"}})")
          .empty());
  EXPECT_EQ(h.session->pending_calls(), 0u);
  std::size_t replies = h.sink.client.size();
  h.pvp(frame("tool.execute", "system",
              R"({"tool_proposal":")" + gate + R"(","approved_by":["a"]})"));
  EXPECT_EQ(h.sink.client.size(), replies);
}

TEST(McpTools, PermissionTimeoutFromConfigDenies) {
  Settings s;
  s.permission_timeout_ms = 5000;
  SessionHarness h(s);
  h.initialize();
  h.join();
  h.send(call("1", "pvp_permission", R"({"tool_name":"Bash","input":{"command":"ls"}})"));
  EXPECT_EQ(h.session->next_deadline(), h.now + 5000);
  h.session->tick(h.now + 4999);
  EXPECT_EQ(h.session->pending_calls(), 1u);
  h.session->tick(h.now + 5000);
  EXPECT_EQ(str(parse(result_text(parse(h.sink.client.back()))), "behavior"), "deny");
}

TEST(McpTools, LongWaitsSendProgressWhenTheClientAskedForIt) {
  SessionHarness h;
  h.initialize();
  h.join();
  h.send(
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"pvp_permission","arguments":{"tool_name":"Bash","input":{"command":"ls"}},"_meta":{"progressToken":"tok-4"}}})");
  h.send(call("5", "pvp_permission", R"({"tool_name":"Bash","input":{"command":"pwd"}})"));
  EXPECT_EQ(h.session->next_deadline(), h.now + kProgressIntervalMs);
  std::size_t before = h.sink.client.size();
  for (uint64_t n = 1; n <= 2; ++n) {
    h.session->tick(h.now + n * kProgressIntervalMs);
    ASSERT_EQ(h.sink.client.size(), before + n) << "only the call with a token gets progress";
    auto p = parse(h.sink.client.back());
    EXPECT_EQ(str(p, "method"), "notifications/progress");
    EXPECT_EQ(str(p["params"], "progressToken"), "tok-4");
    EXPECT_EQ(p["params"]["progress"].GetUint64(), n);
  }
  EXPECT_EQ(h.session->pending_calls(), 2u);
}

TEST(McpTools, ClosingDropsEveryWaitSilently) {
  SessionHarness h;
  h.initialize();
  h.join();
  h.send(call("1", "pvp_permission", R"({"tool_name":"Bash","input":{"command":"ls"}})"));
  h.send(call("2", "pvp_read_messages", "{}"));  // takes the announce: nothing is unread now
  h.send(call("3", "pvp_read_messages", R"({"wait_seconds":30})"));
  EXPECT_EQ(h.session->pending_calls(), 2u);
  std::size_t replies = h.sink.client.size();
  h.session->close();
  EXPECT_EQ(h.session->pending_calls(), 0u);
  EXPECT_EQ(h.sink.client.size(), replies);
}

TEST(McpTools, ReadMessagesUsesACursorAndLongPolls) {
  SessionHarness h;
  h.initialize();
  h.join();
  auto first = parse(result_text(h.reply(call("1", "pvp_read_messages", "{}"))));
  ASSERT_TRUE(first.IsObject());
  uint64_t cursor = first["cursor"].GetUint64();
  EXPECT_EQ(first["messages"].Size(), 1u);  // our own announce
  // Nothing new: a read without wait returns at once, empty; with wait it blocks.
  EXPECT_EQ(parse(result_text(h.reply(call("2", "pvp_read_messages", "{}"))))["messages"].Size(),
            0u);
  EXPECT_TRUE(h.send(call("3", "pvp_read_messages", R"({"wait_seconds":10})")).empty());
  h.pvp(frame(
      "prompt.submit", "alice",
      R"({"content":"write tests","target_agent":"claude","contributors":["alice"],"context_keys":[]})",
      "p1"));
  auto r = parse(h.sink.client.back());
  EXPECT_EQ(r["id"].GetInt(), 3);
  auto got = parse(result_text(r));
  ASSERT_EQ(got["messages"].Size(), 1u);
  EXPECT_EQ(got["messages"][0]["cursor"].GetUint64(), cursor + 1);
  EXPECT_EQ(str(got["messages"][0]["message"], "type"), "prompt.submit");
  // Explicit since re-reads; a filter skips other types; an expired wait answers empty.
  auto again = parse(result_text(
      h.reply(call("4", "pvp_read_messages", R"({"since":0,"types":["prompt.submit"]})"))));
  EXPECT_EQ(again["messages"].Size(), 1u);
  h.send(call("5", "pvp_read_messages", R"({"wait_seconds":2})"));
  h.session->tick(h.now + 2000);
  EXPECT_EQ(parse(result_text(parse(h.sink.client.back())))["messages"].Size(), 0u);
  // The respond tool answers the last prompt addressed to us.
  h.send(call("6", "pvp_respond", R"({"text":"done"})"));
  auto end = h.last_pvp();
  EXPECT_EQ(str(end, "type"), "response.end");
  auto start = parse(h.sink.pvp[h.sink.pvp.size() - 3]);
  EXPECT_EQ(str(start["payload"], "prompt_ref"), "p1");
  h.pvp(frame("response.end", "claude", R"({"finish_reason":"complete"})", str(end, "id")));
  EXPECT_NE(result_text(parse(h.sink.client.back())).find("Posted"), std::string::npos);
}

TEST(McpTools, TheBufferIsBoundedAndReportsWhatWasDropped) {
  Settings s;
  s.max_buffered = 10;
  SessionHarness h(s);
  h.initialize();
  h.join();
  for (int i = 0; i < 25; ++i) {
    h.pvp(frame("response.chunk", "bob", R"({"text":"x"})", "c" + std::to_string(i)));
  }
  EXPECT_EQ(h.session->buffered(), 10u);
  auto r = parse(result_text(h.reply(call("1", "pvp_read_messages", R"({"since":0,"limit":3})"))));
  EXPECT_EQ(r["dropped"].GetUint64(), 16u);
  EXPECT_EQ(r["messages"].Size(), 3u);
  EXPECT_EQ(r["unread"].GetUint64(), 7u);
}

TEST(McpTools, HeartbeatsAreAnsweredAndNotBuffered) {
  SessionHarness h;
  h.initialize();
  h.join();
  std::size_t before = h.session->buffered();
  h.pvp(frame("heartbeat.ping", "system", "{}", "hb1"));
  auto pong = h.last_pvp();
  EXPECT_EQ(str(pong, "type"), "heartbeat.pong");
  EXPECT_EQ(str(pong, "ref"), "hb1");
  EXPECT_EQ(h.session->buffered(), before);
}

TEST(McpTools, VotesContextPromptsAndInterruptsWaitForTheirEcho) {
  SessionHarness h;
  h.initialize();
  h.join();
  struct Case {
    std::string tool, args, type;
  } cases[] = {
      {"pvp_vote_gate", R"({"gate":"g1","decision":"approve","comment":"ok"})", "gate.approve"},
      {"pvp_vote_gate", R"({"gate":"g1","decision":"reject","comment":"no"})", "gate.reject"},
      {"pvp_add_context", R"({"key":"plan","content":"step 1"})", "context.add"},
      {"pvp_prompt", R"({"content":"do it","target_agent":"bot","submit":true})", "prompt.submit"},
      {"pvp_prompt", R"({"content":"maybe","target_agent":"bot"})", "prompt.draft"},
      {"pvp_interrupt", R"({"message":"stop!","urgency":"stop"})", "interrupt.raise"},
  };
  int id = 10;
  for (const Case &c : cases) {
    EXPECT_TRUE(h.send(call(std::to_string(++id), c.tool, c.args)).empty()) << c.tool;
    auto sent = h.last_pvp();
    EXPECT_EQ(str(sent, "type"), c.type);
    EXPECT_EQ(str(sent, "sender"), "claude");
    h.pvp(frame(c.type, "claude", "{}", str(sent, "id")));
    auto r = parse(h.sink.client.back());
    EXPECT_EQ(r["id"].GetInt(), id);
    EXPECT_FALSE(is_error_result(r)) << c.tool;
  }
  // A refusal becomes an error result with the daemon's reason.
  h.send(call("99", "pvp_vote_gate", R"({"gate":"nope","decision":"approve"})"));
  h.pvp(frame(
      "error", "system",
      R"({"code":"INVALID_STATE","message":"gate 'nope' is not open","recoverable":true,"related_to":")" +
          str(h.last_pvp(), "id") + R"("})",
      "e9"));
  auto r = parse(h.sink.client.back());
  EXPECT_TRUE(is_error_result(r));
  EXPECT_NE(result_text(r).find("INVALID_STATE"), std::string::npos);
}

TEST(McpTools, StatusListsParticipantsGatesAndContext) {
  SessionHarness h;
  h.initialize();
  h.join();
  h.pvp(SessionHarness::announce("s1", "alice", "human"));
  h.pvp(frame(
      "gate.request", "system",
      R"({"action_type":"tool","action_ref":"prop-1","quorum":{"type":"any","count":1},"timeout_seconds":300,"message":"bot wants to execute Bash"})",
      "g1"));
  h.pvp(frame("context.add", "alice", R"({"key":"notes","content_type":"text","content":"x"})",
              "c1"));
  auto st = parse(result_text(h.reply(call("1", "pvp_session_status", "{}"))));
  EXPECT_EQ(st["participants"].Size(), 2u);
  ASSERT_EQ(st["open_gates"].Size(), 1u);
  EXPECT_EQ(str(st["open_gates"][0], "gate"), "prop-1");
  EXPECT_EQ(std::string(st["context_keys"][0].GetString()), "notes");
  h.pvp(frame("tool.execute", "system", R"({"tool_proposal":"prop-1","approved_by":[]})", "x1"));
  st = parse(result_text(h.reply(call("2", "pvp_session_status", "{}"))));
  EXPECT_EQ(st["open_gates"].Size(), 0u);
}

TEST(McpTools, PushesWhatIsAddressedToTheAgentOnlyWhenTheClientSupportsChannels) {
  for (bool channel : {false, true}) {
    SessionHarness h;
    h.initialize(channel ? R"({"experimental":{"claude/channel":{}}})" : "{}");
    h.join();
    std::size_t before = h.sink.client.size();
    h.pvp(frame(
        "prompt.submit", "alice",
        R"({"content":"fix the bug","target_agent":"claude","contributors":["alice"],"context_keys":[]})",
        "p1"));
    h.pvp(frame(
        "prompt.submit", "alice",
        R"({"content":"not you","target_agent":"other","contributors":["alice"],"context_keys":[]})",
        "p2"));
    h.pvp(frame("response.chunk", "bob", R"({"text":"noise"})", "c1"));
    std::size_t pushed = h.sink.client.size() - before;
    EXPECT_EQ(pushed, channel ? 1u : 0u);
    if (channel) {
      auto n = parse(h.sink.client.back());
      EXPECT_EQ(str(n, "method"), "notifications/claude/channel");
      EXPECT_NE(str(n["params"], "content").find("fix the bug"), std::string::npos);
      EXPECT_EQ(str(n["params"]["meta"], "message_id"), "p1");
    }
    // Pushed or not, the read tool still returns it: nothing is lost when pushes are off.
    auto r = parse(
        result_text(h.reply(call("5", "pvp_read_messages", R"({"types":["prompt.submit"]})"))));
    EXPECT_EQ(r["messages"].Size(), 2u);
  }
}

TEST(McpTools, TransportFailuresBecomeErrorResults) {
  SessionHarness h;
  h.initialize();
  h.join();
  h.sink.pvp_status = PVPD_E_TOOBIG;
  auto r = h.reply(call("1", "pvp_add_context", R"({"key":"big","content":"x"})"));
  EXPECT_TRUE(is_error_result(r));
  EXPECT_NE(result_text(r).find("larger"), std::string::npos);
  auto p = h.reply(call("2", "pvp_permission", R"({"tool_name":"Bash","input":{"command":"ls"}})"));
  EXPECT_EQ(str(parse(result_text(p)), "behavior"), "deny");
}

TEST(McpTools, ResourcesExposeTheBufferedTranscript) {
  SessionHarness h;
  h.initialize();
  EXPECT_EQ(h.reply(R"({"jsonrpc":"2.0","id":1,"method":"resources/list"})")["result"]["resources"]
                .Size(),
            0u);
  h.join();
  auto list = h.reply(R"({"jsonrpc":"2.0","id":2,"method":"resources/list"})");
  ASSERT_EQ(list["result"]["resources"].Size(), 1u);
  std::string uri = str(list["result"]["resources"][0], "uri");
  EXPECT_EQ(uri, "pvp://session/s1/messages");
  auto read = h.reply(R"({"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":")" +
                      uri + "\"}}");
  auto items = parse(str(read["result"]["contents"][0], "text"));
  ASSERT_TRUE(items.IsArray());
  EXPECT_EQ(items.Size(), 1u);
  EXPECT_EQ(
      error_code(h.reply(
          R"({"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"pvp://x"}})")),
      rpc_code::kInvalidParams);
}

}  // namespace
}  // namespace pvpd::mcp::testing
