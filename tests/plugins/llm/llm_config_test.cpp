// parse_llm_config: the agent plugins' LLM keys, defaults per provider, and errors that name
// the offending key.
#include <gtest/gtest.h>

#include "llm/llm_config.h"

namespace pvpd::llm {
namespace {

TEST(llm_config, DefaultsPerProvider) {
  LlmPluginConfig c;
  ASSERT_EQ(parse_llm_config("{}", Provider::kAnthropic, &c), "");
  EXPECT_EQ(c.llm.api, Api::kMessages);
  EXPECT_EQ(c.llm.max_tokens, 16000u);
  EXPECT_EQ(request_url(c.llm), "https://api.anthropic.com/v1/messages");
  ASSERT_EQ(parse_llm_config("", Provider::kOpenAi, &c), "");
  EXPECT_EQ(c.llm.api, Api::kResponses);
  EXPECT_EQ(c.llm.max_tokens, 0u);
  EXPECT_EQ(request_url(c.llm), "https://api.openai.com/v1/responses");
}

TEST(llm_config, ReadsEveryKey) {
  LlmPluginConfig c;
  ASSERT_EQ(parse_llm_config(
                R"({"api":"chat","base_url":"http://127.0.0.1:11434/v1","model":"llama3",)"
                R"("max_tokens":512,"thinking":{"mode":"off","effort":"low","summary":"detailed"},)"
                R"("connect_timeout":2000,"idle_timeout":30000,"total_timeout":60000,)"
                R"("max_retries":5,"backoff_base":100,"backoff_max":2000,)"
                R"("api_key_env":"MY_KEY","extra_headers":{"OpenAI-Project":"p1"},)"
                R"("chat_system_role":"system","auto_join":true,"price":{"input_per_mtok":1}})",
                Provider::kOpenAi, &c),
            "");
  EXPECT_EQ(c.llm.api, Api::kChat);
  EXPECT_EQ(request_url(c.llm), "http://127.0.0.1:11434/v1/chat/completions");
  EXPECT_EQ(c.llm.model, "llama3");
  EXPECT_EQ(c.llm.max_tokens, 512u);
  EXPECT_EQ(c.llm.thinking.mode, ThinkingOptions::Mode::kOff);
  EXPECT_EQ(c.llm.thinking.summary, "detailed");
  EXPECT_EQ(c.llm.connect_timeout.count(), 2000);
  EXPECT_EQ(c.llm.idle_timeout.count(), 30000);
  EXPECT_EQ(c.llm.total_timeout.count(), 60000);
  EXPECT_EQ(c.llm.max_retries, 5u);
  EXPECT_EQ(c.llm.backoff_base.count(), 100);
  EXPECT_EQ(c.llm.backoff_max.count(), 2000);
  EXPECT_EQ(c.api_key_env, "MY_KEY");
  ASSERT_EQ(c.llm.extra_headers.size(), 1u);
  EXPECT_EQ(c.llm.extra_headers[0].first, "OpenAI-Project");
  EXPECT_EQ(c.llm.chat_system_role, "system");
  EXPECT_TRUE(c.llm.api_key.empty());
}

TEST(llm_config, ErrorsNameTheKey) {
  LlmPluginConfig c;
  EXPECT_EQ(parse_llm_config(R"({"api":"messages"})", Provider::kOpenAi, &c).substr(0, 1), ":");
  EXPECT_EQ(parse_llm_config(R"({"api":"nope"})", Provider::kOpenAi, &c),
            "/api: must be messages, responses or chat");
  EXPECT_EQ(parse_llm_config(R"({"thinking":{"mode":"max"}})", Provider::kAnthropic, &c),
            "/thinking/mode: must be adaptive, budget or off");
  EXPECT_EQ(parse_llm_config(R"({"max_tokens":-1})", Provider::kAnthropic, &c),
            "/max_tokens: must be a non-negative integer");
  EXPECT_EQ(parse_llm_config(R"({"extra_headers":{"a":1}})", Provider::kAnthropic, &c),
            "/extra_headers: values must be strings");
  EXPECT_EQ(
      parse_llm_config(R"({"api_key_env":"A","api_key_credential":"b"})", Provider::kAnthropic, &c),
      "/api_key_credential: set api_key_credential or api_key_env, not both");
  EXPECT_NE(parse_llm_config(R"({"thinking":{"mode":"budget","budget_tokens":10}})",
                             Provider::kAnthropic, &c),
            "");
  EXPECT_NE(parse_llm_config("[1]", Provider::kAnthropic, &c), "");
}

}  // namespace
}  // namespace pvpd::llm
