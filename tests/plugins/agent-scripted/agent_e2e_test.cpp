// End to end: the real pvpd with pvpd-websocket.so and pvpd-agent-scripted.so, humans on real
// WebSocket connections. The agent joins on its own, streams thinking and responses, proposes
// gated tool calls that run in the session workspace only after the quorum approves, never runs
// a rejected one, and honours stop and pause interrupts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent_session.h"

namespace pvpd::testing::agent {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path &p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string text_of(const std::vector<rapidjson::Document> &frames, const std::string &type) {
  std::string out;
  for (const auto &f : frames) {
    if (str(f, "type") == type) {
      out += str(f["payload"], "text");
    }
  }
  return out;
}

std::vector<std::string> types_of(const std::vector<rapidjson::Document> &frames) {
  std::vector<std::string> out;
  for (const auto &f : frames) {
    std::string t = str(f, "type");
    if (out.empty() || out.back() != t) {
      out.push_back(t);  // runs of chunks collapse to one entry
    }
  }
  return out;
}

// Alice creates `session` (quorum of `approvals` approvers), joins, and waits for the agent.
void open_session(ws::WsDaemon &d, WsClient &alice, const std::string &session, int approvals,
                  const std::string &agent) {
  ASSERT_TRUE(alice.wait_open());
  ASSERT_TRUE(alice.send_text(create_frame(session, "alice", session_config_json(approvals))));
  ASSERT_TRUE(alice.send_text(human_join_frame(session, "alice", {"driver", "approver"})));
  // Others learn of a join from the joiner's participant.announce.
  auto joined = wait_type(alice, "participant.announce", [&](const rapidjson::Document &f) {
    return str(f["payload"], "id") == agent;
  });
  ASSERT_TRUE(joined.has_value()) << "the agent did not auto-join " << session << "\n"
                                  << d.process().log();
  const auto &p = (*joined)["payload"];
  EXPECT_EQ(str(p, "type"), "agent");
  EXPECT_EQ(str(p, "transport"), "internal");
}

TEST(AgentScriptedE2E, AutoJoinsAndStreamsThinkingThenResponseWithUsage) {
  auto d = start_daemon("demo", R"({auto_join: true, name: "Demo", pace: 2ms, chunk_chars: 3,)"
                                R"( rules: [{match: ".*", think: ["consider it"],)"
                                R"( respond: "Hello {prompt}!"}]})");
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  open_session(*d, alice, "s-stream", 1, "demo");
  std::string prompt = R"({"v":1,"id":"p-1","type":"prompt.submit","session":"s-stream",)"
                       R"("sender":"alice","payload":{"content":"world","target_agent":"demo",)"
                       R"("contributors":["alice"],"context_keys":[]}})";
  ASSERT_TRUE(alice.send_text(prompt));
  auto frames = collect_until(alice, "response.end");
  ASSERT_FALSE(frames.empty()) << d->process().log();
  std::vector<std::string> agent_frames;
  std::vector<rapidjson::Document> mine;
  for (auto &f : frames) {
    if (str(f, "sender") == "demo") {
      mine.push_back(std::move(f));
    }
  }
  EXPECT_EQ(types_of(mine),
            (std::vector<std::string>{"thinking.start", "thinking.chunk", "thinking.end",
                                      "response.start", "response.chunk", "response.end"}));
  EXPECT_EQ(text_of(mine, "thinking.chunk"), "consider it\n");
  EXPECT_EQ(text_of(mine, "response.chunk"), "Hello world!");
  EXPECT_GT(std::count_if(mine.begin(), mine.end(),
                          [](const auto &f) { return str(f, "type") == "response.chunk"; }),
            2)
      << "streamed in several chunks, not buffered to the end";
  const auto &start = mine.front()["payload"];
  EXPECT_EQ(str(start, "prompt_ref"), "p-1");
  EXPECT_EQ(str(start, "agent"), "demo");
  const auto &end = mine.back()["payload"];
  EXPECT_EQ(str(end, "finish_reason"), "complete");
  ASSERT_TRUE(end.HasMember("usage"));
  EXPECT_GT(end["usage"]["input_tokens"].GetUint64(), 0u);
  EXPECT_GT(end["usage"]["output_tokens"].GetUint64(), 0u);
  EXPECT_TRUE(end["usage"].HasMember("latency_ms"));
  EXPECT_EQ(str(end["usage"], "model"), "scripted");
}

TEST(AgentScriptedE2E, GatedWriteLandsOnlyAfterQuorumAndRejectedOneNeverRuns) {
  auto d = start_daemon(
      "demo",
      R"({auto_join: true, pace: 0ms, chunk_chars: 64, rules: [)"
      R"({match: "alpha", respond: "writing alpha", tools: [{name: file_write, input: {path: "alpha.txt", content: "A-content"}}], after_tools: "wrote alpha", after_refusal: "alpha refused"},)"
      R"({match: "beta", respond: "writing beta", tools: [{name: file_write, input: {path: "beta.txt", content: "B"}}], after_tools: "wrote beta", after_refusal: "beta refused: {results}"}]})");
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options()), bob(d->options());
  open_session(*d, alice, "s-gate", 2, "demo");
  ASSERT_TRUE(bob.wait_open());
  ASSERT_TRUE(bob.send_text(human_join_frame("s-gate", "bob", {"approver"})));
  std::filesystem::path workspace = d->dir().path() / "state" / "workspaces" / "s-gate";

