#include "llm/stream_decoder.h"

#include "llm/anthropic_decoder.h"
#include "llm/json_util.h"
#include "llm/openai_chat_decoder.h"
#include "llm/openai_responses_decoder.h"

namespace pvpd::llm {

void StreamDecoder::on_event(const SseEvent &event) {
  if (failed() || complete_) {
    return;
  }
  if (handle_raw(event)) {
    return;
  }
  rapidjson::Document doc;
  std::string error;
  if (!json::parse(event.data, doc, &error)) {
    fail("BAD_STREAM", "malformed JSON in '" + event.type + "' event: " + error);
    return;
  }
  if (!doc.IsObject()) {
    fail("BAD_STREAM", "'" + event.type + "' event data is not a JSON object");
    return;
  }
  std::string_view type = json::string_member(doc, "type");
  handle(type.empty() ? std::string_view(event.type) : type, doc);
}

void StreamDecoder::fail(std::string code, std::string message) {
  if (!failed()) {
    error_code_ = std::move(code);
    error_message_ = std::move(message);
  }
}

agent::GenerationResult StreamDecoder::finish(const StreamEnd &end) {
  flush_partial();
  agent::GenerationResult result = std::move(result_);
  result.assistant.role = agent::Turn::Role::kAssistant;
  if (end.kind == StreamEnd::Kind::kCancelled) {
    result.finish = agent::FinishReason::kInterrupted;
    return result;
  }
  if (failed()) {
    result.finish = agent::FinishReason::kError;
    result.error_code = error_code_;
    result.error_message = error_message_;
    return result;
  }
  if (complete_) {
    return result;
  }
  result.finish = agent::FinishReason::kError;
  if (end.kind == StreamEnd::Kind::kTransportError) {
    result.error_code = end.code;
    result.error_message = "stream broke: " + end.message;
  } else {
    result.error_code = "BAD_STREAM";
    result.error_message =
        std::string("stream ended before its '") + terminal_event_name() + "' event";
  }
  return result;
}

void StreamDecoder::emit_thinking(std::string_view text) {
  if (text.empty()) {
    return;
  }
  emitted_ = true;
  sink_.on_thinking_delta(text);
}

void StreamDecoder::emit_text(std::string_view text) {
  if (text.empty()) {
    return;
  }
  emitted_ = true;
  sink_.on_text_delta(text);
}

bool StreamDecoder::emit_tool_call(std::string id, std::string name, std::string_view input_json,
                                   std::string opaque) {
  std::string normalized = "{}";
  size_t first = input_json.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos) {
    rapidjson::Document doc;
    std::string error;
    if (!json::parse(input_json, doc, &error)) {
      fail("BAD_STREAM", "tool call '" + name + "' arguments are not valid JSON: " + error);
      return false;
    }
    if (!doc.IsObject()) {
      fail("BAD_STREAM", "tool call '" + name + "' arguments are not a JSON object");
      return false;
    }
    normalized = json::write(doc);
  }
  if (id.empty() || name.empty()) {
    fail("BAD_STREAM", "tool call without id or name");
    return false;
  }
  agent::ContentBlock block;
  block.kind = agent::ContentBlock::Kind::kToolUse;
  block.tool_use_id = std::move(id);
  block.tool_name = std::move(name);
  block.input_json = std::move(normalized);
  block.opaque = std::move(opaque);
  result_.assistant.blocks.push_back(block);
  agent::ToolCallRequest call{block.tool_use_id, block.tool_name, block.input_json};
  emitted_ = true;
  sink_.on_tool_call(call);
  return true;
}

void StreamDecoder::set_complete(agent::FinishReason finish) {
  complete_ = true;
  result_.finish = finish;
}

std::unique_ptr<StreamDecoder> make_decoder(Api api, agent::BrainSink &sink) {
  switch (api) {
    case Api::kMessages: return std::make_unique<AnthropicDecoder>(sink);
    case Api::kResponses: return std::make_unique<OpenAiResponsesDecoder>(sink);
    case Api::kChat: return std::make_unique<OpenAiChatDecoder>(sink);
  }
  return nullptr;
}

bool feed_stream(SseParser &parser, StreamDecoder &decoder, std::string_view bytes) {
  if (decoder.failed() || decoder.complete()) {
    return false;
  }
  bool ok = parser.feed(bytes, [&decoder](const SseEvent &event) { decoder.on_event(event); });
  if (!ok) {
    decoder.fail("BAD_STREAM", "unreadable event stream: " + parser.error());
  }
  return !decoder.failed() && !decoder.complete();
}

std::string error_code_for_provider_type(std::string_view type) {
  if (type == "overloaded_error" || type == "server_is_overloaded" || type == "overloaded") {
    return "OVERLOADED";
  }
  if (type == "rate_limit_error" || type == "rate_limit_exceeded" || type == "insufficient_quota") {
    return "RATE_LIMITED";
  }
  if (type == "authentication_error" || type == "permission_error" || type == "invalid_api_key") {
    return "AUTH";
  }
  if (type == "invalid_request_error" || type == "not_found_error" || type == "request_too_large" ||
      type == "context_length_exceeded") {
    return "INVALID_REQUEST";
  }
  return "PROVIDER_ERROR";
}

}  // namespace pvpd::llm
