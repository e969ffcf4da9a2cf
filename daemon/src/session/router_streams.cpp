// Router handlers: context, secrets, prompts, thinking/response streams, interrupts, forks and
// merges, and plain relays.
#include <algorithm>

#include "auth/authenticator.h"
#include "session/permissions.h"
#include "session/router.h"
#include "session/router_inbound.h"

namespace pvpd::session {
namespace {

rapidjson::Value str_value(std::string_view s, rapidjson::Document::AllocatorType &alloc) {
  return bus::make_json_string(s, alloc);
}

}  // namespace

void Router::handle_context(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  std::string key = json_string(pl, "key");
  std::string fork;
  if (!fork_of_frame(in, &fork)) {
    return;
  }
  if (in.type == "context.add") {
    auto ra = pl.FindMember("requires_approval");
    if (ra != pl.MemberEnd() && ra->value.IsBool() && ra->value.GetBool()) {
      hold_context_for_approval(in);
      return;
    }
    ContextItem item;
    item.visible_to = json_strings(pl, "visible_to");
    item.fork = fork;
    auto msg = record_and_route(s, in.env, Audience{item.visible_to, false, fork});
    item.last_message_id = msg.id;
    item.changed_seq = msg.seq;
    s.context[key] = std::move(item);
    return;
  }
  auto it = s.context.find(key);
  if (it == s.context.end()) {
    fail(in, "INVALID_STATE", "context key '" + key + "' does not exist in session " + s.id);
    return;
  }
  // Updates and removals keep the audience of the item they change: a private item stays
  // private (the reference sends updates to everyone).
  Audience audience{it->second.visible_to, false, fork};
  auto msg = record_and_route(s, in.env, audience);
  if (in.type == "context.remove") {
    s.context.erase(it);
  } else {
    it->second.last_message_id = msg.id;
    it->second.fork = fork;
    it->second.changed_seq = msg.seq;
  }
}

void Router::handle_secret(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  std::string key = json_string(pl, "key");
  if (in.type == "secret.revoke") {
    auto it = s.secrets.find(key);
    if (it == s.secrets.end() || it->second.revoked) {
      fail(in, "INVALID_STATE", "no active secret '" + key + "' in session " + s.id);
      return;
    }
    it->second.revoked = true;
    std::vector<std::string> audience = it->second.scope;
    audience.push_back(in.participant->id);
    record_and_route(s, in.env, Audience{audience, false, {}});
    return;
  }
  SecretMeta meta;
  meta.scope = json_strings(pl, "scope");
  meta.expires_at_ms = parse_iso8601_ms(json_string(pl, "expires_at"));
  meta.sharer = in.participant->id;
  if (meta.expires_at_ms != 0 && meta.expires_at_ms <= now()) {
    fail(in, "INVALID_MESSAGE", "payload.expires_at is in the past");
    return;
  }
  std::vector<std::string> audience = meta.scope;
  if (std::find(audience.begin(), audience.end(), in.participant->id) == audience.end()) {
    audience.push_back(in.participant->id);
  }
  // Live: the value goes to the scope only, never to plugin subscribers or history.
  uint64_t t = now();
  if (in.env.id().empty()) {
    in.env.set_string("id", ids_.next(t));
  }
  in.env.set_string("ts", iso8601_ms(t));
  uint64_t seq = ++s.seq;
  in.env.set_uint("seq", seq);
  bus::RoutedMessage live = bus::RoutedMessage::from(in.env, seq, 0);
  // Record: the same frame with the value replaced by its digest.
  std::string value = json_string(pl, "value_ref");
  std::string value_digest = "sha256:" + auth::sha256_hex(value);
  json_set_string(pl, "value_ref", value_digest, in.env.allocator());
  if (pl.HasMember("value")) {
    json_set_string(pl, "value", value_digest, in.env.allocator());
  }
  std::fill(value.begin(), value.end(), '\0');
  bus::RoutedMessage recorded = bus::RoutedMessage::from(in.env, seq, 0);
  ++counters_.accepted;
  s.known_ids.insert(recorded.id);
  s.history.push_back(HistoryEntry{recorded, Audience{audience, false, {}}, true});
  s.secrets[key] = std::move(meta);
  // The journal gets the redacted form; the scope gets the value once that is durable.
  commit(s, recorded, in.conn);
  for (const auto &p : s.participants) {
    if (p.connected() && std::find(audience.begin(), audience.end(), p.id) != audience.end()) {
      send_when_durable(s, p.conn, live);
    }
  }
}

void Router::secrets_tick(Session &s, uint64_t now_ms) {
  for (auto &[key, meta] : s.secrets) {
    if (meta.revoked || meta.expires_at_ms == 0 || meta.expires_at_ms > now_ms) {
      continue;
    }
    meta.revoked = true;
    // Recorded like a participant's revoke, so holders drop it and a restart knows it is gone.
    bus::Envelope e = server_frame("secret.revoke", s, "system");
    auto &a = e.allocator();
    e.payload().AddMember("key", str_value(key, a), a);
    e.payload().AddMember("reason", "expired", a);
    std::vector<std::string> audience = meta.scope;
    if (!meta.sharer.empty()) {
      audience.push_back(meta.sharer);
    }
    record_and_route(s, e, Audience{audience, false, {}});
  }
}

bool Router::fork_of_frame(Inbound &in, std::string *fork) {
  const auto &d = in.env.document();
  auto it = d.FindMember("fork");
  fork->clear();
  if (it != d.MemberEnd() && it->value.IsString()) {
    fork->assign(it->value.GetString(), it->value.GetStringLength());
  }
  if (fork->empty() || *fork == "main") {
    fork->clear();
    return true;
  }
  if (in.session->forks.count(*fork) != 0) {
    return true;
  }
  // Reference clients name a fork by the name they created it with (the server assigns the
  // id): a name that picks exactly one fork is accepted for it.
  const ForkInfo *by_name = nullptr;
  for (const auto &[id, f] : in.session->forks) {
    if (f.name == *fork) {
      by_name = by_name == nullptr ? &f : nullptr;
      if (by_name == nullptr) {
        break;  // ambiguous
      }
    }
  }
  if (by_name == nullptr) {
    fail(in, "INVALID_STATE", "fork '" + *fork + "' does not exist in session " + in.session->id);
    return false;
  }
  *fork = by_name->id;
  return true;
}

void Router::handle_prompt(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  auto &alloc = in.env.allocator();
  // A prompt on a fork line reaches that fork's participants only (its agent among them).
  Audience audience;
  if (!fork_of_frame(in, &audience.fork)) {
    return;
  }
  if (in.type == "prompt.submit" && !check_not_paused(in)) {
    return;
  }
  if (in.type == "prompt.submit" || in.type == "prompt.draft") {
    std::string target = json_string(pl, "target_agent");
    if (!target.empty() || in.type == "prompt.submit") {
      Participant *agent = s.find(target);
      if (agent == nullptr || agent->type != "agent") {
        fail(in, "PARTICIPANT_NOT_FOUND",
             "payload.target_agent '" + target + "' is not an agent in session " + s.id);
        return;
      }
    }
    // Collaborative drafting: contributors accumulate until the prompt is submitted.
    std::vector<std::string> contributors = s.draft_contributors;
    for (const auto &c : json_strings(pl, "contributors")) {
      if (std::find(contributors.begin(), contributors.end(), c) == contributors.end() &&
          s.find(c) != nullptr) {
        contributors.push_back(c);
      }
    }
    if (std::find(contributors.begin(), contributors.end(), in.participant->id) ==
        contributors.end()) {
      contributors.push_back(in.participant->id);
    }
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto &c : contributors) {
      list.PushBack(str_value(c, alloc), alloc);
    }
    pl.RemoveMember("contributors");
    pl.AddMember("contributors", list, alloc);
    if (in.type == "prompt.draft") {
      s.draft_contributors = contributors;
    } else {
      s.draft_contributors.clear();
    }
    auto msg = record_and_route(s, in.env, audience);
    if (in.type == "prompt.submit") {
      s.submitted_prompts.insert(msg.id);
    }
    return;
  }
  // prompt.amend
  std::string original = json_string(pl, "original_prompt");
  if (s.submitted_prompts.count(original) == 0) {
    fail(in, "INVALID_STATE",
         "payload.original_prompt '" + original + "' is not a submitted prompt of this session");
    return;
  }
  record_and_route(s, in.env, audience);
}

