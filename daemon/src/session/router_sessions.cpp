// Router handlers: session lifecycle, membership, roles, heartbeat and presence.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "session/router.h"
#include "session/router_inbound.h"

namespace pvpd::session {
namespace {

// Session ids are chosen by clients; a path built from one must stay inside the root.
std::string sanitize_for_path(std::string_view id) {
  std::string out;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    out.push_back(ok ? c : '_');
  }
  if (out.empty()) {
    out = "_";
  }
  return out;
}

rapidjson::Value str_value(std::string_view s, rapidjson::Document::AllocatorType &alloc) {
  return bus::make_json_string(s, alloc);
}

}  // namespace

Session &Router::create_session(const std::string &id, const std::string &name,
                                const rapidjson::Value *config, const std::string &creator) {
  auto s = std::make_unique<Session>();
  s->id = id;
  s->name = name;
  s->creator = creator;
  s->created_at_ms = now();
  s->last_ping_round_ms = now();  // the first ping round is one interval after creation
  if (config != nullptr) {
    s->config.merge(*config);
  }
  std::string dir = sanitize_for_path(id);
  if (!options_.workspace_root.empty()) {
    std::filesystem::path p = std::filesystem::path(options_.workspace_root) / dir;
    std::error_code ec;
    std::filesystem::create_directories(p, ec);
    if (ec) {
      spdlog::warn("session {}: cannot create working directory {}: {}", id, p.string(),
                   ec.message());
    }
    s->working_directory = p.string();
  } else {
    s->working_directory = dir;
  }
  Session &ref = *s;
  sessions_[id] = std::move(s);
  return ref;
}

Status Router::set_working_directory(const std::string &session, const std::string &path) {
  auto it = sessions_.find(session);
  if (it == sessions_.end() || it->second->ended) {
    return Status(PVPD_E_NOENT, "no live session \"" + session + "\"");
  }
  if (path.empty() || path.front() != '/') {
    return Status(PVPD_E_INVAL, "the working directory must be an absolute path");
  }
  Session &s = *it->second;
  if (s.working_directory == path) {
    return Status();
  }
  s.working_directory = path;
  // Who joined earlier got the old directory in its join reply: tell them, unrecorded like
  // the join's own working-directory context.
  bus::Envelope e = server_frame("context.update", s, "system");
  auto &a = e.allocator();
  e.payload().AddMember("key", "session:working_directory", a);
  e.payload().AddMember("new_content", bus::make_json_string(path, a), a);
  e.payload().AddMember("reason", "workspace changed", a);
  route_unrecorded(s, e, Audience{});
  return Status();
}

bool Router::authorize_create(Inbound &in, const std::string &token, std::string_view claimed) {
  if (auth_.options().mode != "token" || !in.connection->participant.empty() ||
      !in.connection->internal_owner.empty()) {
    return true;  // open mode, an already authenticated connection, or an agent plugin
  }
  const std::string &presented = !token.empty() ? token : in.connection->credential;
  auto grant = auth::find_grant(auth_.options(), presented);
  if (!grant) {
    fail(in, "UNAUTHORIZED",
         presented.empty()
             ? "a token is required to create a session (payload.token, ?token= or Authorization)"
             : "invalid token");
    return false;
  }
  if (!grant->participant.empty() && grant->participant != claimed) {
    fail(in, "UNAUTHORIZED",
         "this token belongs to participant '" + grant->participant + "', not '" +
             std::string(claimed) + "'");
    return false;
  }
  return true;
}

