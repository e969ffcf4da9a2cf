#include "session/router.h"

#include <rapidjson/document.h>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "bus/routed_message.h"
#include "session/permissions.h"
#include "session/router_inbound.h"
#include "session/schema.h"

namespace pvpd::session {

Router::Router(bus::ConnectionTable &connections, bus::Bus &bus, RouterOptions options, Clock clock)
    : connections_(connections),
      bus_(bus),
      options_(std::move(options)),
      clock_(clock ? std::move(clock) : Clock(&unix_now_ms)),
      auth_(options_.auth) {}

Router::~Router() = default;

void Router::set_options(const RouterOptions &options) {
  options_ = options;
  auth_.set_options(options.auth);
}

uint64_t Router::last_seq(const std::string &session) const {
  auto it = sessions_.find(session);
  return it == sessions_.end() ? 0 : it->second->seq;
}

size_t Router::pending_deliveries() const {
  size_t n = 0;
  for (const auto &[id, s] : sessions_) {
    n += s->pending.size();
  }
  return n;
}

const Session *Router::find_session(const std::string &id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void Router::reject(pvpd_conn_id conn, std::string_view code, std::string_view message) {
  ++counters_.rejected;
  send_error(conn, code, message, {}, {});
}

void Router::on_inbound(pvpd_conn_id conn_id, std::string_view json) {
  bus::Connection *conn = connections_.find(conn_id);
  if (conn == nullptr) {
    return;  // closed while the frame was queued
  }
  Inbound in;
  in.conn = conn_id;
  in.connection = conn;
  bus::EnvelopeError error;
  if (!bus::parse_envelope(json, options_.max_message_bytes, &in.env, &error)) {
    ++counters_.rejected;
    send_error(conn_id, error.code, error.message, error.related_to, error.session);
    return;
  }
  in.type = std::string(in.env.type());
  in.session_id = std::string(in.env.session());
  in.id = std::string(in.env.id());
  dispatch(in);
}

void Router::on_publish(std::string_view identity, std::string_view json) {
  // Bridges publish as themselves into an existing session; they are trusted plugins but
  // still go through validation, and their frames carry their instance identity.
  Inbound in;
  bus::EnvelopeError error;
  if (!bus::parse_envelope(json, options_.max_message_bytes, &in.env, &error)) {
    ++counters_.rejected;
    return;
  }
  auto it = sessions_.find(std::string(in.env.session()));
  if (it == sessions_.end() || it->second->ended) {
    ++counters_.rejected;
    return;
  }
  in.env.set_string("sender", identity);
  record_and_route(*it->second, in.env, Audience{});
}

void Router::fail(const Inbound &in, std::string_view code, std::string_view message) {
  ++counters_.rejected;
  send_error(in.conn, code, message, in.id, in.session_id);
}

bool Router::check_sender(Inbound &in) {
  const std::string &bound = in.connection->participant;
  std::string_view claimed = in.env.sender();
  if (bound.empty()) {
    fail(in, "UNAUTHORIZED", "join a session (session.join) before sending " + in.type);
    return false;
  }
  if (!claimed.empty() && claimed != bound) {
    fail(in, "UNAUTHORIZED",
         "sender '" + std::string(claimed) + "' does not match this connection's participant '" +
             bound + "'");
    return false;
  }
  in.env.set_string("sender", bound);
  return true;
}

void Router::dispatch(Inbound &in) {
  // Errors for a frame whose record fails to commit go to the connection that sent it.
  current_sender_conn_ = in.conn;
  struct Reset {
    pvpd_conn_id &ref;
    ~Reset() { ref = 0; }
  } reset{current_sender_conn_};
  if (!is_known_type(in.type)) {
    fail(in, "INVALID_MESSAGE", "unknown message type '" + in.type + "'");
    return;
  }
  if (!client_may_send(in.type)) {
    fail(in, "UNAUTHORIZED", in.type + " is sent by the server only");
    return;
  }
  if (auto violation = validate_payload(in.type, in.env.payload())) {
    fail(in, violation->code, violation->message);
    return;
  }
  if (in.session_id.empty()) {
    fail(in, "INVALID_MESSAGE", "missing required field session");
    return;
  }
  if (in.type == "session.create") {
    handle_create(in);
    return;
  }
  if (in.type == "session.join") {
    handle_join(in);
    return;
  }
  if (!check_sender(in)) {
    return;
  }
  auto it = sessions_.find(in.session_id);
  if (it == sessions_.end()) {
    fail(in, "SESSION_NOT_FOUND", "Session " + in.session_id + " not found");
    return;
  }
  in.session = it->second.get();
  if (in.session->ended) {
    fail(in, "INVALID_STATE", "session " + in.session_id + " has ended");
    return;
  }
  in.participant = in.session->find(in.connection->participant);
  if (in.participant == nullptr || in.participant->conn != in.conn) {
    fail(in, "UNAUTHORIZED",
         "'" + in.connection->participant + "' is not a participant of session " + in.session_id +
             " on this connection");
    return;
  }
  Permission perm = permission_for(in.type);
  if (!allowed(perm, *in.participant)) {
    fail(in, "UNAUTHORIZED",
         in.type + " requires " + std::string(describe(perm)) + "; '" + in.participant->id +
             "' has none of them");
    return;
  }
  if (in.env.has_member("causal_refs")) {
    const auto &refs = in.env.document()["causal_refs"];
    if (!refs.IsArray()) {
      fail(in, "INVALID_MESSAGE", "causal_refs must be an array of message ids");
      return;
    }
    for (const auto &r : refs.GetArray()) {
      if (!r.IsString() || in.session->known_ids.count(r.GetString()) == 0) {
        fail(in, "INVALID_MESSAGE",
             "causal_refs names a message this session does not know: " +
                 std::string(r.IsString() ? r.GetString() : "(not a string)"));
        return;
      }
    }
  }
  touch(*in.session, *in.participant);

  const std::string &t = in.type;
  if (t == "session.leave") {
    handle_leave(in);
  } else if (t == "session.end") {
    handle_end(in);
  } else if (t == "session.config_update") {
    handle_config_update(in);
  } else if (t == "participant.role_change") {
    handle_role_change(in);
  } else if (t == "heartbeat.ping") {
    handle_ping(in);
  } else if (t == "heartbeat.pong") {
    // Liveness only (touch above); relaying pongs to everyone is the reference's noise.
  } else if (t == "presence.update") {
    handle_presence(in);
  } else if (t.rfind("context.", 0) == 0) {
    handle_context(in);
  } else if (t.rfind("secret.", 0) == 0) {
    handle_secret(in);
  } else if (t.rfind("prompt.", 0) == 0) {
    handle_prompt(in);
  } else if (t.rfind("thinking.", 0) == 0) {
    handle_thinking(in);
  } else if (t == "tool.propose") {
    handle_tool_propose(in);
  } else if (t == "gate.approve" || t == "gate.reject") {
    handle_gate_vote(in);
  } else if (t == "tool.result") {
    handle_tool_result(in);
  } else if (t.rfind("interrupt.", 0) == 0) {
    handle_interrupt(in);
  } else if (t == "fork.create" || t == "fork.switch") {
    handle_fork(in);
  } else if (t.rfind("merge.", 0) == 0) {
    handle_merge(in);
  } else if (t == "agent.attach") {
    handle_agent_attach(in);
  } else {
    handle_relay(in);
  }
}

// ---- delivery ----

bus::Envelope Router::server_frame(std::string_view type, const Session &s,
                                   std::string_view sender) {
  uint64_t t = now();
  return bus::Envelope::make(type, s.id, sender, ids_.next(t), iso8601_ms(t));
}

bool Router::may_see(const Session &s, const Participant &p, const Audience &a) const {
  if (!a.owner.empty() && a.owner == p.id) {
    return true;
  }
  if (!a.fork.empty()) {
    auto f = s.forks.find(a.fork);
    bool in_fork = p.current_fork == a.fork ||
                   (f != s.forks.end() &&
                    (f->second.created_by == p.id ||
                     std::find(f->second.participants.begin(), f->second.participants.end(),
                               p.id) != f->second.participants.end()));
    if (!in_fork) {
      return false;
    }
  }
  if (a.approvers_only && !(p.has_role("approver") || p.has_cap("approve") || p.admin)) {
    return false;
  }
  if (!a.ids.empty() && std::find(a.ids.begin(), a.ids.end(), p.id) == a.ids.end()) {
    return false;
  }
  return true;
}

void Router::deliver_now(const Session &s, const bus::RoutedMessage &msg,
                         const Audience &audience) {
  bool everyone = audience.ids.empty() && !audience.approvers_only && audience.fork.empty();
  if (everyone) {
    bus_.broadcast(msg);
    return;
  }
  bus_.broadcast(msg, [&](const bus::Connection &c) {
    for (const auto &p : s.participants) {
      if (p.conn == c.id) {
        return may_see(s, p, audience);
      }
    }
    return false;
  });
}

void Router::deliver(Session &s, const bus::RoutedMessage &msg, const Audience &audience) {
  s.pending.push_back(PendingDelivery{s.seq, msg, audience, 0});
  flush(s);
}

void Router::send_when_durable(Session &s, pvpd_conn_id conn, const bus::RoutedMessage &msg) {
  if (conn == 0) {
    return;
  }
  s.pending.push_back(PendingDelivery{s.seq, msg, Audience{}, conn});
  flush(s);
}

void Router::flush(Session &s) {
  while (!s.pending.empty() && s.pending.front().after_seq <= s.committed_seq) {
    PendingDelivery d = std::move(s.pending.front());
    s.pending.pop_front();
    if (d.conn != 0) {
      bus_.send(d.conn, d.msg);
    } else {
      deliver_now(s, d.msg, d.audience);
    }
  }
}

void Router::commit(Session &s, const bus::RoutedMessage &recorded, pvpd_conn_id sender_conn) {
  if (journal_ == nullptr) {
    s.committed_seq = recorded.seq;
    return;
  }
  if (sender_conn != 0) {
    s.uncommitted_senders[recorded.seq] = sender_conn;
  }
  journal_->append(s.id, recorded.seq, recorded.buffer,
                   [this, id = s.id, seq = recorded.seq](Status st) { on_commit(id, seq, st); });
}

void Router::on_commit(const std::string &session_id, uint64_t seq, const Status &st) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) {
    return;
  }
  Session &s = *it->second;
  pvpd_conn_id sender = 0;
  if (auto u = s.uncommitted_senders.find(seq); u != s.uncommitted_senders.end()) {
    sender = u->second;
    s.uncommitted_senders.erase(u);
  }
  if (!st) {
    // Not durable, so nobody may see it: drop its deliveries (later ones wait for their own
    // records) and tell the sender. The journal stays consistent; the seq is skipped.
    ++counters_.journal_failures;
    spdlog::error("session {}: journal write of seq {} failed: {}", session_id, seq, st.message());
    // The refused frame's id, so its sender knows which one was lost.
    std::string failed_id;
    for (const PendingDelivery &d : s.pending) {
      if (d.msg.seq == seq) {
        failed_id = d.msg.id;
        break;
      }
    }
    // The failed frame is one of the newest: search history from the back (it may hold
    // max_history entries) and erase just that one.
    for (auto h = s.history.rbegin(); h != s.history.rend(); ++h) {
      if (h->msg.seq == seq) {
        if (failed_id.empty()) {
          failed_id = h->msg.id;
        }
        s.history.erase(std::next(h).base());
        break;
      }
    }
    s.pending.erase(std::remove_if(s.pending.begin(), s.pending.end(),
                                   [&](const PendingDelivery &d) { return d.msg.seq == seq; }),
                    s.pending.end());
    if (sender != 0) {
      send_error(sender, "INTERNAL_ERROR",
                 "the message could not be recorded (" + st.message() + "); it was not delivered",
                 failed_id, session_id);
    }
  }
  s.committed_seq = std::max(s.committed_seq, seq);
  flush(s);
}

