// Gate policy: does a tool proposal need a gate? The server decides. The agent's own
// `requires_approval` and `risk_level` can only add a gate, never remove one: a proposal is
// gated when ANY of these holds (checked in this order; the first gives the reason):
//   1. tool_rules[tool_name] == "always";
//   2. the proposal says requires_approval;
//   3. require_approval_for holds its category, or "all";
//   4. its risk_level is at or above risk_threshold (low < medium < high < critical), unless the
//      threshold is "none". An unknown or missing risk level counts as critical (fail closed).
// The reference server ignores risk_level entirely (pvp-anchor.md §5.1: a `critical` tool in
// an unlisted category ran without approval); rule 4 is pvpd's addition, default "high".
//
// THREAD: pure functions on values. OWNERSHIP: none.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace pvpd::session {

enum class RiskLevel { kLow, kMedium, kHigh, kCritical };
const char *to_string(RiskLevel level);
std::optional<RiskLevel> parse_risk_level(std::string_view name);

struct GatePolicy {
  // Session config `require_approval_for`: categories, may contain "all".
  std::vector<std::string> require_approval_for;
  // "low" | "medium" | "high" | "critical" | "none" (never gate on risk alone).
  std::string risk_threshold = "high";
  // tool_name -> "always" (always gated) | "default" (the other rules decide). There is
  // deliberately no value that exempts a tool: policy only adds gates.
  std::map<std::string, std::string> tool_rules;
};

// INVAL naming the field ("risk_threshold", "tool_rules.<name>") when a value is unknown.
Status validate_gate_policy(const GatePolicy &policy);

struct ProposalFacts {
  std::string tool_name;
  std::string category;
  std::string risk_level;
  bool requires_approval = false;
};

// True when the proposal must be gated; `reason` (optional) receives why, for logs and the
// gate.request message, e.g. "category shell_execute requires approval". An invalid policy
// value fails closed (an unknown threshold gates everything on risk; an unknown tool rule
// gates that tool), but validate_gate_policy() is meant to refuse such configs up front.
bool needs_gate(const GatePolicy &policy, const ProposalFacts &facts, std::string *reason);

}  // namespace pvpd::session
