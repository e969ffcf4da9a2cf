// LlmAgentPlugin: the agent core's AgentPlugin with an LlmBrain per session — the whole of
// pvpd-agent-claude.so and pvpd-agent-openai.so apart from their option tables and names.
//
// Construction parses the LLM keys (llm_config.h) and resolves the API key once: from the host
// credential named by `api_key_credential`, else the environment variable named by
// `api_key_env`, else the provider's conventional variable (ANTHROPIC_API_KEY /
// OPENAI_API_KEY). The key lives only in the brains' options and request headers: never
// logged, never in a config dump (it is not a config value at all).
//
// THREAD / OWNERSHIP / LIFETIME: as AgentPlugin (agent/agent_plugin.h); each session's
// LlmBrain owns one worker thread; retry diagnostics go to the host log (thread-safe).
#pragma once

#include <pvpd/plugin.hpp>

#include <string_view>

#include "agent/agent_plugin.h"
#include "llm/llm_config.h"

namespace pvpd::llm {

class LlmAgentPlugin : public agent::AgentPlugin {
 public:
  // Throws std::invalid_argument on a bad config or a missing key (the wrapper turns it into a
  // create error).
  LlmAgentPlugin(pvpd::Host host, std::string_view config_json, Provider provider,
                 std::string_view default_name);

  // For the concrete plugin's static validate(): the agent core's keys and the LLM keys.
  static void validate_config(std::string_view config_json, Provider provider,
                              pvpd::ValidationReport &report);
};

}  // namespace pvpd::llm

// Option-table entries both LLM agent plugins declare (after PVPD_AGENT_COMMON_OPTIONS); each
// adds `model`, `base_url`, `max_tokens` and its provider's thinking keys.
#define PVPD_LLM_COMMON_OPTIONS                                                                    \
  pvpd::option(PVPD_OPT_DURATION, "connect_timeout", "\"10s\"",                                    \
               "Time allowed to connect (TCP + TLS) to the provider.", PVPD_OPT_RANGE, nullptr, 1, \
               600000),                                                                            \
      pvpd::option(PVPD_OPT_DURATION, "idle_timeout", "\"90s\"",                                   \
                   "A stream that sends no byte (pings count) for this long fails with TIMEOUT.",  \
                   PVPD_OPT_RANGE, nullptr, 1000, 3600000),                                        \
      pvpd::option(PVPD_OPT_DURATION, "total_timeout", "0",                                        \
                   "Upper bound for one request, 0 = none."),                                      \
      pvpd::option(PVPD_OPT_INT, "max_retries", "2",                                               \
                   "Retries of a request that failed before any output (connection errors, "       \
                   "408/409/429/5xx/529).",                                                        \
                   PVPD_OPT_RANGE, nullptr, 0, 10),                                                \
      pvpd::option(PVPD_OPT_DURATION, "backoff_base", "\"500ms\"",                                 \
                   "First retry waits up to this long (full jitter, doubling per retry) unless "   \
                   "the provider sends retry-after.",                                              \
                   PVPD_OPT_RANGE, nullptr, 1, 600000),                                            \
      pvpd::option(PVPD_OPT_DURATION, "backoff_max", "\"8s\"", "Cap of the retry back-off.",       \
                   PVPD_OPT_RANGE, nullptr, 1, 600000),                                            \
      pvpd::option_string("api_key_credential", nullptr,                                           \
                          "Name of the host credential holding the API key (systemd "              \
                          "LoadCredential= or daemon.credentials_dir)."),                          \
      pvpd::option_string("api_key_env", nullptr,                                                  \
                          "Name of the environment variable holding the API key (default: the "    \
                          "provider's usual variable)."),                                          \
      pvpd::option(PVPD_OPT_ANY, "extra_headers", nullptr,                                         \
                   "Extra request headers {name: value} (gateways, organizations).",               \
                   PVPD_OPT_SECRET)