  // 1. alpha: approved by both, and only then written.
  ASSERT_TRUE(alice.send_text(prompt_frame("s-gate", "alice", "demo", "alpha")));
  auto proposal = wait_type(bob, "tool.propose");
  ASSERT_TRUE(proposal.has_value()) << d->process().log();
  std::string gate = str(*proposal, "id");
  EXPECT_EQ(str((*proposal)["payload"], "tool_name"), "file_write");
  EXPECT_EQ(str((*proposal)["payload"], "category"), "file_write");
  EXPECT_EQ(str((*proposal)["payload"], "agent"), "demo");
  ASSERT_TRUE(alice.send_text(vote_frame("s-gate", "alice", gate, true)));
  ASSERT_TRUE(wait_type(bob, "gate.approve").has_value());
  EXPECT_FALSE(std::filesystem::exists(workspace / "alpha.txt"))
      << "one approval of two must not run the tool";
  ASSERT_TRUE(bob.send_text(vote_frame("s-gate", "bob", gate, true)));
  auto exec = wait_type(alice, "tool.execute");
  ASSERT_TRUE(exec.has_value());
  EXPECT_EQ(str((*exec)["payload"], "tool_proposal"), gate);
  auto result = wait_type(alice, "tool.result");
  ASSERT_TRUE(result.has_value()) << d->process().log();
  EXPECT_TRUE((*result)["payload"]["success"].GetBool());
  EXPECT_EQ(read_file(workspace / "alpha.txt"), "A-content");
  auto after = collect_until(alice, "response.end");
  EXPECT_EQ(text_of(after, "response.chunk"), "wrote alpha");

  // 2. beta: bob rejects; the file never appears and the model is told why.
  ASSERT_TRUE(alice.send_text(prompt_frame("s-gate", "alice", "demo", "beta")));
  auto beta = wait_type(bob, "tool.propose");
  ASSERT_TRUE(beta.has_value());
  ASSERT_TRUE(bob.send_text(vote_frame("s-gate", "bob", str(*beta, "id"), false, "not today")));
  std::vector<rapidjson::Document> rest;
  for (int i = 0; i < 2; ++i) {  // the proposal's response.end (tool_use-less), then the answer
    auto part = collect_until(alice, "response.end");
    ASSERT_FALSE(part.empty()) << d->process().log();
    for (auto &f : part) {
      rest.push_back(std::move(f));
    }
    if (text_of(rest, "response.chunk").find("beta refused") != std::string::npos) {
      break;
    }
  }
  std::string answer = text_of(rest, "response.chunk");
  EXPECT_NE(answer.find("beta refused"), std::string::npos) << answer;
  EXPECT_NE(answer.find("not today"), std::string::npos) << "the reason reaches the model";
  for (const auto &f : rest) {
    EXPECT_NE(str(f, "type"), "tool.execute");
    EXPECT_NE(str(f, "type"), "tool.result");
  }
  EXPECT_FALSE(std::filesystem::exists(workspace / "beta.txt"));
}

