// LlmBrain over real HTTP against the in-process mock provider: streaming for each API,
// forwarding before the stream ends, cancel mid-stream, retries, errors, timeouts.
#include <gtest/gtest.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <rapidjson/document.h>

#include "llm/llm_brain.h"
#include "mock_llm_server.h"
#include "recording_sink.h"

namespace pvpd::llm {
namespace {

using std::chrono::milliseconds;
using testing::MockLlmServer;
using testing::MockResponse;
using testing::read_fixture;
using testing::RecordingSink;

constexpr const char *kKey = "sk-test-SECRET-0123456789";

agent::Conversation conversation() {
  agent::Conversation c;
  c.system = "You are a participant in a PVP collaboration session.";
  c.tools.push_back(agent::ToolSpec{
      "execute_shell_command",
      "Run a shell command in the session workspace. Humans approve it before it runs.",
      R"({"type":"object","properties":{"command":{"type":"string"}},"required":["command"]})"});
  agent::Turn user;
  user.blocks.push_back(testing::make_block(agent::ContentBlock::Kind::kText,
                                            "Which files under src/ are the biggest?"));
  c.turns.push_back(user);
  return c;
}

LlmOptions options_for(const MockLlmServer &server, Api api) {
  LlmOptions o;
  o.api = api;
  o.provider = api == Api::kMessages ? Provider::kAnthropic : Provider::kOpenAi;
  o.base_url = server.base_url() + (api == Api::kMessages ? "" : "/v1");
  o.model = api == Api::kMessages ? "claude-sonnet-4-6" : "gpt-5";
  o.api_key = kKey;
  o.max_retries = 2;
  o.backoff_base = milliseconds(10);
  o.backoff_max = milliseconds(50);
  o.connect_timeout = milliseconds(5000);
  o.idle_timeout = milliseconds(10000);
  return o;
}

std::vector<std::string> expected_events(Api api) {
  std::vector<std::string> tool = {
      "done:tool_use in=1180 out=214 think=128",
  };
  switch (api) {
    case Api::kMessages:
      return {"thinking:The user wants to know which files in src/ are large. ",
              "thinking:I should list the directory with sizes before suggesting anything; ",
              "thinking:a read-only `ls -la` is enough.",
              "text:I'll list the ",
              "text:files in `src/` with their sizes ",
              "text:so we can see what is large.",
              "tool:toolu_01PvpFixtureToolUse0001 execute_shell_command "
              "{\"command\":\"ls -la src\",\"timeout_ms\":10000}",
              "done:tool_use in=1214 out=187 think=0"};
    case Api::kResponses:
      return {"thinking:**Listing the directory**\n\n",
              "thinking:The user wants the largest files in src/. ",
              "thinking:A read-only listing with sizes answers that.",
              "text:I'll list ",
              "text:the files in `src/` ",
              "text:with their sizes.",
              "tool:call_PvpFixtureCall0001 execute_shell_command "
              "{\"command\":\"ls -la src\",\"timeout_ms\":10000}",
              "done:tool_use in=1180 out=214 think=128"};
    case Api::kChat:
      return {"text:I'll list ", "text:the files in `src/` ", "text:with their sizes.",
              "tool:call_PvpFixtureCall0001 execute_shell_command "
              "{\"command\":\"ls -la src\",\"timeout_ms\":10000}",
              "done:tool_use in=1180 out=214 think=128"};
  }
  return {};
}

const char *fixture_for(Api api) {
  switch (api) {
    case Api::kMessages: return "anthropic-tool-use.sse";
    case Api::kResponses: return "openai-responses-tool-use.sse";
    case Api::kChat: return "openai-chat-tool-use.sse";
  }
  return "";
}

class llm_brain_http : public ::testing::TestWithParam<Api> {};

TEST_P(llm_brain_http, StreamsTheFixtureAndSendsTheRightRequest) {
  Api api = GetParam();
  MockLlmServer server;
  MockResponse response = MockLlmServer::sse(read_fixture(fixture_for(api)));
  // The last chunk waits until the test saw a delta: deltas must arrive before the end.
  response.gate_before = response.chunks.size() - 1;
  server.enqueue(response);
  RecordingSink sink;
  LlmBrain brain(options_for(server, api));
  brain.generate(conversation(), sink);
  ASSERT_TRUE(sink.wait_for([](const std::string &e) { return e.rfind("text:", 0) == 0; }))
      << "no text delta before the stream's last chunk was released";
  EXPECT_EQ(sink.done_count(), 0);
  server.release_gate();
  ASSERT_TRUE(sink.wait_done());
  EXPECT_EQ(sink.events(), expected_events(api));

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto &req = requests[0];
  EXPECT_EQ(req.method, "POST");
  rapidjson::Document body;
  ASSERT_FALSE(body.Parse(req.body.c_str()).HasParseError());
  EXPECT_TRUE(body["stream"].GetBool());
  EXPECT_EQ(req.headers.at("content-type"), "application/json");
  if (api == Api::kMessages) {
    EXPECT_EQ(req.uri, "/v1/messages");
    EXPECT_EQ(req.headers.at("x-api-key"), kKey);
    EXPECT_EQ(req.headers.at("anthropic-version"), "2026-10-21");
    EXPECT_EQ(req.headers.count("authorization"), 0u);
    EXPECT_STREQ(body["thinking"]["display"].GetString(), "summarized");
  } else {
    EXPECT_EQ(req.uri, api == Api::kResponses ? "/v1/responses" : "/v1/chat/completions");
    EXPECT_EQ(req.headers.at("authorization"), std::string("Bearer ") + kKey);
    EXPECT_EQ(req.headers.count("x-api-key"), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(apis, llm_brain_http,
                         ::testing::Values(Api::kMessages, Api::kResponses, Api::kChat),
                         [](const ::testing::TestParamInfo<Api> &p) {
                           return std::string(api_name(p.param));
                         });

TEST(llm_brain_http_cases, CancelMidStreamInterruptsAndDisconnects) {
  MockLlmServer server;
  std::string fixture = read_fixture("anthropic-tool-use.sse");
  MockResponse response = MockLlmServer::sse(fixture.substr(
      0, fixture.find(
             "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}")));
  response.hold_open = true;
  server.enqueue(response);
  RecordingSink sink;
  LlmBrain brain(options_for(server, Api::kMessages));
  brain.generate(conversation(), sink);
  ASSERT_TRUE(
      sink.wait_for([](const std::string &e) { return e == "text:so we can see what is large."; }));
  brain.cancel();
  // The mock keeps streaming for 20 s: only a real abort ends the generation this early.
  ASSERT_TRUE(sink.wait_done(milliseconds(3000)));
  agent::GenerationResult r = sink.result();
  EXPECT_EQ(r.finish, agent::FinishReason::kInterrupted);
  ASSERT_EQ(r.assistant.blocks.size(), 2u);  // signed thinking + partial text
  EXPECT_EQ(r.assistant.blocks[1].text,
            "I'll list the files in `src/` with their sizes so we can see what is large.");
  EXPECT_TRUE(server.wait_for_disconnect(milliseconds(5000)));
  EXPECT_EQ(sink.done_count(), 1);
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(llm_brain_http_cases, CancelFromInsideADeltaStopsFurtherEvents) {
  MockLlmServer server;
  MockResponse response = MockLlmServer::sse(read_fixture("openai-chat-tool-use.sse"));
  response.delay = milliseconds(0);
  server.enqueue(response);
  RecordingSink sink;
  LlmBrain brain(options_for(server, Api::kChat));
  sink.on_event = [&brain](const std::string &) { brain.cancel(); };
  brain.generate(conversation(), sink);
  ASSERT_TRUE(sink.wait_done());
  EXPECT_EQ(sink.events(),
            (std::vector<std::string>{"text:I'll list ", "done:interrupted in=0 out=0 think=0"}));
}

TEST(llm_brain_http_cases, InterruptedTurnKeepsOnlyToolCallsTheAgentSaw) {
  MockLlmServer server;
  MockResponse response;
  response.chunks = {read_fixture("anthropic-tool-use.sse")};  // one chunk: decoded in one go
  server.enqueue(response);
  RecordingSink sink;
  LlmBrain brain(options_for(server, Api::kMessages));
  sink.on_event = [&brain](const std::string &e) {
    if (e.rfind("text:", 0) == 0) {
      brain.cancel();
    }
  };
  brain.generate(conversation(), sink);
  ASSERT_TRUE(sink.wait_done());
  agent::GenerationResult r = sink.result();
  EXPECT_EQ(r.finish, agent::FinishReason::kInterrupted);
  for (const auto &e : sink.events()) {
    EXPECT_NE(e.rfind("tool:", 0), 0u) << e;
  }
  for (const auto &b : r.assistant.blocks) {
    EXPECT_NE(b.kind, agent::ContentBlock::Kind::kToolUse) << "a tool_use nobody was told about";
  }
}

TEST(llm_brain_http_cases, RateLimitedWithRetryAfterThenSuccess) {
  MockLlmServer server;
  MockResponse limited = MockLlmServer::json_error(
      429, R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})");
  limited.headers = {{"retry-after", "1"}};
  server.enqueue(limited);
  server.enqueue(MockLlmServer::sse(read_fixture("anthropic-tool-use.sse")));
  RecordingSink sink;
  std::vector<std::string> logs;
  LlmOptions o = options_for(server, Api::kMessages);
  o.log = [&logs](std::string_view m) { logs.emplace_back(m); };
  LlmBrain brain(o);
  brain.generate(conversation(), sink);
  ASSERT_TRUE(sink.wait_done());
  EXPECT_EQ(sink.events(), expected_events(Api::kMessages));  // delivered once
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(requests[1].at - requests[0].at, milliseconds(1000));  // retry-after honoured
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_NE(logs[0].find("RATE_LIMITED"), std::string::npos) << logs[0];
  EXPECT_EQ(logs[0].find(kKey), std::string::npos);
}

TEST(llm_brain_http_cases, OverloadedBeforeOutputIsRetriedAfterOutputIsAnError) {
  MockLlmServer server;
  server.enqueue(MockLlmServer::json_error(
      529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
  server.enqueue(MockLlmServer::sse(read_fixture("anthropic-overloaded-midstream.sse")));
  RecordingSink sink;
  LlmBrain brain(options_for(server, Api::kMessages));
  brain.generate(conversation(), sink);
  ASSERT_TRUE(sink.wait_done());
  EXPECT_EQ(sink.events(),
            (std::vector<std::string>{"text:Let me", "done:error in=31 out=1 think=0 OVERLOADED"}));
  EXPECT_EQ(server.request_count(), 2u);  // 529 retried; the mid-stream error is not
  EXPECT_NE(sink.result().error_message.find("Overloaded"), std::string::npos);
}

TEST(llm_brain_http_cases, UnauthorizedIsAuthErrorWithTheProvidersMessage) {
  MockLlmServer server;
  server.enqueue(MockLlmServer::json_error(
      401,
      R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})"));
  RecordingSink sink;
  LlmBrain brain(options_for(server, Api::kMessages));
  brain.generate(conversation(), sink);
  ASSERT_TRUE(sink.wait_done());
  agent::GenerationResult r = sink.result();
  EXPECT_EQ(r.finish, agent::FinishReason::kError);
  EXPECT_EQ(r.error_code, "AUTH");
  EXPECT_NE(r.error_message.find("invalid x-api-key"), std::string::npos) << r.error_message;
  EXPECT_NE(r.error_message.find("401"), std::string::npos);
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(llm_brain_http_cases, ProviderMessageEchoingTheKeyIsScrubbed) {
  MockLlmServer server;
  server.enqueue(MockLlmServer::json_error(
      400, std::string(R"({"error":{"message":"Incorrect API key provided: )") + kKey +
               R"(","type":"invalid_request_error","code":"invalid_api_key"}})"));
  RecordingSink sink;
  LlmBrain brain(options_for(server, Api::kResponses));
  brain.generate(conversation(), sink);
  ASSERT_TRUE(sink.wait_done());
  agent::GenerationResult r = sink.result();
  EXPECT_EQ(r.error_code, "HTTP_4XX");
  EXPECT_EQ(r.error_message.find(kKey), std::string::npos) << r.error_message;
  EXPECT_NE(r.error_message.find("[REDACTED]"), std::string::npos);
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(llm_brain_http_cases, MalformedSseIsBadStream) {
  MockLlmServer server;
  server.enqueue(MockLlmServer::sse(read_fixture("sse-edge-cases.sse")));
  RecordingSink sink;
  LlmBrain brain(options_for(server, Api::kMessages));
  brain.generate(conversation(), sink);
  ASSERT_TRUE(sink.wait_done());
  EXPECT_EQ(sink.events(), std::vector<std::string>{"done:error in=1 out=1 think=0 BAD_STREAM"});
  EXPECT_EQ(server.request_count(), 1u);  // a malformed stream is not retried
}

TEST(llm_brain_http_cases, StreamThatBreaksMidWayEndsInError) {
  MockLlmServer server;
  std::string fixture = read_fixture("openai-responses-tool-use.sse");
  server.enqueue(
      MockLlmServer::sse(fixture.substr(0, fixture.find("event: response.output_text.done"))));
  RecordingSink sink;
  LlmBrain brain(options_for(server, Api::kResponses));
  brain.generate(conversation(), sink);
  ASSERT_TRUE(sink.wait_done());
  agent::GenerationResult r = sink.result();
  EXPECT_EQ(r.finish, agent::FinishReason::kError);
  EXPECT_EQ(r.error_code, "BAD_STREAM");
  EXPECT_EQ(server.request_count(), 1u);  // output was shown: never silently re-run
  EXPECT_EQ(sink.events().size(), 7u);    // 3 thinking + 3 text + done
}

TEST(llm_brain_http_cases, ConnectionRefusedIsRetriedThenNetworkError) {
  unsigned short port = 0;
  {
    Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = probe.address().port();
  }
  LlmOptions o;
  o.provider = Provider::kOpenAi;
  o.api = Api::kChat;
  o.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  o.model = "m";
  o.max_retries = 1;
  o.backoff_base = milliseconds(5);
  o.backoff_max = milliseconds(5);
  std::vector<std::string> logs;
  o.log = [&logs](std::string_view m) { logs.emplace_back(m); };
  RecordingSink sink;
  LlmBrain brain(o);
  brain.generate(conversation(), sink);
  ASSERT_TRUE(sink.wait_done());
  EXPECT_EQ(sink.result().error_code, "NETWORK");
  EXPECT_EQ(logs.size(), 1u);
}

TEST(llm_brain_http_cases, IdleStreamTimesOut) {
  MockLlmServer server;
  MockResponse stalled;
  stalled.stall = milliseconds(15000);
  server.enqueue(stalled);
  LlmOptions o = options_for(server, Api::kMessages);
  o.idle_timeout = milliseconds(1000);
  o.max_retries = 0;
  RecordingSink sink;
  LlmBrain brain(o);
  brain.generate(conversation(), sink);
  // The mock stalls for 15 s: only the idle watchdog ends the request earlier.
  ASSERT_TRUE(sink.wait_done(milliseconds(12000)));
  EXPECT_EQ(sink.result().error_code, "TIMEOUT");
}

TEST(llm_brain_http_cases, DestroyingTheBrainInterruptsAndDeliversOnDone) {
  MockLlmServer server;
  MockResponse response = MockLlmServer::sse(read_fixture("anthropic-tool-use.sse"));
  response.hold_open = true;
  server.enqueue(response);
  RecordingSink sink;
  {
    LlmBrain brain(options_for(server, Api::kMessages));
    brain.generate(conversation(), sink);
    ASSERT_TRUE(sink.wait_for([](const std::string &e) { return e.rfind("tool:", 0) == 0; }));
  }
  EXPECT_EQ(sink.done_count(), 1);
  EXPECT_EQ(sink.result().finish, agent::FinishReason::kInterrupted);
}

TEST(llm_brain_http_cases, TwoGenerationsInARowReuseTheWorker) {
  MockLlmServer server;
  server.enqueue(MockLlmServer::sse(read_fixture("openai-chat-tool-use.sse")));
  server.enqueue(MockLlmServer::sse(read_fixture("openai-chat-tool-use.sse")));
  LlmBrain brain(options_for(server, Api::kChat));
  for (int i = 0; i < 2; ++i) {
    RecordingSink sink;
    brain.generate(conversation(), sink);
    ASSERT_TRUE(sink.wait_done());
    EXPECT_EQ(sink.events(), expected_events(Api::kChat));
  }
  EXPECT_EQ(server.request_count(), 2u);
}

}  // namespace
}  // namespace pvpd::llm