bool Router::check_stream(Inbound &in) {
  Session &s = *in.session;
  std::string_view t = in.type;
  bool thinking = t.rfind("thinking.", 0) == 0;
  Session::StreamState &st = s.streams[in.participant->id];
  bool &open = thinking ? st.thinking_open : st.response_open;
  std::string &by = thinking ? st.thinking_interrupted_by : st.response_interrupted_by;
  if (t == "thinking.start" || t == "response.start") {
    open = true;
    by.clear();
    return true;
  }
  if (t == "thinking.chunk" || t == "response.chunk") {
    if (!by.empty()) {
      fail(in, "INVALID_STATE",
           std::string(thinking ? "thinking" : "response") + " stream was interrupted by " + by +
               "; no more chunks are accepted until it ends");
      return false;
    }
    return true;
  }
  // The end of a stream: one that was stopped ends as interrupted, whatever the agent says.
  if (t == "response.end" && !by.empty()) {
    json_set_string(in.env.payload(), "finish_reason", "interrupted", in.env.allocator());
  }
  open = false;
  by.clear();
  return true;
}

void Router::mark_interrupted(Session &s, const std::string &target, const std::string &by,
                              const std::string &interrupt_id, const std::string &urgency) {
  for (const Participant &p : s.participants) {
    if (p.type != "agent" || (!target.empty() && p.id != target)) {
      continue;
    }
    if (urgency == "stop" || urgency == "emergency") {
      Session::StreamState &st = s.streams[p.id];
      if (st.thinking_open) {
        st.thinking_interrupted_by = by;
      }
      if (st.response_open) {
        st.response_interrupted_by = by;
      }
    }
    if (options_.interrupt_ack_timeout_ms > 0 && p.conn != 0) {
      s.pending_interrupts.push_back(
          {interrupt_id, p.id, urgency, now() + options_.interrupt_ack_timeout_ms});
    }
  }
}

