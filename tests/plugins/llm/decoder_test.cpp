// Stream decoders: the exact sink events and results for each provider fixture, split
// stability at every byte position, malformed and truncated streams.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "llm/sse_parser.h"
#include "llm/stream_decoder.h"
#include "mock_llm_server.h"
#include "recording_sink.h"

namespace pvpd::llm {
namespace {

using testing::read_fixture;
using testing::RecordingSink;

struct Decoded {
  std::vector<std::string> events;
  agent::GenerationResult result;
};

Decoded decode(Api api, const std::vector<std::string_view> &pieces, StreamEnd end = StreamEnd{}) {
  RecordingSink sink;
  auto decoder = make_decoder(api, sink);
  SseParser parser;
  for (std::string_view piece : pieces) {
    feed_stream(parser, *decoder, piece);
  }
  parser.finish();
  sink.on_done(decoder->finish(end));
  return Decoded{sink.events(), sink.result()};
}

Decoded decode(Api api, const std::string &bytes) {
  return decode(api, {std::string_view(bytes)});
}

const std::vector<std::string> kAnthropicEvents = {
    "thinking:The user wants to know which files in src/ are large. ",
    "thinking:I should list the directory with sizes before suggesting anything; ",
    "thinking:a read-only `ls -la` is enough.",
    "text:I'll list the ",
    "text:files in `src/` with their sizes ",
    "text:so we can see what is large.",
    "tool:toolu_01PvpFixtureToolUse0001 execute_shell_command "
    "{\"command\":\"ls -la src\",\"timeout_ms\":10000}",
    "done:tool_use in=1214 out=187 think=0",
};

const std::vector<std::string> kResponsesEvents = {
    "thinking:**Listing the directory**\n\n",
    "thinking:The user wants the largest files in src/. ",
    "thinking:A read-only listing with sizes answers that.",
    "text:I'll list ",
    "text:the files in `src/` ",
    "text:with their sizes.",
    "tool:call_PvpFixtureCall0001 execute_shell_command "
    "{\"command\":\"ls -la src\",\"timeout_ms\":10000}",
    "done:tool_use in=1180 out=214 think=128",
};

const std::vector<std::string> kChatEvents = {
    "text:I'll list ",
    "text:the files in `src/` ",
    "text:with their sizes.",
    "tool:call_PvpFixtureCall0001 execute_shell_command "
    "{\"command\":\"ls -la src\",\"timeout_ms\":10000}",
    "done:tool_use in=1180 out=214 think=128",
};

TEST(llm_decoder, AnthropicThinkingTextToolUse) {
  Decoded d = decode(Api::kMessages, read_fixture("anthropic-tool-use.sse"));
  EXPECT_EQ(d.events, kAnthropicEvents);
  const auto &blocks = d.result.assistant.blocks;
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].kind, agent::ContentBlock::Kind::kThinking);
  EXPECT_NE(blocks[0].opaque.find("EqQBCkYIBxgCKkDfixtureSignature"), std::string::npos);
  EXPECT_EQ(blocks[1].kind, agent::ContentBlock::Kind::kText);
  EXPECT_EQ(blocks[1].text,
            "I'll list the files in `src/` with their sizes so we can see what is large.");
  EXPECT_EQ(blocks[2].kind, agent::ContentBlock::Kind::kToolUse);
  EXPECT_EQ(blocks[2].tool_use_id, "toolu_01PvpFixtureToolUse0001");
  EXPECT_EQ(d.result.assistant.role, agent::Turn::Role::kAssistant);
}

TEST(llm_decoder, AnthropicOverloadedMidStreamIsAnError) {
  Decoded d = decode(Api::kMessages, read_fixture("anthropic-overloaded-midstream.sse"));
  EXPECT_EQ(d.events,
            (std::vector<std::string>{"text:Let me", "done:error in=31 out=1 think=0 OVERLOADED"}));
  EXPECT_NE(d.result.error_message.find("Overloaded"), std::string::npos);
  // The partial text stays in the turn.
  ASSERT_EQ(d.result.assistant.blocks.size(), 1u);
  EXPECT_EQ(d.result.assistant.blocks[0].text, "Let me");
}

