#include "report/markdown_report.h"

#include <map>
#include <sstream>

#include "report/session_summary.h"

namespace pvpd::report {
namespace {

struct Decision {
  uint64_t seq = 0;
  std::string tool, proposer, risk, category;
  std::string outcome = "pending";
  std::vector<std::string> approvals;  // "alice (comment)"
  std::string decided_by;
  std::string result;
};

// Markdown-safe inline text: one line, no table breakers, backticks neutralized.
std::string md(const std::string &s, size_t max = 200) {
  std::string out;
  for (char c : one_line(s, max)) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '`') {
      out += '\'';
    } else {
      out += c;
    }
  }
  return out;
}

std::string quote(const std::string &s, size_t max = 2000) {
  std::string cut = s.size() > max ? s.substr(0, max) + "\xe2\x80\xa6" : s;
  std::string out = "> ";
  for (char c : cut) {
    out += c;
    if (c == '\n') {
      out += "> ";
    }
  }
  return out + "\n";
}

std::string json_field(const rapidjson::Value *p, const char *name, size_t max = 300) {
  if (p == nullptr) {
    return {};
  }
  auto it = p->FindMember(name);
  if (it == p->MemberEnd()) {
    return {};
  }
  return it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                              : compact(it->value, max);
}

std::string list_field(const rapidjson::Value *p, const char *name) {
  if (p == nullptr) {
    return {};
  }
  auto it = p->FindMember(name);
  if (it == p->MemberEnd() || !it->value.IsArray()) {
    return json_field(p, name);
  }
  std::string out;
  for (const auto &v : it->value.GetArray()) {
    out += (out.empty() ? "" : ", ") + (v.IsString() ? std::string(v.GetString()) : compact(v, 60));
  }
  return out;
}

}  // namespace

