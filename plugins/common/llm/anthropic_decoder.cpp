#include "llm/anthropic_decoder.h"

#include "llm/json_util.h"

namespace pvpd::llm {
namespace {

using agent::ContentBlock;
using agent::FinishReason;

FinishReason finish_for_stop_reason(std::string_view reason) {
  if (reason == "tool_use") {
    return FinishReason::kToolUse;
  }
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") {
    return FinishReason::kMaxTokens;
  }
  // end_turn, stop_sequence, pause_turn, refusal (the text says so) and future values.
  return FinishReason::kEndTurn;
}

}  // namespace

void AnthropicDecoder::handle(std::string_view type, const rapidjson::Value &data) {
  if (type == "message_start") {
    started_ = true;
    if (const auto *message = json::object_member(data, "message")) {
      if (const auto *usage = json::object_member(*message, "usage")) {
        read_usage(*usage);
      }
    }
  } else if (type == "content_block_start") {
    on_block_start(data);
  } else if (type == "content_block_delta") {
    on_block_delta(data);
  } else if (type == "content_block_stop") {
    on_block_stop(data);
  } else if (type == "message_delta") {
    on_message_delta(data);
  } else if (type == "message_stop") {
    if (!started_) {
      fail("BAD_STREAM", "message_stop without message_start");
      return;
    }
    set_complete(finish_for_stop_reason(stop_reason_));
  } else if (type == "error") {
    on_error(data);
  }
  // ping and unknown events: nothing to do.
}

void AnthropicDecoder::read_usage(const rapidjson::Value &usage) {
  // Cache reads and writes are input the model read too; they are reported together.
  if (json::member(usage, "input_tokens") != nullptr) {
    result_.usage.input_tokens = json::uint_member(usage, "input_tokens") +
                                 json::uint_member(usage, "cache_creation_input_tokens") +
                                 json::uint_member(usage, "cache_read_input_tokens");
  }
  if (json::member(usage, "output_tokens") != nullptr) {
    result_.usage.output_tokens = json::uint_member(usage, "output_tokens");
  }
}

void AnthropicDecoder::on_block_start(const rapidjson::Value &data) {
  const auto *index = json::member(data, "index");
  const auto *block = json::object_member(data, "content_block");
  if (index == nullptr || !index->IsUint64() || block == nullptr) {
    fail("BAD_STREAM", "content_block_start without index or content_block");
    return;
  }
  if (open_.count(index->GetUint64()) != 0) {
    fail("BAD_STREAM", "content_block_start for an index that is already open");
    return;
  }
  Block b;
  std::string_view kind = json::string_member(*block, "type");
  if (kind == "thinking") {
    b.kind = Block::Kind::kThinking;
    b.text.assign(json::string_member(*block, "thinking"));
    b.signature.assign(json::string_member(*block, "signature"));
    emit_thinking(b.text);
  } else if (kind == "redacted_thinking") {
    b.kind = Block::Kind::kRedactedThinking;
    b.opaque = json::write(*block);
  } else if (kind == "text") {
    b.kind = Block::Kind::kText;
    b.text.assign(json::string_member(*block, "text"));
    emit_text(b.text);
  } else if (kind == "tool_use") {
    b.kind = Block::Kind::kToolUse;
    b.id.assign(json::string_member(*block, "id"));
    b.name.assign(json::string_member(*block, "name"));
  }
  open_.emplace(index->GetUint64(), std::move(b));
}

