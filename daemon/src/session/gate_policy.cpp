#include "session/gate_policy.h"

#include <algorithm>

namespace pvpd::session {

namespace {

constexpr std::string_view kNoThreshold = "none";
constexpr std::string_view kRuleAlways = "always";
constexpr std::string_view kRuleDefault = "default";

void set_reason(std::string *reason, std::string text) {
  if (reason != nullptr) {
    *reason = std::move(text);
  }
}

}  // namespace

const char *to_string(RiskLevel level) {
  switch (level) {
    case RiskLevel::kLow: return "low";
    case RiskLevel::kMedium: return "medium";
    case RiskLevel::kHigh: return "high";
    case RiskLevel::kCritical: return "critical";
  }
  return "unknown";
}

std::optional<RiskLevel> parse_risk_level(std::string_view name) {
  for (RiskLevel l :
       {RiskLevel::kLow, RiskLevel::kMedium, RiskLevel::kHigh, RiskLevel::kCritical}) {
    if (name == to_string(l)) {
      return l;
    }
  }
  return std::nullopt;
}

Status validate_gate_policy(const GatePolicy &policy) {
  if (policy.risk_threshold != kNoThreshold && !parse_risk_level(policy.risk_threshold)) {
    return Status(PVPD_E_INVAL,
                  "risk_threshold must be one of low, medium, high, critical, none "
                  "(got '" +
                      policy.risk_threshold + "')");
  }
  for (const auto &[tool, rule] : policy.tool_rules) {
    if (rule != kRuleAlways && rule != kRuleDefault) {
      return Status(PVPD_E_INVAL,
                    "tool_rules." + tool + " must be always or default (got '" + rule + "')");
    }
  }
  return Status::ok();
}

bool needs_gate(const GatePolicy &policy, const ProposalFacts &facts, std::string *reason) {
  if (auto it = policy.tool_rules.find(facts.tool_name); it != policy.tool_rules.end()) {
    if (it->second != kRuleDefault) {  // "always", or unknown (fail closed)
      set_reason(reason, "tool " + facts.tool_name + " always requires approval");
      return true;
    }
  }
  if (facts.requires_approval) {
    set_reason(reason, "the proposal requests approval");
    return true;
  }
  const auto &cats = policy.require_approval_for;
  if (std::find(cats.begin(), cats.end(), "all") != cats.end()) {
    set_reason(reason, "all tools require approval");
    return true;
  }
  if (std::find(cats.begin(), cats.end(), facts.category) != cats.end()) {
    set_reason(reason, "category " + facts.category + " requires approval");
    return true;
  }
  if (policy.risk_threshold != kNoThreshold) {
    auto risk = parse_risk_level(facts.risk_level);
    // Unknown threshold: gate every level (fail closed).
    RiskLevel threshold = parse_risk_level(policy.risk_threshold).value_or(RiskLevel::kLow);
    if (!risk) {
      set_reason(reason, "risk level '" + facts.risk_level + "' is unknown");
      return true;
    }
    if (*risk >= threshold) {
      set_reason(reason, std::string("risk ") + to_string(*risk) + " is at or above " +
                             to_string(threshold));
      return true;
    }
  }
  set_reason(reason, "no rule requires approval");
  return false;
}

}  // namespace pvpd::session