TEST(AgentScriptedE2E, StopInterruptEndsTheStreamInterruptedAndIsAcknowledged) {
  auto d = start_daemon(
      "demo", R"({auto_join: true, pace: 50ms, chunk_chars: 1,)"
              R"( rules: [{respond: "a long answer that would take many seconds to stream"}]})");
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  open_session(*d, alice, "s-stop", 1, "demo");
  ASSERT_TRUE(alice.send_text(prompt_frame("s-stop", "alice", "demo", "go")));
  ASSERT_TRUE(wait_type(alice, "response.chunk").has_value());
  std::string interrupt = interrupt_frame("s-stop", "alice", "demo", "stop");
  interrupt.insert(1, R"("id":"int-1",)");
  ASSERT_TRUE(alice.send_text(interrupt));
  auto frames = collect_until(alice, "interrupt.acknowledge", 10s);
  ASSERT_FALSE(frames.empty()) << d->process().log();
  const auto &ack = frames.back()["payload"];
  EXPECT_EQ(str(ack, "interrupt"), "int-1");
  EXPECT_EQ(str(ack, "action_taken"), "stopped");
  EXPECT_EQ(str(ack, "by"), "demo");
  bool ended_interrupted = false;
  for (const auto &f : frames) {
    if (str(f, "type") == "response.end") {
      ended_interrupted = str(f["payload"], "finish_reason") == "interrupted";
    }
  }
  EXPECT_TRUE(ended_interrupted) << "response.end(interrupted) precedes the acknowledgement";
  std::string streamed = text_of(frames, "response.chunk");
  EXPECT_LT(streamed.size(), std::string("a long answer that would take").size());
  // Nothing more of the old answer arrives after the acknowledgement.
  EXPECT_FALSE(wait_type(alice, "response.chunk", nullptr, 400ms).has_value());
}

TEST(AgentScriptedE2E, PauseHoldsOutputUntilResumedAndLosesNothing) {
  const std::string answer = "paused answer arrives whole";
  auto d =
      start_daemon("demo", R"({auto_join: true, pace: 40ms, chunk_chars: 2, rules: [{respond: ")" +
                               answer + R"("}]})");
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  open_session(*d, alice, "s-pause", 1, "demo");
  ASSERT_TRUE(alice.send_text(prompt_frame("s-pause", "alice", "demo", "go")));
  std::vector<rapidjson::Document> frames;
  auto first = wait_type(alice, "response.chunk");
  ASSERT_TRUE(first.has_value());
  std::string text = str((*first)["payload"], "text");
  ASSERT_TRUE(alice.send_text(interrupt_frame("s-pause", "alice", "demo", "pause")));
  auto until_ack = collect_until(alice, "interrupt.acknowledge");
  ASSERT_FALSE(until_ack.empty());
  EXPECT_EQ(str(until_ack.back()["payload"], "action_taken"), "paused");
  text += text_of(until_ack, "response.chunk");
  // While paused nothing of the stream is emitted.
  EXPECT_FALSE(wait_type(alice, "response.chunk", nullptr, 600ms).has_value());
  ASSERT_TRUE(alice.send_text(interrupt_frame("s-pause", "alice", "demo", "pause")));
  auto rest = collect_until(alice, "response.end");
  ASSERT_FALSE(rest.empty()) << d->process().log();
  text += text_of(rest, "response.chunk");
  EXPECT_EQ(text, answer);
  EXPECT_EQ(str(rest.back()["payload"], "finish_reason"), "complete");
}

