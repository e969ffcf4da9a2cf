// One MCP connection = one PVP participant: the MCP lifecycle (initialize, version negotiation,
// ping, logging, cancellation), the pvp_* tools, and the bookkeeping that turns PVP frames the
// core delivers into answers (read cursor, long-poll waits, join replies, gate decisions for
// pvp_permission, channel pushes).
//
// It does no I/O and knows no sockets: JSON-RPC lines come in through handle_line(), PVP frames
// through on_pvp(), the clock through `now_ms` arguments, and everything leaves through the
// McpSink, so unit tests and the fuzzer drive it directly.
//
// THREAD: not thread-safe; the plugin's I/O thread owns every McpSession (the core thread never
// touches one: deliver() only queues buffers the I/O thread later feeds to on_pvp()).
// OWNERSHIP: the sink and the settings are borrowed and must outlive the session.
// LIFETIME: close() drops every waiting call without answering it (the client is gone).
#pragma once

#include <pvpd/plugin_abi.h>

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "jsonrpc.h"
#include "options.h"

namespace pvpd::mcp {

// Where a session's output goes.
class McpSink {
 public:
  virtual ~McpSink() = default;
  // One JSON-RPC message (no newline) for the MCP client.
  virtual void to_client(std::string line) = 0;
  // One PVP envelope for the core (conn_inbound). PVPD_E_AGAIN counts as sent.
  virtual pvpd_status to_pvp(std::string_view envelope) = 0;
};

inline constexpr uint64_t kNoDeadline = std::numeric_limits<uint64_t>::max();

// A waiting call whose request carried _meta.progressToken gets notifications/progress this
// often, so clients that reset their request timeout on progress keep waiting for the humans.
inline constexpr uint64_t kProgressIntervalMs = 15000;

// Protocol versions accepted, newest first; the first is answered to unknown versions.
inline constexpr std::string_view kProtocolVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                         "2024-11-05"};

class McpSession {
 public:
  // `conn_number` only makes generated ids unique between connections of one plugin instance.
  McpSession(const Settings &settings, McpSink *sink, uint64_t conn_number);

  void handle_line(std::string_view line, uint64_t now_ms);
  // A line longer than max_line was skipped: answers a JSON-RPC error, keeps the connection.
  void reject_oversized(std::size_t size);
  // A PVP frame the core delivered to this connection.
  void on_pvp(std::string_view envelope, bool replay, uint64_t now_ms);
  // Expires waits whose deadline passed.
  void tick(uint64_t now_ms);
  uint64_t next_deadline() const;
  // The client is gone: forget every waiting call without answering.
  void close();

  bool initialized() const { return initialized_; }
  bool joined() const { return join_state_ == JoinState::kJoined; }
  const std::string &participant_id() const { return me_; }
  const std::string &session_id() const { return session_; }
  std::size_t pending_calls() const { return pending_.size(); }
  std::size_t buffered() const { return inbox_.size(); }

 private:
  enum class JoinState { kNone, kJoining, kJoined };
  enum class WaitKind { kRead, kJoin, kAck, kPermission };

  struct Entry {
    uint64_t cursor = 0;
    std::string type;
    std::string json;     // the envelope as delivered
    bool replay = false;  // part of the join's history replay
  };
  struct Wait {
    WaitKind kind = WaitKind::kRead;
    std::string rpc_id;  // "" = nobody to answer (the bridge's automatic join)
    uint64_t deadline = kNoDeadline;
    std::string progress_token;  // JSON text of _meta.progressToken; "" = none
    uint64_t next_progress = kNoDeadline;
    uint64_t progress = 0;
    uint64_t since = 0;
    std::size_t limit = 100;
    std::vector<std::string> types;
    std::string msg_id;                  // the frame whose answer we wait for
    std::string ok_text;                 // kAck: text of the success result
    std::string input_json;              // kPermission: the tool input, echoed as updatedInput
    std::vector<std::string> approvals;  // kPermission: "alice: comment"
  };
  struct ParticipantView {
    std::string name, type, presence = "active";
    std::vector<std::string> roles;
  };
  struct GateView {
    std::string message, proposer;
  };

