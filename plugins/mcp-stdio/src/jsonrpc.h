// JSON-RPC 2.0 framing for MCP over a byte stream: classifies one newline-delimited message
// (request, notification, response) and builds compact replies. No MCP semantics here.
//
// THREAD: pure functions, any thread.
// OWNERSHIP: RpcMessage is a plain value owned by the caller.
// LIFETIME: RpcMessage::params points into RpcMessage::doc and lives as long as the message.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pvpd::mcp {

namespace rpc_code {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kRateLimited = -32000;  // implementation-defined range
}  // namespace rpc_code

enum class RpcKind { kRequest, kNotification, kResponse };

struct RpcMessage {
  RpcKind kind = RpcKind::kNotification;
  std::string id_json;  // the request id as compact JSON ("7", "\"a\""); "" for notifications
  std::string method;
  const rapidjson::Value *params = nullptr;  // null when absent
  rapidjson::Document doc;
};

struct RpcError {
  int code = 0;
  std::string message;
  std::string id_json = "null";  // the id to answer with (null when it could not be read)
};

// Parses and classifies one message (without its newline). False with *err filled when the
// bytes are not JSON (-32700) or not a JSON-RPC 2.0 request/notification/response (-32600).
bool parse_rpc(std::string_view line, RpcMessage *out, RpcError *err);

// Compact JSON text of a value (never contains a raw newline).
std::string to_json(const rapidjson::Value &v);

std::string rpc_result(std::string_view id_json, const rapidjson::Value &result);
std::string rpc_result_raw(std::string_view id_json, std::string_view result_json);
std::string rpc_error(std::string_view id_json, int code, std::string_view message);
std::string rpc_notification(std::string_view method, const rapidjson::Value &params);

// A RapidJSON string value copied from a view (safe for empty views with a null data()).
rapidjson::Value json_string(std::string_view s, rapidjson::Document::AllocatorType &a);

}  // namespace pvpd::mcp