void Router::interrupts_tick(Session &s, uint64_t t) {
  auto &pending = s.pending_interrupts;
  for (auto it = pending.begin(); it != pending.end();) {
    if (it->deadline_ms > t) {
      ++it;
      continue;
    }
    // Reported to everyone and recorded: an agent that ignores a stop is a fact the humans
    // must see and the record must keep.
    bus::Envelope e = server_frame("error", s, "system");
    auto &a = e.allocator();
    e.payload().AddMember("code", "TIMEOUT", a);
    e.payload().AddMember(
        "message",
        str_value("'" + it->target + "' did not acknowledge the " + it->urgency + " interrupt " +
                      it->id + " within " +
                      std::to_string(options_.interrupt_ack_timeout_ms / 1000) + " s",
                  a),
        a);
    e.payload().AddMember("recoverable", true, a);
    e.payload().AddMember("related_to", str_value(it->id, a), a);
    it = pending.erase(it);
    record_and_route(s, e, Audience{});
  }
}

void Router::handle_thinking(Inbound &in) {
  if (!check_stream(in)) {
    return;
  }
  Session &s = *in.session;
  const std::string &agent = in.participant->id;
  if (in.type == "thinking.start") {
    Audience a;
    if (!fork_of_frame(in, &a.fork)) {
      return;
    }
    const rapidjson::Value &pl = in.env.payload();
    auto vt = pl.FindMember("visible_to");
    if (vt != pl.MemberEnd()) {
      if (vt->value.IsString() && std::string(vt->value.GetString()) == "approvers_only") {
        a.approvers_only = true;
        a.owner = agent;  // the agent sees its own stream
      } else if (vt->value.IsArray()) {
        a.ids = json_strings(pl, "visible_to");
        a.ids.push_back(agent);
      }
    }
    s.thinking[agent] = a;
    record_and_route(s, in.env, a);
    return;
  }
  // Every chunk and the end of a stream reach exactly the audience its start named.
  Audience a;
  auto it = s.thinking.find(agent);
  if (it != s.thinking.end()) {
    a = it->second;
  }
  if (in.type == "thinking.end") {
    s.thinking.erase(agent);
  }
  record_and_route(s, in.env, a);
}