void Router::handle_create(Inbound &in) {
  // The creator's identity is bound by create as by join: a create from a connection bound to
  // someone else is refused.
  std::string_view claimed = in.env.sender();
  if (!in.connection->participant.empty() && !claimed.empty() &&
      claimed != in.connection->participant) {
    fail(in, "UNAUTHORIZED",
         "sender '" + std::string(claimed) + "' does not match this connection's participant '" +
             in.connection->participant + "'");
    return;
  }
  // Token mode: creating a session is an authenticated act too, or anyone who can reach a
  // port could fill the server with sessions before failing to join them. The token comes
  // from payload.token or the connection's credential, and is never recorded.
  if (in.env.payload().HasMember("token")) {
    std::string token = json_string(in.env.payload(), "token");
    in.env.payload().RemoveMember("token");
    if (!authorize_create(in, token, claimed)) {
      return;
    }
  } else if (!authorize_create(in, {}, claimed)) {
    return;
  }
  const rapidjson::Value &payload = in.env.payload();
  auto it = sessions_.find(in.session_id);
  if (it != sessions_.end() && it->second->ended) {
    fail(in, "INVALID_STATE", "session " + in.session_id + " has ended; choose a new id");
    return;
  }
  if (it == sessions_.end()) {
    std::string name = json_string(payload, "name");
    auto cfg = payload.FindMember("config");
    Session &s =
        create_session(in.session_id, name.empty() ? "Unnamed session" : name,
                       cfg != payload.MemberEnd() ? &cfg->value : nullptr, std::string(claimed));
    // The create is recorded (a restart rebuilds the config from it) but never replayed, as
    // in the reference's history; the creator gets the echo once it is durable.
    if (claimed.empty()) {
      in.env.set_string("sender", in.connection->participant);
    }
    auto msg = record_and_route(s, in.env, Audience{}, /*deliver_live=*/false, /*replay=*/false);
    send_when_durable(s, in.conn, msg);
    return;
  }
  // Idempotent: an existing session is neither reset nor reconfigured (the TUI re-sends
  // create on every reconnect); the creator gets its echo either way.
  bus::RoutedMessage echo = bus::RoutedMessage::from(in.env, 0, 0);
  if (echo.buffer) {
    ++counters_.accepted;
    send_when_durable(*it->second, in.conn, echo);
  }
}

// An agent plugin's in-process connection: the daemon itself vouches for it, so no token is
// needed, but it may only be the instance that opened it (id == instance id, or
// "<instance id>:<suffix>" for instances that run several agents) with the navigator role.
std::optional<auth::Identity> Router::internal_agent_identity(const bus::Connection &conn,
                                                              const std::string &pid,
                                                              const rapidjson::Value &announce,
                                                              auth::AuthFailure *failure) const {
  const std::string &owner = conn.internal_owner;
  bool id_ok =
      pid == owner || (pid.size() > owner.size() + 1 && pid.compare(0, owner.size(), owner) == 0 &&
                       pid[owner.size()] == ':');
  if (!id_ok) {
    failure->message = "agent instance '" + owner + "' may only join as '" + owner + "' or '" +
                       owner + ":<name>', not '" + pid + "'";
    return std::nullopt;
  }
  if (json_string(announce, "type") != "agent") {
    failure->message = "an agent instance must join with participant.type \"agent\"";
    return std::nullopt;
  }
  auth::Identity id;
  id.participant_id = pid;
  id.roles = {"navigator"};  // as the reference agent; type "agent" is what grants streaming
  id.capabilities = json_strings(announce, "capabilities");
  return id;
}

