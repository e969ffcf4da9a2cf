// End to end: the real pvpd with pvpd-websocket.so and pvpd-agent-openai.so talking to the
// in-process mock OpenAI API, once through the Responses API (reasoning summary streamed as
// thinking, reasoning tokens in usage) and once through Chat Completions (an OpenAI-compatible
// endpoint; the fixture's tool call is proposed through a gate and refused by the humans).
#include <gtest/gtest.h>

#include <cstdlib>

#include "llm_e2e.h"
#include "mock_llm_server.h"

namespace pvpd::testing::llm_e2e {
namespace {

using llm::testing::MockLlmServer;
using llm::testing::read_fixture;

constexpr const char *kKey = "sk-openai-e2e-SECRET-777";

TEST(llm_openai_e2e, ResponsesStreamsReasoningSummaryAndTextWithUsage) {
  MockLlmServer server;
  server.enqueue(MockLlmServer::sse(read_fixture("openai-responses-e2e-text.sse")));
  ::setenv("PVPD_TEST_OPENAI_KEY", kKey, 1);
  TempDir creds;
  auto d = start_daemon("agent-openai", "gpt",
                        R"({auto_join: true, base_url: ")" + server.base_url() +
                            R"(/v1", api_key_env: PVPD_TEST_OPENAI_KEY, tools: [], max_retries: 0,)"
                            R"( price: {input_per_mtok: 1.25, output_per_mtok: 10}})",
                        creds.path().string());
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  ASSERT_TRUE(open_session(alice, "s-gpt", "alice", "gpt", 1)) << d->process().log();
  ASSERT_TRUE(alice.send_text(prompt_frame("s-gpt", "alice", "gpt", "Say hello")));
  auto frames = collect_until(alice, "response.end", "gpt");
  ASSERT_FALSE(frames.empty()) << d->process().log();
  EXPECT_EQ(types_of(frames, "gpt"),
            (std::vector<std::string>{"thinking.start", "thinking.chunk", "thinking.end",
                                      "response.start", "response.chunk", "response.end"}));
  EXPECT_EQ(text_of(frames, "thinking.chunk"), "**Greeting** A short hello will do.");
  EXPECT_EQ(text_of(frames, "response.chunk"), "Hello from GPT.");
  const auto &end = frames.back()["payload"];
  EXPECT_EQ(str(end, "finish_reason"), "complete");
  EXPECT_EQ(end["usage"]["input_tokens"].GetUint64(), 500u);
  EXPECT_EQ(end["usage"]["output_tokens"].GetUint64(), 80u);
  EXPECT_EQ(end["usage"]["thinking_tokens"].GetUint64(), 40u);
  EXPECT_GT(end["usage"]["cost_usd"].GetDouble(), 0.0);
  EXPECT_EQ(str(end["usage"], "model"), "gpt-5");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].uri, "/v1/responses");
  EXPECT_EQ(requests[0].headers.at("authorization"), std::string("Bearer ") + kKey);
  rapidjson::Document body;
  body.Parse(requests[0].body.c_str());
  ASSERT_TRUE(body.IsObject());
  EXPECT_EQ(str(body["reasoning"], "summary"), "auto");
  EXPECT_FALSE(body["store"].GetBool());
  EXPECT_EQ(d->process().log().find(kKey), std::string::npos) << "the API key reached the log";
}

TEST(llm_openai_e2e, ChatCompletionsToolCallIsGatedAndRejectionReachesTheModel) {
  MockLlmServer server;
  // The fixture's call, renamed to the agent's built-in shell tool.
  std::string stream = read_fixture("openai-chat-tool-use.sse");
  for (size_t at = stream.find("execute_shell_command"); at != std::string::npos;
       at = stream.find("execute_shell_command", at)) {
    stream.replace(at, 21, "shell");
  }
  server.enqueue(MockLlmServer::sse(stream));
  server.enqueue(MockLlmServer::sse(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Understood, not running it.\"},"
      "\"finish_reason\":null}]}\n\n"
      "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1300,\"completion_tokens\":9}}\n\n"
      "data: [DONE]\n\n"));
  ::setenv("PVPD_TEST_OPENAI_KEY", kKey, 1);
  TempDir creds;
  auto d = start_daemon("agent-openai", "local",
                        R"({auto_join: true, api: chat, model: llama3, base_url: ")" +
                            server.base_url() +
                            R"(/v1", api_key_env: PVPD_TEST_OPENAI_KEY, tools: [shell],)"
                            R"( thinking: {mode: "off"}, max_retries: 0})",
                        creds.path().string());
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  ASSERT_TRUE(open_session(alice, "s-chat", "alice", "local", 1)) << d->process().log();
  ASSERT_TRUE(alice.send_text(prompt_frame("s-chat", "alice", "local", "Which files are big?")));
  auto first = collect_until(alice, "tool.propose", "local");
  ASSERT_FALSE(first.empty()) << d->process().log();
  EXPECT_EQ(text_of(first, "response.chunk"), "I'll list the files in `src/` with their sizes.");
  EXPECT_EQ(str(first.back()["payload"], "tool_name"), "shell");
  std::string gate = str(first.back(), "id");
  ASSERT_TRUE(alice.send_text(R"({"v":1,"type":"gate.reject","session":"s-chat","sender":"alice",)"
                              R"("payload":{"gate":")" +
                              gate + R"(","rejector":"alice","reason":"not now"}})"));
  auto rest = collect_until_frame(alice, [](const rapidjson::Document &f) {
    return str(f, "type") == "response.end" && str(f, "sender") == "local" &&
           str(f["payload"], "finish_reason") != "tool_use";
  });
  ASSERT_FALSE(rest.empty()) << d->process().log();
  EXPECT_EQ(text_of(rest, "response.chunk"), "Understood, not running it.");
  EXPECT_EQ(rest.back()["payload"]["usage"]["input_tokens"].GetUint64(), 1300u);

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].uri, "/v1/chat/completions");
  rapidjson::Document first_body;
  first_body.Parse(requests[0].body.c_str());
  ASSERT_TRUE(first_body.IsObject());
  EXPECT_FALSE(first_body.HasMember("reasoning_effort"));
  EXPECT_EQ(str(first_body, "model"), "llama3");
  rapidjson::Document second;
  second.Parse(requests[1].body.c_str());
  ASSERT_TRUE(second.IsObject());
  const auto &messages = second["messages"];
  const auto &tool = messages[messages.Size() - 1];
  EXPECT_EQ(str(tool, "role"), "tool");
  EXPECT_EQ(str(tool, "tool_call_id"), "call_PvpFixtureCall0001");
  EXPECT_NE(str(tool, "content").find("not now"), std::string::npos) << str(tool, "content");
}

