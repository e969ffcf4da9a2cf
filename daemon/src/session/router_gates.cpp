// Router handlers: tool proposals, gates (approve, reject, quorum, timeouts) and tool results.
#include <spdlog/spdlog.h>

#include "session/gate_policy.h"
#include "session/proposal_digest.h"
#include "session/router.h"
#include "session/router_inbound.h"

namespace pvpd::session {
namespace {

rapidjson::Value str_value(std::string_view s, rapidjson::Document::AllocatorType &alloc) {
  return bus::make_json_string(s, alloc);
}

Voter voter_of(const Participant &p) {
  Voter v;
  v.id = p.id;
  for (const auto &r : p.roles) {
    if (auto role = parse_role(r)) {
      v.roles.push_back(*role);
    }
  }
  for (const auto &c : p.capabilities) {
    if (auto cap = parse_capability(c)) {
      v.caps.push_back(*cap);
    }
  }
  if (p.admin && !v.has_role(Role::kAdmin)) {
    v.roles.push_back(Role::kAdmin);
  }
  v.present = p.connected() && p.presence != "away";
  return v;
}

}  // namespace

std::vector<Voter> Router::voters(const Session &s) const {
  std::vector<Voter> out;
  out.reserve(s.participants.size());
  for (const auto &p : s.participants) {
    out.push_back(voter_of(p));
  }
  return out;
}

OnTimeout Router::timeout_policy(const Session &s) const {
  return parse_on_timeout(s.config.on_participant_timeout).value_or(OnTimeout::kWait);
}

void Router::send_tool_execute(Session &s, const std::string &proposal_id,
                               const std::vector<std::string> &approved_by) {
  bus::Envelope e = server_frame("tool.execute", s, "system");
  auto &a = e.allocator();
  e.payload().AddMember("tool_proposal", str_value(proposal_id, a), a);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto &id : approved_by) {
    list.PushBack(str_value(id, a), a);
  }
  e.payload().AddMember("approved_by", list, a);
  // tool.execute is the decision the record exists for: it enters history with a seq.
  record_and_route(s, e, Audience{});
  auto it = s.proposals.find(proposal_id);
  if (it != s.proposals.end()) {
    it->second.executed = true;
  }
}

void Router::send_gate_request(Session &s, const Gate &gate, const Participant *only_to) {
  rapidjson::Document frame;
  frame.Parse(gate.request_frame.c_str());
  if (!frame.IsObject()) {
    return;
  }
  if (only_to != nullptr) {
    bus::RoutedMessage msg;
    msg.buffer = bus::BufferRef::copy_of(gate.request_frame);
    msg.type = "gate.request";
    msg.session = s.id;
    msg.sender = "system";
    msg.id = gate.alias;
    if (only_to->connected()) {
      send_when_durable(s, only_to->conn, msg);
    }
  }
}

