// MCP lifecycle and pvp_* tools for one connection (see mcp_session.h).
#include "mcp_session.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "tool_catalog.h"

namespace pvpd::mcp {
namespace {

using Value = rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

std::string_view sv(const Value &v) {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}

std::string str_of(const Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return std::string();
  }
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? std::string(sv(it->value)) : std::string();
}

const Value *find(const Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return nullptr;
  }
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

// Tool-argument checks. Problems become isError results the model can read and correct.
class Args {
 public:
  explicit Args(const Value &v) : v_(v) {}
  std::string error;

  bool str(const char *key, std::string *out, bool required, std::size_t max = 1 << 20) {
    const Value *x = find(v_, key);
    if (x == nullptr) {
      if (required) {
        fail(std::string("missing required argument \"") + key + "\"");
      }
      return !required;
    }
    if (!x->IsString() || (required && x->GetStringLength() == 0) || x->GetStringLength() > max) {
      fail(std::string("argument \"") + key + "\" must be a " + (required ? "non-empty " : "") +
           "string of at most " + std::to_string(max) + " bytes");
      return false;
    }
    *out = std::string(sv(*x));
    return true;
  }
  bool strings(const char *key, std::vector<std::string> *out) {
    const Value *x = find(v_, key);
    if (x == nullptr) {
      return true;
    }
    if (!x->IsArray()) {
      fail(std::string("argument \"") + key + "\" must be an array of strings");
      return false;
    }
    out->clear();
    for (const auto &s : x->GetArray()) {
      if (!s.IsString()) {
        fail(std::string("argument \"") + key + "\" must be an array of strings");
        return false;
      }
      out->emplace_back(sv(s));
    }
    return true;
  }
  bool number(const char *key, double *out, double lo, double hi) {
    const Value *x = find(v_, key);
    if (x == nullptr) {
      return true;
    }
    if (!x->IsNumber() || !std::isfinite(x->GetDouble()) || x->GetDouble() < lo ||
        x->GetDouble() > hi) {
      fail(std::string("argument \"") + key + "\" must be a number from " +
           std::to_string(static_cast<long long>(lo)) + " to " +
           std::to_string(static_cast<long long>(hi)));
      return false;
    }
    *out = x->GetDouble();
    return true;
  }
  bool boolean(const char *key, bool *out) {
    const Value *x = find(v_, key);
    if (x == nullptr) {
      return true;
    }
    if (!x->IsBool()) {
      fail(std::string("argument \"") + key + "\" must be true or false");
      return false;
    }
    *out = x->GetBool();
    return true;
  }
  bool choice(const char *key, std::string *out, std::initializer_list<std::string_view> set) {
    std::string v;
    if (!str(key, &v, false)) {
      return false;
    }
    if (find(v_, key) == nullptr) {
      return true;
    }
    if (std::find(set.begin(), set.end(), v) == set.end()) {
      std::string list;
      for (std::string_view s : set) {
        list += (list.empty() ? "" : ", ") + std::string(s);
      }
      fail(std::string("argument \"") + key + "\" must be one of " + list);
      return false;
    }
    *out = v;
    return true;
  }

 private:
  void fail(std::string m) {
    if (error.empty()) {
      error = std::move(m);
    }
  }
  const Value &v_;
};

Value string_array(const std::vector<std::string> &items, Alloc &a) {
  Value arr(rapidjson::kArrayType);
  for (const auto &s : items) {
    arr.PushBack(json_string(s, a), a);
  }
  return arr;
}

// Participant ids are 1..128 bytes; keep generated ones readable and bounded.
std::string sanitize_id(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (out.size() >= 48) {
      break;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '-');
  }
  return out.empty() ? std::string("agent") : out;
}

std::string preview(std::string_view s, std::size_t max) {
  if (s.size() <= max) {
    return std::string(s);
  }
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
    --cut;  // never split a UTF-8 sequence
  }
  return std::string(s.substr(0, cut)) + "...";
}

}  // namespace

