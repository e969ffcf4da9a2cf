// Shared helpers for the gate engine / quorum tests: voter builders and a gate factory.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "session/gate_engine.h"
#include "session/quorum.h"

namespace pvpd::session::gate_testing {

inline Voter voter(std::string id, std::vector<Role> roles, std::vector<Capability> caps = {},
                   bool present = true) {
  Voter v;
  v.id = std::move(id);
  v.roles = std::move(roles);
  v.caps = std::move(caps);
  v.present = present;
  return v;
}
// Role approver.
inline Voter approver(std::string id, bool present = true) {
  return voter(std::move(id), {Role::kApprover}, {}, present);
}
// Capability approve without the approver role.
inline Voter cap_approver(std::string id) {
  return voter(std::move(id), {Role::kNavigator}, {Capability::kApprove});
}
inline Voter admin(std::string id) {
  return voter(std::move(id), {Role::kAdmin});
}
inline Voter navigator(std::string id) {
  return voter(std::move(id), {Role::kNavigator});
}
inline Voter agent() {
  return voter("agent", {Role::kDriver});
}
inline Voter absent(Voter v) {
  v.present = false;
  return v;
}

inline QuorumRule any(uint32_t n) {
  return QuorumRule{QuorumRule::Type::kAny, n, {}, {}};
}
inline QuorumRule all() {
  return QuorumRule{QuorumRule::Type::kAll, 1, {}, {}};
}
inline QuorumRule majority() {
  return QuorumRule{QuorumRule::Type::kMajority, 1, {}, {}};
}
inline QuorumRule role(Role r, uint32_t n) {
  return QuorumRule{QuorumRule::Type::kRole, n, r, {}};
}
inline QuorumRule specific(std::vector<std::string> ids) {
  return QuorumRule{QuorumRule::Type::kSpecific, 1, {}, std::move(ids)};
}

inline Gate make_gate(std::string id, QuorumRule rule, std::string proposer = "agent") {
  Gate g;
  g.id = std::move(id);
  g.alias = "req-" + g.id;
  g.digest = "d-" + g.id;
  g.proposer = std::move(proposer);
  g.rule = std::move(rule);
  return g;
}

}  // namespace pvpd::session::gate_testing
