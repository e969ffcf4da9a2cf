// Per-session decision state (see decision_state.h). The counting and summary rules follow the
// reference bridge (pvp-anchor.md §8.1), but per session instead of one global state.
#include "decision_state.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

namespace pvpd::git_bridge {
namespace {

constexpr std::string_view kIncluded[] = {
    "prompt.submit", "response.end", "tool.propose",  "tool.result",  "gate.approve", "gate.reject",
    "context.add",   "fork.create",  "merge.execute", "tool.execute", "gate.timeout"};

bool included(std::string_view type) {
  return std::find(std::begin(kIncluded), std::end(kIncluded), type) != std::end(kIncluded);
}

std::string str(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return std::string();
  }
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString()) {
    return std::string();
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

const rapidjson::Value *obj_member(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return nullptr;
  }
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::vector<std::string> strings(const rapidjson::Value *v) {
  std::vector<std::string> out;
  if (v != nullptr && v->IsArray()) {
    for (const auto &item : v->GetArray()) {
      if (item.IsString()) {
        out.emplace_back(item.GetString(), item.GetStringLength());
      }
    }
  }
  return out;
}

uint64_t uint_member(const rapidjson::Value *obj, const char *key) {
  const rapidjson::Value *v = obj == nullptr ? nullptr : obj_member(*obj, key);
  return v != nullptr && v->IsUint64() ? v->GetUint64() : 0;
}

// Cuts at a UTF-8 boundary so summaries stay valid UTF-8.
std::string cut(const std::string &s, std::size_t max) {
  if (s.size() <= max) {
    return s;
  }
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) {
    --n;
  }
  return s.substr(0, n);
}

void add_unique(std::vector<std::string> *v, const std::string &s) {
  if (!s.empty() && std::find(v->begin(), v->end(), s) == v->end()) {
    v->push_back(s);
  }
}

std::string summarize(std::string_view type, const rapidjson::Value &payload) {
  if (type == "prompt.submit") {
    std::string content = str(payload, "content");
    return content.size() > 100 ? cut(content, 100) + "..." : content;
  }
  if (type == "tool.propose") {
    std::string risk = str(payload, "risk_level");
    return "Tool: " + str(payload, "tool_name") + " (" + (risk.empty() ? "unknown" : risk) + ")";
  }
  if (type == "tool.result") {
    const auto *ok = obj_member(payload, "success");
    return std::string("Tool result: ") +
           (ok != nullptr && ok->IsBool() && ok->GetBool() ? "success" : "failed");
  }
  if (type == "gate.approve") {
    return "Gate approved";
  }
  if (type == "gate.reject") {
    return "Gate rejected: " + str(payload, "reason");
  }
  if (type == "response.end") {
    return "Response complete (" + str(payload, "finish_reason") + ")";
  }
  return std::string(type);
}

std::string canonical(std::string_view path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(std::filesystem::path(std::string(path)), ec);
  if (ec) {
    return std::string();
  }
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') {
    s.pop_back();
  }
  return s;
}

}  // namespace

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(ms.count()));
  return out;
}

const Participant *SessionDecisions::participant(std::string_view pid) const {
  for (const Participant &p : participants) {
    if (p.id == pid) {
      return &p;
    }
  }
  return nullptr;
}

std::vector<std::string> SessionDecisions::approvers() const {
  std::vector<std::string> out;
  for (const Gate &g : gates) {
    if (g.status == "approved") {
      for (const std::string &a : g.approvers) {
        add_unique(&out, a);
      }
    }
  }
  for (const ToolRun &t : tool_runs) {
    for (const std::string &a : t.approved_by) {
      add_unique(&out, a);
    }
  }
  return out;
}

DecisionTracker::DecisionTracker(std::size_t max_messages, std::size_t max_commits)
    : max_messages_(max_messages),
      max_commits_(max_commits),
      started_(std::chrono::steady_clock::now()) {}

