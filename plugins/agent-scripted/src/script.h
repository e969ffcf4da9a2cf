// Script: what the offline scripted agent says and does, as rules matched against a prompt.
//
// A rule: `match` (ECMAScript regex, case-insensitive; searched in the prompt text), `think`
// (lines streamed as thinking), `respond` (text streamed as the response), `tools` (calls to
// propose, each {name, input}), `after_tools` (response once the tools ran) and
// `after_refusal` (response when any was refused or failed). `{prompt}` in a text is replaced
// by the prompt, `{results}` by the tool results. The first matching rule wins; with no rules
// configured the built-in demo script is used.
//
// THREAD: immutable after parse; share freely.
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::scripted {

struct ScriptedTool {
  std::string name;
  std::string input_json;  // a JSON object
};

struct Rule {
  std::string pattern;
  std::regex match;
  std::vector<std::string> think;
  std::string respond;
  std::vector<ScriptedTool> tools;
  std::string after_tools;
  std::string after_refusal;
};

struct Script {
  std::vector<Rule> rules;
  const Rule *find(std::string_view prompt) const;
};

// Parses a JSON array of rules. Returns "" or "<json pointer>: <message>".
std::string parse_script(std::string_view rules_json, Script *out);
// The rules used when none are configured: a guided tour of what an agent session does.
std::string_view builtin_demo_script();

}  // namespace pvpd::scripted
