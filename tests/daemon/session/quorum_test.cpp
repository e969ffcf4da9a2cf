// Quorum rules: parsing/writing the wire QuorumRule, and the tally of every rule with its edge
// cases (ties, absent voters per on_participant_timeout, approvers leaving or being demoted
// mid-gate, the proposer holding approver rights, admins). Table-driven: each row opens a gate
// against the members at request time, records the approvals through the engine (each must be
// accepted), and evaluates against the members now.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ostream>
#include <string>
#include <vector>

#include "gate_test_util.h"
#include "session/gate_engine.h"
#include "session/quorum.h"

namespace pvpd::session {
namespace {

using namespace gate_testing;  // NOLINT(google-build-using-namespace)

struct TallyCase {
  const char *name;
  QuorumRule rule;
  std::vector<Voter> at_request;
  std::vector<std::string> approvals;  // in order; each must be recorded
  std::vector<Voter> now;
  OnTimeout policy;
  Outcome expected;
  uint32_t received;
  uint32_t required;
};

std::string describe(const TallyCase &c) {
  return c.name;
}

class TallyTest : public ::testing::TestWithParam<TallyCase> {};

TEST_P(TallyTest, Evaluates) {
  const TallyCase &c = GetParam();
  GateEngine engine;
  auto g = engine.open(make_gate("g", c.rule), c.at_request);
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  for (const std::string &id : c.approvals) {
    const Voter *v = nullptr;
    for (const Voter &m : c.at_request) {
      if (m.id == id) {
        v = &m;
      }
    }
    ASSERT_NE(v, nullptr) << id;
    ASSERT_EQ(engine.approve("g", *v, ""), VoteResult::kRecorded) << id;
  }
  Tally t = tally(g.value()->ballot(), c.now, c.policy);
  EXPECT_EQ(to_string(GateEngine::evaluate(*g.value(), c.now, c.policy)), to_string(c.expected));
  EXPECT_EQ(to_string(t.outcome), to_string(c.expected));
  EXPECT_EQ(t.received, c.received);
  EXPECT_EQ(t.required, c.required);
  EXPECT_EQ(approvals_received(*g.value(), c.now, c.policy), c.received);
  EXPECT_EQ(approvals_required(*g.value(), c.now, c.policy), c.required);
}

const Voter kA = approver("a");
const Voter kB = approver("b");
const Voter kC = approver("c");
const Voter kD = approver("d");
const Voter kAgent = agent();
const Voter kAgentApprover = voter("agent", {Role::kDriver, Role::kApprover});
const Voter kAdmin = admin("root");
const Voter kNav = navigator("nav");
const Voter kCapApprover = cap_approver("cap");
// Navigator holding the approve capability: eligible for role{navigator}.
const Voter kNavApprover = voter("navapp", {Role::kNavigator}, {Capability::kApprove});
constexpr auto W = OnTimeout::kWait;
constexpr auto S = OnTimeout::kSkip;
constexpr auto P = OnTimeout::kPauseSession;
constexpr auto kPending = Outcome::kPending;
constexpr auto kApproved = Outcome::kApproved;
constexpr auto kImpossible = Outcome::kImpossible;

// clang-format off
const TallyCase kAnyCases[] = {
  {"any1_one_approval", any(1), {kAgent, kA, kB}, {"a"}, {kAgent, kA, kB}, W, kApproved, 1, 1},
  {"any2_one_approval_pending", any(2), {kAgent, kA, kB}, {"a"}, {kAgent, kA, kB}, W, kPending, 1, 2},
  {"any2_two_distinct", any(2), {kAgent, kA, kB}, {"a", "b"}, {kAgent, kA, kB}, W, kApproved, 2, 2},
  {"any2_capability_counts", any(2), {kAgent, kA, kCapApprover}, {"a", "cap"}, {kAgent, kA, kCapApprover}, W, kApproved, 2, 2},
  {"any2_not_enough_approvers", any(2), {kAgent, kA, kNav}, {}, {kAgent, kA, kNav}, W, kImpossible, 0, 2},
  {"any1_admin_alone_cannot_approve", any(1), {kAgent, kAdmin}, {}, {kAgent, kAdmin}, W, kImpossible, 0, 1},
  {"any1_proposer_approver_not_counted", any(1), {kAgentApprover}, {}, {kAgentApprover}, W, kImpossible, 0, 1},
  {"any2_approver_left_still_counts", any(2), {kAgent, kA, kB}, {"a"}, {kAgent, kB}, W, kPending, 1, 2},
  {"any1_approver_left_still_counts_skip", any(1), {kAgent, kA}, {"a"}, {kAgent}, S, kApproved, 1, 1},
  {"any1_approver_disconnected_still_counts_skip", any(1), {kAgent, kA}, {"a"}, {kAgent, absent(kA)}, S, kApproved, 1, 1},
  {"any2_demoted_approval_dropped", any(2), {kAgent, kA, kB}, {"a"}, {kAgent, navigator("a"), kB}, W, kImpossible, 0, 2},
  {"any2_absent_waited_for", any(2), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, W, kPending, 1, 2},
  {"any2_absent_waited_for_pause", any(2), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, P, kPending, 1, 2},
  {"any2_absent_skipped", any(2), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, S, kImpossible, 1, 2},
  {"any1_late_joiner_counts", any(1), {kAgent}, {}, {kAgent, kA}, W, kPending, 0, 1},
};

const TallyCase kAllCases[] = {
  {"all_one_of_two", all(), {kAgent, kA, kB}, {"a"}, {kAgent, kA, kB}, W, kPending, 1, 2},
  {"all_two_of_two", all(), {kAgent, kA, kB}, {"a", "b"}, {kAgent, kA, kB}, W, kApproved, 2, 2},
  {"all_zero_eligible_impossible", all(), {kAgent, kNav, kAdmin}, {}, {kAgent, kNav, kAdmin}, W, kImpossible, 0, 1},
  {"all_proposer_not_in_electorate", all(), {kAgentApprover, kA}, {"a"}, {kAgentApprover, kA}, W, kApproved, 1, 1},
  {"all_late_approver_not_required", all(), {kAgent, kA}, {"a"}, {kAgent, kA, kB}, W, kApproved, 1, 1},
  {"all_absent_required_wait", all(), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, W, kPending, 1, 2},
  {"all_absent_required_pause", all(), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, P, kPending, 1, 2},
  {"all_absent_skipped", all(), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, S, kApproved, 1, 1},
  {"all_absent_at_request_still_eligible", all(), {kAgent, kA, absent(kB)}, {"a"}, {kAgent, kA, kB}, S, kPending, 1, 2},
  {"all_left_without_approving_not_required", all(), {kAgent, kA, kB}, {"a"}, {kAgent, kA}, W, kApproved, 1, 1},
  {"all_left_after_approving_counts", all(), {kAgent, kA, kB}, {"a"}, {kAgent, kB}, W, kPending, 1, 2},
  {"all_left_after_approving_then_rest", all(), {kAgent, kA, kB}, {"a", "b"}, {kAgent, kB}, W, kApproved, 2, 2},
  {"all_approved_then_absent_skip", all(), {kAgent, kA, kB}, {"a"}, {kAgent, absent(kA), absent(kB)}, S, kApproved, 1, 1},
  {"all_everyone_absent_skip", all(), {kAgent, kA, kB}, {}, {kAgent, absent(kA), absent(kB)}, S, kImpossible, 0, 1},
  {"all_everyone_left", all(), {kAgent, kA, kB}, {}, {kAgent}, W, kImpossible, 0, 1},
  {"all_demoted_not_required", all(), {kAgent, kA, kB}, {"a"}, {kAgent, kA, navigator("b")}, W, kApproved, 1, 1},
  {"all_admin_not_in_electorate", all(), {kAgent, kA, kAdmin}, {"a"}, {kAgent, kA, kAdmin}, W, kApproved, 1, 1},
};

const TallyCase kMajorityCases[] = {
  {"majority_1_of_1", majority(), {kAgent, kA}, {"a"}, {kAgent, kA}, W, kApproved, 1, 1},
  {"majority_1_of_2_tie", majority(), {kAgent, kA, kB}, {"a"}, {kAgent, kA, kB}, W, kPending, 1, 2},
  {"majority_2_of_2", majority(), {kAgent, kA, kB}, {"a", "b"}, {kAgent, kA, kB}, W, kApproved, 2, 2},
  {"majority_1_of_3", majority(), {kAgent, kA, kB, kC}, {"a"}, {kAgent, kA, kB, kC}, W, kPending, 1, 2},
  {"majority_2_of_3", majority(), {kAgent, kA, kB, kC}, {"a", "b"}, {kAgent, kA, kB, kC}, W, kApproved, 2, 2},
  {"majority_2_of_4_tie", majority(), {kAgent, kA, kB, kC, kD}, {"a", "b"}, {kAgent, kA, kB, kC, kD}, W, kPending, 2, 3},
  {"majority_3_of_4", majority(), {kAgent, kA, kB, kC, kD}, {"a", "b", "c"}, {kAgent, kA, kB, kC, kD}, W, kApproved, 3, 3},
  {"majority_zero_eligible", majority(), {kAgent, kAdmin}, {}, {kAgent, kAdmin}, W, kImpossible, 0, 1},
  {"majority_proposer_excluded", majority(), {kAgentApprover, kA}, {"a"}, {kAgentApprover, kA}, W, kApproved, 1, 1},
  {"majority_absent_counted_wait", majority(), {kAgent, kA, kB, kC, kD}, {"a", "b"}, {kAgent, kA, kB, absent(kC), absent(kD)}, W, kPending, 2, 3},
  {"majority_absent_skipped", majority(), {kAgent, kA, kB, kC, kD}, {"a", "b"}, {kAgent, kA, kB, absent(kC), absent(kD)}, S, kApproved, 2, 2},
  {"majority_absent_skipped_tie", majority(), {kAgent, kA, kB, kC, kD}, {"a"}, {kAgent, kA, kB, absent(kC), absent(kD)}, S, kPending, 1, 2},
  {"majority_left_after_approving_counts", majority(), {kAgent, kA, kB, kC}, {"a"}, {kAgent, kB, kC}, W, kPending, 1, 2},
  {"majority_left_after_approving_plus_one", majority(), {kAgent, kA, kB, kC}, {"a", "b"}, {kAgent, kB, kC}, W, kApproved, 2, 2},
  {"majority_left_without_approving_shrinks", majority(), {kAgent, kA, kB, kC}, {"a"}, {kAgent, kA}, W, kApproved, 1, 1},
  {"majority_late_joiner_not_in_electorate", majority(), {kAgent, kA, kB}, {"a", "b"}, {kAgent, kA, kB, kC, kD}, W, kApproved, 2, 2},
};

const TallyCase kRoleCases[] = {
  {"role_approver_2", role(Role::kApprover, 2), {kAgent, kA, kB}, {"a", "b"}, {kAgent, kA, kB}, W, kApproved, 2, 2},
  {"role_approver_1_of_2", role(Role::kApprover, 2), {kAgent, kA, kB, kCapApprover}, {"a"}, {kAgent, kA, kB, kCapApprover}, W, kPending, 1, 2},
  {"role_cap_holder_does_not_make_count", role(Role::kApprover, 2), {kAgent, kA, kCapApprover}, {"a"}, {kAgent, kA, kCapApprover}, W, kImpossible, 1, 2},
  {"role_navigator_with_cap", role(Role::kNavigator, 1), {kAgent, kNavApprover, kNav}, {"navapp"}, {kAgent, kNavApprover, kNav}, W, kApproved, 1, 1},
  {"role_navigator_without_cap_impossible", role(Role::kNavigator, 1), {kAgent, kNav, kA}, {}, {kAgent, kNav, kA}, W, kImpossible, 0, 1},
  {"role_admin_alone_cannot", role(Role::kAdmin, 1), {kAgent, kAdmin}, {}, {kAgent, kAdmin}, W, kImpossible, 0, 1},
  {"role_admin_with_cap", role(Role::kAdmin, 1), {kAgent, voter("boss", {Role::kAdmin}, {Capability::kApprove})}, {"boss"}, {kAgent, voter("boss", {Role::kAdmin}, {Capability::kApprove})}, W, kApproved, 1, 1},
  {"role_holder_left_counts", role(Role::kApprover, 2), {kAgent, kA, kB}, {"a"}, {kAgent, kB}, W, kPending, 1, 2},
  {"role_holder_lost_role_dropped", role(Role::kApprover, 1), {kAgent, kA, kB}, {"a"}, {kAgent, voter("a", {Role::kNavigator}, {Capability::kApprove}), kB}, W, kPending, 0, 1},
  {"role_proposer_not_counted", role(Role::kApprover, 1), {kAgentApprover}, {}, {kAgentApprover}, W, kImpossible, 0, 1},
  {"role_absent_skip", role(Role::kApprover, 2), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, S, kImpossible, 1, 2},
  {"role_absent_wait", role(Role::kApprover, 2), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, W, kPending, 1, 2},
};

const TallyCase kSpecificCases[] = {
  {"specific_one_of_two", specific({"a", "b"}), {kAgent, kA, kB, kC}, {"a"}, {kAgent, kA, kB, kC}, W, kPending, 1, 2},
  {"specific_both", specific({"a", "b"}), {kAgent, kA, kB, kC}, {"b", "a"}, {kAgent, kA, kB, kC}, W, kApproved, 2, 2},
  {"specific_lists_proposer", specific({"a", "agent"}), {kAgentApprover, kA}, {"a"}, {kAgentApprover, kA}, W, kImpossible, 1, 2},
  {"specific_lists_non_approver", specific({"a", "nav"}), {kAgent, kA, kNav}, {}, {kAgent, kA, kNav}, W, kImpossible, 0, 2},
  {"specific_lists_left_wait", specific({"a", "b"}), {kAgent, kA, kB}, {"a"}, {kAgent, kA}, W, kImpossible, 1, 2},
  {"specific_lists_never_joined_wait", specific({"a", "zed"}), {kAgent, kA}, {"a"}, {kAgent, kA}, W, kImpossible, 1, 2},
  {"specific_lists_never_joined_skip", specific({"a", "zed"}), {kAgent, kA}, {"a"}, {kAgent, kA}, S, kApproved, 1, 1},
  {"specific_absent_wait", specific({"a", "b"}), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, W, kPending, 1, 2},
  {"specific_absent_pause", specific({"a", "b"}), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, P, kPending, 1, 2},
  {"specific_absent_skip", specific({"a", "b"}), {kAgent, kA, kB}, {"a"}, {kAgent, kA, absent(kB)}, S, kApproved, 1, 1},
  {"specific_all_absent_skip_needs_one", specific({"a"}), {kAgent, kA}, {}, {kAgent, absent(kA)}, S, kImpossible, 0, 1},
  {"specific_approved_then_left", specific({"a", "b"}), {kAgent, kA, kB}, {"a", "b"}, {kAgent, kB}, W, kApproved, 2, 2},
  {"specific_demoted_after_approving", specific({"a"}), {kAgent, kA}, {"a"}, {kAgent, navigator("a")}, W, kImpossible, 0, 1},
  {"specific_capability_approver", specific({"cap"}), {kAgent, kCapApprover}, {"cap"}, {kAgent, kCapApprover}, W, kApproved, 1, 1},
};
// clang-format on

auto case_name = [](const ::testing::TestParamInfo<TallyCase> &info) {
  return describe(info.param);
};
INSTANTIATE_TEST_SUITE_P(Any, TallyTest, ::testing::ValuesIn(kAnyCases), case_name);
INSTANTIATE_TEST_SUITE_P(All, TallyTest, ::testing::ValuesIn(kAllCases), case_name);
INSTANTIATE_TEST_SUITE_P(Majority, TallyTest, ::testing::ValuesIn(kMajorityCases), case_name);
INSTANTIATE_TEST_SUITE_P(Role, TallyTest, ::testing::ValuesIn(kRoleCases), case_name);
INSTANTIATE_TEST_SUITE_P(Specific, TallyTest, ::testing::ValuesIn(kSpecificCases), case_name);

// ---- may_approve: who may vote on which rule ----

TEST(MayApprove, RuleEligibility) {
  std::vector<std::string> eligible{"a"};
  std::vector<std::string> none;
  QuorumRule r_all = all(), r_maj = majority(), r_any = any(1);
  QuorumRule r_role = role(Role::kApprover, 1), r_spec = specific({"b"});
  EXPECT_TRUE(may_approve(Ballot{r_all, "agent", eligible, none, false}, kA));
  EXPECT_FALSE(may_approve(Ballot{r_all, "agent", eligible, none, false}, kB));  // joined later
  EXPECT_FALSE(may_approve(Ballot{r_maj, "agent", eligible, none, false}, kB));
  EXPECT_TRUE(may_approve(Ballot{r_any, "agent", none, none, false}, kCapApprover));
  EXPECT_FALSE(may_approve(Ballot{r_any, "agent", none, none, false}, kAdmin));
  EXPECT_FALSE(may_approve(Ballot{r_any, "agent", none, none, false}, kNav));
  EXPECT_FALSE(may_approve(Ballot{r_any, "agent", none, none, false}, kAgentApprover));
  EXPECT_TRUE(may_approve(Ballot{r_role, "agent", none, none, false}, kA));
  EXPECT_FALSE(may_approve(Ballot{r_role, "agent", none, none, false}, kCapApprover));
  EXPECT_TRUE(may_approve(Ballot{r_spec, "agent", none, none, false}, kB));
  EXPECT_FALSE(may_approve(Ballot{r_spec, "agent", none, none, false}, kA));
  QuorumRule escalated = role(Role::kAdmin, 1);
  EXPECT_TRUE(may_approve(Ballot{escalated, "agent", none, none, true}, kAdmin));
  EXPECT_FALSE(may_approve(Ballot{escalated, "agent", none, none, true}, kA));
}

TEST(CanApprove, ReferencePredicate) {
  EXPECT_TRUE(can_approve(kA));
  EXPECT_TRUE(can_approve(kCapApprover));
  EXPECT_FALSE(can_approve(kAdmin));  // role admin alone cannot approve
  EXPECT_FALSE(can_approve(kNav));
  EXPECT_FALSE(can_approve(voter("o", {Role::kObserver})));
  EXPECT_FALSE(can_approve(voter("x", {Role::kDriver, Role::kNavigator, Role::kAdversary},
                                 {Capability::kPrompt, Capability::kManageParticipants})));
}

// ---- names ----

TEST(QuorumNames, RolesCapabilitiesPoliciesRoundTrip) {
  for (Role r : {Role::kDriver, Role::kNavigator, Role::kAdversary, Role::kObserver,
                 Role::kApprover, Role::kAdmin}) {
    EXPECT_EQ(parse_role(to_string(r)), r);
  }
  for (Capability c :
       {Capability::kPrompt, Capability::kApprove, Capability::kInterrupt, Capability::kFork,
        Capability::kAddContext, Capability::kManageParticipants, Capability::kEndSession}) {
    EXPECT_EQ(parse_capability(to_string(c)), c);
  }
  EXPECT_STREQ(to_string(Capability::kManageParticipants), "manage_participants");
  EXPECT_STREQ(to_string(Role::kApprover), "approver");
  EXPECT_FALSE(parse_role("Approver"));
  EXPECT_FALSE(parse_role(""));
  EXPECT_FALSE(parse_capability("approver"));
  EXPECT_EQ(parse_on_timeout("wait"), OnTimeout::kWait);
  EXPECT_EQ(parse_on_timeout("skip"), OnTimeout::kSkip);
  EXPECT_EQ(parse_on_timeout("pause_session"), OnTimeout::kPauseSession);
  EXPECT_FALSE(parse_on_timeout("pause"));
  EXPECT_STREQ(to_string(OnTimeout::kPauseSession), "pause_session");
}

// ---- parse_quorum / write_quorum ----

Result<QuorumRule> parse(const char *json, std::string_view field = "quorum") {
  rapidjson::Document d;
  d.Parse(json);
  EXPECT_FALSE(d.HasParseError()) << json;
  return parse_quorum(d, field);
}

std::string written(const QuorumRule &rule) {
  rapidjson::Document d;
  write_quorum(rule, d, d.GetAllocator());
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  d.Accept(w);
  return buf.GetString();
}

TEST(ParseQuorum, ValidRulesRoundTrip) {
  struct Row {
    const char *in;
    const char *out;
  };
  const Row rows[] = {
      {R"({"type":"any","count":1})", R"({"type":"any","count":1})"},
      {R"({"count":3,"type":"any"})", R"({"type":"any","count":3})"},
      {R"({"type":"all"})", R"({"type":"all"})"},
      {R"({"type":"majority"})", R"({"type":"majority"})"},
      {R"({"type":"role","role":"approver","count":2})",
       R"({"type":"role","role":"approver","count":2})"},
      {R"({"type":"specific","participants":["a","b"]})",
       R"({"type":"specific","participants":["a","b"]})"},
      // Duplicates merged, order kept; unknown members ignored.
      {R"({"type":"specific","participants":["b","a","b"],"x":1})",
       R"({"type":"specific","participants":["b","a"]})"},
      {R"({"type":"all","count":5,"extra":{"k":[]}})", R"({"type":"all"})"},
  };
  for (const Row &row : rows) {
    auto r = parse(row.in);
    ASSERT_TRUE(r.is_ok()) << row.in << ": " << r.status().message();
    EXPECT_EQ(written(r.value()), row.out);
    auto again = parse(written(r.value()).c_str());
    ASSERT_TRUE(again.is_ok());
    EXPECT_EQ(again.value(), r.value());
    EXPECT_TRUE(validate_quorum_rule(r.value()));
  }
}

TEST(ParseQuorum, ErrorsNameTheField) {
  struct Row {
    const char *in;
    const char *message;
  };
  const Row rows[] = {
      {R"([])", "quorum must be an object"},
      {R"("any")", "quorum must be an object"},
      {R"({})", "quorum.type is required"},
      {R"({"type":1})", "quorum.type must be a string"},
      {R"({"type":"some"})",
       "quorum.type must be one of any, all, role, specific, majority (got 'some')"},
      {R"({"type":"any"})", "quorum.count is required"},
      {R"({"type":"any","count":0})", "quorum.count must be between 1 and 10000"},
      {R"({"type":"any","count":10001})", "quorum.count must be between 1 and 10000"},
      {R"({"type":"any","count":-1})", "quorum.count must be a positive integer"},
      {R"({"type":"any","count":1.5})", "quorum.count must be a positive integer"},
      {R"({"type":"any","count":"2"})", "quorum.count must be a positive integer"},
      {R"({"type":"role","count":1})", "quorum.role is required"},
      {R"({"type":"role","role":"approver"})", "quorum.count is required"},
      {R"({"type":"role","role":7,"count":1})", "quorum.role must be a string"},
      {R"({"type":"role","role":"boss","count":1})", "quorum.role is not a role (got 'boss')"},
      {R"({"type":"specific"})", "quorum.participants is required"},
      {R"({"type":"specific","participants":"a"})", "quorum.participants must be an array"},
      {R"({"type":"specific","participants":[]})", "quorum.participants must not be empty"},
      {R"({"type":"specific","participants":["a",2]})",
       "quorum.participants must hold non-empty participant ids"},
      {R"({"type":"specific","participants":[""]})",
       "quorum.participants must hold non-empty participant ids"},
  };
  for (const Row &row : rows) {
    auto r = parse(row.in);
    ASSERT_FALSE(r.is_ok()) << row.in;
    EXPECT_EQ(r.status().code(), PVPD_E_INVAL) << row.in;
    EXPECT_EQ(r.status().message(), row.message) << row.in;
  }
  auto r = parse(R"({"type":"specific","participants":[]})", "default_gate_quorum");
  EXPECT_EQ(r.status().message(), "default_gate_quorum.participants must not be empty");
}

TEST(ValidateQuorumRule, RulesBuiltInCode) {
  EXPECT_TRUE(validate_quorum_rule(any(1)));
  EXPECT_FALSE(validate_quorum_rule(any(0)));
  EXPECT_FALSE(validate_quorum_rule(role(Role::kApprover, 0)));
  EXPECT_FALSE(validate_quorum_rule(any(kMaxQuorumCount + 1)));
  EXPECT_FALSE(validate_quorum_rule(specific({})));
  EXPECT_FALSE(validate_quorum_rule(specific({"a", ""})));
  Status dup = validate_quorum_rule(specific({"a", "b", "a"}), "q");
  EXPECT_EQ(dup.message(), "q.participants lists 'a' twice");
  EXPECT_TRUE(validate_quorum_rule(all()));
  EXPECT_TRUE(validate_quorum_rule(majority()));
}

}  // namespace
}  // namespace pvpd::session