TEST(AgentScriptedE2E, PauseWithInjectedContextRestartsWithTheNewWords) {
  auto d = start_daemon("demo", R"({auto_join: true, pace: 60ms, chunk_chars: 1, rules: [)"
                                R"({match: "PostgreSQL", respond: "Understood: PostgreSQL."},)"
                                R"({respond: "I will use MongoDB for everything here"}]})");
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  open_session(*d, alice, "s-inject", 1, "demo");
  ASSERT_TRUE(alice.send_text(prompt_frame("s-inject", "alice", "demo", "pick a database")));
  ASSERT_TRUE(wait_type(alice, "response.chunk").has_value());
  ASSERT_TRUE(alice.send_text(
      interrupt_frame("s-inject", "alice", "demo", "pause", "Decision: use PostgreSQL")));
  auto first = collect_until(alice, "response.end");
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(str(first.back()["payload"], "finish_reason"), "interrupted");
  auto second = collect_until(alice, "response.end");
  ASSERT_FALSE(second.empty()) << d->process().log();
  EXPECT_EQ(text_of(second, "response.chunk"), "Understood: PostgreSQL.");
  EXPECT_EQ(str(second.back()["payload"], "finish_reason"), "complete");
  bool acked = false;
  for (const auto *part : {&first, &second}) {
    for (const auto &f : *part) {
      acked = acked || (str(f, "type") == "interrupt.acknowledge" &&
                        str(f["payload"], "action_taken") == "paused");
    }
  }
  EXPECT_TRUE(acked);
}

TEST(AgentScriptedE2E, ConfiguredSessionIsJoinedAtStartAndOthersOnlyWhenAnAdminAttaches) {
  auto d = start_daemon("helper", R"({sessions: ["standing"], pace: 0ms})");
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  ASSERT_TRUE(alice.wait_open());
  ASSERT_TRUE(alice.send_text(human_join_frame("standing", "alice", {"driver"})));
  // The agent is already a participant: its announce is part of alice's join reply.
  auto announce = wait_type(alice, "participant.announce", [](const rapidjson::Document &f) {
    return str(f["payload"], "id") == "helper";
  });
  ASSERT_TRUE(announce.has_value()) << d->process().log();
  // And a session it was not told about stays agent-free.
  WsClient bob(d->options());
  ASSERT_TRUE(bob.wait_open());
  ASSERT_TRUE(bob.send_text(create_frame("other", "bob", session_config_json(1))));
  ASSERT_TRUE(bob.send_text(human_join_frame("other", "bob", {"driver"})));
  EXPECT_FALSE(wait_type(
                   bob, "participant.announce",
                   [](const rapidjson::Document &f) { return str(f["payload"], "id") == "helper"; },
                   1500ms)
                   .has_value());
  // Until an admin asks for it: agent.attach is recorded and the named instance joins.
  WsClient root(d->options());
  ASSERT_TRUE(root.wait_open());
  ASSERT_TRUE(root.send_text(human_join_frame("other", "root", {"admin"})));
  ASSERT_TRUE(root.send_text(
      R"({"v":1,"type":"agent.attach","session":"other","sender":"root","payload":{"agent":"helper"}})"));
  ASSERT_TRUE(wait_type(bob, "agent.attach").has_value());
  EXPECT_TRUE(
      wait_type(bob, "participant.announce",
                [](const rapidjson::Document &f) { return str(f["payload"], "id") == "helper"; })
          .has_value())
      << d->process().log();
  // The same from the command line.
  WsClient carol(d->options());
  ASSERT_TRUE(carol.wait_open());
  ASSERT_TRUE(carol.send_text(create_frame("third", "carol", session_config_json(1))));
  ASSERT_TRUE(carol.send_text(human_join_frame("third", "carol", {"driver"})));
  auto attach = run_command({(build_dir() / "bin" / "pvpctl").string(), "agent", "attach", "third",
                             "helper", "--url", "ws://127.0.0.1:" + std::to_string(d->port())});
  EXPECT_EQ(attach.exit_code, 0) << attach.out << attach.err;
  EXPECT_TRUE(
      wait_type(carol, "participant.announce",
                [](const rapidjson::Document &f) { return str(f["payload"], "id") == "helper"; })
          .has_value())
      << d->process().log();
  auto usage = run_command({(build_dir() / "bin" / "pvpctl").string(), "agent", "detach", "x"});
  EXPECT_EQ(usage.exit_code, 64);
}

