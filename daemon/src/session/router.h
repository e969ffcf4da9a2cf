// Router: the PVP v1 protocol engine on the core thread.
//
// Every inbound frame goes parse (bus::parse_envelope) -> validate (session/schema.h) ->
// identify (the connection's bound participant; `sender` must match) -> authorize
// (session/permissions.h) -> handle (per type) -> stamp (id, ts, per-session seq) -> route.
// Frames of one connection are processed strictly in order because they arrive in order on
// the single core thread. A refused frame gets one `error` frame, to the offending connection
// only, and is neither relayed nor recorded.
//
// Delivery is keyed on participants: each Participant has the connection currently bound to
// it; the bus's per-session membership mirrors that binding. Visibility (`visible_to`,
// thinking streams, secret scope, forks) applies to live delivery and to history replay.
//
// The handlers live in router_*.cpp by topic: sessions and presence, context and streams,
// gates and tools.
//
// THREAD: core thread only. Time comes from the injected clock, so tests drive tick() with a
// fake one.
#pragma once

#include <pvpd/plugin_abi.h>
#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/authenticator.h"
#include "bus/bus.h"
#include "bus/connection_table.h"
#include "bus/envelope.h"
#include "journal/journal_store.h"
#include "session/session.h"
#include "util/ulid.h"

namespace pvpd::session {

struct RouterOptions {
  size_t max_message_bytes = 1 << 20;
  // Sessions' working directories are <workspace_root>/<sanitized id>; empty = do not create
  // directories (the announced path is then the bare sanitized id).
  std::string workspace_root;
  auth::AuthOptions auth;
  uint64_t gate_timeout_ms = 300000;                 // the reference's 300 s
  std::string gate_timeout_resolution = "rejected";  // rejected | auto_approved | escalated
  std::vector<std::string> gated_tools;       // always gated, by tool name (sessions.gated_tools)
  std::string risk_threshold = "high";        // risk at or above always gates; "none"
  uint64_t reconnect_grace_ms = 0;            // delay before a disconnect is announced
  uint64_t interrupt_ack_timeout_ms = 10000;  // unacknowledged interrupts reported; 0 = off
  size_t max_history = 100000;                // frames kept in memory per session
};

struct RouterCounters {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t gates_opened = 0;
  uint64_t gates_approved = 0;
  uint64_t gates_rejected = 0;
  uint64_t gates_timed_out = 0;
  uint64_t journal_failures = 0;
  uint64_t sessions_restored = 0;
};

class Router {
 public:
  using Clock = std::function<uint64_t()>;  // Unix milliseconds

  Router(bus::ConnectionTable &connections, bus::Bus &bus, RouterOptions options,
         Clock clock = nullptr);
  ~Router();

  void set_options(const RouterOptions &options);
  // Journals every recorded frame before it is delivered (null: no durability, deliveries are
  // immediate). The store must outlive the router's use of it.
  void set_journal(journal::JournalStore *journal) { journal_ = journal; }
  // Rebuilds sessions from their journals at startup (before any connection). Sessions that
  // ended are skipped; returns one line per session for the log.
  std::vector<std::string> restore(const std::vector<journal::JournalStore::Recovered> &recovered);

  // One frame from a connection.
  void on_inbound(pvpd_conn_id conn, std::string_view json);
  // One frame published by a bridge plugin instance (trusted, acts as `identity`).
  void on_publish(std::string_view identity, std::string_view json);
  // The connection is gone.
  void on_closed(pvpd_conn_id conn);
  // Answers a frame refused before parsing (e.g. over the size limit).
  void reject(pvpd_conn_id conn, std::string_view code, std::string_view message);
  // Periodic work: heartbeats, presence, gate timeouts, disconnect grace. Call about twice a
  // second (Core does) or directly from tests.
  void tick();
  // Graceful shutdown: every session's connected participants get session.end.
  void shutdown(std::string_view reason);

