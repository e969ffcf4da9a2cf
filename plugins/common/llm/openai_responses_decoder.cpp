#include "llm/openai_responses_decoder.h"

#include "llm/json_util.h"

namespace pvpd::llm {
namespace {

using agent::ContentBlock;
using agent::FinishReason;

}  // namespace

void OpenAiResponsesDecoder::handle(std::string_view type, const rapidjson::Value &data) {
  if (type == "response.output_item.added") {
    on_item_added(data);
  } else if (type == "response.reasoning_summary_text.delta" ||
             type == "response.reasoning_text.delta") {
    Item *item = item_at(data, "reasoning delta");
    if (item == nullptr) {
      return;
    }
    // Summary parts are separate paragraphs; the wire does not carry the separator.
    auto summary_index = static_cast<int64_t>(json::uint_member(data, "summary_index"));
    if (item->last_summary_index >= 0 && summary_index != item->last_summary_index) {
      item->text.append("\n\n");
      emit_thinking("\n\n");
    }
    item->last_summary_index = summary_index;
    std::string_view delta = json::string_member(data, "delta");
    item->text.append(delta);
    emit_thinking(delta);
  } else if (type == "response.output_text.delta" || type == "response.refusal.delta") {
    Item *item = item_at(data, "text delta");
    if (item == nullptr) {
      return;
    }
    std::string_view delta = json::string_member(data, "delta");
    item->text.append(delta);
    emit_text(delta);
  } else if (type == "response.function_call_arguments.delta") {
    if (Item *item = item_at(data, "arguments delta")) {
      item->arguments.append(json::string_member(data, "delta"));
    }
  } else if (type == "response.function_call_arguments.done") {
    if (Item *item = item_at(data, "arguments done")) {
      if (json::member(data, "arguments") != nullptr) {
        item->arguments.assign(json::string_member(data, "arguments"));
      }
    }
  } else if (type == "response.output_item.done") {
    on_item_done(data);
  } else if (type == "response.completed" || type == "response.incomplete" ||
             type == "response.failed") {
    on_terminal(type, data);
  } else if (type == "error") {
    std::string_view code = json::string_member(data, "code");
    std::string_view message = json::string_member(data, "message");
    fail(error_code_for_provider_type(code),
         "provider error " + std::string(code.empty() ? "(no code)" : code) + ": " +
             std::string(message.empty() ? "(no message)" : message));
  }
  // response.created / in_progress / queued, *_part.added/done, *.done texts, annotations and
  // built-in tool events carry nothing new for pvpd.
}

OpenAiResponsesDecoder::Item *OpenAiResponsesDecoder::item_at(const rapidjson::Value &data,
                                                              const char *event) {
  const auto *index = json::member(data, "output_index");
  if (index == nullptr || !index->IsUint64()) {
    fail("BAD_STREAM", std::string(event) + " without output_index");
    return nullptr;
  }
  auto it = open_.find(index->GetUint64());
  if (it == open_.end()) {
    fail("BAD_STREAM", std::string(event) + " for an output item that is not open");
    return nullptr;
  }
  return &it->second;
}

void OpenAiResponsesDecoder::on_item_added(const rapidjson::Value &data) {
  const auto *index = json::member(data, "output_index");
  const auto *item = json::object_member(data, "item");
  if (index == nullptr || !index->IsUint64() || item == nullptr) {
    fail("BAD_STREAM", "output_item.added without output_index or item");
    return;
  }
  Item it;
  std::string_view kind = json::string_member(*item, "type");
  if (kind == "reasoning") {
    it.kind = Item::Kind::kReasoning;
  } else if (kind == "message") {
    it.kind = Item::Kind::kMessage;
  } else if (kind == "function_call") {
    it.kind = Item::Kind::kFunctionCall;
    it.call_id.assign(json::string_member(*item, "call_id"));
    it.name.assign(json::string_member(*item, "name"));
    it.arguments.assign(json::string_member(*item, "arguments"));
    saw_function_call_ = true;
  }
  open_.insert_or_assign(index->GetUint64(), std::move(it));
}

void OpenAiResponsesDecoder::on_item_done(const rapidjson::Value &data) {
  const auto *index = json::member(data, "output_index");
  const auto *item = json::object_member(data, "item");
  if (index == nullptr || !index->IsUint64() || item == nullptr) {
    fail("BAD_STREAM", "output_item.done without output_index or item");
    return;
  }
  Item it;
  if (auto found = open_.find(index->GetUint64()); found != open_.end()) {
    it = std::move(found->second);
    open_.erase(found);
  }
  std::string_view kind = json::string_member(*item, "type");
  ContentBlock block;
  block.opaque = json::write(*item);
  if (kind == "reasoning") {
    block.kind = ContentBlock::Kind::kThinking;
    block.text = std::move(it.text);
    result_.assistant.blocks.push_back(std::move(block));
  } else if (kind == "message") {
    block.kind = ContentBlock::Kind::kText;
    block.text = std::move(it.text);
    result_.assistant.blocks.push_back(std::move(block));
  } else if (kind == "function_call") {
    saw_function_call_ = true;
    // The done item is authoritative (it also covers a stream that skipped the deltas).
    std::string call_id(json::string_member(*item, "call_id"));
    std::string name(json::string_member(*item, "name"));
    std::string arguments = json::member(*item, "arguments") != nullptr
                                ? std::string(json::string_member(*item, "arguments"))
                                : it.arguments;
    emit_tool_call(call_id.empty() ? it.call_id : call_id, name.empty() ? it.name : name, arguments,
                   std::move(block.opaque));
  }
}

void OpenAiResponsesDecoder::read_usage(const rapidjson::Value &response) {
  const auto *usage = json::object_member(response, "usage");
  if (usage == nullptr) {
    return;
  }
  result_.usage.input_tokens = json::uint_member(*usage, "input_tokens");
  result_.usage.output_tokens = json::uint_member(*usage, "output_tokens");
  if (const auto *details = json::object_member(*usage, "output_tokens_details")) {
    result_.usage.thinking_tokens = json::uint_member(*details, "reasoning_tokens");
  }
}

void OpenAiResponsesDecoder::on_terminal(std::string_view type, const rapidjson::Value &data) {
  const auto *response = json::object_member(data, "response");
  if (response != nullptr) {
    read_usage(*response);
  }
  if (type == "response.failed") {
    const rapidjson::Value *error =
        response != nullptr ? json::object_member(*response, "error") : nullptr;
    std::string_view code = error != nullptr ? json::string_member(*error, "code") : "";
    std::string_view message = error != nullptr ? json::string_member(*error, "message") : "";
    fail(error_code_for_provider_type(code),
         "response failed " + std::string(code.empty() ? "(no code)" : code) + ": " +
             std::string(message.empty() ? "(no message)" : message));
    return;
  }
  if (type == "response.incomplete") {
    const rapidjson::Value *details =
        response != nullptr ? json::object_member(*response, "incomplete_details") : nullptr;
    std::string_view reason = details != nullptr ? json::string_member(*details, "reason") : "";
    set_complete(reason == "content_filter" ? FinishReason::kEndTurn : FinishReason::kMaxTokens);
    return;
  }
  set_complete(saw_function_call_ ? FinishReason::kToolUse : FinishReason::kEndTurn);
}

void OpenAiResponsesDecoder::flush_partial() {
  // Partial reasoning and text stay in the turn without opaque data (they cannot be returned
  // as items; the request builder sends text as a plain assistant message and drops the
  // reasoning); unfinished function calls are dropped.
  for (auto &[index, item] : open_) {
    ContentBlock block;
    if (item.kind == Item::Kind::kReasoning && !item.text.empty()) {
      block.kind = ContentBlock::Kind::kThinking;
    } else if (item.kind == Item::Kind::kMessage && !item.text.empty()) {
      block.kind = ContentBlock::Kind::kText;
    } else {
      continue;
    }
    block.text = std::move(item.text);
    result_.assistant.blocks.push_back(std::move(block));
  }
  open_.clear();
}

}  // namespace pvpd::llm