bus::RoutedMessage Router::record_and_route(Session &s, bus::Envelope &env, Audience audience,
                                            bool deliver_live, bool replay) {
  uint64_t t = now();
  if (env.id().empty()) {
    env.set_string("id", ids_.next(t));
  }
  env.set_string("ts", iso8601_ms(t));
  uint64_t seq = ++s.seq;
  env.set_uint("seq", seq);
  uint32_t flags = bus::is_droppable_type(env.type()) ? PVPD_MSG_DROPPABLE : 0;
  if (env.type() == "interrupt.raise") {
    flags |= PVPD_MSG_URGENT;  // transports put it ahead of queued deltas
  }
  bus::RoutedMessage msg = bus::RoutedMessage::from(env, seq, flags);
  if (!msg.buffer) {
    return msg;
  }
  ++counters_.accepted;
  // Streaming deltas are part of the live view, not the decision record: keeping every
  // chunk (in history, or its id for causal_refs) would make replay and memory grow with token
  // counts. Their start/end frames and the final texts carried by agents stay.
  if ((flags & PVPD_MSG_DROPPABLE) == 0) {
    s.known_ids.insert(msg.id);
    s.history.push_back(HistoryEntry{msg, audience, replay});
    if (s.history.size() > options_.max_history) {
      s.history.pop_front();
    }
  }
  // Every accepted frame is journaled, streaming deltas included: the record is the product.
  commit(s, msg, current_sender_conn_);
  if (deliver_live) {
    deliver(s, msg, audience);
  }
  return msg;
}

