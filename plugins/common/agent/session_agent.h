// SessionAgent: one agent participant in one session — the PVP half of an agent plugin.
//
// It turns a `prompt.submit` aimed at it into brain generations and the brain's output into
// frames: thinking.start/chunk/end, response.start/chunk/end (finish_reason, usage with cost and
// latency), tool.propose for every tool call (category and risk from the tool runtime's
// classifier), then waits for each proposal's own decision: `tool.execute` runs it in the
// session workspace (tool.output while it runs, tool.result after), a rejection or gate timeout
// tells the model it was refused and why. When every call of a step is decided and done, the
// results go back to the model and the turn continues, up to max_steps generations.
//
// Interrupts aimed at it (or at everyone): `pause` holds all output (acknowledged "paused"; a
// second pause resumes, as does a new prompt); a pause carrying inject_context restarts the
// generation with the injected text; `stop` and `emergency` abort the brain's stream and kill
// running tools at once, end the response with finish_reason "interrupted", refuse pending
// proposals, and are acknowledged "stopped".
//
// THREAD: core thread only. Brain events and tool completions arrive from other threads and
// are posted to the core thread (Host::post) with a weak reference, so a SessionAgent that is
// gone simply ignores them.
// OWNERSHIP: owned by AgentPlugin through a shared_ptr (the weak references need it); owns its
// brain, its tool runtime and its tool threads.
// LIFETIME: shutdown() cancels the brain and tools and joins the tool threads; the destructor
// calls it. After shutdown no frame is sent.
#pragma once

#include <pvpd/plugin.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/agent_options.h"
#include "agent/brain.h"
#include "agent/frames.h"
#include "agent/mcp_tools.h"
#include "tools/tool_runtime.h"

namespace pvpd::agent {

struct AgentCounters {
  uint64_t prompts = 0;
  uint64_t generations = 0;
  uint64_t proposals = 0;
  uint64_t tools_run = 0;
  uint64_t tools_refused = 0;
  uint64_t interrupts = 0;
  uint64_t errors = 0;
  Usage usage;
};

class SessionAgent : public std::enable_shared_from_this<SessionAgent> {
 public:
  SessionAgent(pvpd::Host host, const AgentOptions &options, std::string session_id,
               std::string participant_id, pvpd_conn_id conn, std::unique_ptr<Brain> brain,
               std::string state_dir, std::shared_ptr<McpTools> mcp = nullptr);
  ~SessionAgent();
  SessionAgent(const SessionAgent &) = delete;
  SessionAgent &operator=(const SessionAgent &) = delete;

  // Sends session.join. `live_from_seq`: frames replayed on join with seq >= this are acted on
  // as live (the frame that made the agent join, e.g. a prompt in a restored session).
  void join(uint64_t live_from_seq);
  // One frame the core delivered to this participant.
  void on_frame(const pvpd_msg_view &msg);
  void shutdown();

  const std::string &session_id() const { return session_; }
  pvpd_conn_id conn() const { return conn_; }
  bool ended() const { return ended_; }
  const AgentCounters &counters() const { return counters_; }
  bool busy() const { return turn_.has_value(); }

 private:
  class Sink;  // BrainSink that hops to the core thread
  struct Call {
    ToolCallRequest request;
    std::string proposal_id;
    enum class State { kProposed, kRunning, kDone } state = State::kProposed;
    std::string result;  // what the model is told
    bool is_error = false;
    std::shared_ptr<tools::CancelToken> cancel;
  };
  struct TurnState {
    std::string prompt_ref;
    uint32_t steps = 0;
    uint64_t generation = 0;  // increments per generate(); stale brain events are ignored
    bool generating = false;
    bool thinking_open = false;
    bool response_open = false;
    uint64_t thinking_started_ms = 0;
    uint64_t generation_started_ms = 0;
    std::vector<Call> calls;   // of the current step
    bool stopping = false;     // stop/emergency: end the turn when the brain returns
    std::string restart_with;  // pause+inject: continue with this text when the brain returns
  };
  struct PendingAck {
    std::string interrupt_id;
    std::string action;
  };

  // Brain events (core thread, after the hop).
  void on_thinking(uint64_t gen, const std::string &text);
  void on_text(uint64_t gen, const std::string &text);
  void on_tool_call(uint64_t gen, const ToolCallRequest &call);
  void on_done(uint64_t gen, GenerationResult result);
  void on_tool_output(const std::string &proposal_id, const std::string &stream,
                      const std::string &chunk);
  void on_tool_finished(const std::string &proposal_id, tools::ToolResult result);

  void handle_prompt(const rapidjson::Value &payload, std::string_view id);
  void handle_interrupt(const rapidjson::Value &payload, std::string_view id);
  void handle_decision(std::string_view type, const rapidjson::Value &payload);
  void handle_context(std::string_view type, const rapidjson::Value &payload);

  void start_turn(const std::string &prompt_ref, const std::string &text);
  void generate();
  void close_thinking();
  void open_response();
  void step_done_if_ready();
  void end_turn();
  void run_tool(Call &call);
  void refuse(Call &call, const std::string &why);
  void stop_everything(const std::string &interrupt_id);
  void send_ack(const std::string &interrupt_id, const std::string &action);
  std::shared_ptr<tools::ToolRuntime> runtime();
  std::vector<ToolSpec> offered_tools();
  std::string system_prompt() const;

  // Output path: held while paused (stream frames only), else straight to the core.
  void emit(const Frame &frame, bool holdable = true);
  void send_now(const std::string &json);
  Frame frame(std::string_view type, std::string_view id = {}) const;
  uint64_t now_ms() const;

  pvpd::Host host_;
  AgentOptions options_;
  std::string session_;
  std::string self_;
  pvpd_conn_id conn_;
  std::unique_ptr<Brain> brain_;
  std::unique_ptr<Sink> sink_;
  std::string state_dir_;
  std::shared_ptr<tools::ToolRuntime> runtime_;
  std::shared_ptr<McpTools>
      mcp_;  // the instance's MCP tool sources (may be null)  // shared with running tool threads
  std::string workspace_;

  Conversation conversation_;
  std::map<std::string, std::string> context_;  // key -> content text, as this agent may see it
  std::optional<TurnState> turn_;
  std::deque<std::pair<std::string, std::string>> queued_prompts_;  // (prompt id, text)
  bool paused_ = false;
  std::string pause_interrupt_;
  std::deque<std::string> held_;
  std::vector<PendingAck> acks_after_done_;
  uint64_t live_from_seq_ = 0;
  bool ended_ = false;
  bool shut_down_ = false;
  uint64_t generation_counter_ = 0;
  AgentCounters counters_;

  std::mutex threads_mu_;
  std::map<std::string, std::thread> tool_threads_;  // by proposal id; joined when done
};

}  // namespace pvpd::agent