void Router::handle_tool_propose(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  auto &alloc = in.env.allocator();
  if (!check_not_paused(in)) {
    return;
  }
  // The proposing agent is the authenticated sender, whatever payload.agent says.
  json_set_string(pl, "agent", in.participant->id, alloc);
  uint64_t t = now();
  if (in.env.id().empty()) {
    in.env.set_string("id", ids_.next(t));
  }
  std::string proposal_id(in.env.id());
  if (s.proposals.count(proposal_id) != 0 || s.known_ids.count(proposal_id) != 0) {
    fail(in, "INVALID_MESSAGE", "a message with id '" + proposal_id + "' already exists");
    return;
  }
  ProposalFacts facts;
  facts.tool_name = json_string(pl, "tool_name");
  facts.category = json_string(pl, "category");
  facts.risk_level = json_string(pl, "risk_level");
  auto ra = pl.FindMember("requires_approval");
  facts.requires_approval = ra != pl.MemberEnd() && ra->value.IsBool() && ra->value.GetBool();
  GatePolicy policy;
  policy.require_approval_for = s.config.require_approval_for;
  policy.risk_threshold = options_.risk_threshold;
  for (const std::string &tool : options_.gated_tools) {
    policy.tool_rules[tool] = "always";
  }
  std::string reason;
  bool gated = needs_gate(policy, facts, &reason);

  Proposal prop;
  prop.tool_name = facts.tool_name;
  prop.category = facts.category;
  prop.agent = in.participant->id;
  auto args = pl.FindMember("arguments");
  if (args != pl.MemberEnd()) {
    prop.arguments.CopyFrom(args->value, prop.arguments.GetAllocator());
  } else {
    prop.arguments.SetObject();
  }

  if (!gated) {
    // As the reference: the automatic tool.execute goes out before the relayed proposal.
    s.proposals.emplace(proposal_id, std::move(prop));
    s.known_ids.insert(proposal_id);
    send_tool_execute(s, proposal_id, {});
    s.known_ids.erase(proposal_id);
    record_and_route(s, in.env, Audience{});
    return;
  }
  GateSpec spec;
  spec.id = proposal_id;
  spec.action_type = "tool";
  spec.digest = proposal_digest(facts.tool_name, prop.arguments, in.participant->id);
  spec.message = in.participant->id + " wants to execute " + facts.tool_name;
  spec.policy_reason = reason;
  s.proposals.emplace(proposal_id, std::move(prop));
  if (!open_gate(in, std::move(spec))) {
    s.proposals.erase(proposal_id);
    return;
  }
  record_and_route(s, in.env, Audience{});
}

bool Router::open_gate(Inbound &in, GateSpec spec) {
  Session &s = *in.session;
  Gate gate;
  gate.id = spec.id;
  gate.proposer = in.participant->id;
  gate.digest = spec.digest;
  gate.created_ms = now();
  gate.timeout_ms = options_.gate_timeout_ms;
  auto rule = parse_quorum(s.config.default_gate_quorum, "config.default_gate_quorum");
  if (!rule) {
    fail(in, "INVALID_STATE",
         "the session's default_gate_quorum is invalid: " + rule.status().message());
    return false;
  }
  gate.rule = rule.value();
  bus::Envelope req = server_frame("gate.request", s, "system");
  auto &a = req.allocator();
  rapidjson::Value &rp = req.payload();
  rp.AddMember("action_type", str_value(spec.action_type, a), a);
  rp.AddMember("action_ref", str_value(spec.id, a), a);
  rapidjson::Value q;
  write_quorum(gate.rule, q, a);
  rp.AddMember("quorum", q, a);
  rp.AddMember("timeout_seconds", options_.gate_timeout_ms / 1000, a);
  rp.AddMember("message", str_value(spec.message, a), a);
  rp.AddMember("digest", str_value(gate.digest, a), a);
  rp.AddMember("policy_reason", str_value(spec.policy_reason, a), a);
  if (!spec.held_frame.empty()) {
    rp.AddMember("held_frame", str_value(spec.held_frame, a), a);
  }
  gate.alias = std::string(req.id());
  auto opened = s.gates.open(std::move(gate), voters(s));
  if (!opened) {
    fail(in, "INVALID_STATE", "cannot open a gate: " + opened.status().message());
    return false;
  }
  ++counters_.gates_opened;
  // The request is recorded (the journal must be able to reopen the gate after a restart)
  // but not part of history replay: joiners get the requests of open gates instead, so
  // resolved ones never look pending.
  auto req_msg = record_and_route(s, req, Audience{}, true, /*replay=*/false);
  if (Gate *g = s.gates.find(spec.id)) {
    g->request_frame = std::string(req_msg.buffer.view());
  }
  return true;
}

