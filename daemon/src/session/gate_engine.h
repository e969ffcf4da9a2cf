// GateEngine: a session's open gates, their votes and deadlines. Pure and deterministic: no
// I/O, no timers, no global state. The session owns one engine, passes the authenticated voter
// and a snapshot of its members to each call, owns the single timer (next_deadline()), and
// turns outcomes into frames (tool.execute, tool.reject/gate.reject relay, gate.timeout).
//
// Typical use by the session, per tool.propose that needs_gate():
//   auto g = engine.open(gate, members);           // then send gate.request, relay proposal
//   evaluate(*g, members, policy)                   // kImpossible at once: resolve as a timeout
// per gate.approve:  approve(id, sender, digest) -> VoteResult (not kRecorded: error frame);
//                    then evaluate(); kApproved: tool.execute{approved_by: approvals}, close().
// per gate.reject:   reject(id, sender) -> kRejected: notify everyone, close().
// per membership/role/presence change: evaluate() every open gate again.
// on the timer:      for each id in expired(now): gate.timeout{approvals_received/required from
//                    tally()}, then close() or escalate(); re-arm with next_deadline().
//
// Ids: a gate is found by its id (the tool.propose message id, as the reference and its TUI
// use) or its alias (the gate.request message id, as the spec and examples use).
//
// THREAD: the session's thread only; not thread-safe.
// OWNERSHIP: the engine owns its gates. A Gate* / const Gate* stays valid until that gate is
// closed (other opens and closes do not move it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "session/quorum.h"
#include "util/status.h"

namespace pvpd::session {

struct Gate {
  std::string id;     // the tool.propose message id (the reference's gate id)
  std::string alias;  // the gate.request message id; may be empty
  std::string action_type = "tool";
  std::string digest;    // proposal_digest() of the gated action; binds approvals to it
  std::string proposer;  // the agent's participant id; never approves its own action
  QuorumRule rule;
  uint64_t created_ms = 0;
  uint64_t timeout_ms = 0;  // 0 = no deadline
  // Opaque to the engine: the gate.request frame as sent, replayed to late joiners.
  std::string request_frame;

  // Set by the engine.
  std::vector<std::string> eligible_at_request;  // approvers at open(), proposer excluded
  std::vector<std::string> approvals;            // distinct ids in arrival order (approved_by)
  std::optional<std::string> rejected_by;
  bool escalated = false;  // after escalate(): only admins decide

  // created_ms + timeout_ms (saturating), or nullopt without a deadline.
  std::optional<uint64_t> deadline_ms() const;
  Ballot ballot() const {
    return Ballot{rule, proposer, eligible_at_request, approvals, escalated};
  }
};

enum class VoteResult {
  kRecorded,
  kDuplicate,              // this identity already approved; not counted twice
  kProposerCannotApprove,  // the proposer approving its own action
  kNotEligible,            // no approval rights, or not eligible for this rule (see may_approve)
  kAlreadyResolved,        // the gate was rejected (it awaits close())
  kDigestMismatch,         // the vote names a different action than the gate's
  kUnknownGate,            // no open gate with that id or alias
};
const char *to_string(VoteResult result);

class GateEngine {
 public:
  GateEngine() = default;
  GateEngine(const GateEngine &) = delete;
  GateEngine &operator=(const GateEngine &) = delete;

  // Starts a fresh vote: validates (INVAL: empty id or proposer, invalid rule such as an empty
  // `specific` list; EXISTS: id or alias already names an open gate), fills
  // eligible_at_request from `members` (every member with approval rights, present or not,
  // except the proposer), clears votes.
  Result<Gate *> open(Gate gate, const std::vector<Voter> &members);

  Gate *find(std::string_view id_or_alias);
  const Gate *find(std::string_view id_or_alias) const;

  // `voter` is the authenticated sender, never a payload field. `digest` is the digest the
  // voter claims to approve; empty skips the check (reference clients send none).
  VoteResult approve(std::string_view id_or_alias, const Voter &voter, std::string_view digest);
  // A veto: any member with approval rights (admins too once escalated), regardless of rule
  // eligibility; the proposer too when it has such rights (withdrawing its own action is
  // harmless). The first rejection wins; later votes get kAlreadyResolved.
  VoteResult reject(std::string_view id_or_alias, const Voter &voter);

  // kRejected once rejected, else tally(gate.ballot(), members, policy).outcome.
  static Outcome evaluate(const Gate &gate, const std::vector<Voter> &members, OnTimeout policy);

  // Ids of gates whose deadline is at or before now_ms, in creation order.
  std::vector<std::string> expired(uint64_t now_ms) const;
  // The earliest deadline among open gates, for the caller's single timer.
  std::optional<uint64_t> next_deadline() const;

  // Hands the decision to admins after a timeout with resolution "escalated": the rule becomes
  // role{admin, 1}, approvals so far are kept (an approver who is also an admin has already
  // decided), and a new deadline starts at now_ms (0 = none). INVAL when rejected or already
  // escalated (a second timeout should reject), NOENT when unknown.
  Status escalate(std::string_view id_or_alias, uint64_t now_ms, uint64_t timeout_ms);

  // Forgets the gate (resolved). Unknown ids are ignored.
  void close(std::string_view id_or_alias);

  // Open gates in creation order (for replay to late joiners).
  std::vector<const Gate *> open_gates() const;
  size_t size() const { return gates_.size(); }

 private:
  std::vector<std::unique_ptr<Gate>> gates_;         // creation order
  std::unordered_map<std::string, Gate *> by_name_;  // id and alias -> gate
};

// gate.timeout's numbers for a gate now.
uint32_t approvals_received(const Gate &gate, const std::vector<Voter> &members, OnTimeout policy);
uint32_t approvals_required(const Gate &gate, const std::vector<Voter> &members, OnTimeout policy);

// gate.timeout `resolution`, the session config's choice of what a timeout does.
enum class TimeoutResolution { kRejected, kAutoApproved, kEscalated };
const char *to_string(TimeoutResolution resolution);
std::optional<TimeoutResolution> parse_timeout_resolution(std::string_view name);

}  // namespace pvpd::session