void Router::handle_join(Inbound &in) {
  const rapidjson::Value &payload = in.env.payload();
  const rapidjson::Value &pp = payload["participant"];
  std::string pid = json_string(pp, "id");
  std::string_view claimed = in.env.sender();
  if (!claimed.empty() && claimed != pid) {
    fail(in, "UNAUTHORIZED",
         "sender '" + std::string(claimed) + "' differs from payload.participant.id '" + pid + "'");
    return;
  }
  if (!in.connection->participant.empty() && in.connection->participant != pid) {
    fail(in, "UNAUTHORIZED",
         "this connection is already bound to participant '" + in.connection->participant + "'");
    return;
  }
  if (auto sv = payload.FindMember("supported_versions");
      sv != payload.MemberEnd() && sv->value.IsArray()) {
    bool has_v1 = false;
    for (const auto &v : sv->value.GetArray()) {
      has_v1 = has_v1 || (v.IsInt() && v.GetInt() == bus::kProtocolVersion);
    }
    if (!has_v1) {
      fail(in, "INVALID_MESSAGE", "payload.supported_versions does not include 1");
      return;
    }
  }
  auth::JoinRequest req;
  req.participant_id = pid;
  req.roles = json_strings(pp, "roles");
  req.capabilities = json_strings(pp, "capabilities");
  req.token = json_string(payload, "token");
  req.conn_credential = in.connection->credential;
  req.conn_is_local = (in.connection->flags & (PVPD_CONN_LOCAL | PVPD_CONN_INTERNAL)) != 0;
  auth::AuthFailure failure;
  std::optional<auth::Identity> identity;
  if (!in.connection->internal_owner.empty()) {
    identity = internal_agent_identity(*in.connection, pid, pp, &failure);
  } else {
    identity = auth_.authenticate(req, &failure);
  }
  // The token is a secret: it is never relayed, recorded or replayed.
  in.env.payload().RemoveMember("token");
  if (!identity) {
    fail(in, "UNAUTHORIZED", failure.message);
    return;
  }
  auto it = sessions_.find(in.session_id);
  Session *s = it == sessions_.end() ? nullptr : it->second.get();
  if (s == nullptr) {
    s = &create_session(in.session_id, "Auto-created session", nullptr, pid);
  } else if (s->ended) {
    fail(in, "INVALID_STATE", "session " + in.session_id + " has ended");
    return;
  }
  Participant *existing = s->find(pid);
  if (existing == nullptr && s->participants.size() >= s->config.max_participants) {
    fail(in, "INVALID_STATE",
         "session " + in.session_id + " is full (max_participants " +
             std::to_string(s->config.max_participants) + ")");
    return;
  }
  in.connection->participant = pid;
  in.env.set_string("sender", pid);

  // Store the announce with the roles authentication granted, not the ones asked for.
  auto &alloc = in.env.allocator();
  rapidjson::Value &announce_payload = in.env.payload()["participant"];
  {
    rapidjson::Value roles(rapidjson::kArrayType);
    for (const auto &r : identity->roles) {
      roles.PushBack(str_value(r, alloc), alloc);
    }
    announce_payload["roles"] = roles;
    rapidjson::Value caps(rapidjson::kArrayType);
    for (const auto &c : identity->capabilities) {
      caps.PushBack(str_value(c, alloc), alloc);
    }
    if (announce_payload.HasMember("capabilities") || !identity->capabilities.empty()) {
      announce_payload.RemoveMember("capabilities");
      announce_payload.AddMember("capabilities", caps, alloc);
    }
  }
  uint64_t resume_from = 0;
  bool resuming = false;
  if (auto md = announce_payload.FindMember("metadata");
      md != announce_payload.MemberEnd() && md->value.IsObject()) {
    auto rf = md->value.FindMember("resume_from");
    if (rf != md->value.MemberEnd() && rf->value.IsUint64()) {
      resume_from = rf->value.GetUint64();
      resuming = true;
    }
  }

  // 1. The join enters the record.
  std::vector<std::string> before;
  for (const auto &p : s->participants) {
    before.push_back(p.id);
  }
  Participant *p = existing;
  if (p == nullptr) {
    s->participants.emplace_back();
    p = &s->participants.back();
    p->id = pid;
    p->join_order = s->next_join_order++;
  }
  p->name = json_string(announce_payload, "name");
  p->type = json_string(announce_payload, "type");
  p->roles = identity->roles;
  p->capabilities = identity->capabilities;
  p->admin = identity->admin;
  p->announce.CopyFrom(announce_payload, p->announce.GetAllocator());
  p->presence = "active";
  p->last_active_ms = now();
  p->disconnected_ms = 0;
  bind_participant_conn(*s, *p, in.conn);
  // The join enters the record for everyone; the joiner sees it in its history replay.
  record_and_route(*s, in.env, Audience{}, /*deliver_live=*/false);

  if (!resuming) {
    // 2. Announces of the participants that existed before this join, to the joiner.
    for (const auto &other_id : before) {
      Participant *o = s->find(other_id);
      if (o == nullptr) {
        continue;
      }
      bus::Envelope a = server_frame("participant.announce", *s, o->id);
      a.payload().CopyFrom(o->announce, a.allocator());
      send_to(*s, *p, a);
    }
  }
  // 3. History the joiner may see (all of it, or what it missed since its cursor).
  replay_history(*s, *p, resuming ? resume_from : 0);
  // Open gates, so a late or reconnected client can still approve them.
  for (const Gate *g : s->gates.open_gates()) {
    send_gate_request(*s, *g, p);
  }
  // 4. The working directory, to the joiner only.
  {
    bus::Envelope wd = server_frame("context.add", *s, "system");
    auto &a = wd.allocator();
    rapidjson::Value &pl = wd.payload();
    pl.AddMember("key", "session:working_directory", a);
    pl.AddMember("content_type", "text", a);
    pl.AddMember("content", str_value(s->working_directory, a), a);
    pl.AddMember("source", "session", a);
    rapidjson::Value tags(rapidjson::kArrayType);
    tags.PushBack("session_metadata", a).PushBack("working_directory", a);
    pl.AddMember("tags", tags, a);
    send_to(*s, *p, wd);
  }
  // 5. The joiner's announce to everyone, the joiner included.
  bus::Envelope own = server_frame("participant.announce", *s, p->id);
  own.payload().CopyFrom(p->announce, own.allocator());
  route_unrecorded(*s, own, Audience{});
}