void AnthropicDecoder::on_block_delta(const rapidjson::Value &data) {
  const auto *index = json::member(data, "index");
  const auto *delta = json::object_member(data, "delta");
  if (index == nullptr || !index->IsUint64() || delta == nullptr) {
    fail("BAD_STREAM", "content_block_delta without index or delta");
    return;
  }
  auto it = open_.find(index->GetUint64());
  if (it == open_.end()) {
    fail("BAD_STREAM", "content_block_delta for a block that is not open");
    return;
  }
  Block &b = it->second;
  std::string_view kind = json::string_member(*delta, "type");
  if (kind == "thinking_delta" && b.kind == Block::Kind::kThinking) {
    std::string_view text = json::string_member(*delta, "thinking");
    b.text.append(text);
    emit_thinking(text);
  } else if (kind == "signature_delta" && b.kind == Block::Kind::kThinking) {
    b.signature.append(json::string_member(*delta, "signature"));
  } else if (kind == "text_delta" && b.kind == Block::Kind::kText) {
    std::string_view text = json::string_member(*delta, "text");
    b.text.append(text);
    emit_text(text);
  } else if (kind == "input_json_delta" && b.kind == Block::Kind::kToolUse) {
    b.json.append(json::string_member(*delta, "partial_json"));
  }
  // citations_delta and future delta kinds carry nothing pvpd shows.
}

void AnthropicDecoder::close_block(Block &b, bool finished) {
  ContentBlock out;
  switch (b.kind) {
    case Block::Kind::kThinking: {
      out.kind = ContentBlock::Kind::kThinking;
      out.text = std::move(b.text);
      // Without its signature a thinking block cannot be sent back; the request builder
      // drops blocks with no opaque data.
      if (finished && !b.signature.empty()) {
        rapidjson::Document o(rapidjson::kObjectType);
        o.AddMember("type", "thinking", o.GetAllocator());
        o.AddMember("signature", json::str(b.signature, o.GetAllocator()), o.GetAllocator());
        out.opaque = json::write(o);
      }
      break;
    }
    case Block::Kind::kRedactedThinking:
      if (!finished) {
        return;
      }
      out.kind = ContentBlock::Kind::kThinking;
      out.opaque = std::move(b.opaque);
      break;
    case Block::Kind::kText:
      if (b.text.empty()) {
        return;
      }
      out.kind = ContentBlock::Kind::kText;
      out.text = std::move(b.text);
      break;
    case Block::Kind::kToolUse:
    case Block::Kind::kOther: return;  // tool_use is handled at its stop; others not kept
  }
  result_.assistant.blocks.push_back(std::move(out));
}

void AnthropicDecoder::on_block_stop(const rapidjson::Value &data) {
  const auto *index = json::member(data, "index");
  if (index == nullptr || !index->IsUint64()) {
    fail("BAD_STREAM", "content_block_stop without index");
    return;
  }
  auto it = open_.find(index->GetUint64());
  if (it == open_.end()) {
    fail("BAD_STREAM", "content_block_stop for a block that is not open");
    return;
  }
  Block b = std::move(it->second);
  open_.erase(it);
  if (b.kind == Block::Kind::kToolUse) {
    emit_tool_call(std::move(b.id), std::move(b.name), b.json, std::string());
  } else {
    close_block(b, true);
  }
}

void AnthropicDecoder::on_message_delta(const rapidjson::Value &data) {
  if (const auto *delta = json::object_member(data, "delta")) {
    std::string_view reason = json::string_member(*delta, "stop_reason");
    if (!reason.empty()) {
      stop_reason_.assign(reason);
    }
  }
  if (const auto *usage = json::object_member(data, "usage")) {
    read_usage(*usage);
  }
}

void AnthropicDecoder::on_error(const rapidjson::Value &data) {
  const rapidjson::Value *error = json::object_member(data, "error");
  std::string_view type = error != nullptr ? json::string_member(*error, "type") : "";
  std::string_view message = error != nullptr ? json::string_member(*error, "message") : "";
  fail(error_code_for_provider_type(type),
       "provider error " + std::string(type.empty() ? "(untyped)" : type) + ": " +
           std::string(message.empty() ? "(no message)" : message));
}

void AnthropicDecoder::flush_partial() {
  // Blocks still open when the stream stopped: partial text and thinking stay in the turn
  // (the humans saw them); an unfinished tool_use is dropped (its arguments are incomplete).
  for (auto &[index, block] : open_) {
    close_block(block, false);
  }
  open_.clear();
}

}  // namespace pvpd::llm