// The whole turn through the Responses API: reasoning summary and text, a function call proposed
// through a gate, approval, the tool running in the workspace, its output sent back as a
// function_call_output, and the model's final answer.
TEST(llm_openai_e2e, ResponsesThinkTextToolApprovalResultFinalAnswer) {
  MockLlmServer server;
  std::string stream = read_fixture("openai-responses-tool-use.sse");
  for (size_t at = stream.find("execute_shell_command"); at != std::string::npos;
       at = stream.find("execute_shell_command", at)) {
    stream.replace(at, 21, "shell");
  }
  server.enqueue(MockLlmServer::sse(stream));
  server.enqueue(MockLlmServer::sse(read_fixture("openai-responses-e2e-text.sse")));
  ::setenv("PVPD_TEST_OPENAI_KEY", kKey, 1);
  TempDir creds;
  auto d = start_daemon("agent-openai", "gpt",
                        R"({auto_join: true, base_url: ")" + server.base_url() +
                            R"(/v1", api_key_env: PVPD_TEST_OPENAI_KEY, tools: [shell],)"
                            R"( max_retries: 0})",
                        creds.path().string());
  ASSERT_TRUE(d->started()) << d->process().log();
  WsClient alice(d->options());
  ASSERT_TRUE(open_session(alice, "s-turn", "alice", "gpt", 1)) << d->process().log();
  ASSERT_TRUE(alice.send_text(prompt_frame("s-turn", "alice", "gpt", "Which files are big?")));
  auto first = collect_until(alice, "tool.propose", "gpt");
  ASSERT_FALSE(first.empty()) << d->process().log();
  auto kinds = types_of(first, "gpt");
  ASSERT_GE(kinds.size(), 4u);
  EXPECT_EQ(kinds.front(), "thinking.start");
  EXPECT_EQ(kinds.back(), "tool.propose");
  EXPECT_FALSE(text_of(first, "thinking.chunk").empty());
  EXPECT_FALSE(text_of(first, "response.chunk").empty());
  const auto &proposal = first.back();
  EXPECT_EQ(str(proposal["payload"], "tool_name"), "shell");
  EXPECT_EQ(str(proposal["payload"], "category"), "shell_execute");
  ASSERT_TRUE(alice.send_text(R"({"v":1,"type":"gate.approve","session":"s-turn","sender":"alice",)"
                              R"("payload":{"gate":")" +
                              str(proposal, "id") + R"(","approver":"alice"}})"));
  auto rest = collect_until_frame(alice, [](const rapidjson::Document &f) {
    return str(f, "type") == "response.end" && str(f, "sender") == "gpt" &&
           str(f["payload"], "finish_reason") == "complete";
  });
  ASSERT_FALSE(rest.empty()) << d->process().log();
  bool executed = false, result = false;
  for (const auto &f : rest) {
    executed = executed || str(f, "type") == "tool.execute";
    result = result || (str(f, "type") == "tool.result" && str(f, "sender") == "gpt");
  }
  EXPECT_TRUE(executed);
  EXPECT_TRUE(result) << "the tool ran and reported";
  EXPECT_EQ(text_of(rest, "response.chunk"), "Hello from GPT.");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[1].body.find(R"("type":"function_call_output")"), std::string::npos);
  EXPECT_NE(requests[1].body.find("call_PvpFixtureCall0001"), std::string::npos);
}

}  // namespace
}  // namespace pvpd::testing::llm_e2e
