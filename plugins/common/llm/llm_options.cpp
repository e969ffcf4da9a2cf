#include "llm/llm_options.h"

namespace pvpd::llm {

const char *provider_name(Provider p) {
  switch (p) {
    case Provider::kAnthropic: return "anthropic";
    case Provider::kOpenAi: return "openai";
  }
  return "unknown";
}

const char *api_name(Api a) {
  switch (a) {
    case Api::kMessages: return "messages";
    case Api::kResponses: return "responses";
    case Api::kChat: return "chat";
  }
  return "unknown";
}

bool parse_provider(std::string_view name, Provider *out) {
  if (name == "anthropic") {
    *out = Provider::kAnthropic;
  } else if (name == "openai") {
    *out = Provider::kOpenAi;
  } else {
    return false;
  }
  return true;
}

bool parse_api(std::string_view name, Api *out) {
  if (name == "messages") {
    *out = Api::kMessages;
  } else if (name == "responses") {
    *out = Api::kResponses;
  } else if (name == "chat") {
    *out = Api::kChat;
  } else {
    return false;
  }
  return true;
}

bool parse_thinking_mode(std::string_view name, ThinkingOptions::Mode *out) {
  if (name == "off") {
    *out = ThinkingOptions::Mode::kOff;
  } else if (name == "adaptive") {
    *out = ThinkingOptions::Mode::kAdaptive;
  } else if (name == "budget") {
    *out = ThinkingOptions::Mode::kBudget;
  } else {
    return false;
  }
  return true;
}

std::string effective_base_url(const LlmOptions &o) {
  std::string base = o.base_url;
  if (base.empty()) {
    base = o.provider == Provider::kAnthropic ? "https://api.anthropic.com"
                                              : "https://api.openai.com/v1";
  }
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return base;
}

std::string request_url(const LlmOptions &o) {
  std::string base = effective_base_url(o);
  switch (o.api) {
    case Api::kMessages: return base + "/v1/messages";
    case Api::kResponses: return base + "/responses";
    case Api::kChat: return base + "/chat/completions";
  }
  return base;
}

std::string validate(const LlmOptions &o) {
  if (o.provider == Provider::kAnthropic && o.api != Api::kMessages) {
    return "provider anthropic speaks api 'messages' only";
  }
  if (o.provider == Provider::kOpenAi && o.api == Api::kMessages) {
    return "provider openai speaks api 'responses' or 'chat'";
  }
  if (o.model.empty()) {
    return "model is required";
  }
  if (o.api == Api::kMessages && o.max_tokens == 0) {
    return "max_tokens must be > 0 for the Anthropic Messages API";
  }
  if (o.api == Api::kMessages && o.thinking.mode == ThinkingOptions::Mode::kBudget &&
      (o.thinking.budget_tokens < 1024 || o.thinking.budget_tokens >= o.max_tokens)) {
    return "thinking budget_tokens must be >= 1024 and < max_tokens";
  }
  std::string base = effective_base_url(o);
  if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0) {
    return "base_url must start with http:// or https://";
  }
  if (o.backoff_base.count() <= 0 || o.backoff_max < o.backoff_base) {
    return "backoff_base must be > 0 and <= backoff_max";
  }
  if (o.connect_timeout.count() <= 0 || o.idle_timeout.count() < 1000) {
    return "connect_timeout must be > 0 and idle_timeout >= 1 s";
  }
  for (const auto &[name, value] : o.extra_headers) {
    if (name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return "extra header names/values must not contain ':' or line breaks";
    }
  }
  return {};
}

}  // namespace pvpd::llm