void Router::hold_context_for_approval(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  if (!json_strings(pl, "visible_to").empty() || in.env.has_member("fork")) {
    // The gate.request shows the held content to every voter, so it cannot stay private.
    fail(in, "INVALID_MESSAGE",
         "a context.add with requires_approval must be visible to the whole session (no "
         "visible_to, no fork)");
    return;
  }
  if (in.env.id().empty()) {
    in.env.set_string("id", ids_.next(now()));
  }
  std::string id(in.env.id());
  if (s.known_ids.count(id) != 0 || s.held_context.count(id) != 0 || s.gates.find(id)) {
    fail(in, "INVALID_MESSAGE", "a message with id '" + id + "' already exists");
    return;
  }
  const std::string key = json_string(pl, "key");
  std::string frame(in.env.encode().view());
  GateSpec spec;
  spec.id = id;
  spec.action_type = "context_change";
  spec.digest = proposal_digest("context.add", pl, in.participant->id);
  spec.message = in.participant->id + " wants to add context '" + key + "'";
  spec.policy_reason = "requested by the sender";
  spec.held_frame = frame;
  s.held_context[id] = Session::HeldContext{in.participant->id, std::move(frame)};
  if (!open_gate(in, std::move(spec))) {
    s.held_context.erase(id);
  }
}

void Router::release_held_context(Session &s, const std::string &gate_id) {
  auto it = s.held_context.find(gate_id);
  if (it == s.held_context.end()) {
    return;
  }
  Session::HeldContext held = std::move(it->second);
  s.held_context.erase(it);
  bus::Envelope env;
  bus::EnvelopeError err;
  if (!bus::parse_envelope(held.frame, SIZE_MAX, &env, &err)) {
    spdlog::error("session {}: held context {} no longer parses: {}", s.id, gate_id, err.message);
    return;
  }
  ContextItem item;
  auto msg = record_and_route(s, env, Audience{});
  item.last_message_id = msg.id;
  item.changed_seq = msg.seq;
  s.context[json_string(env.payload(), "key")] = std::move(item);
}

void Router::complete_gate(Session &s, const std::string &gate_id,
                           const std::vector<std::string> &approved_by) {
  if (s.held_context.count(gate_id) != 0) {
    release_held_context(s, gate_id);
  } else {
    send_tool_execute(s, gate_id, approved_by);
  }
}

void Router::handle_gate_vote(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  auto &alloc = in.env.allocator();
  bool approve = in.type == "gate.approve";
  std::string gate_ref = json_string(pl, "gate");
  Gate *gate = s.gates.find(gate_ref);
  if (gate == nullptr) {
    fail(in, "INVALID_STATE", "gate '" + gate_ref + "' is not open in session " + s.id);
    return;
  }
  std::string gate_id = gate->id;
  // The server records who voted: the authenticated sender, never the payload's claim.
  json_set_string(pl, approve ? "approver" : "rejector", in.participant->id, alloc);
  json_set_string(pl, "gate", gate_id, alloc);
  Voter voter = voter_of(*in.participant);
  std::string digest = json_string(pl, "digest");
  VoteResult r = approve ? s.gates.approve(gate_id, voter, digest) : s.gates.reject(gate_id, voter);
  switch (r) {
    case VoteResult::kRecorded: break;
    case VoteResult::kDuplicate:
      fail(in, "INVALID_STATE", "'" + voter.id + "' already approved gate " + gate_id);
      return;
    case VoteResult::kProposerCannotApprove:
      fail(in, "UNAUTHORIZED", "the proposer cannot approve its own action");
      return;
    case VoteResult::kNotEligible:
      fail(in, "UNAUTHORIZED", "'" + voter.id + "' is not eligible to vote on gate " + gate_id);
      return;
    case VoteResult::kDigestMismatch:
      fail(in, "INVALID_STATE", "payload.digest does not match the proposed action");
      return;
    case VoteResult::kAlreadyResolved:
    case VoteResult::kUnknownGate:
      fail(in, "INVALID_STATE", "gate '" + gate_ref + "' is not open in session " + s.id);
      return;
  }
  record_and_route(s, in.env, Audience{});
  if (!approve) {
    ++counters_.gates_rejected;
    s.gates.close(gate_id);
    s.held_context.erase(gate_id);  // a rejected context change is never applied
    return;
  }
  resolve_if_decided(s, gate_id);
}

