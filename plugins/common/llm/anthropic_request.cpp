// build_anthropic_request (request_builder.h): the Messages API body (research §3.1, §3.3).
#include "llm/json_util.h"
#include "llm/request_builder.h"
#include "llm/request_json.h"

namespace pvpd::llm {
namespace {

using agent::ContentBlock;
using agent::Turn;
using json::Alloc;
using json::Value;

// One block as the API wants it; false with `*error` set on bad data, false with an empty
// error when the block is left out.
bool block_json(const ContentBlock &b, Value &out, Alloc &a, std::string *error) {
  switch (b.kind) {
    case ContentBlock::Kind::kText:
      if (b.text.empty()) {
        return false;  // the API rejects empty text blocks
      }
      out.SetObject();
      out.AddMember("type", "text", a);
      out.AddMember("text", json::str(b.text, a), a);
      return true;
    case ContentBlock::Kind::kThinking: {
      Value opaque;
      if (request_json::opaque_of_type(b.opaque, "redacted_thinking", out, a)) {
        return true;
      }
      if (!request_json::opaque_of_type(b.opaque, "thinking", opaque, a)) {
        return false;  // no signature: cannot be returned
      }
      out.SetObject();
      out.AddMember("type", "thinking", a);
      out.AddMember("thinking", json::str(b.text, a), a);
      out.AddMember("signature", json::str(json::string_member(opaque, "signature"), a), a);
      return true;
    }
    case ContentBlock::Kind::kToolUse: {
      Value input;
      if (!request_json::parse_object(b.input_json.empty() ? "{}" : b.input_json, input, a,
                                      "input of tool call '" + b.tool_use_id + "'", error)) {
        return false;
      }
      out.SetObject();
      out.AddMember("type", "tool_use", a);
      out.AddMember("id", json::str(b.tool_use_id, a), a);
      out.AddMember("name", json::str(b.tool_name, a), a);
      out.AddMember("input", input, a);
      return true;
    }
    case ContentBlock::Kind::kToolResult:
      out.SetObject();
      out.AddMember("type", "tool_result", a);
      out.AddMember("tool_use_id", json::str(b.tool_use_id, a), a);
      out.AddMember("content", json::str(b.text, a), a);
      out.AddMember("is_error", b.is_error, a);
      return true;
  }
  return false;
}

}  // namespace

std::string build_anthropic_request(const agent::Conversation &conversation,
                                    const LlmOptions &options, std::string *error) {
  rapidjson::Document d(rapidjson::kObjectType);
  Alloc &a = d.GetAllocator();
  d.AddMember("model", json::str(options.model, a), a);
  d.AddMember("max_tokens", options.max_tokens, a);
  d.AddMember("stream", true, a);
  const ThinkingOptions &t = options.thinking;
  if (t.mode == ThinkingOptions::Mode::kAdaptive) {
    Value thinking(rapidjson::kObjectType);
    thinking.AddMember("type", "adaptive", a);
    if (!t.display.empty()) {
      thinking.AddMember("display", json::str(t.display, a), a);
    }
    d.AddMember("thinking", thinking, a);
    if (!t.effort.empty()) {
      Value output_config(rapidjson::kObjectType);
      output_config.AddMember("effort", json::str(t.effort, a), a);
      d.AddMember("output_config", output_config, a);
    }
  } else if (t.mode == ThinkingOptions::Mode::kBudget) {
    Value thinking(rapidjson::kObjectType);
    thinking.AddMember("type", "enabled", a);
    thinking.AddMember("budget_tokens", t.budget_tokens, a);
    d.AddMember("thinking", thinking, a);
  }
  if (!conversation.system.empty()) {
    d.AddMember("system", json::str(conversation.system, a), a);
  }
  if (!conversation.tools.empty()) {
    Value tools(rapidjson::kArrayType);
    for (const auto &tool : conversation.tools) {
      Value schema;
      if (!request_json::parse_schema(tool.input_schema_json, schema, a, tool.name, error)) {
        return {};
      }
      Value spec(rapidjson::kObjectType);
      spec.AddMember("name", json::str(tool.name, a), a);
      if (!tool.description.empty()) {
        spec.AddMember("description", json::str(tool.description, a), a);
      }
      spec.AddMember("input_schema", schema, a);
      tools.PushBack(spec, a);
    }
    d.AddMember("tools", tools, a);
  }
  Value messages(rapidjson::kArrayType);
  for (const Turn &turn : conversation.turns) {
    bool user = turn.role == Turn::Role::kUser;
    Value message(rapidjson::kObjectType);
    message.AddMember("role", rapidjson::StringRef(user ? "user" : "assistant"), a);
    if (user && turn.blocks.size() == 1 && turn.blocks[0].kind == ContentBlock::Kind::kText) {
      if (turn.blocks[0].text.empty()) {
        continue;
      }
      message.AddMember("content", json::str(turn.blocks[0].text, a), a);
      messages.PushBack(message, a);
      continue;
    }
    Value content(rapidjson::kArrayType);
    // Tool results must open a user message; the rest keeps its order.
    for (int pass = 0; pass < 2; ++pass) {
      for (const ContentBlock &b : turn.blocks) {
        bool result = b.kind == ContentBlock::Kind::kToolResult;
        if ((pass == 0) != result) {
          continue;
        }
        Value block;
        error->clear();
        if (block_json(b, block, a, error)) {
          content.PushBack(block, a);
        } else if (!error->empty()) {
          return {};
        }
      }
    }
    if (content.Empty()) {
      continue;
    }
    message.AddMember("content", content, a);
    messages.PushBack(message, a);
  }
  d.AddMember("messages", messages, a);
  return json::write(d);
}

}  // namespace pvpd::llm
