// MCP lifecycle of one connection: JSON-RPC in, initialize/ping/logging/resources,
// tools/call dispatch, cancellation, timers and the answers (see mcp_session.h).
#include "mcp_session.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <random>
#include <set>

#include "session_util.h"
#include "tool_catalog.h"

namespace pvpd::mcp {

using namespace session_util;

McpSession::McpSession(const Settings &settings, McpSink *sink, uint64_t conn_number)
    : settings_(settings), sink_(sink), conn_number_(conn_number) {
  std::random_device rd;
  id_salt_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  tokens_ = settings_.rate_burst;
}

bool McpSession::rate_allows(uint64_t now_ms) {
  if (settings_.rate_burst <= 0 || settings_.rate_per_second <= 0) {
    return true;
  }
  if (now_ms > refill_ms_) {
    tokens_ = std::min(settings_.rate_burst, tokens_ + static_cast<double>(now_ms - refill_ms_) /
                                                           1000.0 * settings_.rate_per_second);
  }
  refill_ms_ = now_ms;
  if (tokens_ < 1) {
    return false;
  }
  tokens_ -= 1;
  return true;
}

void McpSession::reject_oversized(std::size_t size) {
  sink_->to_client(rpc_error("null", rpc_code::kInvalidRequest,
                             "Invalid Request: message of " + std::to_string(size) +
                                 " bytes exceeds the limit of " +
                                 std::to_string(settings_.max_line)));
}

void McpSession::handle_line(std::string_view line, uint64_t now_ms) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  if (line.empty()) {
    return;  // blank lines are framing noise, not messages
  }
  bool first = std::exchange(first_line_, false);
  if (!rate_allows(now_ms)) {
    RpcMessage m;
    RpcError e;
    if (parse_rpc(line, &m, &e) && m.kind == RpcKind::kRequest) {
      sink_->to_client(
          rpc_error(m.id_json, rpc_code::kRateLimited, "Rate limit exceeded; slow down and retry"));
    }
    return;
  }
  RpcMessage msg;
  RpcError err;
  if (!parse_rpc(line, &msg, &err)) {
    if (first && msg.doc.IsObject() && msg.doc.HasMember("pvp_mcp_bridge")) {
      handle_bridge_hello(msg.doc, now_ms);
      return;
    }
    sink_->to_client(rpc_error(err.id_json, err.code, err.message));
    return;
  }
  switch (msg.kind) {
    case RpcKind::kResponse: return;  // the server sends no requests, so nothing is awaited
    case RpcKind::kNotification: handle_notification(msg); return;
    case RpcKind::kRequest: handle_request(msg, now_ms); return;
  }
}

void McpSession::handle_notification(const RpcMessage &msg) {
  if (msg.method == "notifications/initialized") {
    ready_ = initialized_;
  } else if (msg.method == "notifications/cancelled") {
    if (msg.params == nullptr) {
      return;
    }
    const Value *rid = find(*msg.params, "requestId");
    if (rid == nullptr || !(rid->IsString() || rid->IsInt64() || rid->IsUint64())) {
      return;
    }
    std::string id = to_json(*rid);
    // The spec: stop, and do not answer. The gate itself stays open in the session.
    pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                  [&id](const Wait &w) { return w.rpc_id == id; }),
                   pending_.end());
  }
  // Other notifications (roots/list_changed, progress, unknown ones) need nothing from us.
}

