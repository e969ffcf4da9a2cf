// GateEngine: opening (validation, ids and aliases, the electorate), votes (proposer, duplicates,
// eligibility, digest binding, rejection), timeouts with a fake clock, escalation, closing.
#include "session/gate_engine.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "gate_test_util.h"

namespace pvpd::session {
namespace {

using namespace gate_testing;  // NOLINT(google-build-using-namespace)

class GateEngineTest : public ::testing::Test {
 protected:
  Gate *open(Gate g) {
    auto r = engine_.open(std::move(g), members_);
    EXPECT_TRUE(r.is_ok()) << r.status().message();
    return r.is_ok() ? r.value() : nullptr;
  }
  Outcome eval(const Gate &g, OnTimeout p = OnTimeout::kWait) {
    return GateEngine::evaluate(g, members_, p);
  }

  GateEngine engine_;
  std::vector<Voter> members_{agent(),       approver("a"),    approver("b"),      approver("c"),
                              admin("root"), navigator("nav"), cap_approver("cap")};
};

// ---- open ----

TEST_F(GateEngineTest, OpenValidates) {
  struct Row {
    Gate gate;
    pvpd_status code;
    const char *message;
  };
  Gate no_id = make_gate("", any(1));
  Gate no_proposer = make_gate("g", any(1), "");
  Gate empty_specific = make_gate("g", specific({}));
  Gate zero_count = make_gate("g", any(0));
  Gate dup_specific = make_gate("g", specific({"a", "a"}));
  const Row rows[] = {
      {no_id, PVPD_E_INVAL, "gate id must not be empty"},
      {no_proposer, PVPD_E_INVAL, "gate g: proposer must not be empty"},
      {empty_specific, PVPD_E_INVAL, "gate g: quorum.participants must not be empty"},
      {zero_count, PVPD_E_INVAL, "gate g: quorum.count must be between 1 and 10000"},
      {dup_specific, PVPD_E_INVAL, "gate g: quorum.participants lists 'a' twice"},
  };
  for (const Row &row : rows) {
    auto r = engine_.open(row.gate, members_);
    ASSERT_FALSE(r.is_ok()) << row.message;
    EXPECT_EQ(r.status().code(), row.code);
    EXPECT_EQ(r.status().message(), row.message);
  }
  EXPECT_EQ(engine_.size(), 0u);
}

TEST_F(GateEngineTest, OpenRefusesTakenIdsAndAliases) {
  open(make_gate("p1", any(1)));
  auto same_id = engine_.open(make_gate("p1", any(1)), members_);
  EXPECT_EQ(same_id.status().code(), PVPD_E_EXISTS);
  Gate id_is_alias = make_gate("req-p1", any(1));
  EXPECT_EQ(engine_.open(id_is_alias, members_).status().code(), PVPD_E_EXISTS);
  Gate alias_is_id = make_gate("p2", any(1));
  alias_is_id.alias = "p1";
  EXPECT_EQ(engine_.open(alias_is_id, members_).status().code(), PVPD_E_EXISTS);
  Gate alias_equals_own_id = make_gate("p3", any(1));
  alias_equals_own_id.alias = "p3";
  Gate *g = open(alias_equals_own_id);
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->alias.empty());
  EXPECT_EQ(engine_.size(), 2u);
}

TEST_F(GateEngineTest, OpenFixesTheElectorateAndStartsAFreshVote) {
  members_.push_back(absent(approver("away")));
  members_.push_back(voter("agent", {Role::kApprover}));  // repeated id: first entry wins
  Gate g = make_gate("g", all());
  g.approvals = {"a", "b"};  // ignored: open() starts a fresh vote
  g.rejected_by = "c";
  g.escalated = true;
  g.eligible_at_request = {"zed"};
  Gate *opened = open(g);
  ASSERT_NE(opened, nullptr);
  // Approvers and approve-capability holders, present or not; not the proposer, admin or nav.
  EXPECT_EQ(opened->eligible_at_request, (std::vector<std::string>{"a", "b", "c", "cap", "away"}));
  EXPECT_TRUE(opened->approvals.empty());
  EXPECT_FALSE(opened->rejected_by);
  EXPECT_FALSE(opened->escalated);
}

TEST_F(GateEngineTest, FindsByIdAndAlias) {
  Gate *g = open(make_gate("prop-1", any(1)));
  EXPECT_EQ(engine_.find("prop-1"), g);
  EXPECT_EQ(engine_.find("req-prop-1"), g);
  EXPECT_EQ(engine_.find("prop-2"), nullptr);
  EXPECT_EQ(engine_.find(""), nullptr);
  const GateEngine &ce = engine_;
  EXPECT_EQ(ce.find("req-prop-1"), g);
}

// ---- approve ----

TEST_F(GateEngineTest, ApproveViaAliasCountsOnce) {
  Gate *g = open(make_gate("p", any(2)));
  EXPECT_EQ(engine_.approve("req-p", approver("a"), ""), VoteResult::kRecorded);
  EXPECT_EQ(engine_.approve("p", approver("a"), ""), VoteResult::kDuplicate);
  EXPECT_EQ(engine_.approve("req-p", approver("a"), "d-p"), VoteResult::kDuplicate);
  EXPECT_EQ(g->approvals, (std::vector<std::string>{"a"}));
  EXPECT_EQ(eval(*g), Outcome::kPending);
  EXPECT_EQ(engine_.approve("p", approver("b"), ""), VoteResult::kRecorded);
  EXPECT_EQ(eval(*g), Outcome::kApproved);
}

TEST_F(GateEngineTest, DuplicateApprovalsNeverMeetAQuorum) {
  Gate *g = open(make_gate("p", any(3)));
  for (int i = 0; i < 5; ++i) {
    engine_.approve("p", approver("a"), "");
  }
  EXPECT_EQ(engine_.approve("p", approver("b"), ""), VoteResult::kRecorded);
  EXPECT_EQ(g->approvals.size(), 2u);
  EXPECT_EQ(approvals_received(*g, members_, OnTimeout::kWait), 2u);
  EXPECT_EQ(eval(*g), Outcome::kPending);
}

TEST_F(GateEngineTest, ProposerCannotApproveItsOwnAction) {
  members_[0] = voter("agent", {Role::kDriver, Role::kApprover}, {Capability::kApprove});
  for (QuorumRule rule :
       {any(1), all(), majority(), role(Role::kApprover, 1), specific({"agent", "a"})}) {
    GateEngine engine;
    auto g = engine.open(make_gate("p", rule), members_);
    ASSERT_TRUE(g.is_ok());
    EXPECT_EQ(engine.approve("p", members_[0], ""), VoteResult::kProposerCannotApprove)
        << to_string(rule.type);
    EXPECT_TRUE(g.value()->approvals.empty());
  }
}

TEST_F(GateEngineTest, OnlyApproversMayApprove) {
  Gate *g = open(make_gate("p", any(1)));
  EXPECT_EQ(engine_.approve("p", admin("root"), ""), VoteResult::kNotEligible);
  EXPECT_EQ(engine_.approve("p", navigator("nav"), ""), VoteResult::kNotEligible);
  EXPECT_EQ(engine_.approve("p", voter("o", {Role::kObserver}), ""), VoteResult::kNotEligible);
  EXPECT_TRUE(g->approvals.empty());
  EXPECT_EQ(engine_.approve("p", cap_approver("cap"), ""), VoteResult::kRecorded);
}

TEST_F(GateEngineTest, RuleEligibilityOnApprove) {
  Gate *all_gate = open(make_gate("all", all()));
  Gate *maj_gate = open(make_gate("maj", majority()));
  Gate *spec_gate = open(make_gate("spec", specific({"b"})));
  Gate *role_gate = open(make_gate("role", role(Role::kApprover, 1)));
  Voter late = approver("late");  // joined after the gates were made
  EXPECT_EQ(engine_.approve("all", late, ""), VoteResult::kNotEligible);
  EXPECT_EQ(engine_.approve("maj", late, ""), VoteResult::kNotEligible);
  EXPECT_EQ(engine_.approve("spec", approver("a"), ""), VoteResult::kNotEligible);
  EXPECT_EQ(engine_.approve("spec", approver("b"), ""), VoteResult::kRecorded);
  EXPECT_EQ(engine_.approve("role", cap_approver("cap"), ""), VoteResult::kNotEligible);
  EXPECT_EQ(engine_.approve("role", approver("c"), ""), VoteResult::kRecorded);
  EXPECT_TRUE(all_gate->approvals.empty());
  EXPECT_TRUE(maj_gate->approvals.empty());
  EXPECT_EQ(eval(*spec_gate), Outcome::kApproved);
  EXPECT_EQ(eval(*role_gate), Outcome::kApproved);
}

TEST_F(GateEngineTest, SpoofedApproverFieldIsIrrelevant) {
  // The engine only ever sees the authenticated voter: a navigator claiming to be "a" in the
  // payload is still the navigator here, and a non-member id never becomes an approval.
  Gate *g = open(make_gate("p", any(1)));
  EXPECT_EQ(engine_.approve("p", navigator("nav"), ""), VoteResult::kNotEligible);
  EXPECT_EQ(eval(*g), Outcome::kPending);
  EXPECT_TRUE(g->approvals.empty());
}

TEST_F(GateEngineTest, DigestBindsTheApprovalToTheAction) {
  Gate *g = open(make_gate("p", any(1)));
  EXPECT_EQ(engine_.approve("p", approver("a"), "d-other"), VoteResult::kDigestMismatch);
  EXPECT_TRUE(g->approvals.empty());
  // A mismatch is reported even to voters who could not approve anyway: the vote is about
  // another action.
  EXPECT_EQ(engine_.approve("p", agent(), "d-other"), VoteResult::kDigestMismatch);
  EXPECT_EQ(engine_.approve("p", approver("a"), "d-p"), VoteResult::kRecorded);
  EXPECT_EQ(engine_.approve("p", approver("b"), ""), VoteResult::kRecorded);  // unchecked
  EXPECT_EQ(g->approvals, (std::vector<std::string>{"a", "b"}));
}

TEST_F(GateEngineTest, UnknownGate) {
  EXPECT_EQ(engine_.approve("nope", approver("a"), ""), VoteResult::kUnknownGate);
  EXPECT_EQ(engine_.reject("nope", approver("a")), VoteResult::kUnknownGate);
}

TEST_F(GateEngineTest, ApprovedByKeepsArrivalOrder) {
  Gate *g = open(make_gate("p", any(3)));
  for (const char *id : {"c", "a", "cap"}) {
    Voter v = std::string(id) == "cap" ? cap_approver(id) : approver(id);
    EXPECT_EQ(engine_.approve("p", v, ""), VoteResult::kRecorded);
  }
  EXPECT_EQ(g->approvals, (std::vector<std::string>{"c", "a", "cap"}));
  EXPECT_EQ(eval(*g), Outcome::kApproved);
}

// ---- reject ----

TEST_F(GateEngineTest, RejectionResolvesAtOnceAndWins) {
  Gate *g = open(make_gate("p", any(1)));
  EXPECT_EQ(engine_.approve("p", approver("a"), ""), VoteResult::kRecorded);
  EXPECT_EQ(eval(*g), Outcome::kApproved);
  // Not closed yet (the caller closes on kApproved); a veto in between still wins.
  EXPECT_EQ(engine_.reject("req-p", approver("b")), VoteResult::kRecorded);
  EXPECT_EQ(g->rejected_by, "b");
  for (OnTimeout p : {OnTimeout::kWait, OnTimeout::kSkip, OnTimeout::kPauseSession}) {
    EXPECT_EQ(eval(*g, p), Outcome::kRejected);
  }
  EXPECT_EQ(engine_.approve("p", approver("c"), ""), VoteResult::kAlreadyResolved);
  EXPECT_EQ(engine_.reject("p", approver("c")), VoteResult::kAlreadyResolved);
  EXPECT_EQ(g->rejected_by, "b");
}

TEST_F(GateEngineTest, WhoMayReject) {
  Gate *g = open(make_gate("p", specific({"a"})));
  EXPECT_EQ(engine_.reject("p", navigator("nav")), VoteResult::kNotEligible);
  EXPECT_EQ(engine_.reject("p", admin("root")), VoteResult::kNotEligible);
  EXPECT_EQ(engine_.reject("p", agent()), VoteResult::kNotEligible);
  EXPECT_FALSE(g->rejected_by);
  // Any approver vetoes, listed or not.
  EXPECT_EQ(engine_.reject("p", approver("b")), VoteResult::kRecorded);

  GateEngine e2;
  Voter agent_approver = voter("agent", {Role::kApprover});
  auto g2 = e2.open(make_gate("q", any(1)), {agent_approver});
  ASSERT_TRUE(g2.is_ok());
  EXPECT_EQ(e2.reject("q", agent_approver), VoteResult::kRecorded);  // withdrawing is allowed
}

TEST_F(GateEngineTest, ApproveThenRejectBySameVoter) {
  Gate *g = open(make_gate("p", any(2)));
  EXPECT_EQ(engine_.approve("p", approver("a"), ""), VoteResult::kRecorded);
  EXPECT_EQ(engine_.reject("p", approver("a")), VoteResult::kRecorded);
  EXPECT_EQ(eval(*g), Outcome::kRejected);
}

// ---- membership changes mid-gate ----

TEST_F(GateEngineTest, ApproverLeavingMidGate) {
  Gate *g = open(make_gate("p", all()));  // electorate a, b, c, cap
  for (const char *id : {"a", "b", "c"}) {
    EXPECT_EQ(engine_.approve("p", approver(id), ""), VoteResult::kRecorded);
  }
  EXPECT_EQ(eval(*g), Outcome::kPending);
  // cap disconnects: waited for under wait/pause, skipped under skip.
  members_.back().present = false;
  EXPECT_EQ(eval(*g, OnTimeout::kWait), Outcome::kPending);
  EXPECT_EQ(eval(*g, OnTimeout::kPauseSession), Outcome::kPending);
  EXPECT_EQ(eval(*g, OnTimeout::kSkip), Outcome::kApproved);
  // a, who approved, leaves the session: the approval still counts.
  std::erase_if(members_, [](const Voter &v) { return v.id == "a"; });
  EXPECT_EQ(approvals_received(*g, members_, OnTimeout::kSkip), 3u);
  EXPECT_EQ(eval(*g, OnTimeout::kSkip), Outcome::kApproved);
  // cap leaves too: not required any more under any policy.
  members_.pop_back();
  EXPECT_EQ(eval(*g, OnTimeout::kWait), Outcome::kApproved);
  EXPECT_EQ(approvals_required(*g, members_, OnTimeout::kWait), 3u);
}

TEST_F(GateEngineTest, ReconnectedApproverIsRequiredAgainUnderSkip) {
  Gate *g = open(make_gate("p", majority()));  // electorate a, b, c, cap (4)
  EXPECT_EQ(engine_.approve("p", approver("a"), ""), VoteResult::kRecorded);
  EXPECT_EQ(engine_.approve("p", approver("b"), ""), VoteResult::kRecorded);
  EXPECT_EQ(eval(*g, OnTimeout::kSkip), Outcome::kPending);   // 2 of 4 is a tie
  members_[3].present = false;                                // c away
  EXPECT_EQ(eval(*g, OnTimeout::kSkip), Outcome::kApproved);  // 2 of 3
  members_[3].present = true;
  EXPECT_EQ(eval(*g, OnTimeout::kSkip), Outcome::kPending);
}

// ---- timeouts with a fake clock ----

TEST_F(GateEngineTest, ExpiredAndNextDeadline) {
  uint64_t now = 1'000'000;
  EXPECT_FALSE(engine_.next_deadline());
  Gate g1 = make_gate("g1", any(1));
  g1.created_ms = now;
  g1.timeout_ms = 300'000;
  Gate g2 = make_gate("g2", any(1));
  g2.created_ms = now + 10;
  g2.timeout_ms = 0;  // no deadline
  Gate g3 = make_gate("g3", any(1));
  g3.created_ms = now + 20;
  g3.timeout_ms = 1'000;
  open(g1);
  open(g2);
  open(g3);
  EXPECT_EQ(engine_.next_deadline(), now + 1'020);
  EXPECT_TRUE(engine_.expired(now + 1'019).empty());
  EXPECT_EQ(engine_.expired(now + 1'020), (std::vector<std::string>{"g3"}));  // at the deadline
  engine_.close("g3");
  EXPECT_EQ(engine_.next_deadline(), now + 300'000);
  EXPECT_TRUE(engine_.expired(now + 299'999).empty());
  now += 400'000;
  EXPECT_EQ(engine_.expired(now), (std::vector<std::string>{"g1"}));
  engine_.close("req-g1");  // closing by alias
  EXPECT_FALSE(engine_.next_deadline());
  EXPECT_TRUE(engine_.expired(std::numeric_limits<uint64_t>::max()).empty());
  EXPECT_EQ(engine_.size(), 1u);
}

TEST_F(GateEngineTest, ExpiredInCreationOrder) {
  for (const char *id : {"z", "m", "a"}) {
    Gate g = make_gate(id, any(1));
    g.created_ms = 100;
    g.timeout_ms = 50;
    open(g);
  }
  EXPECT_EQ(engine_.expired(150), (std::vector<std::string>{"z", "m", "a"}));
}

TEST_F(GateEngineTest, DeadlineSaturates) {
  Gate g = make_gate("g", any(1));
  g.created_ms = std::numeric_limits<uint64_t>::max() - 5;
  g.timeout_ms = 100;
  Gate *opened = open(g);
  EXPECT_EQ(opened->deadline_ms(), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(engine_.expired(std::numeric_limits<uint64_t>::max() - 1).empty());
}

TEST_F(GateEngineTest, TimeoutPayloadNumbers) {
  // gate.timeout {approvals_received, approvals_required} for each rule at expiry.
  struct Row {
    QuorumRule rule;
    std::vector<const char *> approvers;
    uint32_t received;
    uint32_t required;
  };
  const Row rows[] = {
      {any(2), {"a"}, 1, 2},
      {all(), {"a", "b"}, 2, 4},
      {majority(), {"a"}, 1, 3},
      {role(Role::kApprover, 3), {"a", "c"}, 2, 3},
      {specific({"a", "b", "c"}), {"b"}, 1, 3},
  };
  for (const Row &row : rows) {
    GateEngine engine;
    auto g = engine.open(make_gate("g", row.rule), members_);
    ASSERT_TRUE(g.is_ok());
    for (const char *id : row.approvers) {
      ASSERT_EQ(engine.approve("g", approver(id), ""), VoteResult::kRecorded);
    }
    EXPECT_EQ(approvals_received(*g.value(), members_, OnTimeout::kWait), row.received)
        << to_string(row.rule.type);
    EXPECT_EQ(approvals_required(*g.value(), members_, OnTimeout::kWait), row.required)
        << to_string(row.rule.type);
  }
}

// ---- escalation ----

TEST_F(GateEngineTest, EscalationHandsTheDecisionToAdmins) {
  Gate g0 = make_gate("p", any(3));
  g0.created_ms = 0;
  g0.timeout_ms = 300'000;
  Gate *g = open(g0);
  EXPECT_EQ(engine_.approve("p", approver("a"), ""), VoteResult::kRecorded);
  ASSERT_EQ(engine_.expired(300'000), (std::vector<std::string>{"p"}));
  ASSERT_TRUE(engine_.escalate("p", 300'000, 60'000));
  EXPECT_TRUE(g->escalated);
  EXPECT_EQ(g->rule, role(Role::kAdmin, 1));
  EXPECT_EQ(engine_.next_deadline(), 360'000u);
  EXPECT_TRUE(engine_.expired(300'000).empty());
  EXPECT_EQ(eval(*g), Outcome::kPending);  // "a" is no admin: its approval does not decide
  EXPECT_EQ(engine_.approve("p", approver("b"), ""), VoteResult::kNotEligible);
  EXPECT_EQ(engine_.approve("p", admin("root"), ""), VoteResult::kRecorded);
  EXPECT_EQ(eval(*g), Outcome::kApproved);
  EXPECT_EQ(g->approvals, (std::vector<std::string>{"a", "root"}));
  EXPECT_EQ(engine_.escalate("p", 1, 1).code(), PVPD_E_INVAL);  // only once
  EXPECT_EQ(engine_.escalate("zz", 1, 1).code(), PVPD_E_NOENT);
}

TEST_F(GateEngineTest, EscalationWithoutAdminsIsImpossible) {
  std::erase_if(members_, [](const Voter &v) { return v.id == "root"; });
  Gate *g = open(make_gate("p", any(1)));
  ASSERT_TRUE(engine_.escalate("p", 0, 0));
  EXPECT_EQ(eval(*g), Outcome::kImpossible);
  EXPECT_FALSE(engine_.next_deadline());
  // An admin may also veto an escalated gate.
  EXPECT_EQ(engine_.reject("p", admin("root")), VoteResult::kRecorded);
}

TEST_F(GateEngineTest, EscalationRefusedAfterRejection) {
  open(make_gate("p", any(1)));
  ASSERT_EQ(engine_.reject("p", approver("a")), VoteResult::kRecorded);
  EXPECT_EQ(engine_.escalate("p", 0, 0).code(), PVPD_E_INVAL);
}

// ---- close / open_gates ----

TEST_F(GateEngineTest, CloseKeepsOtherGatesAndOrder) {
  Gate *g1 = open(make_gate("g1", any(1)));
  Gate *g2 = open(make_gate("g2", all()));
  Gate *g3 = open(make_gate("g3", majority()));
  EXPECT_EQ(engine_.open_gates(), (std::vector<const Gate *>{g1, g2, g3}));
  engine_.close("g2");
  engine_.close("g2");       // unknown: ignored
  engine_.close("missing");  // ignored
  EXPECT_EQ(engine_.open_gates(), (std::vector<const Gate *>{g1, g3}));
  EXPECT_EQ(engine_.find("req-g2"), nullptr);
  EXPECT_EQ(engine_.approve("g2", approver("a"), ""), VoteResult::kUnknownGate);
  // Pointers to the other gates are still valid.
  EXPECT_EQ(g1->id, "g1");
  EXPECT_EQ(g3->id, "g3");
  Gate *g4 = open(make_gate("g2", any(1)));  // the id is free again
  EXPECT_EQ(engine_.open_gates(), (std::vector<const Gate *>{g1, g3, g4}));
  EXPECT_EQ(engine_.approve("req-g3", approver("a"), ""), VoteResult::kRecorded);
}

TEST_F(GateEngineTest, ClosingWhileIteratingASnapshot) {
  for (const char *id : {"a1", "a2", "a3"}) {
    open(make_gate(id, any(1)));
  }
  for (const Gate *g : engine_.open_gates()) {
    engine_.close(g->id);
  }
  EXPECT_EQ(engine_.size(), 0u);
  EXPECT_TRUE(engine_.open_gates().empty());
}

TEST(GateEngineNames, VoteResultsAndResolutions) {
  EXPECT_STREQ(to_string(VoteResult::kProposerCannotApprove), "proposer_cannot_approve");
  EXPECT_STREQ(to_string(VoteResult::kDigestMismatch), "digest_mismatch");
  for (TimeoutResolution r : {TimeoutResolution::kRejected, TimeoutResolution::kAutoApproved,
                              TimeoutResolution::kEscalated}) {
    EXPECT_EQ(parse_timeout_resolution(to_string(r)), r);
  }
  EXPECT_STREQ(to_string(TimeoutResolution::kAutoApproved), "auto_approved");
  EXPECT_FALSE(parse_timeout_resolution("approved"));
  EXPECT_STREQ(to_string(Outcome::kImpossible), "impossible");
}

}  // namespace
}  // namespace pvpd::session