SessionDecisions &DecisionTracker::session_locked(const std::string &id,
                                                  std::vector<RepoEvent> *events) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    it = sessions_.emplace(id, SessionDecisions{}).first;
    it->second.id = id;
    it->second.started_at = now_iso8601();
    if (events != nullptr) {
      RepoEvent e;
      e.kind = RepoEvent::Kind::kSessionSeen;
      e.session = id;
      events->push_back(std::move(e));
    }
  }
  return it->second;
}

std::vector<RepoEvent> DecisionTracker::observe(std::string_view envelope_json) {
  std::vector<RepoEvent> events;
  rapidjson::Document d;
  d.Parse(envelope_json.data() == nullptr ? "" : envelope_json.data(), envelope_json.size());
  if (d.HasParseError() || !d.IsObject()) {
    return events;
  }
  const std::string session = str(d, "session");
  const std::string type = str(d, "type");
  if (session.empty() || type.empty()) {
    return events;
  }
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  const rapidjson::Value *payload_ptr = obj_member(d, "payload");
  const rapidjson::Value &payload =
      payload_ptr != nullptr && payload_ptr->IsObject() ? *payload_ptr : kEmpty;
  const std::string id = str(d, "id");
  const std::string sender = str(d, "sender");
  std::string ts = str(d, "ts");
  if (ts.empty()) {
    ts = now_iso8601();
  }

  if (type == "context.add" && str(payload, "source") == kBridgeSource) {
    return events;  // our own commit / merge announcements are not decisions
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Streaming frames change no decision: they must not make the bridge rewrite its state file
  // (decision_store.h) for every chunk.
  const bool stream = type.ends_with(".chunk") || type == "tool.output" ||
                      type.rfind("heartbeat.", 0) == 0 || type.rfind("presence.", 0) == 0;
  if (!stream || sessions_.find(session) == sessions_.end()) {
    ++version_;
  }
  ++messages_processed_;
  SessionDecisions &s = session_locked(session, &events);
  current_ = session;
  s.last_activity_at = ts;

  if (type == "participant.announce" || type == "session.join") {
    const rapidjson::Value &p =
        type == "session.join" && obj_member(payload, "participant") != nullptr
            ? *obj_member(payload, "participant")
            : payload;
    Participant part;
    part.id = str(p, "id");
    part.name = str(p, "name");
    part.type = str(p, "type");
    part.roles = strings(obj_member(p, "roles"));
    if (!part.id.empty()) {
      auto it = std::find_if(s.participants.begin(), s.participants.end(),
                             [&](const Participant &x) { return x.id == part.id; });
      if (it == s.participants.end()) {
        s.participants.push_back(std::move(part));
      } else {
        *it = std::move(part);
      }
    }
  } else if (type == "participant.role_change") {
    std::string pid = str(payload, "participant");
    for (Participant &p : s.participants) {
      if (p.id == pid) {
        p.roles = strings(obj_member(payload, "new_roles"));
      }
    }
  } else if (type == "session.end") {
    s.ended = true;
  } else if (type == "merge.propose") {
    // Not counted (the reference does not include it), but merge.execute names only this id.
    merge_proposals_[session + '\n' + id] = {str(payload, "source_fork"),
                                             str(payload, "target_fork")};
  } else if (type == "gate.request") {
    // Not counted either; it carries the digest the approvers voted on.
    std::string gate_id = str(payload, "action_ref");
    auto it = std::find_if(s.gates.begin(), s.gates.end(),
                           [&](const Gate &g) { return g.id == gate_id; });
    if (it == s.gates.end() && !gate_id.empty()) {
      Gate g;
      g.id = gate_id;
      for (const ToolRun &r : s.tool_runs) {
        if (r.proposal == gate_id) {
          g.tool_name = r.tool_name;
          g.agent = r.agent;
        }
      }
      s.gates.push_back(std::move(g));
      it = s.gates.end() - 1;
    }
    if (it != s.gates.end()) {
      it->digest = str(payload, "digest");
    }
  }

  if (!included(type)) {
    return events;
  }
  ++s.messages_since_last_commit;
  s.messages.push_back({id, type, sender, ts, summarize(type, payload)});
  if (s.messages.size() > max_messages_) {
    s.messages.erase(s.messages.begin(),
                     s.messages.begin() + static_cast<long>(s.messages.size() - max_messages_));
  }

  if (type == "prompt.submit") {
    ++s.prompts_count;
    s.prompts.push_back({id, sender, cut(str(payload, "content"), 500), ts});
    add_unique(&s.decisive_ids, id);
  } else if (type == "tool.propose") {
    std::string tool = str(payload, "tool_name");
    auto it = std::find_if(s.tools.begin(), s.tools.end(),
                           [&](const ToolSummary &t) { return t.tool_name == tool; });
    if (it == s.tools.end()) {
      s.tools.push_back({tool, 0, ts, 0});
      it = s.tools.end() - 1;
    }
    ++it->execution_count;
    it->last_executed = ts;
    ToolRun run;
    run.proposal = id;
    run.tool_name = tool;
    run.agent = sender;
    run.risk_level = str(payload, "risk_level");
    // The gate.request is routed before the proposal it gates.
    for (Gate &g : s.gates) {
      if (g.id == id) {
        g.tool_name = tool;
        g.agent = sender;
      }
    }
    s.tool_runs.push_back(std::move(run));
    add_unique(&s.decisive_ids, id);
  } else if (type == "tool.result") {
    const auto *ok = obj_member(payload, "success");
    bool success = ok != nullptr && ok->IsBool() && ok->GetBool();
    if (!s.tools.empty()) {
      // Reference rule: the LAST tool's rate moves halfway towards this result.
      s.tools.back().success_rate = (s.tools.back().success_rate + (success ? 1.0 : 0.0)) / 2;
    }
    std::string proposal = str(payload, "tool_proposal");
    for (ToolRun &r : s.tool_runs) {
      if (r.proposal == proposal) {
        r.status = success ? "succeeded" : "failed";
      }
    }
  } else if (type == "gate.approve" || type == "gate.reject") {
    std::string gate_id = str(payload, "gate");
    std::string who = type == "gate.approve" ? str(payload, "approver") : str(payload, "rejector");
    if (who.empty()) {
      who = sender;
    }
    if (type == "gate.approve") {
      ++s.approvals_count;
    }
    add_unique(&s.decisive_ids, id);
    auto it = std::find_if(s.gates.begin(), s.gates.end(),
                           [&](const Gate &g) { return g.id == gate_id; });
    if (it == s.gates.end() && !gate_id.empty()) {
      Gate g;
      g.id = gate_id;
      s.gates.push_back(std::move(g));
      it = s.gates.end() - 1;
    }
    if (it != s.gates.end()) {
      if (type == "gate.approve") {
        add_unique(&it->approvers, who);
      } else {
        add_unique(&it->rejectors, who);
        it->status = "rejected";
        ++s.gates_processed;
        for (ToolRun &r : s.tool_runs) {
          if (r.proposal == gate_id) {
            r.status = "rejected";
          }
        }
      }
    }
  } else if (type == "tool.execute") {
    std::string proposal = str(payload, "tool_proposal");
    std::vector<std::string> approved_by = strings(obj_member(payload, "approved_by"));
    for (ToolRun &r : s.tool_runs) {
      if (r.proposal == proposal) {
        r.approved_by = approved_by;
        r.status = "executed";
      }
    }
    for (Gate &g : s.gates) {
      if (g.id == proposal && g.status == "open") {
        g.status = "approved";
        for (const std::string &a : approved_by) {
          add_unique(&g.approvers, a);
        }
        ++s.gates_processed;
      }
    }
  } else if (type == "gate.timeout") {
    std::string gate_id = str(payload, "gate");
    for (Gate &g : s.gates) {
      if (g.id == gate_id && g.status == "open") {
        g.status = "timeout";
        ++s.gates_processed;
      }
    }
  } else if (type == "context.add") {
    add_unique(&s.context_keys, str(payload, "key"));
  } else if (type == "response.end") {
    const rapidjson::Value *usage = obj_member(payload, "usage");
    if (usage == nullptr) {
      usage = obj_member(payload, "token_usage");
    }
    if (usage != nullptr && usage->IsObject()) {
      s.tokens.input += uint_member(usage, "input_tokens");
      s.tokens.output += uint_member(usage, "output_tokens");
      uint64_t total = uint_member(usage, "total_tokens");
      s.tokens.total +=
          total != 0 ? total
                     : uint_member(usage, "input_tokens") + uint_member(usage, "output_tokens");
      const rapidjson::Value *cost = obj_member(*usage, "cost");
      if (cost != nullptr && cost->IsNumber()) {
        s.tokens.cost += cost->GetDouble();
      }
    }
  } else if (type == "fork.create") {
    ForkInfo f;
    f.id = str(payload, "fork_id");
    f.name = str(payload, "name");
    f.from_point = str(payload, "from_point");
    if (!f.id.empty()) {
      RepoEvent e;
      e.kind = RepoEvent::Kind::kForkCreated;
      e.session = session;
      e.fork_id = f.id;
      e.fork_name = f.name;
      events.push_back(std::move(e));
      s.forks.push_back(std::move(f));
    }
  } else if (type == "merge.execute") {
    std::string proposal = str(payload, "merge_proposal");
    auto it = merge_proposals_.find(session + '\n' + proposal);
    if (it != merge_proposals_.end()) {
      RepoEvent e;
      e.kind = RepoEvent::Kind::kMergeExecuted;
      e.session = session;
      e.source_fork = it->second.first;
      e.target_fork = it->second.second;
      e.proposal = proposal;
      events.push_back(std::move(e));
      merge_proposals_.erase(it);
    }
  }
  return events;
}

SessionLookup DecisionTracker::resolve(std::string_view session, std::string_view repo) const {
  SessionLookup out;
  std::lock_guard<std::mutex> lock(mu_);
  if (!session.empty()) {
    if (sessions_.count(std::string(session)) == 0) {
      out.error = "Unknown session";
    } else {
      out.session = std::string(session);
    }
    return out;
  }
  if (!repo.empty()) {
    if (repo.find('\0') != std::string_view::npos) {
      out.error = "Unknown repository";
      return out;
    }
    std::string path = canonical(repo);
    const SessionDecisions *best = nullptr;
    for (const auto &[id, s] : sessions_) {
      if (s.repository.empty() || path.empty()) {
        continue;
      }
      bool inside =
          path == s.repository || (path.size() > s.repository.size() &&
                                   path.compare(0, s.repository.size(), s.repository) == 0 &&
                                   path[s.repository.size()] == '/');
      // The longest match wins (a session repo nested inside another's workspace); among
      // sessions sharing one repository, a live one beats an ended one, then the most recently
      // active one (ISO-8601 timestamps compare as strings).
      bool better =
          best == nullptr || s.repository.size() > best->repository.size() ||
          (s.repository.size() == best->repository.size() &&
           (best->ended != s.ended ? !s.ended : s.last_activity_at > best->last_activity_at));
      if (inside && better) {
        best = &s;
      }
    }
    if (best == nullptr) {
      out.error = "Unknown repository";
    } else {
      out.session = best->id;
    }
    return out;
  }
  if (!current_.empty()) {
    out.session = current_;
  }
  return out;
}

void DecisionTracker::set_repository(const std::string &session, const std::string &path) {
  std::string c = canonical(path);
  std::lock_guard<std::mutex> lock(mu_);
  ++version_;
  session_locked(session, nullptr).repository = c.empty() ? path : c;
}

std::optional<SessionDecisions> DecisionTracker::snapshot(const std::string &session) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<std::string> DecisionTracker::session_ids() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto &[id, s] : sessions_) {
    out.push_back(id);
  }
  return out;
}

