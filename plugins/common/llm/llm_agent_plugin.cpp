#include "llm/llm_agent_plugin.h"

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "agent/agent_options.h"
#include "llm/llm_brain.h"

namespace pvpd::llm {
namespace {

LlmPluginConfig parse_or_throw(std::string_view config_json, Provider provider) {
  LlmPluginConfig config;
  if (std::string err = parse_llm_config(config_json, provider, &config); !err.empty()) {
    throw std::invalid_argument(err);
  }
  return config;
}

std::string resolve_key(const pvpd::Host &host, const LlmPluginConfig &config, Provider provider) {
  if (!config.api_key_credential.empty()) {
    pvpd_buf *buf = nullptr;
    pvpd_status s =
        host.api()->read_credential(host.ctx(), pvpd::to_str(config.api_key_credential), &buf);
    if (s != PVPD_OK || buf == nullptr) {
      throw std::invalid_argument("/api_key_credential: credential '" + config.api_key_credential +
                                  "' cannot be read (" + pvpd::status_name(s) + ")");
    }
    pvpd::BufRef ref(host.api(), buf);
    std::string key(ref.view());
    // Credential files usually end with a newline.
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) {
      key.pop_back();
    }
    if (key.empty()) {
      throw std::invalid_argument("/api_key_credential: credential '" + config.api_key_credential +
                                  "' is empty");
    }
    return key;
  }
  std::string env = config.api_key_env;
  bool explicit_env = !env.empty();
  if (!explicit_env) {
    env = provider == Provider::kAnthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
  }
  const char *value = std::getenv(env.c_str());
  if (value != nullptr && *value != '\0') {
    return value;
  }
  if (explicit_env) {
    throw std::invalid_argument("/api_key_env: environment variable " + env + " is not set");
  }
  return "";  // no key: fine for local OpenAI-compatible servers; a provider answers 401
}

}  // namespace

LlmAgentPlugin::LlmAgentPlugin(pvpd::Host host, std::string_view config_json, Provider provider,
                               std::string_view default_name)
    : AgentPlugin(host, config_json, default_name) {
  LlmPluginConfig config = parse_or_throw(config_json, provider);
  LlmOptions options = config.llm;
  options.api_key = resolve_key(host, config, provider);
  if (options.api_key.empty() && provider == Provider::kAnthropic) {
    throw std::invalid_argument(
        "/api_key_credential: no API key (set api_key_credential or api_key_env, or "
        "ANTHROPIC_API_KEY)");
  }
  if (mutable_options().model.empty()) {
    mutable_options().model = options.model;
  }
  options.log = [host](std::string_view message) { host.warn(message); };
  set_brain_factory(
      [options]() -> std::unique_ptr<agent::Brain> { return std::make_unique<LlmBrain>(options); });
}

void LlmAgentPlugin::validate_config(std::string_view config_json, Provider provider,
                                     pvpd::ValidationReport &report) {
  auto add = [&report](const std::string &err) {
    size_t colon = err.find(": ");
    if (colon == std::string::npos) {
      report.add("", err);
    } else {
      report.add(err.substr(0, colon), err.substr(colon + 2));
    }
  };
  LlmPluginConfig config;
  if (std::string err = parse_llm_config(config_json, provider, &config); !err.empty()) {
    add(err);
  }
  agent::AgentOptions options;
  if (std::string err = agent::parse_agent_options(config_json, &options, ""); !err.empty()) {
    add(err);
  }
}

}  // namespace pvpd::llm
