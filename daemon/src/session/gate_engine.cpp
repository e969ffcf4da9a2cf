#include "session/gate_engine.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace pvpd::session {

namespace {

bool has_rights(const Gate &gate, const Voter &voter) {
  return can_approve(voter) || (gate.escalated && voter.has_role(Role::kAdmin));
}

}  // namespace

std::optional<uint64_t> Gate::deadline_ms() const {
  if (timeout_ms == 0) {
    return std::nullopt;
  }
  uint64_t max = std::numeric_limits<uint64_t>::max();
  return created_ms > max - timeout_ms ? max : created_ms + timeout_ms;
}

const char *to_string(VoteResult result) {
  switch (result) {
    case VoteResult::kRecorded: return "recorded";
    case VoteResult::kDuplicate: return "duplicate";
    case VoteResult::kProposerCannotApprove: return "proposer_cannot_approve";
    case VoteResult::kNotEligible: return "not_eligible";
    case VoteResult::kAlreadyResolved: return "already_resolved";
    case VoteResult::kDigestMismatch: return "digest_mismatch";
    case VoteResult::kUnknownGate: return "unknown_gate";
  }
  return "unknown";
}

Result<Gate *> GateEngine::open(Gate gate, const std::vector<Voter> &members) {
  if (gate.id.empty()) {
    return Status(PVPD_E_INVAL, "gate id must not be empty");
  }
  if (gate.proposer.empty()) {
    return Status(PVPD_E_INVAL, "gate " + gate.id + ": proposer must not be empty");
  }
  if (Status s = validate_quorum_rule(gate.rule); !s) {
    return Status(PVPD_E_INVAL, "gate " + gate.id + ": " + s.message());
  }
  if (by_name_.count(gate.id) != 0 || (!gate.alias.empty() && by_name_.count(gate.alias) != 0)) {
    return Status(PVPD_E_EXISTS, "gate " + gate.id + " is already open");
  }
  if (gate.alias == gate.id) {
    gate.alias.clear();  // one name is enough
  }
  gate.eligible_at_request.clear();
  for (const Voter &v : members) {
    if (v.id != gate.proposer && can_approve(v) &&
        std::find(gate.eligible_at_request.begin(), gate.eligible_at_request.end(), v.id) ==
            gate.eligible_at_request.end()) {
      gate.eligible_at_request.push_back(v.id);
    }
  }
  gate.approvals.clear();
  gate.rejected_by.reset();
  gate.escalated = false;

  auto owned = std::make_unique<Gate>(std::move(gate));
  Gate *g = owned.get();
  gates_.push_back(std::move(owned));
  by_name_.emplace(g->id, g);
  if (!g->alias.empty()) {
    by_name_.emplace(g->alias, g);
  }
  return g;
}

Gate *GateEngine::find(std::string_view id_or_alias) {
  auto it = by_name_.find(std::string(id_or_alias));
  return it == by_name_.end() ? nullptr : it->second;
}

const Gate *GateEngine::find(std::string_view id_or_alias) const {
  auto it = by_name_.find(std::string(id_or_alias));
  return it == by_name_.end() ? nullptr : it->second;
}

VoteResult GateEngine::approve(std::string_view id_or_alias, const Voter &voter,
                               std::string_view digest) {
  Gate *g = find(id_or_alias);
  if (g == nullptr) {
    return VoteResult::kUnknownGate;
  }
  if (g->rejected_by) {
    return VoteResult::kAlreadyResolved;
  }
  // Checked before identity: an approval of another action must never be recorded, and the
  // answer tells the voter its view of the proposal is stale.
  if (!digest.empty() && digest != g->digest) {
    return VoteResult::kDigestMismatch;
  }
  if (voter.id == g->proposer) {
    return VoteResult::kProposerCannotApprove;
  }
  if (!may_approve(g->ballot(), voter)) {
    return VoteResult::kNotEligible;
  }
  if (std::find(g->approvals.begin(), g->approvals.end(), voter.id) != g->approvals.end()) {
    return VoteResult::kDuplicate;
  }
  g->approvals.push_back(voter.id);
  return VoteResult::kRecorded;
}