bool Router::resolve_if_decided(Session &s, const std::string &gate_id) {
  Gate *g = s.gates.find(gate_id);
  if (g == nullptr) {
    return false;
  }
  if (GateEngine::evaluate(*g, voters(s), timeout_policy(s)) != Outcome::kApproved) {
    // Pending, or impossible with today's membership: the deadline resolves it.
    return false;
  }
  std::vector<std::string> approved_by = g->approvals;
  s.gates.close(gate_id);
  ++counters_.gates_approved;
  complete_gate(s, gate_id, approved_by);
  return true;
}

void Router::reevaluate_gates(Session &s) {
  std::vector<std::string> ids;
  for (const Gate *g : s.gates.open_gates()) {
    ids.push_back(g->id);
  }
  for (const auto &id : ids) {
    resolve_if_decided(s, id);
  }
}

void Router::gates_tick(Session &s, uint64_t t) {
  if (!s.paused_for.empty()) {
    return;  // deadlines stand still while the session is paused
  }
  for (const std::string &id : s.gates.expired(t)) {
    Gate *g = s.gates.find(id);
    if (g == nullptr) {
      continue;
    }
    auto members = voters(s);
    auto policy = timeout_policy(s);
    auto resolution = parse_timeout_resolution(options_.gate_timeout_resolution)
                          .value_or(TimeoutResolution::kRejected);
    if (resolution == TimeoutResolution::kEscalated && g->escalated) {
      resolution = TimeoutResolution::kRejected;  // escalated once already: now it fails
    }
    bus::Envelope e = server_frame("gate.timeout", s, "system");
    auto &a = e.allocator();
    e.payload().AddMember("gate", str_value(id, a), a);
    e.payload().AddMember("approvals_received", approvals_received(*g, members, policy), a);
    e.payload().AddMember("approvals_required", approvals_required(*g, members, policy), a);
    e.payload().AddMember("resolution", rapidjson::StringRef(to_string(resolution)), a);
    record_and_route(s, e, Audience{});
    ++counters_.gates_timed_out;
    if (resolution == TimeoutResolution::kEscalated) {
      Status st = s.gates.escalate(id, t, options_.gate_timeout_ms);
      if (st) {
        // Admins decide within a new deadline; one who already approved has decided.
        resolve_if_decided(s, id);
        continue;
      }
    }
    std::vector<std::string> approved_by = g->approvals;
    s.gates.close(id);
    if (resolution == TimeoutResolution::kAutoApproved) {
      complete_gate(s, id, approved_by);
    } else {
      s.held_context.erase(id);
    }
  }
}

void Router::handle_tool_result(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  std::string proposal_id = json_string(pl, "tool_proposal");
  auto it = s.proposals.find(proposal_id);
  if (it == s.proposals.end() || !it->second.executed) {
    fail(in, "INVALID_STATE",
         "payload.tool_proposal '" + proposal_id + "' was not approved for execution");
    return;
  }
  record_and_route(s, in.env, Audience{});
  auto ok = pl.FindMember("success");
  bool success = ok != pl.MemberEnd() && ok->value.IsBool() && ok->value.GetBool();
  const Proposal &prop = it->second;
  if (success && prop.category == "file_write" && prop.arguments.IsObject()) {
    std::string path = json_string(prop.arguments, "path");
    auto content = prop.arguments.FindMember("content");
    if (!path.empty() && content != prop.arguments.MemberEnd() && content->value.IsString()) {
      bus::Envelope e = server_frame("context.add", s, "system");
      auto &a = e.allocator();
      rapidjson::Value &cp = e.payload();
      cp.AddMember("key", str_value("file:" + path, a), a);
      cp.AddMember("content_type", "file", a);
      rapidjson::Value c;
      c.CopyFrom(content->value, a);
      cp.AddMember("content", c, a);
      cp.AddMember("source", str_value("tool:" + prop.tool_name, a), a);
      rapidjson::Value tags(rapidjson::kArrayType);
      tags.PushBack("file_write", a).PushBack("auto_context", a);
      cp.AddMember("tags", tags, a);
      auto msg = record_and_route(s, e, Audience{});
      ContextItem item;
      item.last_message_id = msg.id;
      item.changed_seq = msg.seq;
      s.context["file:" + path] = std::move(item);
    }
  }
}

}  // namespace pvpd::session
