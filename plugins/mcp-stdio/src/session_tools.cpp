// The pvp_* tools of McpSession: argument checks, the PVP frames each sends, and the waits
// that later answers resolve (see mcp_session.h).
#include "mcp_session.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "session_util.h"

namespace pvpd::mcp {

using namespace session_util;

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
  ToolRisk risk = risk_for(settings_, tool_name, w.input_json);
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

}  // namespace pvpd::mcp