VoteResult GateEngine::reject(std::string_view id_or_alias, const Voter &voter) {
  Gate *g = find(id_or_alias);
  if (g == nullptr) {
    return VoteResult::kUnknownGate;
  }
  if (g->rejected_by) {
    return VoteResult::kAlreadyResolved;
  }
  if (!has_rights(*g, voter)) {
    return VoteResult::kNotEligible;
  }
  g->rejected_by = voter.id;
  return VoteResult::kRecorded;
}

Outcome GateEngine::evaluate(const Gate &gate, const std::vector<Voter> &members,
                             OnTimeout policy) {
  if (gate.rejected_by) {
    return Outcome::kRejected;
  }
  return tally(gate.ballot(), members, policy).outcome;
}

std::vector<std::string> GateEngine::expired(uint64_t now_ms) const {
  std::vector<std::string> out;
  for (const auto &g : gates_) {
    auto deadline = g->deadline_ms();
    if (deadline && *deadline <= now_ms) {
      out.push_back(g->id);
    }
  }
  return out;
}

std::optional<uint64_t> GateEngine::next_deadline() const {
  std::optional<uint64_t> next;
  for (const auto &g : gates_) {
    auto deadline = g->deadline_ms();
    if (deadline && (!next || *deadline < *next)) {
      next = deadline;
    }
  }
  return next;
}

Status GateEngine::escalate(std::string_view id_or_alias, uint64_t now_ms, uint64_t timeout_ms) {
  Gate *g = find(id_or_alias);
  if (g == nullptr) {
    return Status(PVPD_E_NOENT, "gate " + std::string(id_or_alias) + " is not open");
  }
  if (g->rejected_by) {
    return Status(PVPD_E_INVAL, "gate " + g->id + " was rejected");
  }
  if (g->escalated) {
    return Status(PVPD_E_INVAL, "gate " + g->id + " is already escalated");
  }
  g->escalated = true;
  g->rule = QuorumRule{QuorumRule::Type::kRole, 1, Role::kAdmin, {}};
  g->created_ms = now_ms;
  g->timeout_ms = timeout_ms;
  return Status::ok();
}

void GateEngine::close(std::string_view id_or_alias) {
  Gate *g = find(id_or_alias);
  if (g == nullptr) {
    return;
  }
  by_name_.erase(g->id);
  if (!g->alias.empty()) {
    by_name_.erase(g->alias);
  }
  gates_.erase(std::find_if(gates_.begin(), gates_.end(),
                            [g](const std::unique_ptr<Gate> &p) { return p.get() == g; }));
}

std::vector<const Gate *> GateEngine::open_gates() const {
  std::vector<const Gate *> out;
  out.reserve(gates_.size());
  for (const auto &g : gates_) {
    out.push_back(g.get());
  }
  return out;
}

uint32_t approvals_received(const Gate &gate, const std::vector<Voter> &members, OnTimeout policy) {
  return tally(gate.ballot(), members, policy).received;
}

uint32_t approvals_required(const Gate &gate, const std::vector<Voter> &members, OnTimeout policy) {
  return tally(gate.ballot(), members, policy).required;
}

const char *to_string(TimeoutResolution resolution) {
  switch (resolution) {
    case TimeoutResolution::kRejected: return "rejected";
    case TimeoutResolution::kAutoApproved: return "auto_approved";
    case TimeoutResolution::kEscalated: return "escalated";
  }
  return "unknown";
}

std::optional<TimeoutResolution> parse_timeout_resolution(std::string_view name) {
  for (TimeoutResolution r : {TimeoutResolution::kRejected, TimeoutResolution::kAutoApproved,
                              TimeoutResolution::kEscalated}) {
    if (name == to_string(r)) {
      return r;
    }
  }
  return std::nullopt;
}

}  // namespace pvpd::session
