// The PVP side of McpSession: frames out (ids, envelopes), frames the core delivers in
// (buffering, the session view, answering waits, channel pushes). See mcp_session.h.
#include "mcp_session.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cstdio>

#include "session_util.h"

namespace pvpd::mcp {

using namespace session_util;

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

}  // namespace pvpd::mcp
