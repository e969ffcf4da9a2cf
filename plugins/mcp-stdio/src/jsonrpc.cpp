// JSON-RPC 2.0 classification and reply builders (see jsonrpc.h).
#include "jsonrpc.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pvpd::mcp {
namespace {

// Iterative parsing: hostile nesting cannot exhaust the stack; UTF-8 is validated.
constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

bool valid_id(const rapidjson::Value &id) {
  // JSON-RPC allows string, number or null; MCP forbids null. Fractions are refused too.
  return id.IsString() || id.IsInt64() || id.IsUint64();
}

}  // namespace

std::string to_json(const rapidjson::Value &v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

rapidjson::Value json_string(std::string_view s, rapidjson::Document::AllocatorType &a) {
  rapidjson::Value v;
  if (s.empty()) {
    v.SetString("", 0, a);
  } else {
    v.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
  }
  return v;
}

bool parse_rpc(std::string_view line, RpcMessage *out, RpcError *err) {
  out->doc.SetNull();
  out->params = nullptr;
  out->id_json.clear();
  out->method.clear();
  if (line.empty()) {
    *err = {rpc_code::kParseError, "Parse error: empty message", "null"};
    return false;
  }
  out->doc.Parse<kParseFlags>(line.data(), line.size());
  if (out->doc.HasParseError()) {
    *err = {rpc_code::kParseError,
            std::string("Parse error: ") + rapidjson::GetParseError_En(out->doc.GetParseError()) +
                " at offset " + std::to_string(out->doc.GetErrorOffset()),
            "null"};
    return false;
  }
  const rapidjson::Value &d = out->doc;
  if (!d.IsObject()) {
    *err = {rpc_code::kInvalidRequest,
            d.IsArray() ? "Invalid Request: batches are not supported (MCP 2025-06-18 removed them)"
                        : "Invalid Request: a message must be a JSON object",
            "null"};
    return false;
  }
  auto id_it = d.FindMember("id");
  bool has_id = id_it != d.MemberEnd();
  std::string id_json = "null";
  if (has_id && valid_id(id_it->value)) {
    id_json = to_json(id_it->value);
  }
  auto ver = d.FindMember("jsonrpc");
  if (ver == d.MemberEnd() || !ver->value.IsString() ||
      std::string_view(ver->value.GetString(), ver->value.GetStringLength()) != "2.0") {
    *err = {rpc_code::kInvalidRequest, "Invalid Request: \"jsonrpc\" must be \"2.0\"", id_json};
    return false;
  }
  if (has_id && !valid_id(id_it->value)) {
    *err = {rpc_code::kInvalidRequest, "Invalid Request: \"id\" must be a string or an integer",
            "null"};
    return false;
  }
  auto method = d.FindMember("method");
  if (method == d.MemberEnd()) {
    if (has_id && (d.HasMember("result") || d.HasMember("error"))) {
      out->kind = RpcKind::kResponse;
      out->id_json = id_json;
      return true;
    }
    *err = {rpc_code::kInvalidRequest, "Invalid Request: \"method\" is missing", id_json};
    return false;
  }
  if (!method->value.IsString() || method->value.GetStringLength() == 0) {
    *err = {rpc_code::kInvalidRequest, "Invalid Request: \"method\" must be a non-empty string",
            id_json};
    return false;
  }
  auto params = d.FindMember("params");
  if (params != d.MemberEnd()) {
    if (!params->value.IsObject() && !params->value.IsArray()) {
      *err = {rpc_code::kInvalidRequest,
              "Invalid Request: \"params\" must be an object or an array", id_json};
      return false;
    }
    out->params = &params->value;
  }
  out->method.assign(method->value.GetString(), method->value.GetStringLength());
  out->kind = has_id ? RpcKind::kRequest : RpcKind::kNotification;
  out->id_json = has_id ? id_json : std::string();
  return true;
}

std::string rpc_result_raw(std::string_view id_json, std::string_view result_json) {
  std::string s;
  s.reserve(32 + id_json.size() + result_json.size());
  s.append("{\"jsonrpc\":\"2.0\",\"id\":").append(id_json).append(",\"result\":");
  s.append(result_json).append("}");
  return s;
}

std::string rpc_result(std::string_view id_json, const rapidjson::Value &result) {
  return rpc_result_raw(id_json, to_json(result));
}

std::string rpc_error(std::string_view id_json, int code, std::string_view message) {
  rapidjson::Document e(rapidjson::kObjectType);
  auto &a = e.GetAllocator();
  e.AddMember("code", code, a);
  e.AddMember("message", json_string(message, a), a);
  std::string s = "{\"jsonrpc\":\"2.0\",\"id\":";
  s.append(id_json).append(",\"error\":").append(to_json(e)).append("}");
  return s;
}

std::string rpc_notification(std::string_view method, const rapidjson::Value &params) {
  rapidjson::Document n(rapidjson::kObjectType);
  auto &a = n.GetAllocator();
  n.AddMember("jsonrpc", "2.0", a);
  n.AddMember("method", json_string(method, a), a);
  rapidjson::Value p;
  p.CopyFrom(params, a);
  n.AddMember("params", p, a);
  return to_json(n);
}

}  // namespace pvpd::mcp
