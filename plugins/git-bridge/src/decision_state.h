// Per-session decision state of the git bridge: who prompted, which gates were approved by whom,
// which tools ran, since the last commit of that session's repository. Fed with routed PVP
// envelopes from the bus and read by the bridge API, the hooks and the note writer.
//
// THREAD: DecisionTracker is internally synchronised (one mutex); every method may be called
// from any thread: observe() runs on the core thread (subscription callback), the API methods
// on the HTTP / socket threads. Readers get copies (snapshots), never references into the state.
// OWNERSHIP: the tracker owns all state; SessionDecisions is a plain copyable value.
// LIFETIME: the plugin instance owns the tracker; it outlives the servers that read it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::git_bridge {

struct Participant {
  std::string id;
  std::string name;
  std::string type;  // "human" | "agent" (as announced)
  std::vector<std::string> roles;
};

// One message kept for the commit context (reference CommitContextMessage).
struct MessageSummary {
  std::string id;
  std::string type;
  std::string sender;
  std::string timestamp;
  std::string summary;
};

// Reference ToolExecutionSummary; success_rate keeps the reference's (rate + ok) / 2 rule.
struct ToolSummary {
  std::string tool_name;
  uint64_t execution_count = 0;
  std::string last_executed;
  double success_rate = 0;
};

struct Prompt {
  std::string id;
  std::string sender;
  std::string content;  // at most 500 bytes
  std::string timestamp;
};

// A gate on a tool proposal (id = the tool.propose id) and how it was decided.
struct Gate {
  std::string id;
  std::string tool_name;
  std::string agent;
  std::string digest;
  std::string status = "open";  // open | approved | rejected | timeout
  std::vector<std::string> approvers;
  std::vector<std::string> rejectors;
};

// One tool proposal and its fate.
struct ToolRun {
  std::string proposal;
  std::string tool_name;
  std::string agent;
  std::string risk_level;
  std::vector<std::string> approved_by;
  std::string status = "proposed";  // proposed | executed | succeeded | failed | rejected
};

struct ForkInfo {
  std::string id;
  std::string name;
  std::string from_point;
};

struct TokenUsage {
  uint64_t input = 0;
  uint64_t output = 0;
  uint64_t total = 0;
  double cost = 0;
};

// The session journal's chain head a commit is anchored to (ABI 1.2 journal_head): the hash of
// the record with sequence number `seq`.
struct JournalAnchor {
  uint64_t seq = 0;
  std::string hash;  // 64 lowercase hex digits
};

struct SessionDecisions {
  std::string id;
  std::string name;
  std::string repository;  // absolute path, "" until the workspace is known
  std::vector<Participant> participants;
  std::string last_commit;
  uint64_t messages_since_last_commit = 0;
  uint64_t prompts_count = 0;
  uint64_t approvals_count = 0;
  uint64_t gates_processed = 0;
  std::vector<MessageSummary> messages;
  std::vector<std::string> decisive_ids;  // prompts, approved proposals, votes: for PVP-Messages
  std::vector<ToolSummary> tools;
  std::vector<Prompt> prompts;
  std::vector<Gate> gates;
  std::vector<ToolRun> tool_runs;
  std::vector<std::string> context_keys;
  std::vector<ForkInfo> forks;
  TokenUsage tokens;
  std::string started_at;
  std::string last_activity_at;
  bool ended = false;
  // Filled by the API from the host when a commit is made (not part of the tracked state).
  std::optional<JournalAnchor> journal;

  const Participant *participant(std::string_view pid) const;
  // Distinct approvers of every approved gate since the last commit, in first-approval order.
  std::vector<std::string> approvers() const;
};

struct CommitRecord {
  std::string sha;
  std::string timestamp;
  std::string session_id;
  bool had_pvp_metadata = true;
  std::vector<std::string> participants;  // names
  uint64_t message_count = 0;
};

