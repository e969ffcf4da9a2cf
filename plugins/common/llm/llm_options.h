// LlmOptions: everything an LlmBrain needs to talk to one provider endpoint (which API, where,
// which model, thinking, timeouts, retries, credentials, extra headers).
//
// The agent plugins fill it from their configuration; the API key is resolved by the plugin
// (host credential or environment variable) and only ever travels in a request header: it is
// never logged, never put in an error message (messages are scrubbed of it), never persisted.
//
// THREAD: plain value. OWNERSHIP: copied into the brain. LIFETIME: n/a.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pvpd::llm {

enum class Provider { kAnthropic, kOpenAi };
// kMessages: Anthropic Messages; kResponses: OpenAI Responses; kChat: (OpenAI-compatible) Chat
// Completions.
enum class Api { kMessages, kResponses, kChat };

const char *provider_name(Provider p);
const char *api_name(Api a);
bool parse_provider(std::string_view name, Provider *out);
bool parse_api(std::string_view name, Api *out);

struct ThinkingOptions {
  // kOff: no thinking/reasoning parameters at all (models without reasoning).
  // kAdaptive: Anthropic {type:"adaptive", display} + output_config.effort; OpenAI effort.
  // kBudget: Anthropic {type:"enabled", budget_tokens} (models up to the 4.5 era); OpenAI
  // treats it like kAdaptive (effort).
  enum class Mode { kOff, kAdaptive, kBudget };
  Mode mode = Mode::kAdaptive;
  uint32_t budget_tokens = 0;
  std::string effort = "medium";       // low | medium | high | ...; empty: provider default
  std::string display = "summarized";  // Anthropic adaptive display (Opus 4.7+ default "omitted")
  std::string summary = "auto";        // OpenAI Responses reasoning.summary
};
bool parse_thinking_mode(std::string_view name, ThinkingOptions::Mode *out);

struct LlmOptions {
  Provider provider = Provider::kAnthropic;
  Api api = Api::kMessages;
  // Anthropic: https://api.anthropic.com (the path /v1/messages is appended). OpenAI:
  // https://api.openai.com/v1 (/responses or /chat/completions appended), as the SDKs do.
  std::string base_url;
  std::string model;
  uint32_t max_tokens = 16000;  // 0: not sent (OpenAI only; Anthropic requires it)
  ThinkingOptions thinking;
  std::string anthropic_version = "2026-10-21";
  std::string chat_system_role = "developer";  // Chat Completions: "developer" or "system"

  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds idle_timeout{90000};  // no byte (pings count) for this long
  std::chrono::milliseconds total_timeout{0};     // whole request; 0: none
  uint32_t max_retries = 2;                       // attempts = 1 + max_retries
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_max{8000};
  std::chrono::milliseconds max_retry_after{60000};  // a longer retry-after is not honoured

  std::string api_key;  // secret: header only
  std::vector<std::pair<std::string, std::string>> extra_headers;

  // Optional diagnostics (retries, give-ups); messages never contain the key. Called on the
  // brain's worker thread.
  std::function<void(std::string_view message)> log;
};

// The provider's default base URL when options.base_url is empty.
std::string effective_base_url(const LlmOptions &o);
// The full request URL for the options' API.
std::string request_url(const LlmOptions &o);
// Empty when the options are usable, else why not (no secret in it).
std::string validate(const LlmOptions &o);

}  // namespace pvpd::llm