McpSession::McpSession(const Settings &settings, McpSink *sink, uint64_t conn_number)
    : settings_(settings), sink_(sink), conn_number_(conn_number) {
  std::random_device rd;
  id_salt_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  tokens_ = settings_.rate_burst;
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC in
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------------------------

bool McpSession::send_join(const rapidjson::Value &args, std::string *error) {
  Args in(args);
  std::string session, name, pid, type = "agent", token;
  std::vector<std::string> roles = settings_.default_roles, caps;
  double resume = -1;
  in.str("session", &session, true, 128);
  in.str("name", &name, false, 200);
  in.str("participant_id", &pid, false, 64);
  in.strings("roles", &roles);
  in.strings("capabilities", &caps);
  in.choice("type", &type, {"agent", "human"});
  in.str("token", &token, false);
  in.number("resume_from", &resume, 0, 9007199254740991.0);
  if (!in.error.empty()) {
    *error = in.error;
    return false;
  }
  if (join_state_ != JoinState::kNone && !session_.empty() && session != session_) {
    *error = "already in session " + session_ + "; call pvp_leave first";
    return false;
  }
  if (name.empty()) {
    name = pid.empty() ? std::string("Claude") : pid;
  }
  if (pid.empty()) {
    pid = me_.empty() ? sanitize_id(name) + "-" + std::to_string(conn_number_) : me_;
  }
  rapidjson::Document f(rapidjson::kObjectType);
  auto &a = f.GetAllocator();
  join_msg_id_ = new_id("join");
  f.AddMember("v", 1, a);
  f.AddMember("type", "session.join", a);
  f.AddMember("id", json_string(join_msg_id_, a), a);
  f.AddMember("session", json_string(session, a), a);
  f.AddMember("sender", json_string(pid, a), a);
  Value p(rapidjson::kObjectType);
  Value part(rapidjson::kObjectType);
  part.AddMember("id", json_string(pid, a), a);
  part.AddMember("name", json_string(name, a), a);
  part.AddMember("type", json_string(type, a), a);
  part.AddMember("roles", string_array(roles, a), a);
  if (!caps.empty()) {
    part.AddMember("capabilities", string_array(caps, a), a);
  }
  part.AddMember("transport", "mcp", a);
  if (resume >= 0) {
    Value meta(rapidjson::kObjectType);
    meta.AddMember("resume_from", static_cast<uint64_t>(resume), a);
    part.AddMember("metadata", meta, a);
  }
  p.AddMember("participant", part, a);
  Value versions(rapidjson::kArrayType);
  versions.PushBack(1, a);
  p.AddMember("supported_versions", versions, a);
  if (!token.empty()) {
    p.AddMember("token", json_string(token, a), a);  // never logged; the core strips it
  }
  f.AddMember("payload", p, a);
  pvpd_status st = sink_->to_pvp(to_json(f));
  if (st != PVPD_OK && st != PVPD_E_AGAIN) {
    *error = std::string("the daemon refused the join (") + pvpd::status_name(st) + ")";
    return false;
  }
  session_ = session;
  me_ = pid;
  join_state_ = JoinState::kJoining;
  join_error_.clear();
  session_ended_ = false;
  return true;
}

void McpSession::tool_join(const std::string &id, const rapidjson::Value &args, uint64_t now_ms) {
  std::string error;
  if (join_state_ == JoinState::kJoined && str_of(args, "session") == session_) {
    reply_text(id, "Already joined session " + session_ + " as " + me_ + ".");
    return;
  }
  if (!send_join(args, &error)) {
    reply_text(id, "Cannot join: " + error, true);
    return;
  }
  Wait w;
  w.kind = WaitKind::kJoin;
  w.rpc_id = id;
  w.msg_id = join_msg_id_;
  w.deadline = now_ms + settings_.join_timeout_ms;
  pending_.push_back(std::move(w));
}

void McpSession::tool_leave(const std::string &id, const rapidjson::Value &args) {
  Args in(args);
  std::string reason;
  in.str("reason", &reason, false, 1000);
  if (!in.error.empty()) {
    reply_text(id, in.error, true);
    return;
  }
  rapidjson::Document d;
  auto &a = d.GetAllocator();
  Value p(rapidjson::kObjectType);
  if (!reason.empty()) {
    p.AddMember("reason", json_string(reason, a), a);
  }
  std::string error;
  std::string sent = send_frame("session.leave", p, a, &error);
  deny_all_permissions("The agent left the PVP session");
  for (Wait &w : pending_) {
    if (w.kind == WaitKind::kRead) {
      answer_read(w, true);
    }
  }
  pending_.clear();
  join_state_ = JoinState::kNone;
  participants_.clear();
  gates_.clear();
  context_keys_.clear();
  reply_text(id, sent.empty() ? "Left locally, but the daemon refused the leave: " + error
                              : "Left session " + session_ + ".");
}

void McpSession::tool_read(const std::string &id, const rapidjson::Value &args, uint64_t now_ms) {
  Args in(args);
  double since = static_cast<double>(read_cursor_), wait = 0, limit = 100;
  Wait w;
  in.number("since", &since, 0, 9007199254740991.0);
  in.number("wait_seconds", &wait, 0, 3600);
  in.number("limit", &limit, 1, 1000);
  in.strings("types", &w.types);
  if (!in.error.empty()) {
    reply_text(id, in.error, true);
    return;
  }
  w.kind = WaitKind::kRead;
  w.rpc_id = id;
  w.since = static_cast<uint64_t>(since);
  w.limit = static_cast<std::size_t>(limit);
  uint64_t wait_ms = std::min<uint64_t>(static_cast<uint64_t>(wait * 1000), settings_.max_wait_ms);
  if (answer_read(w, wait_ms == 0)) {
    return;
  }
  w.deadline = now_ms + wait_ms;
  pending_.push_back(std::move(w));
}

bool McpSession::answer_read(const Wait &w, bool force) {
  std::string items;
  std::size_t n = 0;
  uint64_t last = next_cursor_ - 1;
  uint64_t cursor = std::max(w.since, last);
  for (const Entry &e : inbox_) {
    if (e.cursor <= w.since) {
      continue;
    }
    if (!w.types.empty() && std::find(w.types.begin(), w.types.end(), e.type) == w.types.end()) {
      continue;
    }
    if (n == w.limit) {
      cursor = e.cursor - 1;  // stop before the first one that did not fit
      break;
    }
    items.append(n == 0 ? "" : ",")
        .append("{\"cursor\":")
        .append(std::to_string(e.cursor))
        .append(e.replay ? ",\"replay\":true" : "")
        .append(",\"message\":")
        .append(e.json)
        .append("}");
    ++n;
  }
  if (n == 0 && !force) {
    return false;
  }
  uint64_t first = inbox_.empty() ? next_cursor_ : inbox_.front().cursor;
  uint64_t dropped = first > w.since + 1 ? first - w.since - 1 : 0;
  read_cursor_ = std::max(read_cursor_, cursor);
  std::string text = "{\"session\":";
  rapidjson::Document tmp;
  text.append(to_json(json_string(session_, tmp.GetAllocator())))
      .append(",\"you\":")
      .append(to_json(json_string(me_, tmp.GetAllocator())))
      .append(",\"cursor\":")
      .append(std::to_string(cursor))
      .append(",\"dropped\":")
      .append(std::to_string(dropped))
      .append(",\"unread\":")
      .append(std::to_string(last - std::min(last, cursor)))
      .append(",\"messages\":[")
      .append(items)
      .append("]}");
  reply_text(w.rpc_id, text);
  return true;
}

void McpSession::tool_respond(const std::string &id, const rapidjson::Value &args,
                              uint64_t now_ms) {
  Args in(args);
  std::string text, prompt_ref = last_prompt_, finish = "complete";
  in.str("text", &text, true);
  in.str("prompt_ref", &prompt_ref, false, 128);
  in.choice("finish_reason", &finish,
            {"complete", "interrupted", "error", "max_tokens", "tool_use"});
  if (!in.error.empty()) {
    reply_text(id, in.error, true);
    return;
  }
  if (prompt_ref.empty()) {
    prompt_ref = "chat";  // not an answer to a prompt: a chat message to the session
  }
  rapidjson::Document d;
  auto &a = d.GetAllocator();
  std::string error;
  Value start(rapidjson::kObjectType);
  start.AddMember("agent", json_string(me_, a), a);
  start.AddMember("prompt_ref", json_string(prompt_ref, a), a);
  Value chunk(rapidjson::kObjectType);
  chunk.AddMember("text", json_string(text, a), a);
  Value end(rapidjson::kObjectType);
  end.AddMember("finish_reason", json_string(finish, a), a);
  std::string end_id;
  if (send_frame("response.start", start, a, &error).empty() ||
      send_frame("response.chunk", chunk, a, &error).empty() ||
      (end_id = send_frame("response.end", end, a, &error)).empty()) {
    reply_text(id, "Cannot post the response: " + error, true);
    return;
  }
  wait_for_echo(id, end_id, "Posted to session " + session_ + ".", now_ms);
}

void McpSession::tool_add_context(const std::string &id, const rapidjson::Value &args,
                                  uint64_t now_ms) {
  Args in(args);
  std::string key, content, content_type = "text";
  std::vector<std::string> visible_to, tags;
  in.str("key", &key, true, 256);
  in.str("content", &content, true);
  in.choice("content_type", &content_type, {"text", "file", "reference", "structured"});
  in.strings("visible_to", &visible_to);
  in.strings("tags", &tags);
  if (!in.error.empty()) {
    reply_text(id, in.error, true);
    return;
  }
  rapidjson::Document d;
  auto &a = d.GetAllocator();
  Value p(rapidjson::kObjectType);
  p.AddMember("key", json_string(key, a), a);
  p.AddMember("content_type", json_string(content_type, a), a);
  p.AddMember("content", json_string(content, a), a);
  p.AddMember("source", json_string("mcp:" + me_, a), a);
  if (!visible_to.empty()) {
    p.AddMember("visible_to", string_array(visible_to, a), a);
  }
  if (!tags.empty()) {
    p.AddMember("tags", string_array(tags, a), a);
  }
  std::string error;
  std::string sent = send_frame("context.add", p, a, &error);
  if (sent.empty()) {
    reply_text(id, "Cannot add context: " + error, true);
    return;
  }
  bool echoed = visible_to.empty() ||
                std::find(visible_to.begin(), visible_to.end(), me_) != visible_to.end();
  if (!echoed) {
    reply_text(id, "Context \"" + key + "\" sent (private to others, so no confirmation).");
    return;
  }
  wait_for_echo(id, sent, "Context \"" + key + "\" stored.", now_ms);
}

void McpSession::tool_prompt(const std::string &id, const rapidjson::Value &args, uint64_t now_ms) {
  Args in(args);
  std::string content, target;
  bool submit = false;
  std::vector<std::string> keys;
  in.str("content", &content, true);
  in.str("target_agent", &target, true, 128);
  in.boolean("submit", &submit);
  in.strings("context_keys", &keys);
  if (!in.error.empty()) {
    reply_text(id, in.error, true);
    return;
  }
  rapidjson::Document d;
  auto &a = d.GetAllocator();
  Value p(rapidjson::kObjectType);
  p.AddMember("content", json_string(content, a), a);
  p.AddMember("target_agent", json_string(target, a), a);
  p.AddMember("contributors", string_array({me_}, a), a);
  if (submit) {
    p.AddMember("context_keys", string_array(keys, a), a);
  }
  std::string error;
  std::string sent = send_frame(submit ? "prompt.submit" : "prompt.draft", p, a, &error);
  if (sent.empty()) {
    reply_text(id, "Cannot send the prompt: " + error, true);
    return;
  }
  wait_for_echo(id, sent,
                std::string(submit ? "Prompt submitted" : "Draft shared") + " (id " + sent + ").",
                now_ms);
}

void McpSession::tool_status(const std::string &id) {
  rapidjson::Document r(rapidjson::kObjectType);
  auto &a = r.GetAllocator();
  r.AddMember("session", json_string(session_, a), a);
  r.AddMember("you", json_string(me_, a), a);
  r.AddMember("joined", join_state_ == JoinState::kJoined, a);
  if (!join_error_.empty()) {
    r.AddMember("join_error", json_string(join_error_, a), a);
  }
  r.AddMember("session_ended", session_ended_, a);
  Value parts(rapidjson::kArrayType);
  for (const auto &[pid, p] : participants_) {
    Value o(rapidjson::kObjectType);
    o.AddMember("id", json_string(pid, a), a);
    o.AddMember("name", json_string(p.name, a), a);
    o.AddMember("type", json_string(p.type, a), a);
    o.AddMember("roles", string_array(p.roles, a), a);
    o.AddMember("presence", json_string(p.presence, a), a);
    parts.PushBack(o, a);
  }
  r.AddMember("participants", parts, a);
  Value gates(rapidjson::kArrayType);
  for (const auto &[gid, g] : gates_) {
    Value o(rapidjson::kObjectType);
    o.AddMember("gate", json_string(gid, a), a);
    o.AddMember("message", json_string(g.message, a), a);
    o.AddMember("proposer", json_string(g.proposer, a), a);
    gates.PushBack(o, a);
  }
  r.AddMember("open_gates", gates, a);
  std::vector<std::string> keys(context_keys_.begin(), context_keys_.end());
  r.AddMember("context_keys", string_array(keys, a), a);
  uint64_t last = next_cursor_ - 1;
  r.AddMember("unread", last - std::min(last, read_cursor_), a);
  reply_text(id, to_json(r));
}

void McpSession::tool_vote(const std::string &id, const rapidjson::Value &args, uint64_t now_ms) {
  Args in(args);
  std::string gate, decision, comment;
  in.str("gate", &gate, true, 128);
  in.choice("decision", &decision, {"approve", "reject"});
  in.str("comment", &comment, false, 10000);
  if (in.error.empty() && decision.empty()) {
    in.error = "missing required argument \"decision\" (approve or reject)";
  }
  if (!in.error.empty()) {
    reply_text(id, in.error, true);
    return;
  }
  bool approve = decision == "approve";
  rapidjson::Document d;
  auto &a = d.GetAllocator();
  Value p(rapidjson::kObjectType);
  p.AddMember("gate", json_string(gate, a), a);
  p.AddMember(approve ? "approver" : "rejector", json_string(me_, a), a);
  if (approve) {
    if (!comment.empty()) {
      p.AddMember("comment", json_string(comment, a), a);
    }
  } else {
    p.AddMember("reason", json_string(comment.empty() ? "rejected" : comment, a), a);
  }
  std::string error;
  std::string sent = send_frame(approve ? "gate.approve" : "gate.reject", p, a, &error);
  if (sent.empty()) {
    reply_text(id, "Cannot vote: " + error, true);
    return;
  }
  wait_for_echo(id, sent, std::string(approve ? "Approved" : "Rejected") + " gate " + gate + ".",
                now_ms);
}

void McpSession::tool_interrupt(const std::string &id, const rapidjson::Value &args,
                                uint64_t now_ms) {
  Args in(args);
  std::string message, urgency = "pause", target;
  in.str("message", &message, true, 65536);
  in.choice("urgency", &urgency, {"pause", "stop", "emergency"});
  in.str("target", &target, false, 128);
  if (!in.error.empty()) {
    reply_text(id, in.error, true);
    return;
  }
  rapidjson::Document d;
  auto &a = d.GetAllocator();
  Value p(rapidjson::kObjectType);
  p.AddMember("urgency", json_string(urgency, a), a);
  p.AddMember("message", json_string(message, a), a);
  if (!target.empty()) {
    p.AddMember("target", json_string(target, a), a);
  }
  std::string error;
  std::string sent = send_frame("interrupt.raise", p, a, &error);
  if (sent.empty()) {
    reply_text(id, "Cannot raise the interrupt: " + error, true);
    return;
  }
  wait_for_echo(id, sent, "Interrupt raised.", now_ms);
}

void McpSession::tool_permission(const std::string &id, const rapidjson::Value &args,
                                 uint64_t now_ms) {
  Args in(args);
  std::string tool_name, tool_use_id;
  in.str("tool_name", &tool_name, true, 256);
  in.str("tool_use_id", &tool_use_id, false, 256);
  const Value *input = find(args, "input");
  if (in.error.empty() && input == nullptr) {
    in.error = "missing required argument \"input\"";
  }
  Wait w;
  w.kind = WaitKind::kPermission;
  w.rpc_id = id;
  w.input_json = input != nullptr ? to_json(*input) : "{}";
  if (!in.error.empty()) {
    reply_permission(w, false, "Invalid permission request: " + in.error);
    return;
  }
  ToolRisk risk = risk_for(settings_, tool_name);
  rapidjson::Document d;
  auto &a = d.GetAllocator();
  Value p(rapidjson::kObjectType);
  p.AddMember("tool_name", json_string(tool_name, a), a);
  Value arguments;
  if (input->IsObject()) {
    arguments.CopyFrom(*input, a);
  } else {
    arguments.SetObject();
    Value copy;
    copy.CopyFrom(*input, a);
    arguments.AddMember("input", copy, a);
  }
  p.AddMember("arguments", arguments, a);
  p.AddMember("agent", json_string(me_, a), a);
  p.AddMember("risk_level", json_string(risk.risk, a), a);
  p.AddMember("description",
              json_string(me_ + " asks to run " + tool_name + ": " + preview(w.input_json, 300), a),
              a);
  // A permission prompt is a request for a human decision: always gated.
  p.AddMember("requires_approval", true, a);
  p.AddMember("category", json_string(risk.category, a), a);
  std::string error;
  std::string sent = send_frame("tool.propose", p, a, &error);
  if (sent.empty()) {
    reply_permission(w, false, "The session could not take the request: " + error);
    return;
  }
  w.msg_id = sent;
  w.deadline =
      settings_.permission_timeout_ms == 0 ? kNoDeadline : now_ms + settings_.permission_timeout_ms;
  pending_.push_back(std::move(w));
}

// ---------------------------------------------------------------------------------------------
// PVP side
// ---------------------------------------------------------------------------------------------

std::string McpSession::new_id(std::string_view what) {
  char salt[17];
  std::snprintf(salt, sizeof salt, "%016llx", static_cast<unsigned long long>(id_salt_));
  return "mcp-" + std::string(what) + "-" + std::to_string(conn_number_) + "-" +
         std::to_string(++id_counter_) + "-" + salt;
}

std::string McpSession::send_frame(std::string_view type, rapidjson::Value &payload, Alloc &a,
                                   std::string *error) {
  rapidjson::Document f(rapidjson::kObjectType, &a);
  std::string id = new_id(type.substr(0, type.find('.')));
  f.AddMember("v", 1, a);
  f.AddMember("type", json_string(type, a), a);
  f.AddMember("id", json_string(id, a), a);
  f.AddMember("session", json_string(session_, a), a);
  f.AddMember("sender", json_string(me_, a), a);
  f.AddMember("payload", payload, a);
  pvpd_status st = sink_->to_pvp(to_json(f));
  if (st != PVPD_OK && st != PVPD_E_AGAIN) {
    *error = st == PVPD_E_TOOBIG
                 ? "the message is larger than the daemon accepts"
                 : std::string("the daemon refused it (") + pvpd::status_name(st) + ")";
    return std::string();
  }
  return id;
}

void McpSession::wait_for_echo(const std::string &rpc_id, const std::string &msg_id,
                               std::string ok_text, uint64_t now_ms) {
  Wait w;
  w.kind = WaitKind::kAck;
  w.rpc_id = rpc_id;
  w.msg_id = msg_id;
  w.ok_text = std::move(ok_text);
  w.deadline = now_ms + settings_.join_timeout_ms;
  pending_.push_back(std::move(w));
}

void McpSession::on_pvp(std::string_view envelope, bool replay, uint64_t now_ms) {
  (void)now_ms;
  rapidjson::Document env;
  env.Parse(envelope.data(), envelope.size());
  if (env.HasParseError() || !env.IsObject()) {
    return;  // the core only delivers valid envelopes; be defensive anyway
  }
  std::string type = str_of(env, "type");
  std::string sender = str_of(env, "sender");
  std::string msg_id = str_of(env, "id");
  if (type == "heartbeat.ping") {
    if (join_state_ != JoinState::kNone && !me_.empty()) {
      rapidjson::Document f(rapidjson::kObjectType);
      auto &a = f.GetAllocator();
      f.AddMember("v", 1, a);
      f.AddMember("type", "heartbeat.pong", a);
      f.AddMember("session", json_string(session_, a), a);
      f.AddMember("sender", json_string(me_, a), a);
      f.AddMember("ref", json_string(msg_id, a), a);
      f.AddMember("payload", Value(rapidjson::kObjectType), a);
      sink_->to_pvp(to_json(f));
    }
    return;
  }
  if (type.rfind("heartbeat.", 0) == 0) {
    return;
  }
  track(env, type, sender);
  Entry e;
  e.cursor = next_cursor_++;
  e.type = type;
  e.json = std::string(envelope);
  e.replay = replay;
  uint64_t cursor = e.cursor;
  inbox_.push_back(std::move(e));
  while (inbox_.size() > settings_.max_buffered) {
    inbox_.pop_front();
  }
  resolve_waits(env, type, sender, msg_id);
  if (!replay) {
    maybe_push(env, type, sender, msg_id, cursor);
  }
}

void McpSession::track(const rapidjson::Document &env, std::string_view type,
                       std::string_view sender) {
  static const Value kNone(rapidjson::kObjectType);
  const Value *pp = find(env, "payload");
  const Value &p = pp != nullptr && pp->IsObject() ? *pp : kNone;
  auto roles_of = [](const Value *v) {
    std::vector<std::string> out;
    if (v != nullptr && v->IsArray()) {
      for (const auto &r : v->GetArray()) {
        if (r.IsString()) {
          out.emplace_back(sv(r));
        }
      }
    }
    return out;
  };
  if (type == "participant.announce") {
    ParticipantView &v = participants_[str_of(p, "id")];
    v.name = str_of(p, "name");
    v.type = str_of(p, "type");
    v.roles = roles_of(find(p, "roles"));
    v.presence = "active";
  } else if (type == "session.leave") {
    if (str_of(p, "reason") == "Client disconnected") {
      participants_[std::string(sender)].presence = "disconnected";
    } else {
      participants_.erase(std::string(sender));
    }
  } else if (type == "presence.update") {
    auto it = participants_.find(str_of(p, "participant"));
    if (it != participants_.end()) {
      it->second.presence = str_of(p, "status");
    }
  } else if (type == "participant.role_change") {
    auto it = participants_.find(str_of(p, "participant"));
    if (it != participants_.end()) {
      it->second.roles = roles_of(find(p, "new_roles"));
    }
  } else if (type == "gate.request") {
    GateView &g = gates_[str_of(p, "action_ref")];
    g.message = str_of(p, "message");
  } else if (type == "tool.propose") {
    auto it = gates_.find(str_of(env, "id"));
    if (it != gates_.end()) {
      it->second.proposer = str_of(p, "agent");
    }
  } else if (type == "tool.execute") {
    gates_.erase(str_of(p, "tool_proposal"));
  } else if (type == "gate.reject") {
    gates_.erase(str_of(p, "gate"));
  } else if (type == "gate.timeout") {
    if (str_of(p, "resolution") != "escalated") {
      gates_.erase(str_of(p, "gate"));
    }
  } else if (type == "context.add") {
    context_keys_.insert(str_of(p, "key"));
  } else if (type == "context.remove") {
    context_keys_.erase(str_of(p, "key"));
  } else if (type == "prompt.submit") {
    if (str_of(p, "target_agent") == me_) {
      last_prompt_ = str_of(env, "id");
    }
  } else if (type == "session.end") {
    session_ended_ = true;
  }
}

void McpSession::resolve_waits(const rapidjson::Document &env, std::string_view type,
                               std::string_view sender, std::string_view msg_id) {
  static const Value kNone(rapidjson::kObjectType);
  const Value *pp = find(env, "payload");
  const Value &p = pp != nullptr && pp->IsObject() ? *pp : kNone;
  std::string related = type == "error" ? str_of(p, "related_to") : std::string();
  std::vector<Wait> keep;
  std::vector<Wait> waits;
  waits.swap(pending_);
  bool ended = type == "session.end";
  for (Wait &w : waits) {
    bool done = false;
    switch (w.kind) {
      case WaitKind::kRead: done = answer_read(w, false); break;
      case WaitKind::kJoin:
        if (type == "participant.announce" && sender == me_) {
          join_state_ = JoinState::kJoined;
          if (!w.rpc_id.empty()) {
            uint64_t last = next_cursor_ - 1;
            reply_text(w.rpc_id, "Joined session " + session_ + " as " + me_ + ". " +
                                     std::to_string(last - std::min(last, read_cursor_)) +
                                     " message(s) waiting: call pvp_read_messages.");
          }
          done = true;
        } else if (!related.empty() && related == w.msg_id) {
          join_state_ = JoinState::kNone;
          join_error_ = str_of(p, "message");
          if (!w.rpc_id.empty()) {
            reply_text(w.rpc_id, "The session refused the join: " + join_error_, true);
          }
          done = true;
        }
        break;
      case WaitKind::kAck:
        if (msg_id == w.msg_id) {
          reply_text(w.rpc_id, w.ok_text);
          done = true;
        } else if (!related.empty() && related == w.msg_id) {
          reply_text(w.rpc_id,
                     "The session refused it (" + str_of(p, "code") + "): " + str_of(p, "message"),
                     true);
          done = true;
        }
        break;
      case WaitKind::kPermission:
        if (type == "gate.approve" && str_of(p, "gate") == w.msg_id) {
          std::string c = str_of(p, "comment");
          w.approvals.push_back(str_of(p, "approver") + (c.empty() ? "" : ": " + c));
        } else if (type == "tool.execute" && str_of(p, "tool_proposal") == w.msg_id) {
          reply_permission(w, true, std::string());
          done = true;
        } else if (type == "gate.reject" && str_of(p, "gate") == w.msg_id) {
          reply_permission(w, false,
                           "Rejected by " + str_of(p, "rejector") + ": " + str_of(p, "reason"));
          done = true;
        } else if (type == "gate.timeout" && str_of(p, "gate") == w.msg_id &&
                   str_of(p, "resolution") == "rejected") {
          const Value *got = find(p, "approvals_received");
          const Value *need = find(p, "approvals_required");
          std::string counts;
          if (got != nullptr && need != nullptr && got->IsUint64() && need->IsUint64()) {
            counts = " (" + std::to_string(got->GetUint64()) + " of " +
                     std::to_string(need->GetUint64()) + " approvals)";
          }
          reply_permission(w, false, "Nobody decided in time; the gate timed out" + counts);
          done = true;
        } else if (!related.empty() && related == w.msg_id) {
          reply_permission(w, false,
                           "The session refused the request (" + str_of(p, "code") +
                               "): " + str_of(p, "message"));
          done = true;
        } else if (ended) {
          reply_permission(w, false, "The PVP session ended");
          done = true;
        }
        break;
    }
    if (!done) {
      keep.push_back(std::move(w));
    }
  }
  // Waits registered while answering (none today) would be in pending_; keep both.
  for (Wait &w : pending_) {
    keep.push_back(std::move(w));
  }
  pending_.swap(keep);
}

void McpSession::maybe_push(const rapidjson::Document &env, std::string_view type,
                            std::string_view sender, std::string_view msg_id, uint64_t cursor) {
  if (!push_ || !ready_) {
    return;
  }
  static const Value kNone(rapidjson::kObjectType);
  const Value *pp = find(env, "payload");
  const Value &p = pp != nullptr && pp->IsObject() ? *pp : kNone;
  std::string content;
  if ((type == "prompt.submit" || type == "prompt.draft") && str_of(p, "target_agent") == me_) {
    content = std::string(type == "prompt.submit" ? "Prompt" : "Draft prompt") + " from " +
              std::string(sender) + ": " + str_of(p, "content");
  } else if (type == "gate.request") {
    content = "Approval requested (gate " + str_of(p, "action_ref") + "): " + str_of(p, "message");
  } else if (type == "interrupt.raise" &&
             (str_of(p, "target").empty() || str_of(p, "target") == me_)) {
    content = "Interrupt (" + str_of(p, "urgency") + ") from " + std::string(sender) + ": " +
              str_of(p, "message");
  } else if (type == "context.add") {
    const Value *vt = find(p, "visible_to");
    bool addressed = false;
    if (vt != nullptr && vt->IsArray()) {
      for (const auto &x : vt->GetArray()) {
        addressed = addressed || sv(x) == me_;
      }
    }
    if (!addressed) {
      return;
    }
    content = "Private context \"" + str_of(p, "key") + "\" from " + std::string(sender);
  } else {
    return;
  }
  rapidjson::Document n(rapidjson::kObjectType);
  auto &a = n.GetAllocator();
  n.AddMember("content", json_string(content, a), a);
  Value meta(rapidjson::kObjectType);
  meta.AddMember("session", json_string(session_, a), a);
  meta.AddMember("type", json_string(type, a), a);
  meta.AddMember("from", json_string(sender, a), a);
  meta.AddMember("message_id", json_string(msg_id, a), a);
  meta.AddMember("cursor", json_string(std::to_string(cursor), a), a);
  n.AddMember("meta", meta, a);
  // Pushing does not mark anything read: pvp_read_messages still returns it.
  sink_->to_client(rpc_notification("notifications/claude/channel", n));
}

void McpSession::deny_all_permissions(const std::string &why) {
  std::vector<Wait> keep;
  for (Wait &w : pending_) {
    if (w.kind == WaitKind::kPermission) {
      reply_permission(w, false, why);
    } else {
      keep.push_back(std::move(w));
    }
  }
  pending_.swap(keep);
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

// ---------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------

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
