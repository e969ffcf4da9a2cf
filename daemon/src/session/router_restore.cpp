// Router::restore: rebuilds sessions from their journals at startup.
//
// Each journaled record is the frame exactly as it was delivered (secret values redacted), in
// seq order, so replaying the records' state effects in order reproduces the session as it
// was: participants (now disconnected), context, secrets' metadata, proposals, forks, open
// gates (with the time they have left) and the seq counter. Nothing is delivered: clients get
// what they missed when they join again.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "session/router.h"
#include "session/router_inbound.h"

namespace pvpd::session {
namespace {

std::string fork_of(const bus::Envelope &env) {
  const auto &d = env.document();
  auto it = d.FindMember("fork");
  return it != d.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

}  // namespace

std::vector<std::string> Router::restore(
    const std::vector<journal::JournalStore::Recovered> &recovered) {
  std::vector<std::string> report;
  for (const auto &r : recovered) {
    for (const auto &note : r.notes) {
      report.push_back("session " + r.session + ": " + note);
    }
    if (!r.status) {
      report.push_back("session " + r.session + ": NOT restored: " + r.status.message());
      continue;
    }
    if (r.ended || r.records.empty()) {
      continue;
    }
    auto s = std::make_unique<Session>();
    s->id = r.session;
    s->name = "Auto-created session";
    bool ok = true;
    for (const auto &rec : r.records) {
      bus::Envelope env;
      bus::EnvelopeError err;
      // Records were accepted once; a record that no longer parses means the journal format
      // and this build disagree, which must not be papered over.
      if (!bus::parse_envelope(rec.message, SIZE_MAX, &env, &err)) {
        report.push_back("session " + r.session + ": NOT restored: record seq " +
                         std::to_string(rec.seq) + " does not parse: " + err.message);
        ok = false;
        break;
      }
      bus::RoutedMessage msg;
      msg.buffer = bus::BufferRef::copy_of(rec.message);
      msg.type = std::string(env.type());
      msg.session = std::string(env.session());
      msg.sender = std::string(env.sender());
      msg.id = std::string(env.id());
      msg.seq = rec.seq;
      msg.flags = bus::is_droppable_type(msg.type) ? PVPD_MSG_DROPPABLE : 0;
      restore_record(*s, env, msg);
      s->seq = rec.seq;
    }
    if (!ok) {
      continue;
    }
    s->committed_seq = s->seq;
    s->last_ping_round_ms = now();
    uint64_t open_gates = s->gates.open_gates().size();
    report.push_back("session " + r.session + ": restored " + std::to_string(r.records.size()) +
                     " records, " + std::to_string(s->participants.size()) + " participants, " +
                     std::to_string(open_gates) + " open gate(s), seq " + std::to_string(s->seq));
    ++counters_.sessions_restored;
    sessions_[r.session] = std::move(s);
  }
  return report;
}

void Router::restore_record(Session &s, bus::Envelope &env, const bus::RoutedMessage &msg) {
  const std::string &t = msg.type;
  rapidjson::Value &pl = env.payload();
  Audience audience;
  audience.fork = fork_of(env);
  bool replay = true;
  if ((msg.flags & PVPD_MSG_DROPPABLE) == 0) {
    s.known_ids.insert(msg.id);  // deltas cannot be referenced (as live)
  }

  if (t == "session.create") {
    std::string name = json_string(pl, "name");
    s.name = name.empty() ? "Unnamed session" : name;
    if (auto cfg = pl.FindMember("config"); cfg != pl.MemberEnd()) {
      s.config.merge(cfg->value);
    }
    s.creator = msg.sender;
    replay = false;
  } else if (t == "session.join") {
    const rapidjson::Value &pp = pl["participant"];
    Participant *p = s.find(msg.sender);
    if (p == nullptr) {
      s.participants.emplace_back();
      p = &s.participants.back();
      p->id = msg.sender;
      p->join_order = s.next_join_order++;
    }
    p->name = json_string(pp, "name");
    p->type = json_string(pp, "type");
    p->roles = json_strings(pp, "roles");
    p->capabilities = json_strings(pp, "capabilities");
    p->announce.CopyFrom(pp, p->announce.GetAllocator());
    p->conn = 0;
    p->presence = "disconnected";
    p->last_active_ms = parse_iso8601_ms(json_string(env.document(), "ts"));
  } else if (t == "session.leave") {
    s.participants.erase(std::remove_if(s.participants.begin(), s.participants.end(),
                                        [&](const Participant &p) { return p.id == msg.sender; }),
                         s.participants.end());
  } else if (t == "session.end") {
    s.ended = true;
  } else if (t == "session.config_update") {
    s.config.merge(pl["changes"]);
  } else if (t == "participant.role_change") {
    if (Participant *p = s.find(json_string(pl, "participant"))) {
      p->roles = json_strings(pl, "new_roles");
    }
  } else if (t == "context.add") {
    if (s.held_context.erase(msg.id) != 0) {
      s.gates.close(msg.id);  // an approved context change: its gate is decided
    }
    ContextItem item;
    item.visible_to = json_strings(pl, "visible_to");
    item.fork = audience.fork;
    item.last_message_id = msg.id;
    item.changed_seq = msg.seq;
    audience.ids = item.visible_to;
    s.context[json_string(pl, "key")] = std::move(item);
  } else if (t == "context.update" || t == "context.remove") {
    auto it = s.context.find(json_string(pl, "key"));
    if (it != s.context.end()) {
      audience.ids = it->second.visible_to;
      if (t == "context.remove") {
        s.context.erase(it);
      } else {
        it->second.last_message_id = msg.id;
        it->second.changed_seq = msg.seq;
      }
    }
  } else if (t == "secret.share" || t == "secret.revoke") {
    std::string key = json_string(pl, "key");
    if (t == "secret.share") {
      SecretMeta meta;
      meta.scope = json_strings(pl, "scope");
      meta.expires_at_ms = parse_iso8601_ms(json_string(pl, "expires_at"));
      meta.sharer = msg.sender;
      s.secrets[key] = meta;
    } else if (auto it = s.secrets.find(key); it != s.secrets.end()) {
      it->second.revoked = true;
    }
    auto it = s.secrets.find(key);
    if (it != s.secrets.end()) {
      audience.ids = it->second.scope;
      audience.ids.push_back(msg.sender);
    }
  } else if (t == "prompt.submit") {
    s.submitted_prompts.insert(msg.id);
  } else if (t == "thinking.start") {
    Audience a;
    a.fork = audience.fork;
    auto vt = pl.FindMember("visible_to");
    if (vt != pl.MemberEnd()) {
      if (vt->value.IsString() && std::string(vt->value.GetString()) == "approvers_only") {
        a.approvers_only = true;
        a.owner = msg.sender;
      } else if (vt->value.IsArray()) {
        a.ids = json_strings(pl, "visible_to");
        a.ids.push_back(msg.sender);
      }
    }
    s.thinking[msg.sender] = a;
    audience = a;
  } else if (t == "thinking.chunk" || t == "thinking.end") {
    if (auto it = s.thinking.find(msg.sender); it != s.thinking.end()) {
      audience = it->second;
      if (t == "thinking.end") {
        s.thinking.erase(it);
      }
    }
  } else if (t == "tool.propose") {
    Proposal prop;
    prop.tool_name = json_string(pl, "tool_name");
    prop.category = json_string(pl, "category");
    prop.agent = msg.sender;
    if (auto args = pl.FindMember("arguments"); args != pl.MemberEnd()) {
      prop.arguments.CopyFrom(args->value, prop.arguments.GetAllocator());
    } else {
      prop.arguments.SetObject();
    }
    s.proposals[msg.id] = std::move(prop);
    if (auto req = s.restoring_gate_requests.find(msg.id); req != s.restoring_gate_requests.end()) {
      bus::RoutedMessage request = req->second;
      s.restoring_gate_requests.erase(req);
      bus::Envelope req_env;
      bus::EnvelopeError err;
      if (bus::parse_envelope(request.buffer.view(), SIZE_MAX, &req_env, &err)) {
        reopen_gate(s, req_env, request);
      }
    }
  } else if (t == "gate.request") {
    replay = false;
    std::string ref = json_string(pl, "action_ref");
    if (json_string(pl, "action_type") == "context_change") {
      // The held context.add travels in the request; it is recorded itself once approved.
      bus::Envelope held;
      bus::EnvelopeError err;
      std::string frame = json_string(pl, "held_frame");
      if (bus::parse_envelope(frame, SIZE_MAX, &held, &err)) {
        s.held_context[ref] = Session::HeldContext{std::string(held.sender()), frame};
        reopen_gate(s, env, msg);
      }
    } else if (s.proposals.count(ref) == 0) {
      s.restoring_gate_requests[ref] = msg;  // its proposal follows in the next record
    } else {
      reopen_gate(s, env, msg);
    }
  } else if (t == "gate.approve" || t == "gate.reject") {
    std::string gate_id = json_string(pl, "gate");
    if (Participant *p = s.find(msg.sender)) {
      std::vector<Voter> vs = voters(s);
      auto v = std::find_if(vs.begin(), vs.end(), [&](const Voter &x) { return x.id == p->id; });
      if (v != vs.end()) {
        if (t == "gate.approve") {
          (void)s.gates.approve(gate_id, *v, "");
        } else {
          (void)s.gates.reject(gate_id, *v);
          s.gates.close(gate_id);
          s.held_context.erase(gate_id);
        }
      }
    }
  } else if (t == "gate.timeout") {
    std::string gate_id = json_string(pl, "gate");
    if (json_string(pl, "resolution") == "escalated") {
      (void)s.gates.escalate(gate_id, parse_iso8601_ms(json_string(env.document(), "ts")),
                             options_.gate_timeout_ms);
    } else {
      s.gates.close(gate_id);
      if (json_string(pl, "resolution") != "auto_approved") {
        s.held_context.erase(gate_id);  // auto-approved: the context.add record follows
      }
    }
  } else if (t == "tool.execute") {
    std::string id = json_string(pl, "tool_proposal");
    s.gates.close(id);
    if (auto it = s.proposals.find(id); it != s.proposals.end()) {
      it->second.executed = true;
    }
  } else if (t == "fork.create") {
    ForkInfo f;
    f.id = json_string(pl, "fork_id");
    f.name = json_string(pl, "name");
    f.created_by = msg.sender;
    f.participants = json_strings(pl, "participants");
    f.created_seq = msg.seq;
    if (!f.id.empty()) {
      s.forks[f.id] = std::move(f);
    }
  } else if (t == "fork.switch") {
    if (Participant *p = s.find(msg.sender)) {
      std::string target = json_string(pl, "target_fork");
      p->current_fork = target == "main" ? "" : target;
    }
  } else if (t == "merge.propose") {
    std::string src = json_string(pl, "source_fork");
    std::string dst = json_string(pl, "target_fork");
    s.merges[msg.id] = MergeProposal{src == "main" ? "" : src, dst == "main" ? "" : dst,
                                     json_string(pl, "strategy"), json_strings(pl, "conflicts")};
  } else if (t == "merge.execute") {
    s.merges.erase(json_string(pl, "merge_proposal"));
  }
  if ((msg.flags & PVPD_MSG_DROPPABLE) == 0) {
    s.history.push_back(HistoryEntry{msg, audience, replay});
    if (s.history.size() > options_.max_history) {
      s.history.pop_front();  // as when it was recorded live
    }
  }
}

void Router::reopen_gate(Session &s, bus::Envelope &env, const bus::RoutedMessage &msg) {
  rapidjson::Value &pl = env.payload();
  std::string ref = json_string(pl, "action_ref");
  auto rule = parse_quorum(pl["quorum"], "quorum");
  auto prop = s.proposals.find(ref);
  if (rule) {
    Gate gate;
    gate.id = ref;
    gate.alias = msg.id;
    gate.digest = json_string(pl, "digest");
    if (prop != s.proposals.end()) {
      gate.proposer = prop->second.agent;
    } else if (auto held = s.held_context.find(ref); held != s.held_context.end()) {
      gate.proposer = held->second.sender;
    }
    gate.rule = rule.value();
    gate.created_ms = parse_iso8601_ms(json_string(env.document(), "ts"));
    auto to = pl.FindMember("timeout_seconds");
    gate.timeout_ms = to != pl.MemberEnd() && to->value.IsUint64() ? to->value.GetUint64() * 1000
                                                                   : options_.gate_timeout_ms;
    gate.request_frame = std::string(msg.buffer.view());
    // Eligibility is fixed from the participants as they were at request time, which is
    // exactly the restored state at this point of the replay.
    (void)s.gates.open(std::move(gate), voters(s));
  }
}

}  // namespace pvpd::session
