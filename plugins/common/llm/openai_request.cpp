// build_responses_request and build_chat_request (request_builder.h): the OpenAI bodies
// (research §4.1, §4.2).
#include "llm/json_util.h"
#include "llm/request_builder.h"
#include "llm/request_json.h"

namespace pvpd::llm {
namespace {

using agent::ContentBlock;
using agent::Turn;
using json::Alloc;
using json::Value;

bool thinking_on(const LlmOptions &o) {
  return o.thinking.mode != ThinkingOptions::Mode::kOff;
}

Value user_message(std::string_view role, std::string_view text, Alloc &a) {
  Value m(rapidjson::kObjectType);
  m.AddMember("role", json::str(role, a), a);
  m.AddMember("content", json::str(text, a), a);
  return m;
}

bool responses_tools(const agent::Conversation &c, Value &tools, Alloc &a, std::string *error) {
  tools.SetArray();
  for (const auto &tool : c.tools) {
    Value schema;
    if (!request_json::parse_schema(tool.input_schema_json, schema, a, tool.name, error)) {
      return false;
    }
    // Responses treats an absent `strict` as true, which rejects schemas with optional fields.
    bool strict = request_json::strict_compatible(schema);
    Value spec(rapidjson::kObjectType);
    spec.AddMember("type", "function", a);
    spec.AddMember("name", json::str(tool.name, a), a);
    if (!tool.description.empty()) {
      spec.AddMember("description", json::str(tool.description, a), a);
    }
    spec.AddMember("parameters", schema, a);
    spec.AddMember("strict", strict, a);
    tools.PushBack(spec, a);
  }
  return true;
}

bool responses_input(const agent::Conversation &c, Value &input, Alloc &a, std::string *error) {
  input.SetArray();
  for (const Turn &turn : c.turns) {
    if (turn.role == Turn::Role::kUser) {
      for (int pass = 0; pass < 2; ++pass) {  // tool outputs first, as the calls expect
        for (const ContentBlock &b : turn.blocks) {
          if (pass == 0 && b.kind == ContentBlock::Kind::kToolResult) {
            Value item(rapidjson::kObjectType);
            item.AddMember("type", "function_call_output", a);
            item.AddMember("call_id", json::str(b.tool_use_id, a), a);
            item.AddMember("output", json::str(b.text, a), a);
            input.PushBack(item, a);
          } else if (pass == 1 && b.kind == ContentBlock::Kind::kText && !b.text.empty()) {
            input.PushBack(user_message("user", b.text, a), a);
          }
        }
      }
      continue;
    }
    for (const ContentBlock &b : turn.blocks) {
      Value item;
      switch (b.kind) {
        case ContentBlock::Kind::kThinking:
          // Reasoning can only be returned as the item the API produced.
          if (request_json::opaque_of_type(b.opaque, "reasoning", item, a)) {
            input.PushBack(item, a);
          }
          break;
        case ContentBlock::Kind::kText:
          if (request_json::opaque_of_type(b.opaque, "message", item, a)) {
            input.PushBack(item, a);
          } else if (!b.text.empty()) {
            input.PushBack(user_message("assistant", b.text, a), a);
          }
          break;
        case ContentBlock::Kind::kToolUse:
          if (!request_json::opaque_of_type(b.opaque, "function_call", item, a)) {
            Value check;
            if (!request_json::parse_object(b.input_json.empty() ? "{}" : b.input_json, check, a,
                                            "input of tool call '" + b.tool_use_id + "'", error)) {
              return false;
            }
            item.SetObject();
            item.AddMember("type", "function_call", a);
            item.AddMember("call_id", json::str(b.tool_use_id, a), a);
            item.AddMember("name", json::str(b.tool_name, a), a);
            item.AddMember("arguments", json::str(json::write(check), a), a);
          }
          input.PushBack(item, a);
          break;
        case ContentBlock::Kind::kToolResult: break;  // only in user turns
      }
    }
  }
  return true;
}

}  // namespace

std::string build_responses_request(const agent::Conversation &conversation,
                                    const LlmOptions &options, std::string *error) {
  rapidjson::Document d(rapidjson::kObjectType);
  Alloc &a = d.GetAllocator();
  d.AddMember("model", json::str(options.model, a), a);
  d.AddMember("stream", true, a);
  // pvpd owns the transcript: nothing stored server-side, reasoning carried encrypted.
  d.AddMember("store", false, a);
  if (thinking_on(options)) {
    Value include(rapidjson::kArrayType);
    include.PushBack("reasoning.encrypted_content", a);
    d.AddMember("include", include, a);
    Value reasoning(rapidjson::kObjectType);
    if (!options.thinking.effort.empty()) {
      reasoning.AddMember("effort", json::str(options.thinking.effort, a), a);
    }
    if (!options.thinking.summary.empty()) {
      reasoning.AddMember("summary", json::str(options.thinking.summary, a), a);
    }
    d.AddMember("reasoning", reasoning, a);
  }
  if (options.max_tokens > 0) {
    d.AddMember("max_output_tokens", options.max_tokens, a);
  }
  if (!conversation.system.empty()) {
    d.AddMember("instructions", json::str(conversation.system, a), a);
  }
  Value input;
  if (!responses_input(conversation, input, a, error)) {
    return {};
  }
  d.AddMember("input", input, a);
  if (!conversation.tools.empty()) {
    Value tools;
    if (!responses_tools(conversation, tools, a, error)) {
      return {};
    }
    d.AddMember("tools", tools, a);
  }
  return json::write(d);
}

std::string build_chat_request(const agent::Conversation &conversation, const LlmOptions &options,
                               std::string *error) {
  rapidjson::Document d(rapidjson::kObjectType);
  Alloc &a = d.GetAllocator();
  d.AddMember("model", json::str(options.model, a), a);
  d.AddMember("stream", true, a);
  Value stream_options(rapidjson::kObjectType);
  stream_options.AddMember("include_usage", true, a);
  d.AddMember("stream_options", stream_options, a);
  if (thinking_on(options) && !options.thinking.effort.empty()) {
    d.AddMember("reasoning_effort", json::str(options.thinking.effort, a), a);
  }
  if (options.max_tokens > 0) {
    d.AddMember("max_completion_tokens", options.max_tokens, a);
  }
  Value messages(rapidjson::kArrayType);
  if (!conversation.system.empty()) {
    messages.PushBack(user_message(options.chat_system_role, conversation.system, a), a);
  }
  for (const Turn &turn : conversation.turns) {
    std::string text;
    for (const ContentBlock &b : turn.blocks) {
      if (b.kind == ContentBlock::Kind::kText && !b.text.empty()) {
        text += text.empty() ? "" : "\n\n";
        text += b.text;
      }
    }
    if (turn.role == Turn::Role::kUser) {
      for (const ContentBlock &b : turn.blocks) {
        if (b.kind == ContentBlock::Kind::kToolResult) {
          Value m(rapidjson::kObjectType);
          m.AddMember("role", "tool", a);
          m.AddMember("tool_call_id", json::str(b.tool_use_id, a), a);
          m.AddMember("content", json::str(b.text, a), a);
          messages.PushBack(m, a);
        }
      }
      if (!text.empty()) {
        messages.PushBack(user_message("user", text, a), a);
      }
      continue;
    }
    Value calls(rapidjson::kArrayType);
    for (const ContentBlock &b : turn.blocks) {
      if (b.kind != ContentBlock::Kind::kToolUse) {
        continue;
      }
      Value check;
      if (!request_json::parse_object(b.input_json.empty() ? "{}" : b.input_json, check, a,
                                      "input of tool call '" + b.tool_use_id + "'", error)) {
        return {};
      }
      Value function(rapidjson::kObjectType);
      function.AddMember("name", json::str(b.tool_name, a), a);
      function.AddMember("arguments", json::str(json::write(check), a), a);
      Value call(rapidjson::kObjectType);
      call.AddMember("id", json::str(b.tool_use_id, a), a);
      call.AddMember("type", "function", a);
      call.AddMember("function", function, a);
      calls.PushBack(call, a);
    }
    if (text.empty() && calls.Empty()) {
      continue;
    }
    Value m(rapidjson::kObjectType);
    m.AddMember("role", "assistant", a);
    if (text.empty()) {
      m.AddMember("content", Value(rapidjson::kNullType), a);
    } else {
      m.AddMember("content", json::str(text, a), a);
    }
    if (!calls.Empty()) {
      m.AddMember("tool_calls", calls, a);
    }
    messages.PushBack(m, a);
  }
  d.AddMember("messages", messages, a);
  if (!conversation.tools.empty()) {
    Value tools(rapidjson::kArrayType);
    for (const auto &tool : conversation.tools) {
      Value schema;
      if (!request_json::parse_schema(tool.input_schema_json, schema, a, tool.name, error)) {
        return {};
      }
      Value function(rapidjson::kObjectType);
      function.AddMember("name", json::str(tool.name, a), a);
      if (!tool.description.empty()) {
        function.AddMember("description", json::str(tool.description, a), a);
      }
      function.AddMember("parameters", schema, a);
      Value spec(rapidjson::kObjectType);
      spec.AddMember("type", "function", a);
      spec.AddMember("function", function, a);
      tools.PushBack(spec, a);
    }
    d.AddMember("tools", tools, a);
  }
  return json::write(d);
}

}  // namespace pvpd::llm