TEST(AgentScriptedE2E, McpServerToolRunsThroughTheGate) {
  std::filesystem::path js =
      source_dir() /
      "tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js";
  if (!std::filesystem::exists(js)) {
    GTEST_SKIP() << "server-everything missing: run scripts/install-deps";
  }
  auto d = start_daemon(
      "demo",
      R"({auto_join: true, pace: 0ms, chunk_chars: 64, tools: [],)"
      R"( mcp_servers: [{name: every, command: [node, ")" +
          js.string() +
          R"(", stdio], tool_risk: {echo: high}}],)"
          R"( rules: [{respond: "echoing", tools: [{name: mcp__every__echo, input: {message: "hi from mcp"}}],)"
          R"( after_tools: "got: {results}", after_refusal: "refused: {results}"}]})");
  ASSERT_TRUE(d->started()) << d->process().log();
  ASSERT_TRUE(d->process().wait_for_log("mcp server every: ")) << d->process().log();
  EXPECT_TRUE(d->process().wait_for_log("(MCP 2025-11-25)")) << d->process().log();
  WsClient alice(d->options());
  open_session(*d, alice, "s-mcp", 1, "demo");
  ASSERT_TRUE(alice.send_text(prompt_frame("s-mcp", "alice", "demo", "echo please")));
  // The gate opens before the proposal is relayed; the proposal carries the MCP tool's class.
  auto proposal = wait_type(alice, "tool.propose");
  ASSERT_TRUE(proposal.has_value()) << d->process().log();
  EXPECT_EQ(str((*proposal)["payload"], "tool_name"), "mcp__every__echo");
  EXPECT_EQ(str((*proposal)["payload"], "category"), "external_api");
  EXPECT_EQ(str((*proposal)["payload"], "risk_level"), "high") << "tool_risk overrides";
  EXPECT_FALSE(wait_type(alice, "tool.execute", nullptr, 300ms).has_value())
      << "a high-risk call waits for its gate";
  ASSERT_TRUE(alice.send_text(vote_frame("s-mcp", "alice", str(*proposal, "id"), true)));
  auto result = wait_type(alice, "tool.result");
  ASSERT_TRUE(result.has_value()) << d->process().log();
  EXPECT_TRUE((*result)["payload"]["success"].GetBool());
  EXPECT_NE(str((*result)["payload"], "result").find("hi from mcp"), std::string::npos);
  auto answer = collect_until(alice, "response.end");
  EXPECT_NE(text_of(answer, "response.chunk").find("got: "), std::string::npos);
  EXPECT_NE(text_of(answer, "response.chunk").find("hi from mcp"), std::string::npos);
}

TEST(AgentScriptedE2E, SeveralToolCallsInOneTurnEachWaitForTheirOwnGate) {
  auto d = start_daemon(
      "demo",
      R"({auto_join: true, pace: 0ms, chunk_chars: 64, rules: [{respond: "two writes", tools: [)"
      R"({name: file_write, input: {path: "one.txt", content: "1"}},)"
      R"({name: file_write, input: {path: "two.txt", content: "2"}}],)"
      R"( after_tools: "both done", after_refusal: "partly refused: {results}"}]})");
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  open_session(*d, alice, "s-two", 1, "demo");
  std::filesystem::path workspace = d->dir().path() / "state" / "workspaces" / "s-two";
  ASSERT_TRUE(alice.send_text(prompt_frame("s-two", "alice", "demo", "go")));
  auto first = wait_type(alice, "tool.propose");
  auto second = wait_type(alice, "tool.propose");
  ASSERT_TRUE(first.has_value() && second.has_value()) << d->process().log();
  std::string one = str(*first, "id");
  std::string two = str(*second, "id");
  EXPECT_NE(one, two) << "one gate per call";
  ASSERT_TRUE(alice.send_text(vote_frame("s-two", "alice", one, true)));
  auto result = wait_type(alice, "tool.result");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(str((*result)["payload"], "tool_proposal"), one);
  EXPECT_EQ(read_file(workspace / "one.txt"), "1");
  // The turn waits for the second decision: no answer yet.
  EXPECT_FALSE(wait_type(alice, "response.start", nullptr, 500ms).has_value());
  ASSERT_TRUE(alice.send_text(vote_frame("s-two", "alice", two, false, "only one file")));
  auto answer = collect_until(alice, "response.end");
  ASSERT_FALSE(answer.empty()) << d->process().log();
  std::string text = text_of(answer, "response.chunk");
  EXPECT_NE(text.find("partly refused"), std::string::npos) << text;
  EXPECT_NE(text.find("only one file"), std::string::npos) << text;
  EXPECT_FALSE(std::filesystem::exists(workspace / "two.txt"));
}

}  // namespace
}  // namespace pvpd::testing::agent