TEST(llm_decoder, AnthropicRedactedThinkingIsKeptOpaque) {
  std::string s =
      "event: message_start\ndata: "
      "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":3}}}\n\n"
      "data: "
      "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"redacted_"
      "thinking\",\"data\":\"ENC\"}}\n\n"
      "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      "data: "
      "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
      "\"id\":\"t1\",\"name\":\"n\",\"input\":{}}}\n\n"
      "data: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
      "data: "
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_"
      "tokens\":9}}\n\n"
      "data: {\"type\":\"message_stop\"}\n\n";
  Decoded d = decode(Api::kMessages, s);
  EXPECT_EQ(d.events,
            (std::vector<std::string>{"tool:t1 n {}", "done:max_tokens in=3 out=9 think=0"}));
  ASSERT_EQ(d.result.assistant.blocks.size(), 2u);
  EXPECT_EQ(d.result.assistant.blocks[0].opaque, R"({"type":"redacted_thinking","data":"ENC"})");
}

TEST(llm_decoder, OpenAiResponsesReasoningTextFunctionCall) {
  Decoded d = decode(Api::kResponses, read_fixture("openai-responses-tool-use.sse"));
  EXPECT_EQ(d.events, kResponsesEvents);
  const auto &blocks = d.result.assistant.blocks;
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_NE(blocks[0].opaque.find("gAAAAABpFixtureEncryptedReasoningNotReal=="), std::string::npos);
  EXPECT_NE(blocks[1].opaque.find("msg_PvpFixture0001"), std::string::npos);
  EXPECT_NE(blocks[2].opaque.find("fc_PvpFixture0001"), std::string::npos);
}

TEST(llm_decoder, OpenAiResponsesFailedAndErrorEvents) {
  Decoded failed = decode(
      Api::kResponses,
      std::string(
          "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":"
          "\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"boom\"}}}\n\n"));
  EXPECT_EQ(failed.events,
            std::vector<std::string>{"done:error in=0 out=0 think=0 PROVIDER_ERROR"});
  EXPECT_NE(failed.result.error_message.find("boom"), std::string::npos);
  Decoded error = decode(Api::kResponses,
                         std::string("data: {\"type\":\"error\",\"code\":\"rate_limit_exceeded\","
                                     "\"message\":\"slow down\"}\n\n"));
  EXPECT_EQ(error.events, std::vector<std::string>{"done:error in=0 out=0 think=0 RATE_LIMITED"});
}

TEST(llm_decoder, OpenAiChatTextToolCallsUsageDone) {
  Decoded d = decode(Api::kChat, read_fixture("openai-chat-tool-use.sse"));
  EXPECT_EQ(d.events, kChatEvents);
  ASSERT_EQ(d.result.assistant.blocks.size(), 2u);
  EXPECT_EQ(d.result.assistant.blocks[0].text, "I'll list the files in `src/` with their sizes.");
}

TEST(llm_decoder, OpenAiChatInterleavedCallsAreEmittedInIndexOrder) {
  std::string s =
      "data: "
      "{\"choices\":[{\"delta\":{\"reasoning_content\":\"hmm\",\"tool_calls\":[{\"index\":1,\"id\":"
      "\"b\",\"function\":{\"name\":\"nb\",\"arguments\":\"{\\\"x\\\"\"}}]}}]}\n\n"
      "data: "
      "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":"
      "\"na\",\"arguments\":\"\"}}]}}]}\n\n"
      "data: "
      "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\":1}\"}}"
      "]}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
      "data: [DONE]\n\n";
  Decoded d = decode(Api::kChat, s);
  EXPECT_EQ(d.events,
            (std::vector<std::string>{"thinking:hmm", "tool:a na {}", "tool:b nb {\"x\":1}",
                                      "done:tool_use in=0 out=0 think=0"}));
}

TEST(llm_decoder, OpenAiChatWithoutDoneAfterFinishReasonIsComplete) {
  std::string chat = read_fixture("openai-chat-tool-use.sse");
  Decoded d = decode(Api::kChat, chat.substr(0, chat.find("data: [DONE]")));
  EXPECT_EQ(d.events, kChatEvents);
}

TEST(llm_decoder, MalformedJsonIsBadStreamNotACrash) {
  std::string bytes = read_fixture("sse-edge-cases.sse");
  Decoded d = decode(Api::kMessages, bytes);
  EXPECT_EQ(d.events, std::vector<std::string>{"done:error in=1 out=1 think=0 BAD_STREAM"});
  EXPECT_NE(d.result.error_message.find("malformed JSON in 'content_block_start' event"),
            std::string::npos)
      << d.result.error_message;
  for (Api api : {Api::kResponses, Api::kChat}) {
    Decoded other = decode(api, std::string("data: {\"type\":\n\n"));
    EXPECT_EQ(other.result.error_code, "BAD_STREAM");
  }
}

