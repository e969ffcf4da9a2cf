// Fuzz target: provider stream bytes → SSE parser → each stream decoder (Anthropic Messages,
// OpenAI Responses, OpenAI Chat), fed in two pieces split where the first byte says, then the
// recorded assistant turn through the matching request builder (the round trip the agent does).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "llm/request_builder.h"
#include "llm/sse_parser.h"
#include "llm/stream_decoder.h"

namespace {

class NullSink final : public pvpd::agent::BrainSink {
 public:
  void on_thinking_delta(std::string_view text) override { bytes += text.size(); }
  void on_text_delta(std::string_view text) override { bytes += text.size(); }
  void on_tool_call(const pvpd::agent::ToolCallRequest &call) override {
    // Emitted arguments are always a JSON object.
    if (call.input_json.empty() || call.input_json.front() != '{') {
      __builtin_trap();
    }
  }
  void on_done(pvpd::agent::GenerationResult) override {}
  size_t bytes = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) {
    return 0;
  }
  size_t cut = data[0] % size;
  std::string_view input(reinterpret_cast<const char *>(data) + 1, size - 1);
  cut = cut > input.size() ? input.size() : cut;
  for (pvpd::llm::Api api :
       {pvpd::llm::Api::kMessages, pvpd::llm::Api::kResponses, pvpd::llm::Api::kChat}) {
    NullSink sink;
    pvpd::llm::SseLimits limits;
    limits.max_line_bytes = 4096;
    limits.max_data_bytes = 8192;
    pvpd::llm::SseParser parser(limits);
    auto decoder = pvpd::llm::make_decoder(api, sink);
    pvpd::llm::feed_stream(parser, *decoder, input.substr(0, cut));
    pvpd::llm::feed_stream(parser, *decoder, input.substr(cut));
    parser.finish();
    pvpd::agent::GenerationResult result = decoder->finish(pvpd::llm::StreamEnd{});
    pvpd::agent::Conversation conversation;
    conversation.turns.push_back(result.assistant);
    pvpd::llm::LlmOptions options;
    options.api = api;
    options.model = "m";
    std::string error;
    std::string body = pvpd::llm::build_request(conversation, options, &error);
    if (body.empty() && error.empty()) {
      __builtin_trap();  // a failure must say why
    }
  }
  return 0;
}
