// The PVP client reducer (see client_state.h).
#include "pvpclient/client_state.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>

#include "pvpclient/json_view.h"

namespace pvpd::client {

namespace {

constexpr size_t kPreviewBytes = 400;
constexpr const char *kArrow = " \xe2\x86\x92 ";  // →

std::string join_list(const std::vector<std::string> &items, const char *sep = ",") {
  std::string out;
  for (const auto &s : items) {
    out += (out.empty() ? "" : sep) + s;
  }
  return out;
}

// Cuts at a UTF-8 boundary.
std::string preview(const std::string &s, size_t max = kPreviewBytes) {
  if (s.size() <= max) {
    return s;
  }
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return s.substr(0, cut) + "\xe2\x80\xa6";
}

const rapidjson::Value &empty_object() {
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  return kEmpty;
}

}  // namespace

struct ClientState::Impl {
  using V = rapidjson::Value;

  static std::string name_of(const ClientState &st, const std::string &id) {
    const Participant *p = st.participant(id);
    return p != nullptr && !p->name.empty() && p->name != id ? p->name : id;
  }

  static void membership(ClientState &st, const V &announce, uint64_t seq) {
    const std::string id = str(announce, "id");
    if (id.empty()) {
      return;
    }
    const bool known = st.participants_.count(id) != 0;
    const bool was_gone = known && st.participants_[id].presence == "disconnected";
    Participant &p = st.upsert_participant(id);
    p.name = str(announce, "name", p.name.empty() ? id : p.name);
    p.type = str(announce, "type", p.type);
    if (member(announce, "roles") != nullptr) {
      p.roles = str_list(announce, "roles");
    }
    if (member(announce, "capabilities") != nullptr) {
      p.capabilities = str_list(announce, "capabilities");
    }
    p.presence = "active";
    if (!known || was_gone) {
      Entry e;
      e.kind = EntryKind::kMembership;
      e.seq = seq;
      e.sender = id;
      e.prefix = "\xe2\x80\xa2 ";
      e.text = p.name + (was_gone ? " reconnected" : " joined") + " (" +
               (p.type.empty() ? "?" : p.type) +
               (p.roles.empty() ? "" : ", " + join_list(p.roles)) + ")";
      st.push(std::move(e));
    }
  }

  static size_t stream_entry(ClientState &st, std::map<std::string, size_t> &open,
                             const std::string &key, EntryKind kind, const std::string &prefix,
                             const std::string &sender, uint64_t seq) {
    auto it = open.find(key);
    if (it != open.end() && it->second < st.entries_.size()) {
      return it->second;
    }
    Entry e;
    e.kind = kind;
    e.seq = seq;
    e.sender = sender;
    e.prefix = prefix;
    e.streaming = true;
    const size_t idx = st.push(std::move(e));
    open[key] = idx;
    return idx;
  }

  static void close_stream(ClientState &st, std::map<std::string, size_t> &open,
                           const std::string &key, const std::string &suffix) {
    auto it = open.find(key);
    if (it == open.end()) {
      return;
    }
    if (it->second < st.entries_.size()) {
      Entry &e = st.entries_[it->second];
      e.streaming = false;
      if (!suffix.empty()) {
        e.prefix += suffix;
      }
    }
    open.erase(it);
  }

  static Gate &gate_for(ClientState &st, const std::string &id) {
    auto it = st.gates_.find(id);
    if (it == st.gates_.end()) {
      st.gate_order_.push_back(id);
      it = st.gates_.emplace(id, Gate{}).first;
      it->second.id = id;
    }
    return it->second;
  }

  static void refresh_gate_entry(ClientState &st, const Gate &g) {
    if (g.entry >= st.entries_.size() || st.entries_[g.entry].kind != EntryKind::kGate) {
      return;
    }
    Entry &e = st.entries_[g.entry];
    std::string status;
    switch (g.status) {
      case GateStatus::kOpen: status = "awaiting approval"; break;
      case GateStatus::kExecuted: status = "approved"; break;
      case GateStatus::kRejected: status = "rejected"; break;
      case GateStatus::kTimedOut: status = "timed out (" + g.resolution + ")"; break;
    }
    e.prefix = "\xe2\x9a\xa0 GATE [" + status + "]: ";
    std::string what =
        g.message.empty() ? name_of(st, g.agent) + " wants to execute " + g.tool_name : g.message;
    if (!g.arguments.empty() && g.arguments != "{}") {
      what += " " + preview(g.arguments, 160);
    }
    if (!g.risk.empty()) {
      what += " (risk " + g.risk + ")";
    }
    if (!g.approvals.empty()) {
      what += " \xe2\x80\x94 approved by " + join_list(g.approvals, ", ");
    }
    e.text = what;
  }