void Router::handle_interrupt(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  if (in.type == "interrupt.acknowledge") {
    json_set_string(pl, "by", in.participant->id, in.env.allocator());
    std::string acked = json_string(pl, "interrupt");
    std::erase_if(s.pending_interrupts, [&](const Session::PendingInterrupt &p) {
      return p.id == acked && p.target == in.participant->id;
    });
    record_and_route(s, in.env, Audience{});
    return;
  }
  std::string target = json_string(pl, "target");
  if (!target.empty() && s.find(target) == nullptr) {
    fail(in, "PARTICIPANT_NOT_FOUND",
         "payload.target '" + target + "' is not a participant of session " + s.id);
    return;
  }
  std::string inject = json_string(pl, "inject_context");
  std::string urgency = json_string(pl, "urgency");
  auto msg = record_and_route(s, in.env, Audience{});
  mark_interrupted(s, target, in.participant->id, msg.id, urgency);
  if (!inject.empty()) {
    // As the reference: the injected text becomes context "interrupt_<id>", from the
    // interrupter, checked against the interrupter's add-context right.
    Inbound ctx;
    ctx.conn = in.conn;
    ctx.connection = in.connection;
    ctx.session = in.session;
    ctx.participant = in.participant;
    ctx.session_id = in.session_id;
    ctx.type = "context.add";
    ctx.env = server_frame("context.add", s, in.participant->id);
    ctx.id = std::string(ctx.env.id());
    auto &a = ctx.env.allocator();
    rapidjson::Value &cp = ctx.env.payload();
    cp.AddMember("key", str_value("interrupt_" + msg.id, a), a);
    cp.AddMember("content_type", "text", a);
    cp.AddMember("content", str_value(inject, a), a);
    cp.AddMember("source", str_value("interrupt from " + in.participant->id, a), a);
    if (!allowed(permission_for("context.add"), *in.participant)) {
      fail(ctx, "UNAUTHORIZED",
           "context.add requires " + std::string(describe(permission_for("context.add"))));
      return;
    }
    handle_context(ctx);
  }
}

void Router::handle_fork(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  auto &alloc = in.env.allocator();
  if (in.type == "fork.switch") {
    std::string target = json_string(pl, "target_fork");
    if (!target.empty() && target != "main" && s.forks.count(target) == 0) {
      fail(in, "INVALID_STATE", "payload.target_fork '" + target + "' does not exist");
      return;
    }
    in.participant->current_fork = target == "main" ? "" : target;
    record_and_route(s, in.env, Audience{});
    return;
  }
  if (!s.config.allow_forks) {
    fail(in, "INVALID_STATE", "forks are not allowed in this session (allow_forks is false)");
    return;
  }
  std::string from = json_string(pl, "from_point");
  if (!from.empty() && s.known_ids.count(from) == 0) {
    fail(in, "INVALID_MESSAGE",
         "payload.from_point '" + from + "' is not a message of this session");
    return;
  }
  ForkInfo f;
  f.id = "fork-" + new_id();
  f.name = json_string(pl, "name");
  f.created_by = in.participant->id;
  f.participants = json_strings(pl, "participants");
  json_set_string(pl, "fork_id", f.id, alloc);
  auto msg = record_and_route(s, in.env, Audience{});
  f.created_seq = msg.seq;
  s.forks[f.id] = std::move(f);
}