void DecisionTracker::reset_per_commit(SessionDecisions *s) {
  s->messages_since_last_commit = 0;
  s->prompts_count = 0;
  s->approvals_count = 0;
  s->gates_processed = 0;
  s->messages.clear();
  s->decisive_ids.clear();
  s->tools.clear();
  s->prompts.clear();
  s->tool_runs.clear();
  s->tokens = TokenUsage{};
  // Open gates are still pending decisions: they belong to the next commit.
  s->gates.erase(std::remove_if(s->gates.begin(), s->gates.end(),
                                [](const Gate &g) { return g.status != "open"; }),
                 s->gates.end());
}

std::optional<SessionDecisions> DecisionTracker::commit_created(
    const std::optional<std::string> &session, const std::string &sha,
    const std::string &timestamp) {
  std::lock_guard<std::mutex> lock(mu_);
  ++version_;
  std::string id = session.value_or(current_);
  CommitRecord rec;
  rec.sha = sha;
  rec.timestamp = timestamp.empty() ? now_iso8601() : timestamp;
  rec.session_id = id;
  std::optional<SessionDecisions> before;
  auto it = id.empty() ? sessions_.end() : sessions_.find(id);
  if (it != sessions_.end()) {
    before = it->second;
    for (const Participant &p : it->second.participants) {
      rec.participants.push_back(p.name.empty() ? p.id : p.name);
    }
    rec.message_count = it->second.messages_since_last_commit;
    it->second.last_commit = sha;
    reset_per_commit(&it->second);
  }
  commits_.insert(commits_.begin(), std::move(rec));
  if (commits_.size() > max_commits_) {
    commits_.resize(max_commits_);
  }
  ++commits_tracked_;
  return before;
}

