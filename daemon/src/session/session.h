// Session: the state of one PVP session, owned by the router on the core thread.
//
// Everything the protocol needs to decide and to replay: participants in join order, the
// history (every accepted frame that enters the shared record, each with the audience it may
// be replayed to), context, secrets (metadata only: values are never kept), open tool
// proposals, thinking-stream visibility, forks, the prompt draft and the sequence counter.
//
// THREAD: core thread only. OWNERSHIP: held by the Router in a map of unique_ptr.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "bus/routed_message.h"
#include "session/gate_engine.h"
#include "session/participant.h"
#include "session/session_config.h"

namespace pvpd::session {

// Who may see a frame, live and on replay.
struct Audience {
  std::vector<std::string> ids;  // empty = everyone (subject to approvers_only and fork)
  bool approvers_only = false;
  std::string fork;        // non-empty: only that fork's participants
  std::string owner = {};  // always sees it (the agent of an approvers-only thinking stream)
};

struct HistoryEntry {
  bus::RoutedMessage msg;
  Audience audience;
  bool replay = true;  // false: kept for the record (session.create, gate.request), not replayed
};

// A delivery waiting for the journal: it goes out once every record up to `after_seq` is
// durable, so nothing a client has seen can be lost and per-session order is kept.
struct PendingDelivery {
  uint64_t after_seq = 0;
  bus::RoutedMessage msg;
  Audience audience;      // for broadcasts
  pvpd_conn_id conn = 0;  // non-zero: to this connection only
};

struct ContextItem {
  std::vector<std::string> visible_to;
  std::string last_message_id;
  std::string fork;  // where it was last changed ("" = main line)
  uint64_t changed_seq = 0;
};

struct SecretMeta {
  std::vector<std::string> scope;
  uint64_t expires_at_ms = 0;  // 0 = never; at expiry the server revokes it
  bool revoked = false;
  std::string sharer;
};

struct Proposal {
  std::string tool_name;
  std::string category;
  std::string agent;
  rapidjson::Document arguments;
  bool executed = false;
};

struct ForkInfo {
  std::string id;
  std::string name;
  std::string created_by;
  std::vector<std::string> participants;
  uint64_t created_seq = 0;
};

struct MergeProposal {
  std::string source_fork;
  std::string target_fork;
  std::string strategy;
  std::vector<std::string> conflicts;
};

struct Session {
  std::string id;
  std::string name;
  SessionConfig config;
  std::string working_directory;
  std::string creator;
  uint64_t created_at_ms = 0;             // router clock at creation (or restore)
  std::vector<Participant> participants;  // join order
  // A deque: once max_history is reached every recorded frame evicts the oldest, and a
  // vector's erase(begin()) made that O(history) per message (found by pvp-bench t140).
  std::deque<HistoryEntry> history;
  std::unordered_set<std::string> known_ids;  // ids of history frames (causal_refs checks)
  std::map<std::string, ContextItem> context;
  std::map<std::string, SecretMeta> secrets;
  std::map<std::string, Proposal> proposals;  // by tool.propose id
  // context.add frames that asked for approval (`requires_approval`), held until their gate
  // (id = the frame's id) is approved; then recorded and applied like any context.add.
  struct HeldContext {
    std::string sender;
    std::string frame;  // the envelope as it will be recorded
  };
  std::map<std::string, HeldContext> held_context;
  std::map<std::string, Audience> thinking;  // open thinking stream per agent id
  std::map<std::string, ForkInfo> forks;
  std::map<std::string, MergeProposal> merges;  // by merge.propose id
  std::set<std::string> submitted_prompts;
  std::vector<std::string> draft_contributors;
  GateEngine gates;
  uint64_t seq = 0;            // last seq assigned
  uint64_t committed_seq = 0;  // last seq the journal reported durable
  std::deque<PendingDelivery> pending;
  std::map<uint64_t, pvpd_conn_id> uncommitted_senders;  // for errors if a commit fails
  // Restore only: gate.request records precede their tool.propose (the request goes out
  // first), so a request waits here until its proposal has been replayed.
  std::map<std::string, bus::RoutedMessage> restoring_gate_requests;
  // Per agent: its open thinking/response streams and who interrupted them (stop/emergency).
  struct StreamState {
    bool thinking_open = false;
    bool response_open = false;
    std::string thinking_interrupted_by;  // non-empty: chunks refused until the stream ends
    std::string response_interrupted_by;
  };
  std::map<std::string, StreamState> streams;
  // Interrupts waiting for their target's interrupt.acknowledge.
  struct PendingInterrupt {
    std::string id;
    std::string target;
    std::string urgency;
    uint64_t deadline_ms = 0;
  };
  std::vector<PendingInterrupt> pending_interrupts;
  bool ended = false;
  // on_participant_timeout "pause_session": the approvers the session waits for (empty = not
  // paused) and since when (gate deadlines do not run while paused).
  std::vector<std::string> paused_for;
  uint64_t paused_since_ms = 0;
  uint64_t next_join_order = 1;
  uint64_t last_ping_round_ms = 0;

  Participant *find(std::string_view participant_id) {
    for (auto &p : participants) {
      if (p.id == participant_id) {
        return &p;
      }
    }
    return nullptr;
  }
  const Participant *find(std::string_view participant_id) const {
    return const_cast<Session *>(this)->find(participant_id);
  }
};

}  // namespace pvpd::session
