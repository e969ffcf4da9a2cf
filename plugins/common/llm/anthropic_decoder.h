// AnthropicDecoder: the Anthropic Messages streaming format (research mcp-agents.md §3.2).
//
// message_start (usage) → per content block: content_block_start / _delta / _stop for
// thinking (thinking_delta → on_thinking_delta, signature_delta kept as opaque round-trip
// data), redacted_thinking (kept opaque, nothing shown), text (text_delta → on_text_delta) and
// tool_use (input_json_delta fragments joined and emitted as one on_tool_call at
// content_block_stop) → message_delta (stop_reason, cumulative usage) → message_stop. `ping`
// and unknown events/blocks/deltas are ignored; an `error` event (e.g. overloaded_error after
// HTTP 200) fails the stream with its code; a stream without message_stop is an error.
//
// Opaque data on the assistant turn's blocks (consumed by anthropic_request.h):
//  kThinking: {"type":"thinking","signature":"..."} or the whole redacted_thinking block.
//
// THREAD / OWNERSHIP / LIFETIME: see StreamDecoder.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "llm/stream_decoder.h"

namespace pvpd::llm {

class AnthropicDecoder final : public StreamDecoder {
 public:
  using StreamDecoder::StreamDecoder;

 protected:
  void handle(std::string_view type, const rapidjson::Value &data) override;
  void flush_partial() override;
  const char *terminal_event_name() const override { return "message_stop"; }

 private:
  struct Block {
    enum class Kind { kThinking, kRedactedThinking, kText, kToolUse, kOther };
    Kind kind = Kind::kOther;
    std::string text;       // thinking or text so far
    std::string signature;  // thinking
    std::string opaque;     // redacted_thinking: the block as JSON
    std::string id, name;   // tool_use
    std::string json;       // tool_use: input_json_delta fragments
  };

  void on_block_start(const rapidjson::Value &data);
  void on_block_delta(const rapidjson::Value &data);
  void on_block_stop(const rapidjson::Value &data);
  void on_message_delta(const rapidjson::Value &data);
  void on_error(const rapidjson::Value &data);
  void read_usage(const rapidjson::Value &usage);
  // Moves a finished (or, at the end, partial) text/thinking block into the assistant turn.
  void close_block(Block &block, bool finished);

  std::map<uint64_t, Block> open_;  // by content block index
  std::string stop_reason_;
  bool started_ = false;
};

}  // namespace pvpd::llm
