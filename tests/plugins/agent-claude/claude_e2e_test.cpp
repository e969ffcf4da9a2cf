// End to end: the real pvpd with pvpd-websocket.so and pvpd-agent-claude.so talking to the
// in-process mock Anthropic API. A human prompts; thinking and response stream as PVP frames;
// the model's file_write call is gated, runs after approval, its result goes back to the model
// (with the signed thinking block) and the final answer ends the turn with usage.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "llm_e2e.h"
#include "mock_llm_server.h"

namespace pvpd::testing::llm_e2e {
namespace {

using llm::testing::MockLlmServer;
using llm::testing::read_fixture;

constexpr const char *kKey = "sk-ant-e2e-SECRET-4242";

std::string read_file(const std::filesystem::path &p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(llm_claude_e2e, ThinkTextToolApprovalResultFinalAnswer) {
  MockLlmServer server;
  server.enqueue(MockLlmServer::sse(read_fixture("anthropic-e2e-file-write.sse")));
  server.enqueue(MockLlmServer::sse(read_fixture("anthropic-e2e-final.sse")));
  TempDir creds;
  creds.write("anthropic-key", std::string(kKey) + "\n");
  auto d = start_daemon("agent-claude", "claude",
                        R"({auto_join: true, base_url: ")" + server.base_url() +
                            R"(", api_key_credential: anthropic-key, tools: [file_write],)"
                            R"( max_retries: 0, system_prompt: "You are a test agent.",)"
                            R"( price: {input_per_mtok: 3, output_per_mtok: 15}})",
                        creds.path().string());
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  ASSERT_TRUE(open_session(alice, "s-claude", "alice", "claude", 1)) << d->process().log();
  ASSERT_TRUE(
      alice.send_text(prompt_frame("s-claude", "alice", "claude", "Please write hello.txt")));

  // 1. Thinking and text stream, then the gated proposal.
  auto first = collect_until(alice, "tool.propose", "claude");
  ASSERT_FALSE(first.empty()) << d->process().log();
  EXPECT_EQ(text_of(first, "thinking.chunk"),
            "The user wants a greeting file. file_write creates it.");
  EXPECT_EQ(text_of(first, "response.chunk"), "I'll write hello.txt.");
  auto types = types_of(first, "claude");
  auto pos = [&](const std::string &t) {
    return std::find(types.begin(), types.end(), t) - types.begin();
  };
  EXPECT_LT(pos("thinking.start"), pos("thinking.chunk"));
  EXPECT_LT(pos("thinking.chunk"), pos("response.chunk"));
  const auto &proposal = first.back();
  EXPECT_EQ(str(proposal["payload"], "tool_name"), "file_write");
  std::string gate = str(proposal, "id");
  std::filesystem::path workspace = d->dir().path() / "state" / "workspaces" / "s-claude";
  EXPECT_FALSE(std::filesystem::exists(workspace / "hello.txt")) << "ran before approval";

  // 2. Approve: the tool runs, the result goes back to the model, the final answer streams.
  ASSERT_TRUE(alice.send_text(approve_frame("s-claude", "alice", gate)));
  auto rest = collect_until_frame(alice, [](const rapidjson::Document &f) {
    return str(f, "type") == "response.end" && str(f, "sender") == "claude" &&
           str(f["payload"], "finish_reason") != "tool_use";
  });
  ASSERT_FALSE(rest.empty()) << d->process().log();
  EXPECT_EQ(read_file(workspace / "hello.txt"), "hello from claude\n");
  bool saw_result = false;
  for (const auto &f : rest) {
    saw_result = saw_result || (str(f, "type") == "tool.result" && str(f, "sender") == "claude");
  }
  EXPECT_TRUE(saw_result);
  EXPECT_EQ(text_of(rest, "response.chunk"), "Done: hello.txt is written.");
  const auto &end = rest.back()["payload"];
  EXPECT_EQ(str(end, "finish_reason"), "complete");
  ASSERT_TRUE(end.HasMember("usage"));
  EXPECT_EQ(end["usage"]["input_tokens"].GetUint64(), 1100u);
  EXPECT_EQ(end["usage"]["output_tokens"].GetUint64(), 12u);
  EXPECT_GT(end["usage"]["cost_usd"].GetDouble(), 0.0);
  EXPECT_TRUE(end["usage"].HasMember("latency_ms"));
  EXPECT_EQ(str(end["usage"], "model"), "claude-sonnet-4-6");