void Router::handle_leave(Inbound &in) {
  Session &s = *in.session;
  std::string pid = in.participant->id;
  pvpd_conn_id conn = in.participant->conn;
  // The leaver gets no echo; the others get the leave.
  bus_.leave(s.id, conn);
  s.participants.erase(std::remove_if(s.participants.begin(), s.participants.end(),
                                      [&](const Participant &p) { return p.id == pid; }),
                       s.participants.end());
  record_and_route(s, in.env, Audience{});
  reevaluate_gates(s);
}

void Router::handle_end(Inbound &in) {
  Session &s = *in.session;
  record_and_route(s, in.env, Audience{});
  s.ended = true;
  if (journal_ != nullptr) {
    journal_->mark_ended(s.id);  // after the record: the writer keeps the order
  }
  for (const Gate *g : s.gates.open_gates()) {
    s.gates.close(g->id);
  }
}

void Router::handle_config_update(Inbound &in) {
  Session &s = *in.session;
  const rapidjson::Value &changes = in.env.payload()["changes"];
  s.config.merge(changes);
  record_and_route(s, in.env, Audience{});
}

void Router::handle_role_change(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  std::string target = json_string(pl, "participant");
  Participant *t = s.find(target);
  if (t == nullptr) {
    fail(in, "PARTICIPANT_NOT_FOUND",
         "payload.participant '" + target + "' is not a participant of session " + s.id);
    return;
  }
  // Nobody raises their own standing: roles and capabilities come from authentication and
  // from someone else's decision; granting admin takes an admin.
  if (t->id == in.participant->id) {
    fail(in, "UNAUTHORIZED", "a participant cannot change its own roles");
    return;
  }
  std::vector<std::string> wanted = json_strings(pl, "new_roles");
  bool grants_admin =
      std::find(wanted.begin(), wanted.end(), "admin") != wanted.end() && !t->has_role("admin");
  if (grants_admin && !(in.participant->has_role("admin") || in.participant->admin)) {
    fail(in, "UNAUTHORIZED", "only an admin can grant the admin role");
    return;
  }
  // The server records who made the change, whatever the payload claims.
  json_set_string(pl, "changed_by", in.participant->id, in.env.allocator());
  rapidjson::Value old_roles(rapidjson::kArrayType);
  for (const auto &r : t->roles) {
    old_roles.PushBack(str_value(r, in.env.allocator()), in.env.allocator());
  }
  pl.RemoveMember("old_roles");
  pl.AddMember("old_roles", old_roles, in.env.allocator());
  t->roles = json_strings(pl, "new_roles");
  rapidjson::Value roles(rapidjson::kArrayType);
  for (const auto &r : t->roles) {
    roles.PushBack(str_value(r, t->announce.GetAllocator()), t->announce.GetAllocator());
  }
  if (t->announce.IsObject()) {
    t->announce.RemoveMember("roles");
    t->announce.AddMember("roles", roles, t->announce.GetAllocator());
  }
  record_and_route(s, in.env, Audience{});
  reevaluate_gates(s);
}

void Router::handle_ping(Inbound &in) {
  Session &s = *in.session;
  bus::Envelope pong = server_frame("heartbeat.pong", s, in.participant->id);
  std::string ping_id = in.id;
  if (!ping_id.empty()) {
    pong.set_string("ref", ping_id);
  }
  send_to(s, *in.participant, pong);
}

void Router::handle_presence(Inbound &in) {
  Session &s = *in.session;
  rapidjson::Value &pl = in.env.payload();
  std::string who = json_string(pl, "participant");
  if (who != in.participant->id) {
    fail(in, "UNAUTHORIZED", "a participant may only update its own presence");
    return;
  }
  in.participant->presence = json_string(pl, "status");
  record_and_route(s, in.env, Audience{});
}