  // Lifecycle and dispatch.
  void handle_request(RpcMessage &msg, uint64_t now_ms);
  void handle_notification(const RpcMessage &msg);
  void handle_bridge_hello(const rapidjson::Value &hello, uint64_t now_ms);
  void do_initialize(const RpcMessage &msg);
  void do_tools_call(const RpcMessage &msg, uint64_t now_ms);
  void dispatch_tool(const std::string &name, const std::string &id, const rapidjson::Value &args,
                     uint64_t now_ms);
  void send_progress(Wait &w, uint64_t now_ms);
  void do_resources_read(const RpcMessage &msg);
  bool rate_allows(uint64_t now_ms);

  // Tools. Each answers `id` now or registers a Wait.
  void tool_join(const std::string &id, const rapidjson::Value &args, uint64_t now_ms);
  void tool_leave(const std::string &id, const rapidjson::Value &args);
  void tool_read(const std::string &id, const rapidjson::Value &args, uint64_t now_ms);
  void tool_respond(const std::string &id, const rapidjson::Value &args, uint64_t now_ms);
  void tool_add_context(const std::string &id, const rapidjson::Value &args, uint64_t now_ms);
  void tool_prompt(const std::string &id, const rapidjson::Value &args, uint64_t now_ms);
  void tool_status(const std::string &id);
  void tool_vote(const std::string &id, const rapidjson::Value &args, uint64_t now_ms);
  void tool_interrupt(const std::string &id, const rapidjson::Value &args, uint64_t now_ms);
  void tool_permission(const std::string &id, const rapidjson::Value &args, uint64_t now_ms);

  // PVP side.
  bool send_join(const rapidjson::Value &args, std::string *error);
  // Sends a frame built by the caller (type, payload); returns its id or "" on failure.
  std::string send_frame(std::string_view type, rapidjson::Value &payload,
                         rapidjson::Document::AllocatorType &a, std::string *error);
  void wait_for_echo(const std::string &rpc_id, const std::string &msg_id, std::string ok_text,
                     uint64_t now_ms);
  void track(const rapidjson::Document &env, std::string_view type, std::string_view sender);
  void resolve_waits(const rapidjson::Document &env, std::string_view type, std::string_view sender,
                     std::string_view msg_id);
  void maybe_push(const rapidjson::Document &env, std::string_view type, std::string_view sender,
                  std::string_view msg_id, uint64_t cursor);
  void deny_all_permissions(const std::string &why);

  // Answers.
  void reply_text(const std::string &rpc_id, std::string_view text, bool is_error = false);
  void reply_permission(const Wait &w, bool allow, const std::string &message);
  bool answer_read(const Wait &w, bool force);
  std::string new_id(std::string_view what);

  const Settings &settings_;
  McpSink *sink_;
  uint64_t conn_number_;
  uint64_t id_counter_ = 0;
  uint64_t id_salt_ = 0;

  bool first_line_ = true;
  bool initialized_ = false;  // initialize answered
  bool ready_ = false;        // notifications/initialized received
  bool push_ = false;
  std::string protocol_version_;
  std::string log_level_ = "info";

  double tokens_ = 0;
  uint64_t refill_ms_ = 0;

  JoinState join_state_ = JoinState::kNone;
  std::string session_, me_, join_error_, join_msg_id_;
  bool session_ended_ = false;

  std::deque<Entry> inbox_;
  uint64_t next_cursor_ = 1;
  uint64_t read_cursor_ = 0;

  std::map<std::string, ParticipantView> participants_;
  std::map<std::string, GateView> gates_;
  std::set<std::string> context_keys_;
  std::string last_prompt_;

  std::vector<Wait> pending_;
};

}  // namespace pvpd::mcp
