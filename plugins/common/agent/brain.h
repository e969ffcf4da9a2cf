// Brain: the seam between an agent plugin's PVP logic (agent_core) and the thing that thinks.
//
// One interface, three implementations: the scripted brain (offline, deterministic), and the
// LLM brains (Anthropic Messages, OpenAI Responses, OpenAI Chat Completions; plugins/common/llm).
// The agent core owns the conversation; a brain turns the conversation into one assistant turn,
// streaming as it goes, and knows nothing of PVP, gates or sessions.
//
// THREAD: generate() and cancel() may be called from any thread. A brain emits its events from
// its own thread(s), one generation at a time, in order; the sink must not call back into the
// brain from an event except cancel().
// OWNERSHIP: the caller owns the brain and the sink; the sink must outlive the generation (until
// on_done has returned). Strings passed to the sink are borrowed for the call.
// LIFETIME: destroying a brain cancels any generation and waits until its on_done has returned.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::agent {

// A tool the model may call. `input_schema_json` is a JSON Schema object as text.
struct ToolSpec {
  std::string name;
  std::string description;
  std::string input_schema_json;
};

// One block of a turn, provider-neutral. Providers that need opaque round-trip data (Anthropic
// thinking signatures, OpenAI reasoning item ids / encrypted content) keep it in `opaque`.
struct ContentBlock {
  enum class Kind { kText, kThinking, kToolUse, kToolResult };
  Kind kind = Kind::kText;
  std::string text;         // kText, kThinking; kToolResult: the tool's output text
  std::string tool_use_id;  // kToolUse, kToolResult
  std::string tool_name;    // kToolUse
  std::string input_json;   // kToolUse: the arguments object as JSON text
  bool is_error = false;    // kToolResult: the tool failed or was refused
  std::string opaque;       // provider round-trip data, never shown to humans
};

struct Turn {
  enum class Role { kUser, kAssistant };
  Role role = Role::kUser;
  std::vector<ContentBlock> blocks;
};

struct Conversation {
  std::string system;  // system prompt (context the agent may see is folded in by the core)
  std::vector<Turn> turns;
  std::vector<ToolSpec> tools;
};

// Token counts of one generation. Thinking tokens are a part of the output tokens (both
// providers bill them as output), reported separately for the humans.
struct Usage {
  uint64_t input_tokens = 0;
  uint64_t output_tokens = 0;    // everything generated, thinking included
  uint64_t thinking_tokens = 0;  // the share of output_tokens spent thinking
};

// A complete tool call, emitted once its arguments are fully streamed.
struct ToolCallRequest {
  std::string id;  // provider tool_use id / call_id
  std::string name;
  std::string input_json;  // always a JSON object text ("{}" when empty)
};

// What ended a generation. kToolUse: the model wants the tool calls it emitted answered.
enum class FinishReason { kEndTurn, kToolUse, kMaxTokens, kInterrupted, kError };
const char *finish_reason_name(FinishReason r);  // "end_turn", "tool_use", ... as PVP sends

struct GenerationResult {
  FinishReason finish = FinishReason::kEndTurn;
  Usage usage;
  // The assistant turn exactly as it must be appended to the conversation for the next request
  // (thinking blocks with their opaque data, text, tool_use blocks).
  Turn assistant;
  // kError: a stable code ("AUTH", "RATE_LIMITED", "OVERLOADED", "HTTP_4XX", "NETWORK",
  // "BAD_STREAM", ...) and a human-readable message with no secret in it.
  std::string error_code;
  std::string error_message;
};

class BrainSink {
 public:
  virtual ~BrainSink() = default;
  virtual void on_thinking_delta(std::string_view text) = 0;
  virtual void on_text_delta(std::string_view text) = 0;
  virtual void on_tool_call(const ToolCallRequest &call) = 0;
  // Exactly once per generate(), last; also after cancel() (finish = kInterrupted).
  virtual void on_done(GenerationResult result) = 0;
};

class Brain {
 public:
  virtual ~Brain() = default;
  // Starts producing the next assistant turn for `conversation` (copied). Returns at once.
  // At most one generation runs at a time; calling generate while one runs is a bug.
  virtual void generate(const Conversation &conversation, BrainSink &sink) = 0;
  // Aborts the running generation as soon as possible (closes the HTTP stream); on_done with
  // kInterrupted follows. No-op when idle.
  virtual void cancel() = 0;
};

}  // namespace pvpd::agent
