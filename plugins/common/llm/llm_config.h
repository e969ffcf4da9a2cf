// LlmPluginConfig: the LLM agent plugins' own configuration keys (endpoint, model, thinking,
// timeouts, retries, where the API key comes from), parsed from the instance's normalized
// config JSON into LlmOptions. The option-table side is llm_agent_plugin.h.
//
// The key itself is never a config value: `api_key_credential` names a host credential
// (systemd LoadCredential / credentials_dir) and `api_key_env` an environment variable; the
// plugin resolves them (llm_agent_plugin.h).
//
// THREAD: pure. OWNERSHIP / LIFETIME: plain values.
#pragma once

#include <string>
#include <string_view>

#include "llm/llm_options.h"

namespace pvpd::llm {

struct LlmPluginConfig {
  LlmOptions llm;  // api_key still empty
  std::string api_key_credential;
  std::string api_key_env;
};

// Defaults for `provider` (Anthropic: messages, max_tokens 16000; OpenAI: responses, max_tokens
// unset), then the config's keys. Returns "" or the first problem as "<json pointer>: message".
std::string parse_llm_config(std::string_view config_json, Provider provider, LlmPluginConfig *out);

}  // namespace pvpd::llm