  static void fill_proposal(Gate &g, const V &p, const std::string &sender) {
    g.agent = str(p, "agent", g.agent.empty() ? sender : g.agent);
    g.tool_name = str(p, "tool_name", g.tool_name);
    if (const V *args = member(p, "arguments"); args != nullptr) {
      g.arguments = to_json(*args);
    }
    g.description = str(p, "description", g.description);
    g.risk = str(p, "risk_level", g.risk);
    g.category = str(p, "category", g.category);
  }

  static void apply_typed(ClientState &st, const std::string &type, const V &env, const V &p,
                          uint64_t seq) {
    const std::string sender = str(env, "sender");
    const std::string id = str(env, "id");
    auto add = [&](EntryKind kind, std::string prefix, std::string text) {
      Entry e;
      e.kind = kind;
      e.seq = seq;
      e.sender = sender;
      e.prefix = std::move(prefix);
      e.text = std::move(text);
      return st.push(std::move(e));
    };
    const std::string who = name_of(st, sender);

    if (type == "session.create") {
      // The creator re-sends create on every reconnect; the echo is news only once.
      const std::string name = str(p, "name", st.session_name_);
      if (name != st.session_name_ || st.entries_.empty()) {
        st.session_name_ = name;
        add(EntryKind::kNotice, "\xe2\x80\xa2 ", "session: " + name);
      }
    } else if (type == "session.join") {
      membership(st, member(p, "participant") ? *member(p, "participant") : empty_object(), seq);
    } else if (type == "participant.announce") {
      membership(st, p, seq);
    } else if (type == "session.leave") {
      const std::string reason = str(p, "reason");
      auto it = st.participants_.find(sender);
      if (reason == "Client disconnected") {
        if (it != st.participants_.end() && it->second.presence != "disconnected") {
          it->second.presence = "disconnected";
          add(EntryKind::kMembership, "\xe2\x80\xa2 ", who + " disconnected");
        }
      } else {
        add(EntryKind::kMembership, "\xe2\x80\xa2 ",
            who + " left" + (reason.empty() ? "" : " (" + reason + ")"));
        if (it != st.participants_.end()) {
          st.participants_.erase(it);
        }
      }
    } else if (type == "presence.update") {
      auto it = st.participants_.find(str(p, "participant"));
      const std::string status = str(p, "status");
      if (it != st.participants_.end() && !status.empty()) {
        it->second.presence = status;
      }
    } else if (type == "participant.role_change") {
      const std::string target = str(p, "participant");
      auto it = st.participants_.find(target);
      if (it != st.participants_.end()) {
        it->second.roles = str_list(p, "new_roles");
      }
      add(EntryKind::kMembership, "\xe2\x80\xa2 ",
          name_of(st, target) + " now has roles " + join_list(str_list(p, "new_roles")) + " (by " +
              name_of(st, str(p, "changed_by", sender)) + ")");
    } else if (type == "heartbeat.ping" || type == "heartbeat.pong") {
      // Liveness only; SessionClient answers pings.
    } else if (type == "context.add") {
      const std::string key = str(p, "key");
      const std::string ctype = str(p, "content_type");
      const V *content = member(p, "content");
      std::string text = content == nullptr    ? ""
                         : content->IsString() ? str(p, "content")
                                               : to_json(*content);
      if (key == "session:working_directory") {
        st.working_directory_ = text;
        return;
      }
      if (ctype == "audio_transcript") {
        std::string speaker = str(p, "speaker");
        if (speaker.empty()) {
          if (const V *md = member(p, "metadata"); md != nullptr) {
            speaker = str(*md, "speaker");
          }
        }
        if (speaker.empty()) {
          speaker = str(p, "source", who);
        }
        add(EntryKind::kTranscript, "\xf0\x9f\x8e\x99 " + speaker + ": ", preview(text, 4000));
        return;
      }
      add(EntryKind::kContext,
          "+ context " + key + " [" + ctype + "]" +
              (str(p, "source").empty() ? "" : " from " + str(p, "source")) + ": ",
          preview(text));
    } else if (type == "context.update") {
      add(EntryKind::kContext, "~ context " + str(p, "key") + ": ", str(p, "reason"));
    } else if (type == "context.remove") {
      add(EntryKind::kContext, "- context " + str(p, "key") + ": ", str(p, "reason"));
    } else if (type == "secret.share") {
      // Never show the value (value_ref): only that a secret exists and who may see it.
      add(EntryKind::kNotice, "\xf0\x9f\x94\x92 ",
          who + " shared secret " + str(p, "key") + " with " + join_list(str_list(p, "scope")));
    } else if (type == "secret.revoke") {
      add(EntryKind::kNotice, "\xf0\x9f\x94\x92 ", who + " revoked secret " + str(p, "key"));
    } else if (type == "prompt.draft") {
      const std::string content = str(p, "content");
      if (content.empty()) {
        st.drafts_.erase(sender);
      } else {
        st.drafts_[sender] = Draft{content, str(p, "target_agent")};
      }
    } else if (type == "prompt.submit") {
      st.drafts_.erase(sender);
      add(EntryKind::kPrompt,
          "[" + who + kArrow + name_of(st, str(p, "target_agent")) + "]: ", str(p, "content"));
    } else if (type == "prompt.amend") {
      add(EntryKind::kPrompt, "[" + who + " amends]: ", str(p, "amendment"));
    } else if (type == "thinking.start") {
      // A new start closes any stream the agent left open (it may have crashed mid-stream).
      close_stream(st, st.open_thinking_, sender, "");
      st.thinking_entry_ = stream_entry(st, st.open_thinking_, sender, EntryKind::kThinking,
                                        "[" + who + " thinking]: ", sender, seq);
    } else if (type == "thinking.chunk") {
      const size_t idx = stream_entry(st, st.open_thinking_, sender, EntryKind::kThinking,
                                      "[" + who + " thinking]: ", sender, seq);
      st.entries_[idx].text += str(p, "text");
      st.thinking_entry_ = idx;
    } else if (type == "thinking.end") {
      auto it = st.open_thinking_.find(sender);
      if (it != st.open_thinking_.end() && it->second < st.entries_.size() &&
          st.entries_[it->second].text.empty()) {
        st.entries_[it->second].text = str(p, "summary");
      }
      close_stream(st, st.open_thinking_, sender, "");
    } else if (type == "response.start") {
      close_stream(st, st.open_response_, sender, "");
      stream_entry(st, st.open_response_, sender, EntryKind::kResponse, "[" + who + "]: ", sender,
                   seq);
    } else if (type == "response.chunk") {
      const size_t idx = stream_entry(st, st.open_response_, sender, EntryKind::kResponse,
                                      "[" + who + "]: ", sender, seq);
      st.entries_[idx].text += str(p, "text");
    } else if (type == "response.end") {
      const std::string reason = str(p, "finish_reason");
      close_stream(st, st.open_response_, sender,
                   reason.empty() || reason == "complete" ? "" : "(" + reason + ") ");
    } else if (type == "tool.propose") {
      st.tool_names_[id] = str(p, "tool_name");
      fill_proposal(st.proposals_[id], p, sender);
      auto g = st.gates_.find(id);
      if (g != st.gates_.end()) {
        fill_proposal(g->second, p, sender);
        refresh_gate_entry(st, g->second);
      }
      std::string text = str(p, "tool_name");
      if (const V *args = member(p, "arguments"); args != nullptr) {
        text += " " + preview(to_json(*args), 200);
      }
      const std::string desc = str(p, "description");
      add(EntryKind::kTool, "\xf0\x9f\x94\xa7 " + who + " proposes ",
          text + (desc.empty() ? "" : " \xe2\x80\x94 " + desc) + " [risk " +
              str(p, "risk_level", "?") + "]");
    } else if (type == "tool.execute") {
      const std::string prop = str(p, "tool_proposal");
      auto g = st.gates_.find(prop);
      if (g != st.gates_.end()) {
        g->second.status = GateStatus::kExecuted;
        refresh_gate_entry(st, g->second);
      }
      const auto approvers = str_list(p, "approved_by");
      add(EntryKind::kTool, "\xe2\x96\xb6 executing ",
          (st.tool_names_.count(prop) ? st.tool_names_[prop] : prop) +
              (approvers.empty() ? " (no gate)"
                                 : " (approved by " + join_list(approvers, ", ") + ")"));
    } else if (type == "tool.output") {
      const std::string prop = str(p, "tool_proposal");
      const std::string tool = st.tool_names_.count(prop) ? st.tool_names_[prop] : prop;
      const size_t idx =
          stream_entry(st, st.open_output_, prop, EntryKind::kToolOutput,
                       "[" + tool + " " + str(p, "stream", "stdout") + "]: ", sender, seq);
      Entry &e = st.entries_[idx];
      if (e.text.size() < 64 * 1024) {
        e.text += str(p, "text");
      }
      if (bool_member(p, "complete")) {
        close_stream(st, st.open_output_, prop, "");
      }
    } else if (type == "tool.result") {
      const std::string prop = str(p, "tool_proposal");
      close_stream(st, st.open_output_, prop, "");
      const std::string tool = st.tool_names_.count(prop) ? st.tool_names_[prop] : prop;
      const bool ok = bool_member(p, "success");
      std::string body;
      if (const V *r = member(p, "result"); r != nullptr) {
        body = r->IsString() ? str(p, "result") : to_json(*r);
      }
      if (!ok) {
        body = str(p, "error", body);
      }
      add(EntryKind::kToolResult,
          std::string(ok ? "\xe2\x9c\x93 " : "\xe2\x9c\x97 ") + tool +
              (ok ? " succeeded" : " failed") + ": ",
          preview(body, 2000));
    } else if (type == "gate.request") {
      const std::string ref = str(p, "action_ref", id);
      if (ref.empty()) {
        return;
      }
      const bool is_new = st.gates_.count(ref) == 0;
      Gate &g = gate_for(st, ref);
      g.request_id = id;
      g.action_type = str(p, "action_type");
      g.message = str(p, "message");
      g.digest = str(p, "digest");
      g.policy_reason = str(p, "policy_reason");
      g.timeout_seconds = uint_member(p, "timeout_seconds").value_or(0);
      if (const V *q = member(p, "quorum"); q != nullptr) {
        g.quorum = to_json(*q);
      }
      // A joiner gets the proposal (history) before the re-sent request of its open gate.
      if (auto prop = st.proposals_.find(ref); prop != st.proposals_.end() && g.tool_name.empty()) {
        g.agent = prop->second.agent;
        g.tool_name = prop->second.tool_name;
        g.arguments = prop->second.arguments;
        g.description = prop->second.description;
        g.risk = prop->second.risk;
        g.category = prop->second.category;
      }
      // A re-sent request (on join) means the gate is still open.
      g.status = GateStatus::kOpen;
      if (is_new) {
        Entry e;
        e.kind = EntryKind::kGate;
        e.seq = seq;
        e.sender = sender;
        g.entry = st.push(std::move(e));
      }
      refresh_gate_entry(st, g);
    } else if (type == "gate.approve") {
      const std::string gid = str(p, "gate");
      const std::string approver = str(p, "approver", sender);
      auto g = st.gates_.find(gid);
      if (g == st.gates_.end()) {
        // The alias: a gate may be named by its gate.request id.
        g = std::find_if(st.gates_.begin(), st.gates_.end(),
                         [&](const auto &kv) { return kv.second.request_id == gid; });
      }
      if (g != st.gates_.end()) {
        auto &a = g->second.approvals;
        if (std::find(a.begin(), a.end(), approver) == a.end()) {
          a.push_back(approver);
        }
        refresh_gate_entry(st, g->second);
      }
      const std::string comment = str(p, "comment");
      add(EntryKind::kVote, "\xe2\x9c\x94 " + name_of(st, approver) + " approved ",
          (g != st.gates_.end() && !g->second.tool_name.empty() ? g->second.tool_name : gid) +
              (comment.empty() ? "" : ": " + comment));
    } else if (type == "gate.reject") {
      const std::string gid = str(p, "gate");
      auto g = st.gates_.find(gid);
      if (g != st.gates_.end()) {
        g->second.status = GateStatus::kRejected;
        g->second.rejected_by = str(p, "rejector", sender);
        g->second.resolution = str(p, "reason");
        refresh_gate_entry(st, g->second);
      }
      add(EntryKind::kVote,
          "\xe2\x9c\x98 " + name_of(st, str(p, "rejector", sender)) + " rejected ",
          (g != st.gates_.end() && !g->second.tool_name.empty() ? g->second.tool_name : gid) +
              ": " + str(p, "reason"));
    } else if (type == "gate.timeout") {
      const std::string gid = str(p, "gate");
      const std::string resolution = str(p, "resolution");
      auto g = st.gates_.find(gid);
      if (g != st.gates_.end()) {
        g->second.resolution = resolution;
        if (resolution != "escalated") {
          g->second.status = GateStatus::kTimedOut;
        }
        refresh_gate_entry(st, g->second);
      }
      add(EntryKind::kVote, "\xe2\x8f\xb1 gate timed out: ",
          gid + " \xe2\x86\x92 " + resolution + " (" +
              std::to_string(uint_member(p, "approvals_received").value_or(0)) + "/" +
              std::to_string(uint_member(p, "approvals_required").value_or(0)) + " approvals)");
    } else if (type == "interrupt.raise") {
      Interrupt in;
      in.id = id;
      in.sender = sender;
      in.urgency = str(p, "urgency");
      in.message = str(p, "message");
      in.target = str(p, "target");
      st.interrupts_.push_back(in);
      add(EntryKind::kInterrupt,
          "\xe2\x9a\xa0 INTERRUPT (" + in.urgency + ") from " + who +
              (in.target.empty() ? "" : kArrow + name_of(st, in.target)) + ": ",
          in.message);
    } else if (type == "interrupt.acknowledge") {
      const std::string iid = str(p, "interrupt");
      for (auto &in : st.interrupts_) {
        if (in.id == iid) {
          in.acknowledged = true;
          in.ack_by = str(p, "by", sender);
          in.ack_action = str(p, "action_taken");
        }
      }
      add(EntryKind::kAck,
          "\xe2\x9c\x93 interrupt acknowledged by " + name_of(st, str(p, "by", sender)) + ": ",
          str(p, "action_taken") +
              (str(p, "ignore_reason").empty() ? "" : " (" + str(p, "ignore_reason") + ")"));
    } else if (type == "fork.create") {
      add(EntryKind::kNotice, "\xe2\x91\x82 ",
          who + " created fork " + str(p, "name") + " (" + str(p, "fork_id") + ")");
    } else if (type == "fork.switch") {
      const std::string target = str(p, "target_fork");
      if (sender == st.self_) {
        st.fork_ = target.empty() ? "main" : target;
      }
      add(EntryKind::kNotice, "\xe2\x91\x82 ",
          who + " switched to " + (target.empty() ? "main" : target));
    } else if (type == "merge.propose" || type == "merge.execute") {
      add(EntryKind::kNotice, "\xe2\x91\x82 ",
          who + " " + type + " " + str(p, "source_fork") +
              (str(p, "target_fork").empty() ? "" : kArrow + str(p, "target_fork")));
    } else if (type == "session.end") {
      const std::string reason = str(p, "reason");
      // The shutdown notice is not recorded: the session survives a daemon restart.
      if (seq == 0 && sender == "system" && reason == "Server shutdown") {
        add(EntryKind::kNotice, "\xe2\x80\xa2 ", "server shutting down");
        return;
      }
      st.ended_ = true;
      add(EntryKind::kNotice, "\xe2\x80\xa2 ",
          "session ended by " + who + ": " + reason + " (" + str(p, "final_state") + ")");
    } else if (type == "session.config_update") {
      add(EntryKind::kNotice, "\xe2\x80\xa2 ",
          who + " changed the session config: " + str(p, "reason"));
    } else if (type == "error") {
      add(EntryKind::kError, "\xe2\x9c\x97 " + str(p, "code", "error") + ": ", str(p, "message"));
    } else if (type == "tool.approve" || type == "tool.reject") {
      add(EntryKind::kVote, who + " " + type + ": ", str(p, "tool_proposal"));
    } else {
      ++st.unknown_;
      add(EntryKind::kUnknown, "? " + preview(type, 64) + " from " + who + ": ",
          preview(to_json(p), 200));
    }
  }
};

ClientState::ClientState(std::string self_id) : self_(std::move(self_id)) {}

size_t ClientState::push(Entry e) {
  entries_.push_back(std::move(e));
  return entries_.size() - 1;
}

Participant &ClientState::upsert_participant(const std::string &id) {
  auto it = participants_.find(id);
  if (it == participants_.end()) {
    it = participants_.emplace(id, Participant{}).first;
    it->second.id = id;
    it->second.order = next_order_++;
  }
  return it->second;
}

void ClientState::add_notice(std::string text) {
  Entry e;
  e.kind = EntryKind::kNotice;
  e.prefix = "\xe2\x80\xa2 ";
  e.text = std::move(text);
  push(std::move(e));
}

void ClientState::apply(std::string_view frame) {
  rapidjson::Document d;
  d.Parse(frame.data(), frame.size());
  if (d.HasParseError() || !d.IsObject()) {
    ++malformed_;
    Entry e;
    e.kind = EntryKind::kMalformed;
    e.prefix = "\xe2\x9a\xa0 malformed frame skipped: ";
    e.text = preview(std::string(frame), 120);
    push(std::move(e));
    return;
  }
  const std::string type = str(d, "type");
  if (type.empty()) {
    ++malformed_;
    Entry e;
    e.kind = EntryKind::kMalformed;
    e.prefix = "\xe2\x9a\xa0 frame without type skipped: ";
    e.text = preview(std::string(frame), 120);
    push(std::move(e));
    return;
  }
  const uint64_t seq = uint_member(d, "seq").value_or(0);
  // Re-sent gate requests keep their old seq (see SessionClient); a gate is an upsert anyway.
  if (seq != 0 && type != "gate.request") {
    if (seq <= last_seq_) {
      return;  // already applied (a resumed replay overlapping what we have)
    }
    last_seq_ = seq;
  }
  const rapidjson::Value *payload = member(d, "payload");
  Impl::apply_typed(*this, type, d,
                    payload != nullptr && payload->IsObject() ? *payload : empty_object(), seq);
}

std::vector<const Participant *> ClientState::participants() const {
  std::vector<const Participant *> out;
  for (const auto &[id, p] : participants_) {
    out.push_back(&p);
  }
  std::sort(out.begin(), out.end(), [](auto *a, auto *b) { return a->order < b->order; });
  return out;
}

const Participant *ClientState::participant(const std::string &id) const {
  auto it = participants_.find(id);
  return it == participants_.end() ? nullptr : &it->second;
}

std::vector<std::string> ClientState::agents() const {
  std::vector<std::string> out;
  for (const Participant *p : participants()) {
    if (p->type == "agent") {
      out.push_back(p->id);
    }
  }
  return out;
}

const Gate *ClientState::gate(const std::string &id) const {
  auto it = gates_.find(id);
  return it == gates_.end() ? nullptr : &it->second;
}

std::vector<const Gate *> ClientState::open_gates() const {
  std::vector<const Gate *> out;
  for (const auto &id : gate_order_) {
    const Gate &g = gates_.at(id);
    if (g.status == GateStatus::kOpen) {
      out.push_back(&g);
    }
  }
  return out;
}

const Gate *ClientState::next_gate_to_vote() const {
  for (const Gate *g : open_gates()) {
    if (g->agent == self_ ||
        std::find(g->approvals.begin(), g->approvals.end(), self_) != g->approvals.end()) {
      continue;
    }
    return g;
  }
  return nullptr;
}

const Entry *ClientState::current_thinking() const {
  return thinking_entry_ && *thinking_entry_ < entries_.size() ? &entries_[*thinking_entry_]
                                                               : nullptr;
}

const Interrupt *ClientState::last_interrupt() const {
  return interrupts_.empty() ? nullptr : &interrupts_.back();
}

std::optional<size_t> ClientState::find_backward(const std::string &needle, size_t before) const {
  if (needle.empty()) {
    return std::nullopt;
  }
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  auto contains = [&](const std::string &hay) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                       [&](char a, char b) { return lower(a) == lower(b); }) != hay.end();
  };
  for (size_t i = std::min(before, entries_.size()); i > 0; --i) {
    const Entry &e = entries_[i - 1];
    if (contains(e.text) || contains(e.prefix)) {
      return i - 1;
    }
  }
  return std::nullopt;
}

}  // namespace pvpd::client
