// pvpd-agent-scripted: the offline, deterministic agent (issue 6). A full agent participant —
// joins sessions, streams thinking and responses, proposes gated tool calls and runs them in
// the session workspace, honours interrupts — whose "model" is a script (see script.h).
//
// THREAD / OWNERSHIP / LIFETIME: as AgentPlugin (plugins/common/agent/agent_plugin.h); each
// session's ScriptedBrain owns one pacing thread.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <pvpd/plugin.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "agent/agent_plugin.h"
#include "script.h"
#include "scripted_brain.h"

namespace pvpd::scripted {
namespace {

inline constexpr pvpd_option_desc kOptions[] = {
    PVPD_AGENT_COMMON_OPTIONS,
    pvpd::option(PVPD_OPT_ANY, "rules", nullptr,
                 "The script: a list of {match, think, respond, tools, after_tools, "
                 "after_refusal} rules (docs/plugins/agent-scripted.md); default: the demo."),
    pvpd::option_string("script_file", nullptr,
                        "A JSON file holding the rules list (instead of `rules`)."),
    pvpd::option(PVPD_OPT_DURATION, "pace", "\"40ms\"",
                 "Delay between streamed deltas (0 = as fast as possible).", PVPD_OPT_RANGE,
                 nullptr, 0, 60000),
    pvpd::option(PVPD_OPT_INT, "chunk_chars", "8", "Characters per streamed delta.", PVPD_OPT_RANGE,
                 nullptr, 1, 65536),
};

struct Settings {
  std::shared_ptr<const Script> script;
  Pace pace;
};

std::string read_settings(std::string_view config_json, Settings *out) {
  rapidjson::Document doc;
  std::string text(config_json.empty() ? std::string_view("{}") : config_json);
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return ": the instance config is not a JSON object";
  }
  std::string rules = std::string(builtin_demo_script());
  std::string where = "/rules";
  if (auto it = doc.FindMember("rules"); it != doc.MemberEnd() && !it->value.IsNull()) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    it->value.Accept(w);
    rules.assign(buf.GetString(), buf.GetSize());
  } else if (auto f = doc.FindMember("script_file"); f != doc.MemberEnd() && f->value.IsString()) {
    std::string path(f->value.GetString(), f->value.GetStringLength());
    std::ifstream in(path);
    if (!in) {
      return "/script_file: cannot read " + path;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    rules = ss.str();
    where = "/script_file";
  }
  auto script = std::make_shared<Script>();
  if (std::string err = parse_script(rules, script.get()); !err.empty()) {
    return where + (where == "/rules" ? err : " (" + err + ")");
  }
  out->script = std::move(script);
  if (auto it = doc.FindMember("pace"); it != doc.MemberEnd() && it->value.IsUint64()) {
    out->pace.delay_ms = it->value.GetUint64();
  }
  if (auto it = doc.FindMember("chunk_chars"); it != doc.MemberEnd() && it->value.IsUint()) {
    out->pace.chunk_chars = it->value.GetUint();
  }
  return "";
}

void report_error(pvpd::ValidationReport &report, const std::string &err) {
  size_t colon = err.find(": ");
  if (colon == std::string::npos) {
    report.add("", err);
  } else {
    report.add(err.substr(0, colon), err.substr(colon + 2));
  }
}

class ScriptedAgentPlugin final : public agent::AgentPlugin {
 public:
  ScriptedAgentPlugin(pvpd::Host host, std::string_view config_json)
      : AgentPlugin(host, config_json, "Demo Agent") {
    Settings settings;
    if (std::string err = read_settings(config_json, &settings); !err.empty()) {
      throw std::invalid_argument(err);
    }
    if (mutable_options().model.empty()) {
      mutable_options().model = "scripted";
    }
    set_brain_factory([settings]() -> std::unique_ptr<agent::Brain> {
      return std::make_unique<ScriptedBrain>(settings.script, settings.pace);
    });
  }

  static void validate(std::string_view config_json, pvpd::ValidationReport &report) {
    Settings settings;
    if (std::string err = read_settings(config_json, &settings); !err.empty()) {
      report_error(report, err);
    }
    agent::AgentOptions options;
    if (std::string err = agent::parse_agent_options(config_json, &options, ""); !err.empty()) {
      report_error(report, err);
    }
  }
};

}  // namespace
}  // namespace pvpd::scripted

PVPD_PLUGIN(pvpd::scripted::ScriptedAgentPlugin, "agent-scripted", "0.1.0",
            "Offline scripted agent: deterministic demo and test agent (no network)", "MIT",
            PVPD_KIND_AGENT, pvpd::scripted::kOptions)