void Router::touch(Session &s, Participant &p) {
  p.last_active_ms = now();
  if (p.presence == "idle" || p.presence == "away") {
    p.presence = "active";
    bus::Envelope e = server_frame("presence.update", s, "system");
    auto &a = e.allocator();
    e.payload().AddMember("participant", str_value(p.id, a), a);
    e.payload().AddMember("status", "active", a);
    e.payload().AddMember("last_active", str_value(iso8601_ms(p.last_active_ms), a), a);
    route_unrecorded(s, e, Audience{});
  }
}

void Router::announce_disconnect(Session &s, Participant &p) {
  bus::Envelope leave = server_frame("session.leave", s, p.id);
  leave.payload().AddMember("reason", "Client disconnected", leave.allocator());
  route_unrecorded(s, leave, Audience{});
  bus::Envelope pres = server_frame("presence.update", s, "system");
  auto &a = pres.allocator();
  pres.payload().AddMember("participant", str_value(p.id, a), a);
  pres.payload().AddMember("status", "disconnected", a);
  pres.payload().AddMember("last_active", str_value(iso8601_ms(now()), a), a);
  route_unrecorded(s, pres, Audience{});
}

void Router::on_closed(pvpd_conn_id conn) {
  uint64_t t = now();
  for (auto &[id, s] : sessions_) {
    for (auto &p : s->participants) {
      if (p.conn != conn) {
        continue;  // a replaced (stale) connection closing changes nothing
      }
      bus_.leave(s->id, conn);
      p.conn = 0;
      p.presence = "disconnected";
      p.disconnected_ms = t;
      if (options_.reconnect_grace_ms == 0 && !s->ended && !shutting_down_) {
        announce_disconnect(*s, p);
        p.disconnected_ms = 0;
      }
    }
    if (!s->ended) {
      reevaluate_gates(*s);
    }
  }
  bus_.drop_connection(conn);
}

void Router::heartbeat_tick(Session &s, uint64_t t) {
  // Disconnects still inside their reconnect grace are announced once it passes.
  for (auto &p : s.participants) {
    if (!p.connected() && p.disconnected_ms != 0 &&
        t >= p.disconnected_ms + options_.reconnect_grace_ms) {
      announce_disconnect(s, p);
      p.disconnected_ms = 0;
    }
  }
  uint64_t interval = uint64_t{s.config.heartbeat_interval_seconds} * 1000;
  if (interval == 0 || t < s.last_ping_round_ms + interval) {
    return;
  }
  s.last_ping_round_ms = t;
  for (auto &p : s.participants) {
    if (!p.connected()) {
      continue;
    }
    bus::Envelope ping = server_frame("heartbeat.ping", s, "system");
    send_to(s, p, ping);
    uint64_t idle_ms = t - std::min(t, p.last_active_ms);
    std::string next = p.presence;
    if (idle_ms > uint64_t{s.config.away_timeout_seconds} * 1000) {
      next = "away";
    } else if (idle_ms > uint64_t{s.config.idle_timeout_seconds} * 1000) {
      next = p.presence == "away" ? "away" : "idle";
    }
    if (next != p.presence) {
      p.presence = next;
      bus::Envelope e = server_frame("presence.update", s, "system");
      auto &a = e.allocator();
      e.payload().AddMember("participant", str_value(p.id, a), a);
      e.payload().AddMember("status", str_value(next, a), a);
      e.payload().AddMember("last_active", str_value(iso8601_ms(t), a), a);
      route_unrecorded(s, e, Audience{});
    }
  }
}

// agent.attach (pvpd extension, admins only): recorded like any decision, so the journal shows
// who brought which agent in. The agent plugins watch the bus for it; the named instance joins.
void Router::handle_agent_attach(Inbound &in) {
  Session &s = *in.session;
  std::string agent = json_string(in.env.payload(), "agent");
  if (s.find(agent) != nullptr && s.find(agent)->conn != 0) {
    fail(in, "INVALID_STATE", "'" + agent + "' is already in session " + s.id);
    return;
  }
  record_and_route(s, in.env, Audience{});
}

}  // namespace pvpd::session
