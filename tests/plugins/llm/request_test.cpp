// Request builders: the bodies match the fixture requests semantically (key order ignored),
// including the tool-result follow-ups built from the decoders' own assistant turns.
#include <gtest/gtest.h>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "llm/request_builder.h"
#include "llm/sse_parser.h"
#include "llm/stream_decoder.h"
#include "mock_llm_server.h"
#include "recording_sink.h"

namespace pvpd::llm {
namespace {

using testing::read_fixture;

constexpr const char *kSystem = "You are a participant in a PVP collaboration session.";
constexpr const char *kPrompt = "Which files under src/ are the biggest?";
constexpr const char *kToolOutput =
    "total 24\n-rw-r--r-- 1 dev dev 18211 main.cpp\n-rw-r--r-- 1 dev dev  2311 util.cpp\n";

std::string pretty(const rapidjson::Value &v) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

void expect_same_json(const std::string &actual, const std::string &expected) {
  rapidjson::Document a;
  rapidjson::Document e;
  ASSERT_FALSE(a.Parse(actual.c_str()).HasParseError()) << actual;
  ASSERT_FALSE(e.Parse(expected.c_str()).HasParseError());
  EXPECT_TRUE(a == e) << "actual:\n" << pretty(a) << "\nexpected:\n" << pretty(e);
}

agent::ToolSpec shell_tool(const char *schema) {
  return agent::ToolSpec{
      "execute_shell_command",
      "Run a shell command in the session workspace. Humans approve it before it runs.", schema};
}

agent::Conversation first_turn(const char *schema) {
  agent::Conversation c;
  c.system = kSystem;
  c.tools.push_back(shell_tool(schema));
  agent::Turn user;
  user.blocks.push_back(testing::make_block(agent::ContentBlock::Kind::kText, kPrompt));
  c.turns.push_back(user);
  return c;
}

// The assistant turn a decoder records from `fixture`, then the tool result.
void add_tool_round(agent::Conversation &c, Api api, const char *fixture) {
  testing::RecordingSink sink;
  auto decoder = make_decoder(api, sink);
  SseParser parser;
  feed_stream(parser, *decoder, read_fixture(fixture));
  agent::GenerationResult r = decoder->finish(StreamEnd{});
  ASSERT_EQ(r.finish, agent::FinishReason::kToolUse);
  c.turns.push_back(r.assistant);
  agent::Turn result;
  agent::ContentBlock block;
  block.kind = agent::ContentBlock::Kind::kToolResult;
  block.tool_use_id = r.assistant.blocks.back().tool_use_id;
  block.text = kToolOutput;
  result.blocks.push_back(block);
  c.turns.push_back(result);
}

constexpr const char *kAnthropicSchema =
    R"({"type":"object","properties":{"command":{"type":"string"},"timeout_ms":{"type":"integer"}},"required":["command"]})";
constexpr const char *kChatSchema =
    R"({"type":"object","properties":{"command":{"type":"string"},"timeout_ms":{"type":"integer"}},"required":["command"],"additionalProperties":false})";
constexpr const char *kResponsesSchema =
    R"({"type":"object","properties":{"command":{"type":"string"},"timeout_ms":{"type":"integer"}},"required":["command","timeout_ms"],"additionalProperties":false})";

LlmOptions anthropic_options() {
  LlmOptions o;
  o.provider = Provider::kAnthropic;
  o.api = Api::kMessages;
  o.model = "claude-sonnet-4-6";
  o.max_tokens = 16000;
  o.thinking.mode = ThinkingOptions::Mode::kAdaptive;
  o.thinking.effort = "medium";
  return o;
}

LlmOptions openai_options(Api api) {
  LlmOptions o;
  o.provider = Provider::kOpenAi;
  o.api = api;
  o.model = "gpt-5";
  o.max_tokens = 0;
  o.thinking.effort = "medium";
  return o;
}

TEST(llm_request, AnthropicFirstTurnMatchesFixture) {
  std::string error;
  std::string body =
      build_anthropic_request(first_turn(kAnthropicSchema), anthropic_options(), &error);
  ASSERT_FALSE(body.empty()) << error;
  expect_same_json(body, read_fixture("anthropic-tool-use.request.json"));
}

TEST(llm_request, AnthropicToolResultReplaysThinkingSignatureAndToolUse) {
  agent::Conversation c = first_turn(kAnthropicSchema);
  add_tool_round(c, Api::kMessages, "anthropic-tool-use.sse");
  std::string error;
  std::string body = build_anthropic_request(c, anthropic_options(), &error);
  ASSERT_FALSE(body.empty()) << error;
  expect_same_json(body, read_fixture("anthropic-tool-result.request.json"));
}

TEST(llm_request, AnthropicBudgetThinkingAndNoThinking) {
  LlmOptions o = anthropic_options();
  o.thinking.mode = ThinkingOptions::Mode::kBudget;
  o.thinking.budget_tokens = 4096;
  std::string error;
  rapidjson::Document d;
  d.Parse(build_anthropic_request(first_turn(kAnthropicSchema), o, &error).c_str());
  ASSERT_TRUE(d.IsObject());
  EXPECT_STREQ(d["thinking"]["type"].GetString(), "enabled");
  EXPECT_EQ(d["thinking"]["budget_tokens"].GetUint(), 4096u);
  EXPECT_FALSE(d.HasMember("output_config"));
  EXPECT_FALSE(d.HasMember("temperature"));
  o.thinking.mode = ThinkingOptions::Mode::kOff;
  d.Parse(build_anthropic_request(first_turn(kAnthropicSchema), o, &error).c_str());
  EXPECT_FALSE(d.HasMember("thinking"));
}

TEST(llm_request, ThinkingWithoutSignatureIsNotReplayed) {
  agent::Conversation c = first_turn(kAnthropicSchema);
  agent::Turn assistant;
  assistant.role = agent::Turn::Role::kAssistant;
  assistant.blocks.push_back(testing::make_block(agent::ContentBlock::Kind::kThinking, "partial"));
  assistant.blocks.push_back(
      testing::make_block(agent::ContentBlock::Kind::kText, "half an answer"));
  c.turns.push_back(assistant);
  std::string error;
  rapidjson::Document d;
  d.Parse(build_anthropic_request(c, anthropic_options(), &error).c_str());
  ASSERT_TRUE(d.IsObject());
  const auto &content = d["messages"][1]["content"];
  ASSERT_EQ(content.Size(), 1u);
  EXPECT_STREQ(content[0]["type"].GetString(), "text");
}

TEST(llm_request, ResponsesFirstTurnMatchesFixture) {
  std::string error;
  std::string body = build_responses_request(first_turn(kResponsesSchema),
                                             openai_options(Api::kResponses), &error);
  ASSERT_FALSE(body.empty()) << error;
  expect_same_json(body, read_fixture("openai-responses-tool-use.request.json"));
}

TEST(llm_request, ResponsesToolResultReplaysItemsVerbatim) {
  agent::Conversation c = first_turn(kResponsesSchema);
  add_tool_round(c, Api::kResponses, "openai-responses-tool-use.sse");
  std::string error;
  std::string body = build_responses_request(c, openai_options(Api::kResponses), &error);
  ASSERT_FALSE(body.empty()) << error;
  expect_same_json(body, read_fixture("openai-responses-tool-result.request.json"));
}

TEST(llm_request, ResponsesNonStrictSchemaSendsStrictFalse) {
  std::string error;
  rapidjson::Document d;
  d.Parse(
      build_responses_request(first_turn(kAnthropicSchema), openai_options(Api::kResponses), &error)
          .c_str());
  ASSERT_TRUE(d.IsObject());
  EXPECT_FALSE(d["tools"][0]["strict"].GetBool());
}

TEST(llm_request, ChatFirstTurnMatchesFixture) {
  std::string error;
  std::string body =
      build_chat_request(first_turn(kChatSchema), openai_options(Api::kChat), &error);
  ASSERT_FALSE(body.empty()) << error;
  expect_same_json(body, read_fixture("openai-chat-tool-use.request.json"));
}

TEST(llm_request, ChatToolResultRoundTrip) {
  agent::Conversation c = first_turn(kChatSchema);
  add_tool_round(c, Api::kChat, "openai-chat-tool-use.sse");
  std::string error;
  rapidjson::Document d;
  d.Parse(build_chat_request(c, openai_options(Api::kChat), &error).c_str());
  ASSERT_TRUE(d.IsObject()) << error;
  const auto &m = d["messages"];
  ASSERT_EQ(m.Size(), 4u);
  EXPECT_STREQ(m[2]["role"].GetString(), "assistant");
  EXPECT_STREQ(m[2]["content"].GetString(), "I'll list the files in `src/` with their sizes.");
  EXPECT_STREQ(m[2]["tool_calls"][0]["id"].GetString(), "call_PvpFixtureCall0001");
  EXPECT_STREQ(m[2]["tool_calls"][0]["function"]["arguments"].GetString(),
               "{\"command\":\"ls -la src\",\"timeout_ms\":10000}");
  EXPECT_STREQ(m[3]["role"].GetString(), "tool");
  EXPECT_STREQ(m[3]["tool_call_id"].GetString(), "call_PvpFixtureCall0001");
  EXPECT_STREQ(m[3]["content"].GetString(), kToolOutput);
}

TEST(llm_request, BadToolSchemaOrArgumentsAreReported) {
  agent::Conversation c = first_turn("{not json");
  for (Api api : {Api::kMessages, Api::kResponses, Api::kChat}) {
    LlmOptions o = api == Api::kMessages ? anthropic_options() : openai_options(api);
    std::string error;
    EXPECT_TRUE(build_request(c, o, &error).empty());
    EXPECT_NE(error.find("execute_shell_command"), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace pvpd::llm
