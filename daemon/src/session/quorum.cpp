#include "session/quorum.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>
#include <utility>

namespace pvpd::session {

namespace {

constexpr std::array<std::pair<Role, const char *>, 6> kRoleNames{{
    {Role::kDriver, "driver"},
    {Role::kNavigator, "navigator"},
    {Role::kAdversary, "adversary"},
    {Role::kObserver, "observer"},
    {Role::kApprover, "approver"},
    {Role::kAdmin, "admin"},
}};

constexpr std::array<std::pair<Capability, const char *>, 7> kCapabilityNames{{
    {Capability::kPrompt, "prompt"},
    {Capability::kApprove, "approve"},
    {Capability::kInterrupt, "interrupt"},
    {Capability::kFork, "fork"},
    {Capability::kAddContext, "add_context"},
    {Capability::kManageParticipants, "manage_participants"},
    {Capability::kEndSession, "end_session"},
}};

constexpr std::array<std::pair<QuorumRule::Type, const char *>, 5> kTypeNames{{
    {QuorumRule::Type::kAny, "any"},
    {QuorumRule::Type::kAll, "all"},
    {QuorumRule::Type::kRole, "role"},
    {QuorumRule::Type::kSpecific, "specific"},
    {QuorumRule::Type::kMajority, "majority"},
}};

template <typename E, size_t N>
const char *name_of(const std::array<std::pair<E, const char *>, N> &table, E value) {
  for (const auto &[v, name] : table) {
    if (v == value) {
      return name;
    }
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> value_of(const std::array<std::pair<E, const char *>, N> &table,
                          std::string_view name) {
  for (const auto &[v, n] : table) {
    if (name == n) {
      return v;
    }
  }
  return std::nullopt;
}

Status invalid(std::string_view field, std::string_view member, std::string_view what) {
  std::string msg(field);
  if (!member.empty()) {
    msg += '.';
    msg += member;
  }
  msg += ' ';
  msg += what;
  return Status(PVPD_E_INVAL, std::move(msg));
}

// Reads a positive integer count within kMaxQuorumCount. JSON numbers such as 2.0 are
// refused: the type says integer and a fractional count has no meaning.
Result<uint32_t> parse_count(const rapidjson::Value &obj, std::string_view field) {
  auto it = obj.FindMember("count");
  if (it == obj.MemberEnd()) {
    return invalid(field, "count", "is required");
  }
  if (!it->value.IsUint64()) {
    return invalid(field, "count", "must be a positive integer");
  }
  uint64_t n = it->value.GetUint64();
  if (n < 1 || n > kMaxQuorumCount) {
    return invalid(field, "count", "must be between 1 and " + std::to_string(kMaxQuorumCount));
  }
  return static_cast<uint32_t>(n);
}

bool contains(const std::vector<std::string> &ids, std::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// The current members by id. Ids are unique in a session; should a snapshot repeat one, the
// first entry wins, deterministically.
using Members = std::unordered_map<std::string_view, const Voter *>;

Members index_members(const std::vector<Voter> &current) {
  Members m;
  m.reserve(current.size());
  for (const Voter &v : current) {
    m.emplace(v.id, &v);
  }
  return m;
}

const Voter *member(const Members &m, std::string_view id) {
  auto it = m.find(id);
  return it == m.end() ? nullptr : it->second;
}

// Approval rights now, before any rule-specific membership test.
bool has_right(const Ballot &b, const Voter &v) {
  if (v.id == b.proposer) {
    return false;
  }
  bool right = b.escalated ? v.has_role(Role::kAdmin) : can_approve(v);
  if (right && b.rule.type == QuorumRule::Type::kRole) {
    right = v.has_role(b.rule.role);
  }
  return right;
}

// An approval counts while its author may still approve, or once its author has left (the
// approval was valid when cast, and leaving is not a retraction).
bool counts(const Ballot &b, const Members &m, const std::string &id) {
  const Voter *v = member(m, id);
  return v == nullptr || has_right(b, *v);
}

bool available(const Ballot &b, const Voter &v, OnTimeout policy) {
  return has_right(b, v) && (v.present || policy != OnTimeout::kSkip);
}

uint32_t to_u32(size_t n) {
  return n > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(n);
}

// kAny / kRole: a count of distinct identities.
Tally tally_count(const Ballot &b, const std::vector<Voter> &current, const Members &m,
                  OnTimeout policy) {
  Tally t;
  size_t received = 0;
  for (const std::string &id : b.approvals) {
    if (counts(b, m, id)) {
      ++received;
    }
  }
  size_t potential = received;
  for (const Voter &v : current) {
    if (member(m, v.id) == &v && !contains(b.approvals, v.id) && available(b, v, policy)) {
      ++potential;
    }
  }
  t.received = to_u32(received);
  t.required = b.rule.count;
  if (received >= b.rule.count) {
    t.outcome = Outcome::kApproved;
  } else if (potential < b.rule.count) {
    t.outcome = Outcome::kImpossible;
  }
  return t;
}

// kAll / kMajority: over the electorate fixed at request time.
Tally tally_electorate(const Ballot &b, const Members &m, OnTimeout policy) {
  Tally t;
  size_t received = 0;
  size_t electorate = 0;
  for (const std::string &id : b.eligible_at_request) {
    bool approved = contains(b.approvals, id);
    if (approved && counts(b, m, id)) {
      ++received;
      ++electorate;
      continue;
    }
    const Voter *v = member(m, id);
    if (v != nullptr && available(b, *v, policy)) {
      ++electorate;
    }
  }
  t.received = to_u32(received);
  if (b.rule.type == QuorumRule::Type::kAll) {
    t.required = to_u32(std::max<size_t>(electorate, 1));
    if (electorate == 0) {
      t.outcome = Outcome::kImpossible;
    } else if (received == electorate) {
      t.outcome = Outcome::kApproved;
    }
  } else {
    t.required = to_u32(electorate / 2 + 1);
    if (electorate == 0) {
      t.outcome = Outcome::kImpossible;
    } else if (2 * received > electorate) {
      t.outcome = Outcome::kApproved;
    }
  }
  return t;
}

Tally tally_specific(const Ballot &b, const Members &m, OnTimeout policy) {
  Tally t;
  size_t received = 0;
  size_t missing = 0;
  bool impossible = false;
  for (const std::string &id : b.rule.participants) {
    if (contains(b.approvals, id) && counts(b, m, id)) {
      ++received;
      continue;
    }
    const Voter *v = member(m, id);
    bool absent = v == nullptr || !v->present;
    if (policy == OnTimeout::kSkip && absent) {
      continue;  // skipped: not required while absent
    }
    ++missing;
    if (v == nullptr || !has_right(b, *v)) {
      impossible = true;  // P, a non-member, or a member without approval rights
    }
  }
  t.received = to_u32(received);
  t.required = to_u32(std::max<size_t>(received + missing, 1));
  if (missing == 0 && received > 0) {
    t.outcome = Outcome::kApproved;
  } else if (impossible || (missing == 0 && received == 0)) {
    t.outcome = Outcome::kImpossible;
  }
  return t;
}

}  // namespace

const char *to_string(Role role) {
  return name_of(kRoleNames, role);
}
const char *to_string(Capability cap) {
  return name_of(kCapabilityNames, cap);
}
std::optional<Role> parse_role(std::string_view name) {
  return value_of(kRoleNames, name);
}
std::optional<Capability> parse_capability(std::string_view name) {
  return value_of(kCapabilityNames, name);
}
const char *to_string(QuorumRule::Type type) {
  return name_of(kTypeNames, type);
}

bool Voter::has_role(Role r) const {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}
bool Voter::has_cap(Capability c) const {
  return std::find(caps.begin(), caps.end(), c) != caps.end();
}

bool can_approve(const Voter &voter) {
  return voter.has_role(Role::kApprover) || voter.has_cap(Capability::kApprove);
}

const char *to_string(OnTimeout policy) {
  switch (policy) {
    case OnTimeout::kWait: return "wait";
    case OnTimeout::kSkip: return "skip";
    case OnTimeout::kPauseSession: return "pause_session";
  }
  return "unknown";
}

std::optional<OnTimeout> parse_on_timeout(std::string_view name) {
  if (name == "wait") {
    return OnTimeout::kWait;
  }
  if (name == "skip") {
    return OnTimeout::kSkip;
  }
  if (name == "pause_session") {
    return OnTimeout::kPauseSession;
  }
  return std::nullopt;
}

const char *to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPending: return "pending";
    case Outcome::kApproved: return "approved";
    case Outcome::kRejected: return "rejected";
    case Outcome::kImpossible: return "impossible";
  }
  return "unknown";
}

Result<QuorumRule> parse_quorum(const rapidjson::Value &value, std::string_view field) {
  if (!value.IsObject()) {
    return invalid(field, "", "must be an object");
  }
  auto type_it = value.FindMember("type");
  if (type_it == value.MemberEnd()) {
    return invalid(field, "type", "is required");
  }
  if (!type_it->value.IsString()) {
    return invalid(field, "type", "must be a string");
  }
  std::string_view type_name(type_it->value.GetString(), type_it->value.GetStringLength());
  auto type = value_of(kTypeNames, type_name);
  if (!type) {
    return invalid(
        field, "type",
        "must be one of any, all, role, specific, majority (got '" + std::string(type_name) + "')");
  }
  QuorumRule rule;
  rule.type = *type;
  switch (rule.type) {
    case QuorumRule::Type::kAll:
    case QuorumRule::Type::kMajority: break;
    case QuorumRule::Type::kAny:
    case QuorumRule::Type::kRole: {
      auto count = parse_count(value, field);
      if (!count) {
        return count.status();
      }
      rule.count = count.value();
      if (rule.type == QuorumRule::Type::kAny) {
        break;
      }
      auto role_it = value.FindMember("role");
      if (role_it == value.MemberEnd()) {
        return invalid(field, "role", "is required");
      }
      if (!role_it->value.IsString()) {
        return invalid(field, "role", "must be a string");
      }
      std::string_view role_name(role_it->value.GetString(), role_it->value.GetStringLength());
      auto role = parse_role(role_name);
      if (!role) {
        return invalid(field, "role", "is not a role (got '" + std::string(role_name) + "')");
      }
      rule.role = *role;
      break;
    }
    case QuorumRule::Type::kSpecific: {
      auto it = value.FindMember("participants");
      if (it == value.MemberEnd()) {
        return invalid(field, "participants", "is required");
      }
      if (!it->value.IsArray()) {
        return invalid(field, "participants", "must be an array");
      }
      for (const auto &p : it->value.GetArray()) {
        if (!p.IsString() || p.GetStringLength() == 0) {
          return invalid(field, "participants", "must hold non-empty participant ids");
        }
        std::string id(p.GetString(), p.GetStringLength());
        if (!contains(rule.participants, id)) {
          rule.participants.push_back(std::move(id));
        }
      }
      if (rule.participants.empty()) {
        return invalid(field, "participants", "must not be empty");
      }
      break;
    }
  }
  return rule;
}

Status validate_quorum_rule(const QuorumRule &rule, std::string_view field) {
  switch (rule.type) {
    case QuorumRule::Type::kAll:
    case QuorumRule::Type::kMajority: return Status::ok();
    case QuorumRule::Type::kAny:
    case QuorumRule::Type::kRole:
      if (rule.count < 1 || rule.count > kMaxQuorumCount) {
        return invalid(field, "count", "must be between 1 and " + std::to_string(kMaxQuorumCount));
      }
      return Status::ok();
    case QuorumRule::Type::kSpecific: {
      if (rule.participants.empty()) {
        return invalid(field, "participants", "must not be empty");
      }
      for (size_t i = 0; i < rule.participants.size(); ++i) {
        if (rule.participants[i].empty()) {
          return invalid(field, "participants", "must hold non-empty participant ids");
        }
        for (size_t j = 0; j < i; ++j) {
          if (rule.participants[j] == rule.participants[i]) {
            return invalid(field, "participants", "lists '" + rule.participants[i] + "' twice");
          }
        }
      }
      return Status::ok();
    }
  }
  return invalid(field, "type", "is not a quorum type");
}

void write_quorum(const QuorumRule &rule, rapidjson::Value &out,
                  rapidjson::Document::AllocatorType &alloc) {
  out.SetObject();
  out.AddMember("type", rapidjson::StringRef(to_string(rule.type)), alloc);
  switch (rule.type) {
    case QuorumRule::Type::kAll:
    case QuorumRule::Type::kMajority: break;
    case QuorumRule::Type::kRole:
      out.AddMember("role", rapidjson::StringRef(to_string(rule.role)), alloc);
      out.AddMember("count", rule.count, alloc);
      break;
    case QuorumRule::Type::kAny: out.AddMember("count", rule.count, alloc); break;
    case QuorumRule::Type::kSpecific: {
      rapidjson::Value ids(rapidjson::kArrayType);
      for (const std::string &id : rule.participants) {
        ids.PushBack(
            rapidjson::Value(id.c_str(), static_cast<rapidjson::SizeType>(id.size()), alloc),
            alloc);
      }
      out.AddMember("participants", ids, alloc);
      break;
    }
  }
}

bool may_approve(const Ballot &ballot, const Voter &voter) {
  if (!has_right(ballot, voter)) {
    return false;
  }
  if (ballot.escalated) {
    return true;  // the rule is role admin, checked by has_right
  }
  switch (ballot.rule.type) {
    case QuorumRule::Type::kAny:
    case QuorumRule::Type::kRole: return true;
    case QuorumRule::Type::kAll:
    case QuorumRule::Type::kMajority: return contains(ballot.eligible_at_request, voter.id);
    case QuorumRule::Type::kSpecific: return contains(ballot.rule.participants, voter.id);
  }
  return false;
}

Tally tally(const Ballot &ballot, const std::vector<Voter> &current, OnTimeout policy) {
  Members m = index_members(current);
  if (ballot.escalated) {
    return tally_count(ballot, current, m, policy);
  }
  switch (ballot.rule.type) {
    case QuorumRule::Type::kAny:
    case QuorumRule::Type::kRole: return tally_count(ballot, current, m, policy);
    case QuorumRule::Type::kAll:
    case QuorumRule::Type::kMajority: return tally_electorate(ballot, m, policy);
    case QuorumRule::Type::kSpecific: return tally_specific(ballot, m, policy);
  }
  return {};
}

}  // namespace pvpd::session
