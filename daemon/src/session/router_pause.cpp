// Router: the "pause_session" participant-timeout policy.
//
// While a member who may approve (role approver or capability approve) is away or
// disconnected, a session whose on_participant_timeout is "pause_session" is paused: new
// prompts and tool proposals are refused with INVALID_STATE, and open gates' deadlines stop
// running (they are moved on by the paused time at resume), so no decision is taken or lost in
// the absence of someone who should take part in it. The pause and the resume are recorded as
// the system context item `session:state`, so every participant, the journal and a restart see
// them.
#include <algorithm>

#include "session/router.h"
#include "session/router_inbound.h"

namespace pvpd::session {
namespace {

bool may_approve(const Participant &p) {
  return p.has_role("approver") || p.has_cap("approve");
}

std::string joined(const std::vector<std::string> &ids) {
  std::string out;
  for (const auto &id : ids) {
    out += (out.empty() ? "" : ", ") + id;
  }
  return out;
}

}  // namespace

void Router::update_pause(Session &s, uint64_t now_ms) {
  std::vector<std::string> absent;
  if (s.config.on_participant_timeout == "pause_session") {
    for (const auto &p : s.participants) {
      if (may_approve(p) && (!p.connected() || p.presence == "away")) {
        absent.push_back(p.id);
      }
    }
  }
  if (absent == s.paused_for) {
    return;
  }
  const bool was_paused = !s.paused_for.empty();
  if (was_paused && absent.empty()) {
    // Gates get back the time they spent paused.
    const uint64_t paused_ms = now_ms - std::min(now_ms, s.paused_since_ms);
    for (const Gate *g : s.gates.open_gates()) {
      if (Gate *open = s.gates.find(g->id); open != nullptr && open->timeout_ms != 0) {
        open->timeout_ms += paused_ms;
      }
    }
  }
  if (!was_paused) {
    s.paused_since_ms = now_ms;
  }
  s.paused_for = absent;
  bus::Envelope e = server_frame(
      s.context.count("session:state") ? "context.update" : "context.add", s, "system");
  auto &a = e.allocator();
  rapidjson::Value &pl = e.payload();
  const std::string state =
      absent.empty() ? "active"
                     : "paused: waiting for " + joined(absent) + " (on_participant_timeout)";
  pl.AddMember("key", "session:state", a);
  if (e.type() == "context.add") {
    pl.AddMember("content_type", "text", a);
    pl.AddMember("content", bus::make_json_string(state, a), a);
    rapidjson::Value tags(rapidjson::kArrayType);
    tags.PushBack("session_state", a);
    pl.AddMember("tags", tags, a);
  } else {
    pl.AddMember("new_content", bus::make_json_string(state, a), a);
    pl.AddMember(
        "reason",
        rapidjson::StringRef(absent.empty() ? "every approver is back" : "an approver is absent"),
        a);
  }
  auto msg = record_and_route(s, e, Audience{});
  ContextItem item;
  item.last_message_id = msg.id;
  item.changed_seq = msg.seq;
  s.context["session:state"] = std::move(item);
}

bool Router::check_not_paused(Inbound &in) {
  const Session &s = *in.session;
  if (s.paused_for.empty()) {
    return true;
  }
  fail(in, "INVALID_STATE",
       "session " + s.id + " is paused until " + joined(s.paused_for) +
           " returns (on_participant_timeout: pause_session)");
  return false;
}

}  // namespace pvpd::session