  // 3. What the provider saw: the key in its header only, the tool round trip with the
  // signed thinking block replayed.
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].uri, "/v1/messages");
  EXPECT_EQ(requests[0].headers.at("x-api-key"), kKey);
  rapidjson::Document first_body;
  first_body.Parse(requests[0].body.c_str());
  ASSERT_TRUE(first_body.IsObject());
  EXPECT_NE(str(first_body, "system").find("You are a test agent."), std::string::npos);
  EXPECT_EQ(str(first_body["tools"][0], "name"), "file_write");
  rapidjson::Document second;
  second.Parse(requests[1].body.c_str());
  ASSERT_TRUE(second.IsObject());
  const auto &messages = second["messages"];
  ASSERT_GE(messages.Size(), 3u);
  const auto &assistant = messages[messages.Size() - 2];
  EXPECT_EQ(str(assistant, "role"), "assistant");
  EXPECT_EQ(str(assistant["content"][0], "type"), "thinking");
  EXPECT_NE(str(assistant["content"][0], "signature").find("FileWrite"), std::string::npos);
  const auto &result = messages[messages.Size() - 1]["content"][0];
  EXPECT_EQ(str(result, "type"), "tool_result");
  EXPECT_EQ(str(result, "tool_use_id"), "toolu_PvpE2eWrite0001");
  EXPECT_FALSE(result["is_error"].GetBool());
  EXPECT_EQ(d->process().log().find(kKey), std::string::npos) << "the API key reached the log";
}

TEST(llm_claude_e2e, StopInterruptAbortsTheProviderStream) {
  MockLlmServer server;
  std::string fixture = read_fixture("anthropic-e2e-file-write.sse");
  auto response = MockLlmServer::sse(fixture.substr(
      0, fixture.find(
             "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}")));
  response.hold_open = true;  // then keep-alives until the client goes away (20 s)
  server.enqueue(response);
  TempDir creds;
  creds.write("anthropic-key", kKey);
  auto d = start_daemon("agent-claude", "claude",
                        R"({auto_join: true, base_url: ")" + server.base_url() +
                            R"(", api_key_credential: anthropic-key, tools: [file_write]})",
                        creds.path().string());
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  ASSERT_TRUE(open_session(alice, "s-stop", "alice", "claude", 1));
  ASSERT_TRUE(alice.send_text(prompt_frame("s-stop", "alice", "claude", "write it")));
  ASSERT_FALSE(collect_until(alice, "response.chunk", "claude").empty()) << d->process().log();
  ASSERT_TRUE(
      alice.send_text(R"({"v":1,"type":"interrupt.raise","session":"s-stop","sender":"alice",)"
                      R"("payload":{"target":"claude","urgency":"stop","message":"stop now"}})"));
  // The provider keeps streaming for 20 s: a response.end now means the stream was cut.
  auto rest = collect_until(alice, "response.end", "claude", std::chrono::seconds(5));
  ASSERT_FALSE(rest.empty()) << d->process().log();
  EXPECT_EQ(str(rest.back()["payload"], "finish_reason"), "interrupted");
  EXPECT_TRUE(server.wait_for_disconnect(std::chrono::seconds(5)));
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(llm_claude_e2e, ProviderAuthErrorReachesTheHumansAsAgentError) {
  MockLlmServer server;
  server.enqueue(MockLlmServer::json_error(
      401,
      R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})"));
  TempDir creds;
  creds.write("anthropic-key", kKey);
  auto d = start_daemon("agent-claude", "claude",
                        R"({auto_join: true, base_url: ")" + server.base_url() +
                            R"(", api_key_credential: anthropic-key, tools: []})",
                        creds.path().string());
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  ASSERT_TRUE(open_session(alice, "s-auth", "alice", "claude", 1));
  ASSERT_TRUE(alice.send_text(prompt_frame("s-auth", "alice", "claude", "hi")));
  auto frames = collect_until(alice, "error", "claude");
  ASSERT_FALSE(frames.empty()) << d->process().log();
  const auto &err = frames.back()["payload"];
  EXPECT_EQ(str(err, "code"), "AGENT_ERROR");
  EXPECT_NE(str(err, "message").find("AUTH"), std::string::npos) << str(err, "message");
  EXPECT_NE(str(err, "message").find("invalid x-api-key"), std::string::npos);
  EXPECT_EQ(str(err, "message").find(kKey), std::string::npos);
}

}  // namespace
}  // namespace pvpd::testing::llm_e2e
