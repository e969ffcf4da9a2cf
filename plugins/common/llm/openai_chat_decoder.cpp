#include "llm/openai_chat_decoder.h"

#include "llm/json_util.h"

namespace pvpd::llm {
namespace {

using agent::ContentBlock;
using agent::FinishReason;

FinishReason finish_for(std::string_view reason) {
  if (reason == "tool_calls" || reason == "function_call") {
    return FinishReason::kToolUse;
  }
  if (reason == "length") {
    return FinishReason::kMaxTokens;
  }
  return FinishReason::kEndTurn;  // stop, content_filter, future values
}

}  // namespace

bool OpenAiChatDecoder::handle_raw(const SseEvent &event) {
  std::string_view data = event.data;
  if (data != "[DONE]") {
    return false;
  }
  emit_calls();
  if (!failed()) {
    set_complete(
        finish_.value_or(calls_.empty() ? FinishReason::kEndTurn : FinishReason::kToolUse));
  }
  return true;
}

void OpenAiChatDecoder::handle(std::string_view type, const rapidjson::Value &data) {
  if (const auto *error = json::object_member(data, "error"); error != nullptr || type == "error") {
    std::string_view code = error != nullptr ? json::string_member(*error, "code") : "";
    if (code.empty() && error != nullptr) {
      code = json::string_member(*error, "type");
    }
    std::string_view message = error != nullptr ? json::string_member(*error, "message") : "";
    fail(error_code_for_provider_type(code),
         "provider error " + std::string(code.empty() ? "(no code)" : code) + ": " +
             std::string(message.empty() ? "(no message)" : message));
    return;
  }
  if (const auto *choices = json::member(data, "choices");
      choices != nullptr && choices->IsArray() && !choices->Empty()) {
    const rapidjson::Value &choice = (*choices)[0];
    if (const auto *delta = json::object_member(choice, "delta")) {
      on_delta(*delta);
    }
    std::string_view reason = json::string_member(choice, "finish_reason");
    if (!reason.empty() && !failed()) {
      finish_ = finish_for(reason);
      emit_calls();
    }
  }
  if (const auto *usage = json::object_member(data, "usage")) {
    result_.usage.input_tokens = json::uint_member(*usage, "prompt_tokens");
    result_.usage.output_tokens = json::uint_member(*usage, "completion_tokens");
    if (const auto *details = json::object_member(*usage, "completion_tokens_details")) {
      result_.usage.thinking_tokens = json::uint_member(*details, "reasoning_tokens");
    }
  }
}

void OpenAiChatDecoder::on_delta(const rapidjson::Value &delta) {
  for (const char *key : {"reasoning_content", "reasoning"}) {
    std::string_view thinking = json::string_member(delta, key);
    thinking_.append(thinking);
    emit_thinking(thinking);
  }
  for (const char *key : {"content", "refusal"}) {
    std::string_view text = json::string_member(delta, key);
    text_.append(text);
    emit_text(text);
  }
  const auto *tool_calls = json::member(delta, "tool_calls");
  if (tool_calls == nullptr || !tool_calls->IsArray()) {
    return;
  }
  if (calls_emitted_) {
    fail("BAD_STREAM", "tool call fragment after finish_reason");
    return;
  }
  for (const auto &fragment : tool_calls->GetArray()) {
    const auto *index = json::member(fragment, "index");
    if (index == nullptr || !index->IsUint64()) {
      fail("BAD_STREAM", "tool call fragment without index");
      return;
    }
    Call &call = calls_[index->GetUint64()];
    std::string_view id = json::string_member(fragment, "id");
    if (!id.empty()) {
      call.id.assign(id);
    }
    if (const auto *function = json::object_member(fragment, "function")) {
      std::string_view name = json::string_member(*function, "name");
      if (!name.empty()) {
        call.name.assign(name);
      }
      call.arguments.append(json::string_member(*function, "arguments"));
    }
  }
}

void OpenAiChatDecoder::emit_calls() {
  if (calls_emitted_) {
    return;
  }
  calls_emitted_ = true;
  // Text first: the assistant turn keeps the order the model produced.
  if (!thinking_.empty()) {
    ContentBlock block;
    block.kind = ContentBlock::Kind::kThinking;
    block.text = std::move(thinking_);
    result_.assistant.blocks.push_back(std::move(block));
    thinking_.clear();
  }
  if (!text_.empty()) {
    ContentBlock block;
    block.kind = ContentBlock::Kind::kText;
    block.text = std::move(text_);
    result_.assistant.blocks.push_back(std::move(block));
    text_.clear();
  }
  for (auto &[index, call] : calls_) {
    if (!emit_tool_call(std::move(call.id), std::move(call.name), call.arguments, {})) {
      return;
    }
  }
}

void OpenAiChatDecoder::flush_partial() {
  if (finish_ && !failed() && !complete()) {
    set_complete(*finish_);  // finish_reason seen, [DONE] (or the usage chunk) missing
  }
  if (calls_emitted_) {
    return;
  }
  // Interrupted or broken before finish_reason: keep the text, drop the unfinished calls.
  calls_.clear();
  emit_calls();
}

}  // namespace pvpd::llm
