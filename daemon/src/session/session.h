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
  std::string fork;  // non-empty: only that fork's participants
};

struct HistoryEntry {
  bus::RoutedMessage msg;
  Audience audience;
};

struct ContextItem {
  std::vector<std::string> visible_to;
  std::string last_message_id;
  std::string fork;  // where it was last changed ("" = main line)
  uint64_t changed_seq = 0;
};

struct SecretMeta {
  std::vector<std::string> scope;
  uint64_t expires_at_ms = 0;  // 0 = never
  bool revoked = false;
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
  std::vector<Participant> participants;  // join order
  std::vector<HistoryEntry> history;
  std::unordered_set<std::string> known_ids;  // ids of history frames (causal_refs checks)
  std::map<std::string, ContextItem> context;
  std::map<std::string, SecretMeta> secrets;
  std::map<std::string, Proposal> proposals;  // by tool.propose id
  std::map<std::string, Audience> thinking;   // open thinking stream per agent id
  std::map<std::string, ForkInfo> forks;
  std::map<std::string, MergeProposal> merges;  // by merge.propose id
  std::set<std::string> submitted_prompts;
  std::vector<std::string> draft_contributors;
  GateEngine gates;
  uint64_t seq = 0;
  bool ended = false;
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
};

}  // namespace pvpd::session
