// needs_gate(): the server decides; the agent's self-report can add a gate, never remove one.
#include "session/gate_policy.h"

#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace pvpd::session {
namespace {

struct PolicyCase {
  const char *name;
  GatePolicy policy;
  ProposalFacts facts;
  bool gated;
  const char *reason;
};

void PrintTo(const PolicyCase &c, std::ostream *os) {
  *os << c.name;
}

GatePolicy policy(std::vector<std::string> cats, std::string threshold = "high",
                  std::map<std::string, std::string> tools = {}) {
  GatePolicy p;
  p.require_approval_for = std::move(cats);
  p.risk_threshold = std::move(threshold);
  p.tool_rules = std::move(tools);
  return p;
}

ProposalFacts facts(std::string tool, std::string category, std::string risk,
                    bool requires_approval) {
  return ProposalFacts{std::move(tool), std::move(category), std::move(risk), requires_approval};
}

class NeedsGateTest : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(NeedsGateTest, Decides) {
  const PolicyCase &c = GetParam();
  std::string reason;
  EXPECT_EQ(needs_gate(c.policy, c.facts, &reason), c.gated);
  EXPECT_EQ(reason, c.reason);
  EXPECT_EQ(needs_gate(c.policy, c.facts, nullptr), c.gated);  // reason is optional
}

// clang-format off
const PolicyCase kCases[] = {
  {"nothing_applies", policy({}), facts("read", "file_read", "low", false), false, "no rule requires approval"},
  {"agent_requests_approval", policy({}), facts("read", "file_read", "low", true), true, "the proposal requests approval"},
  {"category_listed_agent_says_no", policy({"shell_execute"}), facts("sh", "shell_execute", "low", false), true, "category shell_execute requires approval"},
  {"category_not_listed", policy({"shell_execute"}), facts("w", "file_write", "low", false), false, "no rule requires approval"},
  {"all_listed", policy({"all"}), facts("read", "file_read", "low", false), true, "all tools require approval"},
  // The reference ran a critical tool unreviewed when its category was not listed.
  {"critical_unlisted_category", policy({}), facts("rm", "file_delete", "critical", false), true, "risk critical is at or above high"},
  {"high_at_threshold", policy({}), facts("x", "deploy", "high", false), true, "risk high is at or above high"},
  {"medium_below_threshold", policy({}), facts("x", "deploy", "medium", false), false, "no rule requires approval"},
  {"low_threshold_gates_low", policy({}, "low"), facts("x", "file_read", "low", false), true, "risk low is at or above low"},
  {"medium_threshold", policy({}, "medium"), facts("x", "file_read", "medium", false), true, "risk medium is at or above medium"},
  {"critical_threshold_lets_high_pass", policy({}, "critical"), facts("x", "file_read", "high", false), false, "no rule requires approval"},
  {"threshold_none", policy({}, "none"), facts("x", "deploy", "critical", false), false, "no rule requires approval"},
  {"threshold_none_still_category", policy({"deploy"}, "none"), facts("x", "deploy", "low", false), true, "category deploy requires approval"},
  {"unknown_risk_fails_closed", policy({}), facts("x", "file_read", "tiny", false), true, "risk level 'tiny' is unknown"},
  {"missing_risk_fails_closed", policy({}), facts("x", "file_read", "", false), true, "risk level '' is unknown"},
  {"risk_case_sensitive", policy({}), facts("x", "file_read", "LOW", false), true, "risk level 'LOW' is unknown"},
  {"unknown_threshold_fails_closed", policy({}, "bogus"), facts("x", "file_read", "low", false), true, "risk low is at or above low"},
  {"tool_always", policy({}, "high", {{"git_push", "always"}}), facts("git_push", "file_read", "low", false), true, "tool git_push always requires approval"},
  {"tool_always_first_reason", policy({"all"}, "high", {{"sh", "always"}}), facts("sh", "shell_execute", "critical", true), true, "tool sh always requires approval"},
  {"tool_default_uses_the_rest", policy({}, "high", {{"read", "default"}}), facts("read", "file_read", "low", false), false, "no rule requires approval"},
  {"tool_default_cannot_lower", policy({"file_read"}, "high", {{"read", "default"}}), facts("read", "file_read", "low", false), true, "category file_read requires approval"},
  {"tool_unknown_rule_fails_closed", policy({}, "high", {{"read", "never"}}), facts("read", "file_read", "low", false), true, "tool read always requires approval"},
  {"other_tool_rule_irrelevant", policy({}, "high", {{"sh", "always"}}), facts("read", "file_read", "low", false), false, "no rule requires approval"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Policy, NeedsGateTest, ::testing::ValuesIn(kCases),
                         [](const auto &p) { return std::string(p.param.name); });

TEST(GatePolicy, Validate) {
  EXPECT_TRUE(validate_gate_policy(GatePolicy{}));
  for (const char *t : {"low", "medium", "high", "critical", "none"}) {
    EXPECT_TRUE(validate_gate_policy(policy({}, t))) << t;
  }
  Status bad = validate_gate_policy(policy({}, "severe"));
  EXPECT_EQ(bad.code(), PVPD_E_INVAL);
  EXPECT_EQ(bad.message(),
            "risk_threshold must be one of low, medium, high, critical, none (got 'severe')");
  Status bad_tool = validate_gate_policy(policy({}, "high", {{"sh", "never"}}));
  EXPECT_EQ(bad_tool.message(), "tool_rules.sh must be always or default (got 'never')");
  EXPECT_TRUE(validate_gate_policy(policy({}, "high", {{"sh", "always"}, {"ls", "default"}})));
}

TEST(GatePolicy, RiskLevels) {
  EXPECT_EQ(parse_risk_level("low"), RiskLevel::kLow);
  EXPECT_EQ(parse_risk_level("critical"), RiskLevel::kCritical);
  EXPECT_FALSE(parse_risk_level("none"));
  EXPECT_LT(RiskLevel::kLow, RiskLevel::kMedium);
  EXPECT_LT(RiskLevel::kHigh, RiskLevel::kCritical);
  EXPECT_STREQ(to_string(RiskLevel::kMedium), "medium");
}

}  // namespace
}  // namespace pvpd::session