void Router::route_unrecorded(Session &s, bus::Envelope &env, const Audience &audience) {
  bus::RoutedMessage msg = bus::RoutedMessage::from(env, 0, 0);
  if (msg.buffer) {
    deliver(s, msg, audience);
  }
}

void Router::send_to(Session &s, const Participant &p, bus::Envelope &env) {
  if (!p.connected()) {
    return;
  }
  bus::RoutedMessage msg = bus::RoutedMessage::from(env, 0, 0);
  if (msg.buffer) {
    send_when_durable(s, p.conn, msg);
  }
}

void Router::replay_history(Session &s, Participant &p, uint64_t after_seq) {
  // History holds secret.share frames only in redacted form, so replay needs no special case
  // for secrets; visibility is re-checked against the joiner's current roles.
  for (const auto &h : s.history) {
    if (!h.replay || h.msg.seq <= after_seq || !may_see(s, p, h.audience)) {
      continue;
    }
    bus::RoutedMessage replay = h.msg;
    replay.flags |= PVPD_MSG_REPLAY;
    send_when_durable(s, p.conn, replay);
  }
}

void Router::bind_participant_conn(Session &s, Participant &p, pvpd_conn_id conn) {
  if (p.conn == conn) {
    return;
  }
  if (p.conn != 0) {
    // A newer connection for the same participant replaces the older one for delivery; the
    // stale socket's later close finds it is no longer bound and announces nothing.
    bus_.leave(s.id, p.conn);
  }
  p.conn = conn;
  bus_.join(s.id, conn);
}