void DecisionTracker::session_started(const std::string &session,
                                      std::vector<Participant> participants) {
  std::lock_guard<std::mutex> lock(mu_);
  ++version_;
  SessionDecisions &s = session_locked(session, nullptr);
  for (Participant &p : participants) {
    if (s.participant(p.id) == nullptr) {
      s.participants.push_back(std::move(p));
    }
  }
  current_ = session;
}

void DecisionTracker::session_ended(const std::optional<std::string> &session) {
  std::lock_guard<std::mutex> lock(mu_);
  ++version_;
  std::string id = session.value_or(current_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) {
    reset_per_commit(&it->second);
    it->second.ended = true;
  }
  if (id == current_) {
    current_.clear();
  }
}

void DecisionTracker::reset(const std::optional<std::string> &session) {
  std::lock_guard<std::mutex> lock(mu_);
  ++version_;
  auto it = sessions_.find(session.value_or(current_));
  if (it != sessions_.end()) {
    reset_per_commit(&it->second);
  }
}

TrackerState DecisionTracker::export_state(uint64_t *version) const {
  std::lock_guard<std::mutex> lock(mu_);
  *version = version_;
  TrackerState st;
  st.sessions = sessions_;
  st.commits = commits_;
  st.current = current_;
  st.messages_processed = messages_processed_;
  st.commits_tracked = commits_tracked_;
  st.merge_proposals = merge_proposals_;
  return st;
}

void DecisionTracker::import_state(TrackerState state) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_ = std::move(state.sessions);
  commits_ = std::move(state.commits);
  if (commits_.size() > max_commits_) {
    commits_.resize(max_commits_);
  }
  current_ = std::move(state.current);
  messages_processed_ = state.messages_processed;
  commits_tracked_ = state.commits_tracked;
  merge_proposals_ = std::move(state.merge_proposals);
}

uint64_t DecisionTracker::version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

BridgeStatus DecisionTracker::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  BridgeStatus st;
  st.session_active = !current_.empty();
  st.session_id = current_;
  st.uptime_seconds = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count());
  st.messages_processed = messages_processed_;
  st.commits_tracked = commits_tracked_;
  st.sessions = sessions_.size();
  return st;
}

std::vector<CommitRecord> DecisionTracker::commits(std::size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t n = std::min(limit, commits_.size());
  return std::vector<CommitRecord>(commits_.begin(), commits_.begin() + static_cast<long>(n));
}

}  // namespace pvpd::git_bridge