  uint64_t last_seq(const std::string &session) const;
  size_t pending_deliveries() const;
  const RouterCounters &counters() const { return counters_; }
  size_t session_count() const { return sessions_.size(); }
  const Session *find_session(const std::string &id) const;
  const std::map<std::string, std::unique_ptr<Session>> &sessions() const { return sessions_; }
  // The working directory announced to joiners (session:working_directory). NOENT: unknown
  // session; INVAL: not an absolute path.
  Status set_working_directory(const std::string &session, const std::string &path);

 private:
  struct Inbound;  // a frame being handled: envelope, connection, session, participant

  uint64_t now() const { return clock_(); }
  std::string new_id() { return ids_.next(now()); }

  // ---- router.cpp: ingress and delivery helpers ----
  void dispatch(Inbound &in);
  bool check_sender(Inbound &in);
  void send_error(pvpd_conn_id conn, std::string_view code, std::string_view message,
                  std::string_view related_to, std::string_view session);
  void fail(const Inbound &in, std::string_view code, std::string_view message);
  // Stamps (id, ts, seq), records in history with `audience`, and delivers (unless
  // `deliver_live` is false: the join, which its audience gets through history replay).
  bus::RoutedMessage record_and_route(Session &s, bus::Envelope &env, Audience audience,
                                      bool deliver_live = true, bool replay = true);
  // Durability: every recorded frame is appended to the journal; deliveries (recorded or not)
  // wait in the session's queue until all records before them are durable.
  void commit(Session &s, const bus::RoutedMessage &recorded, pvpd_conn_id sender_conn);
  void on_commit(const std::string &session_id, uint64_t seq, const Status &st);
  void flush(Session &s);
  void send_when_durable(Session &s, pvpd_conn_id conn, const bus::RoutedMessage &msg);
  // Delivers without recording (server frames outside the shared record).
  void route_unrecorded(Session &s, bus::Envelope &env, const Audience &audience);
  // Restore: applies one journaled record's state effects (no delivery).
  void restore_record(Session &s, bus::Envelope &env, const bus::RoutedMessage &msg);
  void reopen_gate(Session &s, bus::Envelope &env, const bus::RoutedMessage &msg);
  void send_to(Session &s, const Participant &p, bus::Envelope &env);
  bool may_see(const Session &s, const Participant &p, const Audience &a) const;
  // Queues a broadcast behind pending commits; deliver_now sends at once.
  void deliver(Session &s, const bus::RoutedMessage &msg, const Audience &audience);
  void deliver_now(const Session &s, const bus::RoutedMessage &msg, const Audience &audience);
  bus::Envelope server_frame(std::string_view type, const Session &s, std::string_view sender);
  void replay_history(Session &s, Participant &p, uint64_t after_seq);
  void bind_participant_conn(Session &s, Participant &p, pvpd_conn_id conn);

  // ---- router_sessions.cpp ----
  void handle_create(Inbound &in);
  void handle_join(Inbound &in);
  void handle_leave(Inbound &in);
  void handle_end(Inbound &in);
  void handle_config_update(Inbound &in);
  void handle_role_change(Inbound &in);
  void handle_ping(Inbound &in);
  void handle_presence(Inbound &in);
  void touch(Session &s, Participant &p);
  void announce_disconnect(Session &s, Participant &p);
  void heartbeat_tick(Session &s, uint64_t now_ms);
  std::optional<auth::Identity> internal_agent_identity(const bus::Connection &conn,
                                                        const std::string &pid,
                                                        const rapidjson::Value &announce,
                                                        auth::AuthFailure *failure) const;
  Session &create_session(const std::string &id, const std::string &name,
                          const rapidjson::Value *config, const std::string &creator);

