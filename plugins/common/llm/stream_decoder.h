// StreamDecoder: turns one provider's SSE events into BrainSink calls (thinking and text deltas
// as they arrive, complete tool calls) and, at the end, the GenerationResult (finish reason,
// usage, the assistant turn with its provider round-trip data, or an error).
//
// One subclass per wire format (anthropic_decoder.h, openai_responses_decoder.h,
// openai_chat_decoder.h); make_decoder() picks one. Provider events are untrusted: malformed
// JSON, a wrong shape or an impossible sequence ends the stream with error BAD_STREAM, never a
// crash; unknown event and block types are ignored (the providers add them without notice).
//
// THREAD: not thread-safe; fed by one thread (the brain's worker) at a time.
// OWNERSHIP: borrows the sink, which must outlive the decoder.
// LIFETIME: one decoder per HTTP attempt; finish() is called once, last.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "agent/brain.h"
#include "llm/llm_options.h"
#include "llm/sse_parser.h"

namespace pvpd::llm {

// How the byte stream ended, as far as the transport knows.
struct StreamEnd {
  enum class Kind { kEof, kCancelled, kTransportError };
  Kind kind = Kind::kEof;
  std::string code;     // kTransportError: "NETWORK", "TIMEOUT"
  std::string message;  // kTransportError: what the transport said
};

class StreamDecoder {
 public:
  explicit StreamDecoder(agent::BrainSink &sink) : sink_(sink) {}
  virtual ~StreamDecoder() = default;
  StreamDecoder(const StreamDecoder &) = delete;
  StreamDecoder &operator=(const StreamDecoder &) = delete;

  // One SSE event. Ignored once the stream failed or reached its terminal event.
  void on_event(const SseEvent &event);
  // Records the first error (later errors and events are ignored).
  void fail(std::string code, std::string message);

  bool failed() const { return !error_code_.empty(); }
  bool complete() const { return complete_; }
  // Whether anything reached the sink: a retry is only safe while this is false.
  bool emitted() const { return emitted_; }
  const std::string &error_code() const { return error_code_; }
  const std::string &error_message() const { return error_message_; }

  // Ends the stream: partial blocks go into the assistant turn, the finish reason follows from
  // the terminal event, the error or how the stream ended.
  agent::GenerationResult finish(const StreamEnd &end);

 protected:
  // `type` is the JSON `type` member when present, else the SSE event name.
  virtual void handle(std::string_view type, const rapidjson::Value &data) = 0;
  // Chat Completions ends with a non-JSON `data: [DONE]`; returns true when it consumed it.
  virtual bool handle_raw(const SseEvent &) { return false; }
  // Moves blocks still open at the end into result_.assistant (interrupted or broken stream).
  virtual void flush_partial() = 0;
  // The terminal event's name, for the "stream ended before ..." error.
  virtual const char *terminal_event_name() const = 0;

  void emit_thinking(std::string_view text);
  void emit_text(std::string_view text);
  // Emits the call; `input_json` must be a JSON object (empty means {}), else the stream fails.
  // Returns the normalized block appended to the assistant turn, or false on bad arguments.
  bool emit_tool_call(std::string id, std::string name, std::string_view input_json,
                      std::string opaque);
  void set_complete(agent::FinishReason finish);

  agent::GenerationResult result_;

 private:
  agent::BrainSink &sink_;
  bool complete_ = false;
  bool emitted_ = false;
  std::string error_code_;
  std::string error_message_;
};

std::unique_ptr<StreamDecoder> make_decoder(Api api, agent::BrainSink &sink);

// Feeds raw bytes through `parser` into `decoder`; a parser error fails the decoder with
// BAD_STREAM. Returns false once the decoder failed or completed (the rest is not needed).
bool feed_stream(SseParser &parser, StreamDecoder &decoder, std::string_view bytes);

// Maps a provider error type/code ("overloaded_error", "rate_limit_exceeded", ...) to a
// stable pvpd code ("OVERLOADED", "RATE_LIMITED", "AUTH", "PROVIDER_ERROR", ...).
std::string error_code_for_provider_type(std::string_view type);

}  // namespace pvpd::llm
