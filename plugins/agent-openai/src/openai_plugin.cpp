// pvpd-agent-openai: a PVP agent participant whose brain is an OpenAI model (Responses API with
// reasoning summaries and function calls) or any OpenAI-compatible Chat Completions endpoint
// (vLLM, Ollama, LiteLLM, ...). The PVP side is the shared agent core; the model side is
// LlmBrain (plugins/common/llm).
//
// THREAD / OWNERSHIP / LIFETIME: as AgentPlugin (plugins/common/agent/agent_plugin.h); each
// session's LlmBrain owns one HTTP worker thread.
#include <pvpd/plugin.hpp>

#include <string_view>

#include "agent/agent_options.h"
#include "llm/llm_agent_plugin.h"

namespace pvpd::openai {
namespace {

inline constexpr pvpd_option_desc kOptions[] = {
    PVPD_AGENT_COMMON_OPTIONS,
    PVPD_LLM_COMMON_OPTIONS,
    pvpd::option(PVPD_OPT_STRING, "api", "\"responses\"",
                 "responses (OpenAI, reasoning summaries) or chat (Chat Completions, for "
                 "OpenAI-compatible servers).",
                 0, "responses|chat"),
    pvpd::option_string("model", "\"gpt-5\"", "Model id."),
    pvpd::option_string("base_url", "\"https://api.openai.com/v1\"",
                        "API root; /responses or /chat/completions is appended."),
    pvpd::option(PVPD_OPT_INT, "max_tokens", "0",
                 "Output token limit per generation (max_output_tokens / "
                 "max_completion_tokens); 0 = the provider's default.",
                 PVPD_OPT_RANGE, nullptr, 0, 1000000),
    pvpd::option(PVPD_OPT_STRING, "thinking.mode", "\"adaptive\"",
                 "adaptive/budget: send reasoning effort (and a summary request for "
                 "responses); off: no reasoning parameters (non-reasoning models).",
                 0, "adaptive|budget|off"),
    pvpd::option_string("thinking.effort", "\"medium\"",
                        "reasoning effort (minimal|low|medium|high|...)."),
    pvpd::option(PVPD_OPT_STRING, "thinking.summary", "\"auto\"",
                 "Responses reasoning summary, streamed as thinking.chunk.", 0,
                 "auto|concise|detailed"),
    pvpd::option(PVPD_OPT_STRING, "chat_system_role", "\"developer\"",
                 "Role of the system prompt for api chat (older servers want system).", 0,
                 "developer|system"),
};

class OpenAiAgentPlugin final : public llm::LlmAgentPlugin {
 public:
  OpenAiAgentPlugin(pvpd::Host host, std::string_view config_json)
      : LlmAgentPlugin(host, config_json, llm::Provider::kOpenAi, "OpenAI Agent") {}

  static void validate(std::string_view config_json, pvpd::ValidationReport &report) {
    validate_config(config_json, llm::Provider::kOpenAi, report);
  }
};

}  // namespace
}  // namespace pvpd::openai

PVPD_PLUGIN(pvpd::openai::OpenAiAgentPlugin, "agent-openai", "0.1.0",
            "Agent participant backed by the OpenAI Responses or Chat Completions API", "MIT",
            PVPD_KIND_AGENT, pvpd::openai::kOptions)