  // ---- router_streams.cpp ----
  // The envelope's `fork` ("" for none or "main"); fails `in` (INVALID_STATE) for an unknown fork.
  bool fork_of_frame(Inbound &in, std::string *fork);
  // Token mode: a session.create from a connection that has not joined must present a valid
  // token (payload.token or the transport credential). Fails `in` and returns false otherwise.
  bool authorize_create(Inbound &in, const std::string &token, std::string_view claimed);
  void handle_context(Inbound &in);
  // A context.add with requires_approval: a gate (action_type context_change) opens and the
  // frame waits in Session::held_context until the gate is approved.
  void hold_context_for_approval(Inbound &in);
  // An approved gate's action: tool.execute for a proposal, the held frame for a context change.
  void complete_gate(Session &s, const std::string &gate_id,
                     const std::vector<std::string> &approved_by);
  void release_held_context(Session &s, const std::string &gate_id);
  void handle_secret(Inbound &in);
  void handle_prompt(Inbound &in);
  void handle_thinking(Inbound &in);
  void handle_interrupt(Inbound &in);
  // Stream bookkeeping for interrupts: false when the frame was refused (a chunk of a stream a
  // stop interrupted). Forces finish_reason "interrupted" on the end of such a stream.
  bool check_stream(Inbound &in);
  void mark_interrupted(Session &s, const std::string &target, const std::string &by,
                        const std::string &interrupt_id, const std::string &urgency);
  void interrupts_tick(Session &s, uint64_t now_ms);
  // on_participant_timeout "pause_session": pauses the session while a member who may approve
  // is away or disconnected, and resumes it when they are all back (router_pause.cpp).
  void update_pause(Session &s, uint64_t now_ms);
  // INVALID_STATE to `in` when its session is paused; true when it may proceed.
  bool check_not_paused(Inbound &in);
  // Secrets past their expires_at: the server revokes them (secret.revoke, reason "expired").
  void secrets_tick(Session &s, uint64_t now_ms);
  void handle_fork(Inbound &in);
  void handle_merge(Inbound &in);
  // merge.execute's effect on the target line's context (router_merge.cpp). With dry_run it
  // only checks that the merge can be applied; returns the reason when it cannot.
  std::optional<std::string> apply_merge(Session &s, const MergeProposal &merge,
                                         const std::string &merge_id,
                                         const rapidjson::Value &payload, bool dry_run);
  void handle_relay(Inbound &in);
  void handle_agent_attach(Inbound &in);

  // ---- router_gates.cpp ----
  void handle_tool_propose(Inbound &in);
  void handle_gate_vote(Inbound &in);
  void handle_tool_result(Inbound &in);
  struct GateSpec {
    std::string id;  // the gated message's id (also the gate id)
    std::string action_type;
    std::string digest;
    std::string message;
    std::string policy_reason;
    std::string held_frame;  // context changes: the frame applied on approval
  };
  // Opens a gate for `in`'s sender and records the gate.request; false after failing `in`.
  bool open_gate(Inbound &in, GateSpec spec);
  void send_tool_execute(Session &s, const std::string &proposal_id,
                         const std::vector<std::string> &approved_by);
  void send_gate_request(Session &s, const Gate &gate, const Participant *only_to);
  void gates_tick(Session &s, uint64_t now_ms);
  // Executes the gate if its quorum is met now; true if it did.
  bool resolve_if_decided(Session &s, const std::string &gate_id);
  // Membership or presence changed (under on_participant_timeout "skip" an absence can
  // complete an `all` gate): re-check every open gate.
  void reevaluate_gates(Session &s);
  std::vector<Voter> voters(const Session &s) const;
  OnTimeout timeout_policy(const Session &s) const;

  bus::ConnectionTable &connections_;
  bus::Bus &bus_;
  RouterOptions options_;
  Clock clock_;
  auth::Authenticator auth_;
  RouterCounters counters_;
  std::map<std::string, std::unique_ptr<Session>> sessions_;
  UlidGenerator ids_;
  journal::JournalStore *journal_ = nullptr;
  pvpd_conn_id current_sender_conn_ = 0;
  bool shutting_down_ = false;
};

}  // namespace pvpd::session
