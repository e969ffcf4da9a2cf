#include "llm/request_builder.h"

#include "llm/request_json.h"

namespace pvpd::llm {

namespace request_json {

bool parse_object(std::string_view text, json::Value &out, json::Alloc &a, const std::string &what,
                  std::string *error) {
  rapidjson::Document doc;
  std::string why;
  if (!json::parse(text, doc, &why)) {
    *error = what + " is not valid JSON: " + why;
    return false;
  }
  if (!doc.IsObject()) {
    *error = what + " is not a JSON object";
    return false;
  }
  out.CopyFrom(doc, a);
  return true;
}

bool opaque_of_type(std::string_view opaque, std::string_view type, json::Value &out,
                    json::Alloc &a) {
  if (opaque.empty()) {
    return false;
  }
  rapidjson::Document doc;
  if (!json::parse(opaque, doc, nullptr) || !doc.IsObject() ||
      json::string_member(doc, "type") != type) {
    return false;
  }
  out.CopyFrom(doc, a);
  return true;
}

bool parse_schema(std::string_view schema, json::Value &out, json::Alloc &a,
                  const std::string &tool, std::string *error) {
  if (schema.empty()) {
    out.SetObject();
    out.AddMember("type", "object", a);
    out.AddMember("properties", json::Value(rapidjson::kObjectType), a);
    return true;
  }
  return parse_object(schema, out, a, "input schema of tool '" + tool + "'", error);
}

bool strict_compatible(const json::Value &schema) {
  if (!schema.IsObject()) {
    return false;
  }
  std::string_view type = json::string_member(schema, "type");
  if (type == "object") {
    const auto *additional = json::member(schema, "additionalProperties");
    if (additional == nullptr || !additional->IsBool() || additional->GetBool()) {
      return false;
    }
    const auto *properties = json::object_member(schema, "properties");
    const auto *required = json::member(schema, "required");
    size_t required_count = required != nullptr && required->IsArray() ? required->Size() : 0;
    if (properties == nullptr) {
      return required_count == 0;
    }
    for (const auto &property : properties->GetObject()) {
      bool listed = false;
      for (rapidjson::SizeType i = 0; i < required_count; ++i) {
        listed = listed || (*required)[i] == property.name;
      }
      if (!listed || !strict_compatible(property.value)) {
        return false;
      }
    }
    return true;
  }
  if (type == "array") {
    const auto *items = json::member(schema, "items");
    return items == nullptr || strict_compatible(*items);
  }
  return true;  // scalars (and schemas without a type are left to the provider)
}

}  // namespace request_json

std::string build_request(const agent::Conversation &conversation, const LlmOptions &options,
                          std::string *error) {
  switch (options.api) {
    case Api::kMessages: return build_anthropic_request(conversation, options, error);
    case Api::kResponses: return build_responses_request(conversation, options, error);
    case Api::kChat: return build_chat_request(conversation, options, error);
  }
  *error = "unknown api";
  return {};
}

}  // namespace pvpd::llm
