// OpenAiResponsesDecoder: the OpenAI Responses API streaming format (research mcp-agents.md
// §4.2).
//
// Output items are tracked by output_index: `reasoning` items stream their summary
// (response.reasoning_summary_text.delta, or raw response.reasoning_text.delta) as thinking;
// `message` items stream response.output_text.delta (and refusal deltas) as text;
// `function_call` items collect response.function_call_arguments.delta/done and are emitted as
// one on_tool_call (id = call_id) when the item is done. response.completed gives the usage
// (reasoning tokens as thinking_tokens); response.incomplete ends with max_tokens (or the
// reason given); response.failed and `error` events fail the stream.
//
// Opaque data on the assistant turn's blocks (consumed by openai_request.h): the finished
// output item as JSON (reasoning items with encrypted_content, message and function_call items
// with their ids) so the next request can return them verbatim.
//
// THREAD / OWNERSHIP / LIFETIME: see StreamDecoder.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "llm/stream_decoder.h"

namespace pvpd::llm {

class OpenAiResponsesDecoder final : public StreamDecoder {
 public:
  using StreamDecoder::StreamDecoder;

 protected:
  void handle(std::string_view type, const rapidjson::Value &data) override;
  void flush_partial() override;
  const char *terminal_event_name() const override { return "response.completed"; }

 private:
  struct Item {
    enum class Kind { kReasoning, kMessage, kFunctionCall, kOther };
    Kind kind = Kind::kOther;
    std::string text;  // reasoning summary or message text so far
    int64_t last_summary_index = -1;
    std::string call_id, name, arguments;
  };

  Item *item_at(const rapidjson::Value &data, const char *event);
  void on_item_added(const rapidjson::Value &data);
  void on_item_done(const rapidjson::Value &data);
  void on_terminal(std::string_view type, const rapidjson::Value &data);
  void read_usage(const rapidjson::Value &response);

  std::map<uint64_t, Item> open_;  // by output_index
  bool saw_function_call_ = false;
};

}  // namespace pvpd::llm
