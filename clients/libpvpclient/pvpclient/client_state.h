// The client state model of a PVP session: a reducer from received frames to what a client shows
// (message store, streams, gates, presence, drafts, interrupts, resume cursor).
//
// No terminal and no network here: pvp-tui renders it, pvpctl prints from it, tests and the
// client_reducer fuzzer feed it bytes. Every frame is untrusted: malformed JSON, unknown types
// and wrong shapes become Malformed/Unknown entries or are ignored; apply() never throws.
//
// Entries are append-only and indexed (a streaming entry is updated in place by its chunks), so a
// renderer can keep an index into the store and draw only a visible window of a long session.
// Frames whose `seq` is not above the resume cursor are dropped as already applied, which makes
// a resumed join (docs/protocol.md "Resume") idempotent; `gate.request` is exempt because the
// server re-sends open gates to joiners with their original seq.
//
// THREAD: not thread-safe; one owner thread (the UI loop). OWNERSHIP: owns everything it stores;
// pointers/references returned are valid until the next apply()/add_notice().
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::client {

enum class EntryKind : uint8_t {
  kPrompt,
  kThinking,
  kResponse,
  kTool,        // tool.propose / tool.execute
  kToolOutput,  // streamed tool.output, accumulated per proposal
  kToolResult,
  kGate,  // gate.request
  kVote,  // gate.approve / gate.reject / gate.timeout
  kInterrupt,
  kAck,
  kContext,
  kTranscript,  // context.add with content_type audio_transcript (T.140)
  kMembership,
  kError,
  kNotice,  // server notices and the client's own (connection changes)
  kUnknown,
  kMalformed,
};

struct Entry {
  EntryKind kind = EntryKind::kNotice;
  uint64_t seq = 0;  // 0: not recorded by the server (or local)
  std::string sender;
  std::string prefix;  // e.g. "[alice → claude]: ", drawn emphasised
  std::string text;    // body; grows while `streaming`
  bool streaming = false;
};

struct Participant {
  std::string id;
  std::string name;
  std::string type;  // human | agent
  std::vector<std::string> roles;
  std::vector<std::string> capabilities;
  std::string presence = "active";  // active | idle | away | disconnected
  uint64_t order = 0;               // first-seen order, for stable lists
};

enum class GateStatus : uint8_t { kOpen, kExecuted, kRejected, kTimedOut };

struct Gate {
  std::string id;  // the tool.propose id (action_ref): what votes name
  std::string request_id;
  std::string action_type;
  std::string message;
  std::string agent;
  std::string tool_name;
  std::string arguments;  // compact JSON
  std::string description;
  std::string risk;
  std::string category;
  std::string policy_reason;
  std::string digest;
  std::string quorum;  // compact JSON
  uint64_t timeout_seconds = 0;
  std::vector<std::string> approvals;
  std::string rejected_by;
  std::string resolution;  // reason / timeout resolution
  GateStatus status = GateStatus::kOpen;
  size_t entry = 0;  // index of its kGate entry
};

struct Interrupt {
  std::string id;
  std::string sender;
  std::string urgency;
  std::string message;
  std::string target;
  bool acknowledged = false;
  std::string ack_by;
  std::string ack_action;
};

struct Draft {
  std::string content;
  std::string target;
};

class ClientState {
 public:
  explicit ClientState(std::string self_id = "");

  // One frame exactly as received (text of one WebSocket message).
  void apply(std::string_view frame);
  // A local line (connection state changes and the like); never carries a seq.
  void add_notice(std::string text);

  const std::vector<Entry> &entries() const { return entries_; }
  // Highest seq applied: the resume cursor (0 = nothing recorded seen yet).
  uint64_t last_seq() const { return last_seq_; }
  const std::string &self() const { return self_; }

  // Participants in first-seen order (left ones removed).
  std::vector<const Participant *> participants() const;
  const Participant *participant(const std::string &id) const;
  // Agents, in first-seen order: the prompt targets.
  std::vector<std::string> agents() const;

  const Gate *gate(const std::string &id) const;
  std::vector<const Gate *> open_gates() const;
  // The first open gate this client may still vote on (not its own, not yet approved by it).
  const Gate *next_gate_to_vote() const;

  // The thinking entry the panel shows (latest), or nullptr.
  const Entry *current_thinking() const;
  const std::map<std::string, Draft> &drafts() const { return drafts_; }
  // The latest interrupt, or nullptr (check acknowledged).
  const Interrupt *last_interrupt() const;

  const std::string &session_name() const { return session_name_; }
  const std::string &working_directory() const { return working_directory_; }
  const std::string &fork() const { return fork_; }
  bool ended() const { return ended_; }
  uint64_t malformed_count() const { return malformed_; }
  uint64_t unknown_count() const { return unknown_; }

  // Index of the nearest entry before `before` (backwards) whose text contains `needle`
  // (ASCII case-insensitive), or nullopt.
  std::optional<size_t> find_backward(const std::string &needle, size_t before) const;

 private:
  struct Impl;
  size_t push(Entry e);
  Participant &upsert_participant(const std::string &id);

  std::string self_;
  std::vector<Entry> entries_;
  uint64_t last_seq_ = 0;
  std::map<std::string, Participant> participants_;
  uint64_t next_order_ = 0;
  std::map<std::string, Gate> gates_;
  std::vector<std::string> gate_order_;
  std::map<std::string, std::string> tool_names_;  // proposal id -> tool name
  std::map<std::string, Gate> proposals_;          // proposal id -> its details, gated or not
  std::map<std::string, size_t> open_thinking_;    // agent -> entry
  std::map<std::string, size_t> open_response_;    // agent -> entry
  std::map<std::string, size_t> open_output_;      // proposal id -> entry
  std::optional<size_t> thinking_entry_;
  std::map<std::string, Draft> drafts_;
  std::vector<Interrupt> interrupts_;
  std::string session_name_;
  std::string working_directory_;
  std::string fork_ = "main";
  bool ended_ = false;
  uint64_t malformed_ = 0;
  uint64_t unknown_ = 0;
};

// Short human name of a kind ("prompt", "gate", ...).
const char *kind_name(EntryKind k);
// The entry as one plain-text line (prefix + body, newlines kept).
std::string plain_text(const Entry &e);
// Replaces control characters (except newline and tab) and invalid UTF-8 with safe stand-ins,
// so untrusted text cannot drive the terminal.
std::string sanitize(std::string_view s);

}  // namespace pvpd::client
