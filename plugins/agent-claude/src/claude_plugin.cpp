// pvpd-agent-claude: a PVP agent participant whose brain is Claude (Anthropic Messages API,
// streaming, adaptive or budget thinking, tool use). The PVP side is the shared agent core;
// the model side is LlmBrain (plugins/common/llm).
//
// THREAD / OWNERSHIP / LIFETIME: as AgentPlugin (plugins/common/agent/agent_plugin.h); each
// session's LlmBrain owns one HTTP worker thread.
#include <pvpd/plugin.hpp>

#include <string_view>

#include "agent/agent_options.h"
#include "llm/llm_agent_plugin.h"

namespace pvpd::claude {
namespace {

inline constexpr pvpd_option_desc kOptions[] = {
    PVPD_AGENT_COMMON_OPTIONS,
    PVPD_LLM_COMMON_OPTIONS,
    pvpd::option_string("model", "\"claude-sonnet-4-6\"", "Anthropic model id."),
    pvpd::option_string("base_url", "\"https://api.anthropic.com\"",
                        "API root; /v1/messages is appended (a gateway or a test server)."),
    pvpd::option(PVPD_OPT_INT, "max_tokens", "16000", "Output token limit per generation.",
                 PVPD_OPT_RANGE, nullptr, 1, 1000000),
    pvpd::option_string("anthropic_version", "\"2026-10-21\"", "anthropic-version header."),
    pvpd::option(PVPD_OPT_STRING, "thinking.mode", "\"adaptive\"",
                 "adaptive (Claude decides; 4.6+ models), budget (type enabled with "
                 "budget_tokens; up to 4.5 models) or off.",
                 0, "adaptive|budget|off"),
    pvpd::option(PVPD_OPT_INT, "thinking.budget_tokens", "0",
                 "Thinking budget for mode budget (>= 1024, < max_tokens).", PVPD_OPT_RANGE,
                 nullptr, 0, 1000000),
    pvpd::option_string("thinking.effort", "\"medium\"",
                        "output_config.effort for adaptive thinking (low|medium|high|xhigh|max)."),
    pvpd::option(PVPD_OPT_STRING, "thinking.display", "\"summarized\"",
                 "Thinking text shown as thinking.chunk (omitted = signature only).", 0,
                 "summarized|omitted"),
};

class ClaudeAgentPlugin final : public llm::LlmAgentPlugin {
 public:
  ClaudeAgentPlugin(pvpd::Host host, std::string_view config_json)
      : LlmAgentPlugin(host, config_json, llm::Provider::kAnthropic, "Claude") {}

  static void validate(std::string_view config_json, pvpd::ValidationReport &report) {
    validate_config(config_json, llm::Provider::kAnthropic, report);
  }
};

}  // namespace
}  // namespace pvpd::claude

PVPD_PLUGIN(pvpd::claude::ClaudeAgentPlugin, "agent-claude", "0.1.0",
            "Agent participant backed by the Anthropic Messages API (streaming, thinking, tools)",
            "MIT", PVPD_KIND_AGENT, pvpd::claude::kOptions)