// Something the bus told us that needs repository work (done off the core thread).
struct RepoEvent {
  enum class Kind { kSessionSeen, kForkCreated, kMergeExecuted };
  Kind kind = Kind::kSessionSeen;
  std::string session;
  std::string fork_id;      // kForkCreated
  std::string fork_name;    // kForkCreated
  std::string source_fork;  // kMergeExecuted ("main" or a fork id)
  std::string target_fork;  // kMergeExecuted
  std::string proposal;     // kMergeExecuted: the merge.propose id
};

struct BridgeStatus {
  bool session_active = false;
  std::string session_id;
  uint64_t uptime_seconds = 0;
  uint64_t messages_processed = 0;
  uint64_t commits_tracked = 0;
  uint64_t sessions = 0;
};

// How an API request named its session.
struct SessionLookup {
  std::optional<std::string> session;  // nullopt: none known (reference: session_id null)
  std::string error;                   // non-empty: the named session/repository is unknown
};

// Everything the tracker knows, as a value: what decision_store.h writes to the instance state
// directory so a restart (or kill -9) loses no decision since the last commit.
struct TrackerState {
  std::map<std::string, SessionDecisions> sessions;
  std::vector<CommitRecord> commits;  // newest first
  std::string current;
  uint64_t messages_processed = 0;
  uint64_t commits_tracked = 0;
  std::map<std::string, std::pair<std::string, std::string>> merge_proposals;
};

class DecisionTracker {
 public:
  explicit DecisionTracker(std::size_t max_messages = 50, std::size_t max_commits = 100);

  // Feeds one routed envelope (JSON text). Malformed input is ignored. Returns the repository
  // work it implies (a new session, a fork, a merge).
  std::vector<RepoEvent> observe(std::string_view envelope_json);

  // The session an API request means: explicit `session`, else the session whose repository
  // contains `repo` (a path, canonicalised), else the most recently active session.
  SessionLookup resolve(std::string_view session, std::string_view repo) const;
  void set_repository(const std::string &session, const std::string &path);
  std::optional<SessionDecisions> snapshot(const std::string &session) const;
  std::vector<std::string> session_ids() const;

  // A commit was made for `session` (nullopt: the current session). Records it, resets the
  // per-commit state and returns the state as it was before the reset (for the note).
  std::optional<SessionDecisions> commit_created(const std::optional<std::string> &session,
                                                 const std::string &sha,
                                                 const std::string &timestamp);
  void session_started(const std::string &session, std::vector<Participant> participants);
  void session_ended(const std::optional<std::string> &session);
  void reset(const std::optional<std::string> &session);

  BridgeStatus status() const;
  std::vector<CommitRecord> commits(std::size_t limit) const;

  // Persistence: a copy of the state and the change counter it corresponds to; import replaces
  // the state (at start, before any message is observed). version() grows with every change.
  TrackerState export_state(uint64_t *version) const;
  void import_state(TrackerState state);
  uint64_t version() const;

 private:
  SessionDecisions &session_locked(const std::string &id, std::vector<RepoEvent> *events);
  static void reset_per_commit(SessionDecisions *s);

  const std::size_t max_messages_;
  const std::size_t max_commits_;
  const std::chrono::steady_clock::time_point started_;
  mutable std::mutex mu_;
  std::map<std::string, SessionDecisions> sessions_;
  std::string current_;                // most recently active session
  std::vector<CommitRecord> commits_;  // newest first
  uint64_t messages_processed_ = 0;
  uint64_t commits_tracked_ = 0;
  // merge.propose id -> {source, target}, per session (merge.execute names only the proposal).
  std::map<std::string, std::pair<std::string, std::string>> merge_proposals_;
  uint64_t version_ = 0;
};

// `source` of the context.add frames the bridge publishes itself (ignored when observed).
inline constexpr const char *kBridgeSource = "pvpd-git-bridge";

// ISO-8601 UTC with milliseconds, now.
std::string now_iso8601();

}  // namespace pvpd::git_bridge