void Router::send_error(pvpd_conn_id conn, std::string_view code, std::string_view message,
                        std::string_view related_to, std::string_view session) {
  uint64_t t = now();
  bus::Envelope env = bus::Envelope::make("error", session, "system", ids_.next(t), iso8601_ms(t));
  auto &alloc = env.allocator();
  rapidjson::Value &payload = env.payload();
  auto str = [&](std::string_view s) { return bus::make_json_string(s, alloc); };
  payload.AddMember("code", str(code), alloc);
  payload.AddMember("message", str(message), alloc);
  payload.AddMember("recoverable", code != "SESSION_NOT_FOUND", alloc);
  if (!related_to.empty()) {
    payload.AddMember("related_to", str(related_to), alloc);
  }
  bus::RoutedMessage msg = bus::RoutedMessage::from(env, 0, 0);
  if (msg.buffer) {
    bus_.send(conn, msg);
  }
}

void Router::tick() {
  uint64_t t = now();
  for (auto &[id, s] : sessions_) {
    if (s->ended) {
      continue;
    }
    heartbeat_tick(*s, t);
    gates_tick(*s, t);
    interrupts_tick(*s, t);
    secrets_tick(*s, t);
    update_pause(*s, t);
  }
}

void Router::shutdown(std::string_view reason) {
  // Sessions are not ended (they survive the restart); the connections closing next are
  // not announced as departures.
  shutting_down_ = true;
  for (auto &[id, s] : sessions_) {
    if (s->ended) {
      continue;
    }
    bus::Envelope env = server_frame("session.end", *s, "system");
    auto &alloc = env.allocator();
    env.payload().AddMember("reason", bus::make_json_string(reason, alloc), alloc);
    env.payload().AddMember("final_state", "aborted", alloc);
    route_unrecorded(*s, env, Audience{});
  }
}

}  // namespace pvpd::session
