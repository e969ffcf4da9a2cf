// Quorum rules for gates: roles and capabilities as the gate engine sees them, the voter
// snapshot the session passes in, parsing/writing the wire `QuorumRule`, and the pure tally that
// decides whether a gate's approvals meet its rule.
//
// The issue (#3, "Gates") is the source of truth, not the reference server, which counts
// approval entries instead of identities, accepts spoofed approvers and lets 50 % pass a
// majority (pvp-anchor.md §5.3). Every rule here counts distinct authenticated identities; the
// exact semantics are written next to tally() and in docs/protocol.md.
//
// THREAD: pure functions and value types; no I/O, no clock, no global state.
// OWNERSHIP: Ballot borrows from the Gate that builds it and must not outlive it.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace pvpd::session {

enum class Role { kDriver, kNavigator, kAdversary, kObserver, kApprover, kAdmin };
enum class Capability {
  kPrompt,
  kApprove,
  kInterrupt,
  kFork,
  kAddContext,
  kManageParticipants,
  kEndSession,
};

// Wire names ("driver", "manage_participants", ...). Unknown names parse to nullopt.
const char *to_string(Role role);
const char *to_string(Capability cap);
std::optional<Role> parse_role(std::string_view name);
std::optional<Capability> parse_capability(std::string_view name);

// A participant as the gate engine sees it. The session builds a snapshot of its members
// (every participant still in the session, disconnected ones included) for each call.
struct Voter {
  std::string id;  // authenticated participant id, never a payload field
  std::vector<Role> roles;
  std::vector<Capability> caps;
  // False while the participant is disconnected or away (on_participant_timeout applies).
  bool present = true;

  bool has_role(Role r) const;
  bool has_cap(Capability c) const;
};

// The reference's canApprove: role approver or capability approve. Role admin alone does not
// approve (pvp-anchor.md §3.2); admins decide only escalated gates.
bool can_approve(const Voter &voter);

// Session config `on_participant_timeout`: what an absent eligible voter means for a quorum.
enum class OnTimeout { kWait, kSkip, kPauseSession };
const char *to_string(OnTimeout policy);
std::optional<OnTimeout> parse_on_timeout(std::string_view name);

struct QuorumRule {
  enum class Type { kAny, kAll, kRole, kSpecific, kMajority };
  Type type = Type::kAny;
  uint32_t count = 1;                     // kAny, kRole
  Role role = Role::kApprover;            // kRole
  std::vector<std::string> participants;  // kSpecific: distinct, non-empty, in given order

  bool operator==(const QuorumRule &) const = default;
};
const char *to_string(QuorumRule::Type type);

// Counts above this are refused: no session has that many members (max_participants is far
// lower), and it keeps approvals_required() within uint32_t arithmetic.
inline constexpr uint32_t kMaxQuorumCount = 10000;

// Parses a wire QuorumRule. `field` names the value in error messages ("quorum",
// "default_gate_quorum"); errors are INVAL and name the exact member, e.g.
// "quorum.participants must not be empty". Unknown members are ignored (the wire format
// preserves unknown fields). Duplicate ids in `participants` are merged.
Result<QuorumRule> parse_quorum(const rapidjson::Value &value, std::string_view field = "quorum");
// Checks a rule built in code against the same constraints parse_quorum enforces.
Status validate_quorum_rule(const QuorumRule &rule, std::string_view field = "quorum");
// Writes the wire form: {"type":"any","count":N}, {"type":"all"}, ...
void write_quorum(const QuorumRule &rule, rapidjson::Value &out,
                  rapidjson::Document::AllocatorType &alloc);

enum class Outcome {
  kPending,   // not met yet, and still reachable by approvals from current members
  kApproved,  // met
  kRejected,  // someone rejected (set by the gate engine, never by tally())
  // Not reachable with the current membership: even if every member who may still approve
  // did so, the rule would not be met (see tally()). The caller resolves it as it would a
  // timeout, or keeps it open until its deadline if it expects membership to change.
  kImpossible,
};
const char *to_string(Outcome outcome);

// What tally() needs from a gate.
struct Ballot {
  const QuorumRule &rule;
  std::string_view proposer;
  const std::vector<std::string> &eligible_at_request;  // kAll / kMajority
  const std::vector<std::string> &approvals;            // distinct ids, arrival order
  bool escalated = false;  // only admins may approve (the rule is then role admin)
};

// May `voter` approve this ballot now? The proposer never may. Besides can_approve() (or role
// admin when escalated), kAll/kMajority need the voter in eligible_at_request, kRole needs the
// role, kSpecific needs the voter listed.
bool may_approve(const Ballot &ballot, const Voter &voter);

struct Tally {
  Outcome outcome = Outcome::kPending;
  uint32_t received = 0;  // approvals that count toward the rule now
  uint32_t required = 0;  // approvals the rule needs now (>= 1); gate.timeout's fields
};

// Evaluates the rule against the current members. Rules (C = current members, P = proposer):
//  * An approval counts while its author is a member who may still approve (a demoted approver's
//    approval stops counting), or after its author left the session (they approved while a
//    member). Absence (disconnected/away) never cancels an approval, under any policy.
//  * "Available" = a member of C, not P, who may approve, and present unless policy is kSkip.
//    kWait and kPauseSession wait for absent members; kSkip leaves them out of the quorum.
//  * kAny{n}: n counted approvals. Impossible when counted + available non-approvers < n.
//  * kRole{r,n}: n counted approvals from members holding r now (or who held it when they
//    approved and have since left). Impossible like kAny, counting only holders of r.
//  * kAll: electorate = counted approvals ∪ available members of eligible_at_request (the
//    approvers at request time, P excluded). Met when every one of them approved and there is at
//    least one approval. Impossible when the electorate is empty (nobody left to approve).
//  * kMajority: same electorate E; met when 2 × approvals > |E| (strictly more than half: 1/1,
//    2/3, 3/4 pass; 1/2, 2/4 do not). Impossible when E is empty.
//  * kSpecific{ids}: every listed id approved, except under kSkip an absent or non-member id is
//    skipped; at least one approval is always needed. Impossible when a listed id that is not
//    skipped can never approve now: it is P, not a member (it left or never joined), or a member
//    without approval rights.
//  * No rule is ever met with zero approvals.
Tally tally(const Ballot &ballot, const std::vector<Voter> &current, OnTimeout policy);

}  // namespace pvpd::session