void McpSession::handle_request(RpcMessage &msg, uint64_t now_ms) {
  const std::string &m = msg.method;
  const std::string &id = msg.id_json;
  if (m == "initialize") {
    do_initialize(msg);
    return;
  }
  if (m == "ping") {
    sink_->to_client(rpc_result_raw(id, "{}"));
    return;
  }
  static const std::set<std::string, std::less<>> kKnown = {"tools/list",
                                                            "tools/call",
                                                            "resources/list",
                                                            "resources/read",
                                                            "resources/templates/list",
                                                            "logging/setLevel"};
  if (kKnown.count(m) == 0) {
    // server/discover lands here too: a legacy-era server, so dual-era clients fall back.
    sink_->to_client(rpc_error(id, rpc_code::kMethodNotFound, "Method not found: " + m));
    return;
  }
  if (msg.params != nullptr && !msg.params->IsObject()) {
    sink_->to_client(rpc_error(id, rpc_code::kInvalidParams, "Invalid params: expected an object"));
    return;
  }
  if (m == "tools/list") {
    std::string result = "{\"tools\":";
    result.append(tool_catalog_json()).append("}");
    sink_->to_client(rpc_result_raw(id, result));
    return;
  }
  if (!initialized_) {
    sink_->to_client(
        rpc_error(id, rpc_code::kInvalidRequest, "Invalid Request: send initialize first"));
    return;
  }
  if (m == "tools/call") {
    do_tools_call(msg, now_ms);
  } else if (m == "resources/list") {
    rapidjson::Document r(rapidjson::kObjectType);
    auto &a = r.GetAllocator();
    Value list(rapidjson::kArrayType);
    if (!session_.empty()) {
      Value res(rapidjson::kObjectType);
      res.AddMember("uri", json_string("pvp://session/" + session_ + "/messages", a), a);
      res.AddMember("name", json_string("Session " + session_ + " messages", a), a);
      res.AddMember("description",
                    "The PVP messages this connection received and still buffers, oldest first.",
                    a);
      res.AddMember("mimeType", "application/json", a);
      list.PushBack(res, a);
    }
    r.AddMember("resources", list, a);
    sink_->to_client(rpc_result(id, r));
  } else if (m == "resources/templates/list") {
    sink_->to_client(rpc_result_raw(id, "{\"resourceTemplates\":[]}"));
  } else if (m == "resources/read") {
    do_resources_read(msg);
  } else if (m == "logging/setLevel") {
    static const std::set<std::string, std::less<>> kLevels = {
        "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
    std::string level = msg.params == nullptr ? std::string() : str_of(*msg.params, "level");
    if (kLevels.count(level) == 0) {
      sink_->to_client(rpc_error(id, rpc_code::kInvalidParams,
                                 "Invalid params: level must be a syslog level name"));
      return;
    }
    log_level_ = level;
    sink_->to_client(rpc_result_raw(id, "{}"));
  }
}

void McpSession::do_initialize(const RpcMessage &msg) {
  const std::string &id = msg.id_json;
  if (initialized_) {
    sink_->to_client(
        rpc_error(id, rpc_code::kInvalidRequest, "Invalid Request: already initialized"));
    return;
  }
  const Value *version = msg.params == nullptr ? nullptr : find(*msg.params, "protocolVersion");
  if (version == nullptr || !version->IsString()) {
    sink_->to_client(rpc_error(id, rpc_code::kInvalidParams,
                               "Invalid params: protocolVersion (string) is required"));
    return;
  }
  // Echo a version we support, else answer our latest (the client decides whether to stay).
  protocol_version_ = std::string(kProtocolVersions[0]);
  for (std::string_view v : kProtocolVersions) {
    if (v == sv(*version)) {
      protocol_version_ = std::string(v);
    }
  }
  bool client_channel = false;
  if (const Value *caps = find(*msg.params, "capabilities")) {
    if (const Value *exp = find(*caps, "experimental")) {
      client_channel = find(*exp, "claude/channel") != nullptr;
    }
  }
  push_ =
      settings_.push == PushMode::kAlways || (settings_.push == PushMode::kAuto && client_channel);

  rapidjson::Document r(rapidjson::kObjectType);
  auto &a = r.GetAllocator();
  r.AddMember("protocolVersion", json_string(protocol_version_, a), a);
  Value caps(rapidjson::kObjectType);
  Value tools(rapidjson::kObjectType);
  tools.AddMember("listChanged", false, a);
  caps.AddMember("tools", tools, a);
  caps.AddMember("logging", Value(rapidjson::kObjectType), a);
  Value resources(rapidjson::kObjectType);
  resources.AddMember("subscribe", false, a);
  resources.AddMember("listChanged", false, a);
  caps.AddMember("resources", resources, a);
  if (settings_.push != PushMode::kNever) {
    Value exp(rapidjson::kObjectType);
    exp.AddMember("claude/channel", Value(rapidjson::kObjectType), a);
    caps.AddMember("experimental", exp, a);
  }
  r.AddMember("capabilities", caps, a);
  Value info(rapidjson::kObjectType);
  info.AddMember("name", "pvpd-mcp-stdio", a);
  info.AddMember("title", "pvpd (Pair Vibecoding Protocol)", a);
  info.AddMember("version", "0.1.0", a);
  r.AddMember("serverInfo", info, a);
  r.AddMember("instructions", json_string(server_instructions(), a), a);
  initialized_ = true;
  sink_->to_client(rpc_result(id, r));
}

void McpSession::do_tools_call(const RpcMessage &msg, uint64_t now_ms) {
  const std::string &id = msg.id_json;
  std::string name = msg.params == nullptr ? std::string() : str_of(*msg.params, "name");
  if (name.empty()) {
    sink_->to_client(rpc_error(id, rpc_code::kInvalidParams, "Invalid params: name is required"));
    return;
  }
  if (!is_known_tool(name)) {
    sink_->to_client(rpc_error(id, rpc_code::kInvalidParams, "Unknown tool: " + name));
    return;
  }
  static const Value kEmpty(rapidjson::kObjectType);
  const Value *args = find(*msg.params, "arguments");
  if (args == nullptr) {
    args = &kEmpty;
  } else if (!args->IsObject()) {
    sink_->to_client(
        rpc_error(id, rpc_code::kInvalidParams, "Invalid params: arguments must be an object"));
    return;
  }
  dispatch_tool(name, id, *args, now_ms);
  const Value *meta = find(*msg.params, "_meta");
  const Value *token = meta == nullptr ? nullptr : find(*meta, "progressToken");
  if (token != nullptr && (token->IsString() || token->IsInt64() || token->IsUint64())) {
    for (Wait &w : pending_) {
      if (w.rpc_id == id && w.progress_token.empty()) {
        w.progress_token = to_json(*token);
        w.next_progress = now_ms + kProgressIntervalMs;
      }
    }
  }
}

void McpSession::dispatch_tool(const std::string &name, const std::string &id,
                               const rapidjson::Value &args_value, uint64_t now_ms) {
  const Value *args = &args_value;
  if (name == "pvp_join") {
    tool_join(id, *args, now_ms);
    return;
  }
  if (name == "pvp_read_messages") {
    tool_read(id, *args, now_ms);
    return;
  }
  if (name == "pvp_session_status") {
    tool_status(id);
    return;
  }
  if (join_state_ != JoinState::kJoined) {
    if (name == "pvp_permission") {
      Wait w;
      w.rpc_id = id;
      std::string input = find(*args, "input") != nullptr ? to_json(*find(*args, "input")) : "{}";
      w.input_json = input;
      reply_permission(
          w, false,
          "This agent is not in a PVP session, so nobody can approve the action" +
              (join_error_.empty() ? std::string() : " (join failed: " + join_error_ + ")"));
      return;
    }
    reply_text(
        id,
        "Not joined to a PVP session: call pvp_join first" +
            (join_error_.empty() ? std::string() : " (last join failed: " + join_error_ + ")"),
        true);
    return;
  }
  if (name == "pvp_leave") {
    tool_leave(id, *args);
  } else if (name == "pvp_respond") {
    tool_respond(id, *args, now_ms);
  } else if (name == "pvp_add_context") {
    tool_add_context(id, *args, now_ms);
  } else if (name == "pvp_prompt") {
    tool_prompt(id, *args, now_ms);
  } else if (name == "pvp_vote_gate") {
    tool_vote(id, *args, now_ms);
  } else if (name == "pvp_interrupt") {
    tool_interrupt(id, *args, now_ms);
  } else if (name == "pvp_permission") {
    tool_permission(id, *args, now_ms);
  }
}

void McpSession::do_resources_read(const RpcMessage &msg) {
  const std::string &id = msg.id_json;
  std::string uri = msg.params == nullptr ? std::string() : str_of(*msg.params, "uri");
  if (session_.empty() || uri != "pvp://session/" + session_ + "/messages") {
    sink_->to_client(rpc_error(id, rpc_code::kInvalidParams, "Resource not found: " + uri));
    return;
  }
  std::string text = "[";
  for (const Entry &e : inbox_) {
    text.append(text.size() > 1 ? "," : "").append(e.json);
  }
  text.append("]");
  rapidjson::Document r(rapidjson::kObjectType);
  auto &a = r.GetAllocator();
  Value contents(rapidjson::kArrayType);
  Value c(rapidjson::kObjectType);
  c.AddMember("uri", json_string(uri, a), a);
  c.AddMember("mimeType", "application/json", a);
  c.AddMember("text", json_string(text, a), a);
  contents.PushBack(c, a);
  r.AddMember("contents", contents, a);
  sink_->to_client(rpc_result(id, r));
}

void McpSession::handle_bridge_hello(const rapidjson::Value &hello, uint64_t now_ms) {
  // The bridge's optional first line: join on the agent's behalf (pvp-mcp --session ...).
  if (str_of(hello, "session").empty()) {
    return;
  }
  std::string error;
  if (!send_join(hello, &error)) {
    join_error_ = error;
    return;
  }
  Wait w;
  w.kind = WaitKind::kJoin;
  w.msg_id = join_msg_id_;
  w.deadline = now_ms + settings_.join_timeout_ms;
  pending_.push_back(std::move(w));
}

void McpSession::tick(uint64_t now_ms) {
  std::vector<Wait> keep;
  std::vector<Wait> waits;
  waits.swap(pending_);
  for (Wait &w : waits) {
    if (w.deadline > now_ms) {
      if (w.next_progress <= now_ms) {
        send_progress(w, now_ms);
      }
      keep.push_back(std::move(w));
      continue;
    }
    switch (w.kind) {
      case WaitKind::kRead: answer_read(w, true); break;
      case WaitKind::kJoin:
        join_state_ = JoinState::kNone;
        join_error_ = "no answer from the session in time";
        if (!w.rpc_id.empty()) {
          reply_text(w.rpc_id, "The join was not confirmed in time; try again", true);
        }
        break;
      case WaitKind::kAck: reply_text(w.rpc_id, w.ok_text + " (sent; no confirmation yet)"); break;
      case WaitKind::kPermission:
        reply_permission(w, false, "No decision within the permission timeout");
        break;
    }
  }
  for (Wait &w : pending_) {
    keep.push_back(std::move(w));
  }
  pending_.swap(keep);
}

uint64_t McpSession::next_deadline() const {
  uint64_t d = kNoDeadline;
  for (const Wait &w : pending_) {
    d = std::min({d, w.deadline, w.next_progress});
  }
  return d;
}

void McpSession::send_progress(Wait &w, uint64_t now_ms) {
  w.next_progress = now_ms + kProgressIntervalMs;
  rapidjson::Document p(rapidjson::kObjectType);
  auto &a = p.GetAllocator();
  rapidjson::Document token;
  token.Parse(w.progress_token.c_str(), w.progress_token.size());
  Value t;
  t.CopyFrom(token, a);
  p.AddMember("progressToken", t, a);
  p.AddMember("progress", ++w.progress, a);
  p.AddMember("message",
              rapidjson::StringRef(w.kind == WaitKind::kPermission
                                       ? "waiting for the session to approve or reject"
                                       : "waiting for the session"),
              a);
  sink_->to_client(rpc_notification("notifications/progress", p));
}

void McpSession::close() {
  pending_.clear();
}

void McpSession::reply_text(const std::string &rpc_id, std::string_view text, bool is_error) {
  if (rpc_id.empty()) {
    return;
  }
  rapidjson::Document r(rapidjson::kObjectType);
  auto &a = r.GetAllocator();
  Value content(rapidjson::kArrayType);
  Value block(rapidjson::kObjectType);
  block.AddMember("type", "text", a);
  block.AddMember("text", json_string(text, a), a);
  content.PushBack(block, a);
  r.AddMember("content", content, a);
  if (is_error) {
    r.AddMember("isError", true, a);
  }
  sink_->to_client(rpc_result(rpc_id, r));
}

void McpSession::reply_permission(const Wait &w, bool allow, const std::string &message) {
  // Claude Code's --permission-prompt-tool contract: the first text block is JSON
  // {"behavior":"allow","updatedInput":{...}} or {"behavior":"deny","message":"..."}.
  rapidjson::Document d(rapidjson::kObjectType);
  auto &a = d.GetAllocator();
  d.AddMember("behavior", rapidjson::StringRef(allow ? "allow" : "deny"), a);
  if (allow) {
    rapidjson::Document input;
    input.Parse(w.input_json.c_str(), w.input_json.size());
    Value copy;
    if (!input.HasParseError() && input.IsObject()) {
      copy.CopyFrom(input, a);
    } else {
      copy.SetObject();
    }
    d.AddMember("updatedInput", copy, a);
  } else {
    d.AddMember("message", json_string(message, a), a);
  }
  std::string text = to_json(d);
  rapidjson::Document r(rapidjson::kObjectType);
  auto &ra = r.GetAllocator();
  Value content(rapidjson::kArrayType);
  Value block(rapidjson::kObjectType);
  block.AddMember("type", "text", ra);
  block.AddMember("text", json_string(text, ra), ra);
  content.PushBack(block, ra);
  r.AddMember("content", content, ra);
  Value structured;
  structured.CopyFrom(d, ra);
  if (!w.msg_id.empty()) {
    structured.AddMember("gate", json_string(w.msg_id, ra), ra);
  }
  if (allow) {
    structured.AddMember("approvals", string_array(w.approvals, ra), ra);
  }
  r.AddMember("structuredContent", structured, ra);
  sink_->to_client(rpc_result(w.rpc_id, r));
}

}  // namespace pvpd::mcp
