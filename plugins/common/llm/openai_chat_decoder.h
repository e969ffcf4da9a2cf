// OpenAiChatDecoder: the Chat Completions streaming format of OpenAI and OpenAI-compatible
// servers (vLLM, Ollama, LiteLLM, ...; research mcp-agents.md §4.1).
//
// Unnamed `data:` chunks: choices[0].delta.content (and refusal) → text; the non-standard
// delta.reasoning_content / delta.reasoning some servers send → thinking; delta.tool_calls
// fragments are accumulated by index (id and name come first, arguments in pieces) and
// emitted, in index order, once finish_reason arrives; the usage chunk
// (stream_options.include_usage) gives the token counts; `data: [DONE]` ends the stream. A
// chunk with an `error` object fails it. A clean end after finish_reason without [DONE] is
// accepted (some compatible servers omit it).
//
// No opaque data: Chat Completions has nothing to round-trip.
//
// THREAD / OWNERSHIP / LIFETIME: see StreamDecoder.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "llm/stream_decoder.h"

namespace pvpd::llm {

class OpenAiChatDecoder final : public StreamDecoder {
 public:
  using StreamDecoder::StreamDecoder;

 protected:
  void handle(std::string_view type, const rapidjson::Value &data) override;
  bool handle_raw(const SseEvent &event) override;
  void flush_partial() override;
  const char *terminal_event_name() const override { return "[DONE]"; }

 private:
  struct Call {
    std::string id, name, arguments;
  };

  void on_delta(const rapidjson::Value &delta);
  void emit_calls();

  std::string text_;
  std::string thinking_;
  std::map<uint64_t, Call> calls_;
  std::optional<agent::FinishReason> finish_;
  bool calls_emitted_ = false;
};

}  // namespace pvpd::llm