TEST(llm_decoder, EdgeCaseFixtureWithoutTheBrokenEventDecodes) {
  std::string bytes = read_fixture("sse-edge-cases.sse");
  const std::string broken =
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\n\n";
  size_t at = bytes.find(broken);
  ASSERT_NE(at, std::string::npos);
  bytes.erase(at, broken.size());
  // The fixture's last event is unterminated: the stream is truncated.
  Decoded truncated = decode(Api::kMessages, bytes);
  EXPECT_EQ(truncated.events,
            (std::vector<std::string>{"text:multi-line data",
                                      "done:error in=1 out=5 think=0 BAD_STREAM"}));
  EXPECT_NE(truncated.result.error_message.find("message_stop"), std::string::npos);
  Decoded whole = decode(Api::kMessages, bytes + "\n\n");
  EXPECT_EQ(whole.events,
            (std::vector<std::string>{"text:multi-line data", "done:end_turn in=1 out=5 think=0"}));
}

TEST(llm_decoder, TruncatedStreamsAreErrors) {
  std::string anthropic = read_fixture("anthropic-tool-use.sse");
  Decoded a = decode(Api::kMessages, anthropic.substr(0, anthropic.find("event: message_stop")));
  EXPECT_EQ(a.result.finish, agent::FinishReason::kError);
  EXPECT_EQ(a.result.error_code, "BAD_STREAM");
  std::string responses = read_fixture("openai-responses-tool-use.sse");
  Decoded r =
      decode(Api::kResponses, responses.substr(0, responses.find("event: response.completed")));
  EXPECT_EQ(r.result.error_code, "BAD_STREAM");
  std::string chat = read_fixture("openai-chat-tool-use.sse");
  Decoded c =
      decode(Api::kChat, chat.substr(0, chat.find("\"finish_reason\":\"tool_calls\"") - 200));
  EXPECT_EQ(c.result.error_code, "BAD_STREAM");
  // A transport error mid-way keeps what was shown and reports the transport's code.
  Decoded t = decode(Api::kMessages, {std::string_view(anthropic).substr(0, 2000)},
                     StreamEnd{StreamEnd::Kind::kTransportError, "NETWORK", "connection reset"});
  EXPECT_EQ(t.result.error_code, "NETWORK");
  EXPECT_NE(t.result.error_message.find("connection reset"), std::string::npos);
}

TEST(llm_decoder, CancelledStreamDropsUnfinishedToolUse) {
  std::string anthropic = read_fixture("anthropic-tool-use.sse");
  // Cut inside the tool_use block's arguments.
  size_t cut = anthropic.find("timeout_ms");
  Decoded d = decode(Api::kMessages, {std::string_view(anthropic).substr(0, cut)},
                     StreamEnd{StreamEnd::Kind::kCancelled, {}, {}});
  EXPECT_EQ(d.result.finish, agent::FinishReason::kInterrupted);
  for (const auto &e : d.events) {
    EXPECT_NE(e.rfind("tool:", 0), 0u) << e;
  }
  ASSERT_EQ(d.result.assistant.blocks.size(), 2u);  // thinking + text, no tool_use
}

struct SplitCase {
  const char *fixture;
  Api api;
};

TEST(llm_decoder, EverySplitPositionGivesIdenticalEvents) {
  for (SplitCase c : {SplitCase{"anthropic-tool-use.sse", Api::kMessages},
                      SplitCase{"anthropic-overloaded-midstream.sse", Api::kMessages},
                      SplitCase{"openai-responses-tool-use.sse", Api::kResponses},
                      SplitCase{"openai-chat-tool-use.sse", Api::kChat},
                      SplitCase{"sse-edge-cases.sse", Api::kMessages}}) {
    std::string bytes = read_fixture(c.fixture);
    std::string_view v(bytes);
    Decoded whole = decode(c.api, bytes);
    for (size_t cut = 0; cut <= v.size(); ++cut) {
      Decoded split = decode(c.api, {v.substr(0, cut), v.substr(cut)});
      ASSERT_EQ(split.events, whole.events) << c.fixture << " cut at " << cut;
    }
    std::vector<std::string_view> bytewise;
    for (size_t i = 0; i < v.size(); ++i) {
      bytewise.push_back(v.substr(i, 1));
    }
    EXPECT_EQ(decode(c.api, bytewise).events, whole.events) << c.fixture;
  }
}

}  // namespace
}  // namespace pvpd::llm