void Router::handle_merge(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  auto &alloc = in.env.allocator();
  if (in.type == "merge.propose") {
    std::string source = json_string(pl, "source_fork");
    std::string target = json_string(pl, "target_fork");
    auto known = [&](const std::string &f) { return f.empty() || f == "main" || s.forks.count(f); };
    if (!known(source) || !known(target) || source == target) {
      fail(in, "INVALID_STATE", "merge.propose needs two different existing forks");
      return;
    }
    std::string src = source == "main" ? "" : source;
    std::string dst = target == "main" ? "" : target;
    uint64_t since = src.empty() ? 0 : s.forks[src].created_seq;
    // A conflict is a context key changed on both sides since the source fork was made.
    std::vector<std::string> conflicts;
    std::map<std::string, std::set<std::string>> changed_by_side;
    for (const auto &h : s.history) {
      if (h.msg.seq <= since || h.msg.type.rfind("context.", 0) != 0) {
        continue;
      }
      rapidjson::Document d;
      d.Parse(h.msg.buffer.view().data(), h.msg.buffer.view().size());
      if (!d.IsObject() || !d.HasMember("payload")) {
        continue;
      }
      std::string key = json_string(d["payload"], "key");
      changed_by_side[key].insert(h.audience.fork);
    }
    for (const auto &[key, sides] : changed_by_side) {
      if (sides.count(src) && sides.count(dst)) {
        conflicts.push_back(key);
      }
    }
    rapidjson::Value list(rapidjson::kArrayType);
    for (const auto &c : conflicts) {
      list.PushBack(str_value(c, alloc), alloc);
    }
    pl.RemoveMember("conflicts");
    pl.AddMember("conflicts", list, alloc);
    auto msg = record_and_route(s, in.env, Audience{});
    s.merges[msg.id] = MergeProposal{src, dst, json_string(pl, "strategy"), conflicts};
    return;
  }
  std::string proposal = json_string(pl, "merge_proposal");
  auto it = s.merges.find(proposal);
  if (it == s.merges.end()) {
    fail(in, "INVALID_STATE", "payload.merge_proposal '" + proposal + "' is not an open merge");
    return;
  }
  if (it->second.strategy == "manual" && !it->second.conflicts.empty() &&
      !pl.HasMember("resolved_conflicts")) {
    fail(in, "INVALID_STATE", "a manual merge with conflicts needs payload.resolved_conflicts");
    return;
  }
  if (auto why = apply_merge(s, it->second, proposal, pl, /*dry_run=*/true)) {
    fail(in, "INVALID_STATE", *why);
    return;
  }
  const MergeProposal merge = it->second;
  s.merges.erase(it);
  record_and_route(s, in.env, Audience{});
  // The merged content, as frames on the target line; then what is left of the source's
  // items belongs to the target line too.
  (void)apply_merge(s, merge, proposal, in.env.payload(), /*dry_run=*/false);
  for (auto &[key, item] : s.context) {
    if (item.fork == merge.source_fork) {
      item.fork = merge.target_fork;
    }
  }
}

void Router::handle_relay(Inbound &in) {
  Session &s = *in.session;
  if (in.type == "participant.announce" &&
      json_string(in.env.payload(), "id") != in.participant->id) {
    fail(
        in, "UNAUTHORIZED",
        "a participant may only announce itself (payload.id must be '" + in.participant->id + "')");
    return;
  }
  Audience a;
  if (!fork_of_frame(in, &a.fork)) {
    return;
  }
  if (in.type.rfind("response.", 0) == 0 && !check_stream(in)) {
    return;
  }
  // Response streams follow the visibility of nothing but the fork; thinking has its own rule.
  record_and_route(s, in.env, a);
}

}  // namespace pvpd::session
