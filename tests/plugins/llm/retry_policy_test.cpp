// Retry policy, options validation and the price helper.
#include <gtest/gtest.h>

#include "llm/llm_options.h"
#include "llm/pricing.h"
#include "llm/retry_policy.h"

namespace pvpd::llm {
namespace {

using std::chrono::milliseconds;

TEST(llm_retry, RetryableStatuses) {
  for (long s : {408L, 409L, 429L, 500L, 502L, 503L, 504L, 529L}) {
    EXPECT_TRUE(retryable_status(s)) << s;
  }
  for (long s : {200L, 400L, 401L, 403L, 404L, 413L, 501L}) {
    EXPECT_FALSE(retryable_status(s)) << s;
  }
}

TEST(llm_retry, RetryAfterSecondsAndHttpDate) {
  auto now = std::chrono::system_clock::from_time_t(1795312000);  // Wed, 28 Nov 2026 ...
  EXPECT_EQ(parse_retry_after("1", now), milliseconds(1000));
  EXPECT_EQ(parse_retry_after(" 2.5 ", now), milliseconds(2500));
  EXPECT_EQ(parse_retry_after("0", now), milliseconds(0));
  EXPECT_FALSE(parse_retry_after("soon", now).has_value());
  EXPECT_FALSE(parse_retry_after("", now).has_value());
  EXPECT_FALSE(parse_retry_after("-1", now).has_value());
  // 1795312000 + 30 s as an IMF-fixdate.
  time_t later = 1795312030;
  char buf[64];
  std::tm tm{};
  gmtime_r(&later, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  EXPECT_EQ(parse_retry_after(buf, now), milliseconds(30000)) << buf;
  time_t earlier = 1795311000;
  gmtime_r(&earlier, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  EXPECT_EQ(parse_retry_after(buf, now), milliseconds(0));
}

TEST(llm_retry, FullJitterStaysWithinTheCappedExponential) {
  std::mt19937_64 rng(7);
  for (uint32_t attempt = 0; attempt < 8; ++attempt) {
    int64_t ceiling = std::min<int64_t>(8000, 500LL << attempt);
    int64_t seen_max = 0;
    for (int i = 0; i < 200; ++i) {
      auto d = backoff_delay(attempt, milliseconds(500), milliseconds(8000), rng);
      EXPECT_GE(d.count(), 0);
      EXPECT_LE(d.count(), ceiling);
      seen_max = std::max(seen_max, d.count());
    }
    EXPECT_GT(seen_max, ceiling / 2);  // jitter spans the range, not a constant
  }
}

TEST(llm_retry, CostFromPriceTable) {
  agent::Usage u;
  u.input_tokens = 1'000'000;
  u.output_tokens = 500'000;
  u.thinking_tokens = 100'000;  // already part of output_tokens
  EXPECT_DOUBLE_EQ(cost_usd(u, Price{3.0, 15.0}), 3.0 + 7.5);
  EXPECT_DOUBLE_EQ(cost_usd(agent::Usage{}, Price{3.0, 15.0}), 0.0);
}

TEST(llm_options, Validation) {
  LlmOptions o;
  o.model = "m";
  EXPECT_EQ(validate(o), "");
  EXPECT_EQ(request_url(o), "https://api.anthropic.com/v1/messages");
  o.api = Api::kChat;
  EXPECT_NE(validate(o), "");
  o.provider = Provider::kOpenAi;
  o.base_url = "http://127.0.0.1:1/v1/";
  EXPECT_EQ(validate(o), "");
  EXPECT_EQ(request_url(o), "http://127.0.0.1:1/v1/chat/completions");
  o.extra_headers = {{"X-Evil", "a\r\nInjected: 1"}};
  EXPECT_NE(validate(o), "");
  o.extra_headers.clear();
  o.base_url = "ftp://x";
  EXPECT_NE(validate(o), "");
  LlmOptions budget;
  budget.model = "m";
  budget.thinking.mode = ThinkingOptions::Mode::kBudget;
  budget.thinking.budget_tokens = 100;
  EXPECT_NE(validate(budget), "");
}

}  // namespace
}  // namespace pvpd::llm