std::string markdown_report(const ReportInput &in,
                            const std::vector<pvpd::journal::Record> &records) {
  const SessionStats stats = stats_of(records);
  std::map<std::string, Decision> decisions;  // by tool.propose id
  std::vector<std::string> decision_order;
  std::map<std::string, std::string> gate_to_proposal;  // gate.request id → proposal id
  auto decision_for = [&](const std::string &ref) -> Decision * {
    auto g = gate_to_proposal.find(ref);
    auto it = decisions.find(g != gate_to_proposal.end() ? g->second : ref);
    return it == decisions.end() ? nullptr : &it->second;
  };

  std::ostringstream tl;  // timeline
  // Streaming text is condensed: accumulated per (sender, kind) until the stream ends.
  std::map<std::string, std::pair<std::string, uint64_t>> streams;
  auto flush_stream = [&](const std::string &key, const Message &m, const char *label) {
    auto &[text, chunks] = streams[key];
    tl << "- **#" << m.seq << "** " << (m.ts.empty() ? "" : "`" + m.ts + "` ") << md(m.sender)
       << " " << label << " (" << chunks << " chunks, " << text.size() << " bytes)";
    const std::string summary = str(m.payload(), "summary");
    if (!summary.empty() || !text.empty()) {
      tl << ": " << md(summary.empty() ? text : summary, 300);
    }
    tl << "\n";
    streams.erase(key);
  };

  for (const auto &rec : records) {
    const Message m = parse_message(rec);
    const std::string head =
        "- **#" + std::to_string(m.seq) + "** " + (m.ts.empty() ? "" : "`" + m.ts + "` ");
    if (!m.parsed) {
      tl << head << "(unparseable message, " << m.raw.size() << " bytes)\n";
      continue;
    }
    const rapidjson::Value *p = m.payload();
    const std::string &t = m.type;
    const std::string who = md(m.sender.empty() ? "?" : m.sender, 80);
    if (t == "prompt.submit") {
      const std::string target = str(p, "target_agent");
      tl << head << "**Prompt** by " << who
         << (target.empty() ? "" : " \xe2\x86\x92 " + md(target, 80));
      const std::string contributors = list_field(p, "contributors");
      if (!contributors.empty()) {
        tl << " (contributors: " << md(contributors) << ")";
      }
      tl << "\n\n" << quote(str(p, "content")) << "\n";
    } else if (t == "prompt.draft" || t == "prompt.amend") {
      tl << head << who << " " << (t == "prompt.draft" ? "drafted" : "amended") << " a prompt: "
         << md(str(p, "content").empty() ? json_field(p, "changes") : str(p, "content")) << "\n";
    } else if (t == "thinking.start" || t == "response.start") {
      streams[m.sender + "|" + t.substr(0, t.find('.'))] = {"", 0};
    } else if (t == "thinking.chunk" || t == "response.chunk") {
      auto &[text, chunks] = streams[m.sender + "|" + t.substr(0, t.find('.'))];
      std::string piece = str(p, "text");
      text += piece.empty() ? str(p, "content") : piece;
      ++chunks;
    } else if (t == "thinking.end") {
      flush_stream(m.sender + "|thinking", m, "thought");
    } else if (t == "response.end") {
      flush_stream(m.sender + "|response", m, "responded");
    } else if (t == "tool.propose") {
      Decision d;
      d.seq = m.seq;
      d.tool = str(p, "tool_name");
      d.proposer = str(p, "agent").empty() ? m.sender : str(p, "agent");
      d.risk = str(p, "risk_level");
      d.category = str(p, "category");
      decisions[m.id] = d;
      decision_order.push_back(m.id);
      tl << head << "**Tool proposal** `" << md(d.tool, 80) << "` by " << md(d.proposer, 80)
         << " (risk " << md(d.risk, 20) << ", category " << md(d.category, 40)
         << "): " << md(str(p, "description")) << "\n  - arguments: `"
         << md(json_field(p, "arguments"), 300) << "`\n";
    } else if (t == "gate.request") {
      const std::string ref = str(p, "action_ref");
      gate_to_proposal[m.id] = ref;
      if (Decision *d = decision_for(ref)) {
        d->outcome = "awaiting approval";
      }
      tl << head << "**Gate opened** for " << md(ref, 80) << " (quorum "
         << md(json_field(p, "quorum"), 60) << ", timeout " << md(str(p, "timeout_seconds"), 20)
         << " s): " << md(str(p, "message")) << "\n";
    } else if (t == "gate.approve") {
      const std::string by = str(p, "approver").empty() ? m.sender : str(p, "approver");
      const std::string comment = str(p, "comment");
      if (Decision *d = decision_for(str(p, "gate"))) {
        d->approvals.push_back(by + (comment.empty() ? "" : " (\"" + comment + "\")"));
      }
      tl << head << "**Approved** by " << md(by, 80) << " (gate " << md(str(p, "gate"), 80) << ")"
         << (comment.empty() ? "" : ": " + md(comment)) << "\n";
    } else if (t == "gate.reject") {
      const std::string by = str(p, "rejector").empty() ? m.sender : str(p, "rejector");
      if (Decision *d = decision_for(str(p, "gate"))) {
        d->outcome = "rejected";
        d->decided_by = by + ": " + str(p, "reason");
      }
      tl << head << "**Rejected** by " << md(by, 80) << " (gate " << md(str(p, "gate"), 80)
         << "): " << md(str(p, "reason")) << "\n";
    } else if (t == "gate.timeout") {
      if (Decision *d = decision_for(str(p, "gate"))) {
        d->outcome =
            "timed out" + (str(p, "resolution").empty() ? "" : " (" + str(p, "resolution") + ")");
      }
      tl << head << "**Gate timed out** " << md(str(p, "gate"), 80) << " "
         << md(compact(p ? *p : m.doc, 200)) << "\n";
    } else if (t == "tool.execute") {
      const std::string approved_by = list_field(p, "approved_by");
      if (Decision *d = decision_for(str(p, "tool_proposal"))) {
        d->outcome = "approved";
        d->decided_by = approved_by.empty() ? "(no approval needed)" : approved_by;
      }
      tl << head << "**Tool executed** " << md(str(p, "tool_proposal"), 80)
         << (approved_by.empty() ? "" : " (approved by " + md(approved_by) + ")") << "\n";
    } else if (t == "tool.output") {
      // Streaming output: the result carries the outcome; keep the report readable.
    } else if (t == "tool.result") {
      const std::string ok = str(p, "success");
      const std::string detail = ok == "true" ? json_field(p, "result") : json_field(p, "error");
      if (Decision *d = decision_for(str(p, "tool_proposal"))) {
        d->result =
            (ok == "true" ? "success" : "failure") + std::string(": ") + one_line(detail, 80);
      }
      tl << head << "**Tool result** for " << md(str(p, "tool_proposal"), 80) << ": "
         << (ok == "true" ? "success" : "failure") << " in " << md(str(p, "duration_ms"), 20)
         << " ms: `" << md(detail, 300) << "`\n";
    } else if (t == "interrupt.raise") {
      tl << head << "**Interrupt** by " << who << " (" << md(str(p, "urgency"), 20)
         << (str(p, "target").empty() ? "" : ", target " + md(str(p, "target"), 80))
         << "): " << md(str(p, "message")) << "\n";
    } else if (t == "interrupt.acknowledge") {
      tl << head << "Interrupt " << md(str(p, "interrupt"), 80) << " acknowledged by "
         << md(str(p, "by").empty() ? m.sender : str(p, "by"), 80) << ": "
         << md(str(p, "action_taken"), 80) << "\n";
    } else if (t == "fork.create" || t == "fork.switch" || t == "merge.propose" ||
               t == "merge.execute") {
      tl << head << "**" << t << "** by " << who << ": " << md(compact(p ? *p : m.doc, 300), 300)
         << "\n";
    } else if (t == "context.add" || t == "context.update" || t == "context.remove") {
      std::string what =
          str(p, "content_ref").empty() ? str(p, "new_content_ref") : str(p, "content_ref");
      const std::string content =
          str(p, "content").empty() ? str(p, "new_content") : str(p, "content");
      tl << head << "**Context** " << t.substr(8) << " `" << md(str(p, "key"), 120) << "` by "
         << who;
      if (!what.empty()) {
        tl << " (ref " << md(what, 100) << ")";
      } else if (!content.empty()) {
        tl << " (" << content.size() << " bytes): " << md(content, 120);
      }
      if (!str(p, "reason").empty()) {
        tl << " \xe2\x80\x94 " << md(str(p, "reason"));
      }
      tl << "\n";
    } else if (t == "session.join") {
      const rapidjson::Value *part = nullptr;
      if (p != nullptr) {
        auto it = p->FindMember("participant");
        part = it != p->MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
      }
      tl << head << md(str(part, "id").empty() ? m.sender : str(part, "id"), 80) << " joined"
         << (part != nullptr ? " as " + md(str(part, "type"), 20) +
                                   " (roles: " + md(list_field(part, "roles"), 80) + ")"
                             : "")
         << "\n";
    } else if (t == "session.leave" || t == "session.end") {
      tl << head << who << " " << (t == "session.end" ? "ended the session" : "left") << ": "
         << md(str(p, "reason")) << "\n";
    } else if (t == "secret.share") {
      tl << head << who << " shared secret `" << md(str(p, "key"), 80)
         << "` (value not journaled)\n";
    } else if (t == "heartbeat.ping" || t == "heartbeat.pong" || t == "presence.update") {
      // Liveness noise: counted in the summary, not listed.
    } else {
      tl << head << "`" << md(t, 64) << "` from " << who << ": `"
         << md(p ? compact(*p, 300) : "", 300) << "`\n";
    }
  }

  std::ostringstream out;
  out << "# Session " << md(in.session, 200) << "\n\n";
  out << "- State: " << (in.ended ? "ended" : "open") << "\n";
  out << "- Journal: `" << in.journal_path << "` (" << in.chain_status << ")\n";
  out << "- Messages: " << stats.messages;
  if (stats.messages > 0) {
    out << " (seq " << stats.first_seq << "\xe2\x80\x93" << stats.last_seq << ", "
        << md(stats.first_ts, 40) << " \xe2\x80\x93 " << md(stats.last_ts, 40) << ")";
  }
  out << "\n- Participants: ";
  bool first = true;
  for (const auto &[sender, n] : stats.senders) {
    out << (first ? "" : ", ") << md(sender, 80) << " (" << n << ")";
    first = false;
  }
  out << "\n\n## Decisions\n\n";
  if (decision_order.empty()) {
    out << "No tool proposals.\n";
  } else {
    out << "| seq | tool | proposed by | risk | outcome | decided by | approvals | result |\n"
        << "|---|---|---|---|---|---|---|---|\n";
    for (const auto &id : decision_order) {
      const Decision &d = decisions[id];
      std::string approvals;
      for (const auto &a : d.approvals) {
        approvals += (approvals.empty() ? "" : ", ") + a;
      }
      out << "| " << d.seq << " | `" << md(d.tool, 80) << "` | " << md(d.proposer, 80) << " | "
          << md(d.risk, 20) << " | " << md(d.outcome, 60) << " | " << md(d.decided_by, 120) << " | "
          << md(approvals, 200) << " | " << md(d.result, 120) << " |\n";
    }
  }
  out << "\n## Timeline\n\n" << tl.str();
  return out.str();
}

}  // namespace pvpd::report
