// Bridge API request handling (see bridge_api.h).
#include "bridge_api.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <charconv>

#include "commit_metadata.h"
#include "json_out.h"
#include "repo.h"

namespace pvpd::git_bridge {
namespace {

constexpr std::size_t kDefaultCommitsLimit = 20;

std::string error_json(std::string_view message) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put_key(w, "error");
  put(w, message);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string wrapped(bool success, std::string_view error = {}) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put_key(w, "success");
  w.Bool(success);
  if (!success) {
    put_key(w, "error");
    put(w, error);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

ApiResponse json(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string parse_error_text(const rapidjson::Document &d) {
  return std::string("Parse error: ") + rapidjson::GetParseError_En(d.GetParseError()) +
         " at offset " + std::to_string(d.GetErrorOffset());
}

// Parses a POST body; an empty body is {} (the reference's /reset takes none).
bool parse_body(const std::string &body, rapidjson::Document *d, std::string *error) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    d->SetObject();
    return true;
  }
  d->Parse(body.c_str(), body.size());
  if (d->HasParseError()) {
    *error = parse_error_text(*d);
    return false;
  }
  if (!d->IsObject()) {
    *error = "Parse error: expected a JSON object";
    return false;
  }
  return true;
}

// A path that stays inside the work tree: relative, no `..` component, not in .git.
bool relative_inside(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos) {
    return false;
  }
  std::size_t start = 0;
  bool first = true;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::string_view part = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == ".." || (first && part == ".git")) {
      return false;
    }
    first = false;
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return true;
}

std::string str(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return std::string();
  }
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : std::string();
}

int hex(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool is_sha(std::string_view s) {
  return s.size() >= 4 && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return hex(c) >= 0; });
}

}  // namespace

struct BridgeApi::Params {
  std::optional<std::string> session;
};

BridgeApi::BridgeApi(DecisionTracker *tracker, ApiConfig config)
    : tracker_(tracker), config_(std::move(config)) {}

void BridgeApi::split_target(std::string_view target, std::string *path,
                             std::map<std::string, std::string> *query) {
  std::size_t q = target.find('?');
  *path = url_decode(target.substr(0, q));
  if (q == std::string_view::npos) {
    return;
  }
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    std::size_t eq = pair.find('=');
    std::string key = url_decode(pair.substr(0, eq));
    std::string value =
        eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
    if (!key.empty()) {
      (*query)[key] = value;
    }
    if (amp == std::string_view::npos) {
      break;
    }
    rest = rest.substr(amp + 1);
  }
}

ApiResponse BridgeApi::handle(const ApiRequest &request) const {
  std::string path = request.path;
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  if (request.method == "OPTIONS") {
    ApiResponse r;
    r.content_type.clear();
    return r;
  }
  if (request.method != "GET" && request.method != "POST") {
    return json(405, error_json("Method not allowed"));
  }
  if (request.body.size() > config_.max_body) {
    return json(413, error_json("Request body too large"));
  }
  auto q = [&](const char *k) {
    auto it = request.query.find(k);
    return it == request.query.end() ? std::string() : it->second;
  };
  std::string repo = q("repo");
  if (repo.empty()) {
    repo = request.repo_header;
  }
  SessionLookup lookup = tracker_->resolve(q("session"), repo);
  if (!lookup.error.empty()) {
    return json(404, error_json(lookup.error));
  }
  Params p{lookup.session};
  if (request.method == "GET") {
    if (path == "/commits") {
      std::size_t limit = kDefaultCommitsLimit;
      std::string l = q("limit");
      std::size_t v = 0;
      auto [ptr, ec] = std::from_chars(l.data(), l.data() + l.size(), v);
      if (!l.empty() && ec == std::errc() && ptr == l.data() + l.size()) {
        limit = std::min<std::size_t>(v, 100);
      }
      return json(200, commits_json(limit));
    }
    return get(path, p);
  }
  return post(path, p, request.body);
}

ApiResponse BridgeApi::get(const std::string &path, const Params &p) const {
  if (path == "/health") {
    return json(200, R"({"status":"ok","service":"pvpd-git-bridge"})");
  }
  if (path == "/commit-context") {
    return json(200, commit_context(p.session));
  }
  if (path == "/extended-metadata") {
    return json(200, extended_metadata(p.session));
  }
  if (path == "/status") {
    return json(200, status_json());
  }
  if (path == "/sessions") {
    return json(200, sessions_json());
  }
  if (path == "/trailers") {
    std::optional<SessionDecisions> s = p.session ? tracker_->snapshot(*p.session) : std::nullopt;
    if (s) {
      s->journal = journal_head(s->id);
    }
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    put_key(w, "session_id");
    put_or_null(w, s ? s->id : std::string());
    put_key(w, "trailers");
    w.StartArray();
    if (s) {
      for (const auto &[k, v] : build_trailers(*s)) {
        w.StartObject();
        put_key(w, "key");
        put(w, k);
        put_key(w, "value");
        put(w, v);
        w.EndObject();
      }
    }
    w.EndArray();
    w.EndObject();
    return json(200, std::string(buf.GetString(), buf.GetSize()));
  }
  return json(404, error_json("Not found"));
}

ApiResponse BridgeApi::post(const std::string &path, const Params &p,
                            const std::string &body) const {
  if (path == "/hooks/prepare-commit-msg") {
    // Plain text in, plain text out: the commit message file with the trailers added.
    ApiResponse r;
    r.content_type = "text/plain; charset=utf-8";
    std::optional<SessionDecisions> s = p.session ? tracker_->snapshot(*p.session) : std::nullopt;
    if (!s) {
      return json(404, error_json("No session"));
    }
    s->journal = journal_head(s->id);
    r.body = add_trailers(body, build_trailers(*s));
    return r;
  }
  if (path == "/hooks/pre-push") {
    ApiResponse r;
    r.content_type = "text/plain; charset=utf-8";
    std::optional<SessionDecisions> s = p.session ? tracker_->snapshot(*p.session) : std::nullopt;
    if (!s || s->repository.empty()) {
      return json(404, error_json("No session repository"));
    }
    PushCoverage c = push_coverage(s->repository, body);
    if (!c.ok) {
      r.status = 500;
      r.body = "pvpd git-bridge: pre-push check failed: " + c.error;
      return r;
    }
    unsigned percent = c.total == 0 ? 100u : static_cast<unsigned>(c.with_trailers * 100 / c.total);
    r.body = "PVP pre-push check: " + std::to_string(c.with_trailers) + "/" +
             std::to_string(c.total) + " commits (" + std::to_string(percent) +
             "%) carry PVP trailers";
    for (const std::string &m : c.missing) {
      r.body += "\n  missing: " + m;
    }
    if (percent < config_.min_coverage) {
      r.body += "\nbelow the minimum of " + std::to_string(config_.min_coverage) + "%";
      if (config_.enforce_coverage) {
        r.status = 409;
        r.body += ": push refused";
      }
    }
    return r;
  }
  static const char *const kPosts[] = {"/commit-created", "/session-started", "/session-ended",
                                       "/message",        "/reset",           "/agent-commit"};
  if (std::find_if(std::begin(kPosts), std::end(kPosts),
                   [&](const char *k) { return path == k; }) == std::end(kPosts)) {
    return json(404, error_json("Not found"));
  }
  rapidjson::Document d;
  std::string error;
  if (!parse_body(body, &d, &error)) {
    return json(400, error_json(error));
  }
  if (path == "/commit-created") {
    // The reference's post-commit hook sends commit_sha at the top level, its socket wants it
    // under data: accept both.
    std::string sha = str(d, "commit_sha");
    std::string ts = str(d, "timestamp");
    if (sha.empty() && d.HasMember("data")) {
      sha = str(d["data"], "commit_sha");
      ts = str(d["data"], "timestamp");
    }
    if (sha.empty() || !is_sha(sha)) {
      return json(200, wrapped(false, "Missing commit_sha"));
    }
    std::string note_error;
    std::string err = commit_created(p.session, sha, ts, &note_error);
    return json(200, err.empty() ? wrapped(true) : wrapped(false, err));
  }
  if (path == "/agent-commit") {
    // An agent's git_commit tool (after its gate): commit the whole workspace with the trailers,
    // then record it like a hook-made commit (note, reset, announcement).
    std::string message = str(d, "message");
    std::optional<SessionDecisions> s = p.session ? tracker_->snapshot(*p.session) : std::nullopt;
    if (message.find_first_not_of(" \t\r\n") == std::string::npos) {
      return json(200, wrapped(false, "Missing message"));
    }
    // Optional `paths`: commit only these (workspace-relative; nothing outside the repository
    // and nothing in .git can be named).
    std::vector<std::string> only;
    if (auto it = d.FindMember("paths"); it != d.MemberEnd()) {
      if (!it->value.IsArray()) {
        return json(200, wrapped(false, "paths must be a list of relative paths"));
      }
      for (const auto &v : it->value.GetArray()) {
        std::string rel = v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : "";
        if (!relative_inside(rel)) {
          return json(200, wrapped(false, "invalid path: " + rel));
        }
        only.push_back(rel);
      }
    }
    if (!s || s->repository.empty()) {
      return json(200, wrapped(false, "No session repository"));
    }
    s->journal = journal_head(s->id);
    RepoResult c = commit_all(s->repository, add_trailers(message, build_trailers(*s)), only);
    if (!c.ok) {
      return json(200, wrapped(false, c.error));
    }
    std::string note_error;
    commit_created(s->id, c.value, "", &note_error);
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    put_key(w, "success");
    w.Bool(true);
    put_key(w, "sha");
    put(w, c.value);
    w.EndObject();
    return json(200, std::string(buf.GetString(), buf.GetSize()));
  }
  if (path == "/session-started") {
    std::string id = str(d, "session_id");
    if (id.empty()) {
      return json(200, wrapped(false, "Missing session_id"));
    }
    std::vector<Participant> parts;
    if (auto it = d.FindMember("participants"); it != d.MemberEnd() && it->value.IsArray()) {
      for (const auto &v : it->value.GetArray()) {
        Participant part;
        part.id = str(v, "id");
        part.name = str(v, "name");
        part.type = str(v, "type");
        if (std::string role = str(v, "role"); !role.empty()) {
          part.roles.push_back(role);
        }
        if (!part.id.empty()) {
          parts.push_back(std::move(part));
        }
      }
    }
    tracker_->session_started(id, std::move(parts));
    return json(200, wrapped(true));
  }
  if (path == "/session-ended") {
    std::string id = str(d, "session_id");
    tracker_->session_ended(id.empty() ? p.session : std::optional<std::string>(id));
    return json(200, wrapped(true));
  }
  if (path == "/message") {
    auto it = d.FindMember("message");
    if (it == d.MemberEnd() || !it->value.IsObject()) {
      return json(200, wrapped(false, "Missing message"));
    }
    rapidjson::Value &m = it->value;
    if (!m.HasMember("session") && p.session) {
      m.AddMember("session", rapidjson::Value(p.session->c_str(), d.GetAllocator()),
                  d.GetAllocator());
    }
    if (!m.HasMember("ts") && m.HasMember("timestamp") && m["timestamp"].IsString()) {
      m.AddMember("ts", rapidjson::Value(m["timestamp"], d.GetAllocator()), d.GetAllocator());
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    m.Accept(w);
    tracker_->observe(std::string_view(buf.GetString(), buf.GetSize()));
    return json(200, wrapped(true));
  }
  tracker_->reset(p.session);
  return json(200, wrapped(true));
}

std::string BridgeApi::commit_created(const std::optional<std::string> &session_in,
                                      const std::string &sha, const std::string &timestamp,
                                      std::string *note_error) const {
  std::optional<std::string> session = session_in;
  std::optional<SessionDecisions> s = session ? tracker_->snapshot(*session) : std::nullopt;
  std::optional<JournalAnchor> anchor;
  // A commit that names its session in a PVP-Session trailer belongs to that session, even when
  // its repository is shared by several sessions.
  if (s && !s->repository.empty() && sha.size() == 40) {
    if (auto msg = commit_message(s->repository, sha)) {
      for (const auto &[k, v] : parse_trailers(*msg)) {
        if (k == "PVP-Session" && v != s->id && tracker_->snapshot(v)) {
          session = v;
        }
        if (k == "PVP-Journal") {
          // The note repeats the anchor the message carries (written at prepare time), not the
          // head as it is now, which may have moved on.
          anchor = parse_journal_anchor(v);
        }
      }
    }
  }
  std::string ts = timestamp.empty() ? now_iso8601() : timestamp;
  std::optional<SessionDecisions> before = tracker_->commit_created(session, sha, ts);
  if (before) {
    before->journal = anchor ? anchor : journal_head(before->id);
  }
  if (before && !before->repository.empty() && sha.size() == 40) {
    RepoResult r =
        write_note(before->repository, config_.notes_ref, sha, note_json(*before, sha, ts));
    if (!r.ok) {
      // The commit is recorded either way (the reference accepts any sha); the note is best
      // effort and its failure is reported, not fatal.
      *note_error = r.error;
    }
  }
  if (before && config_.on_commit) {
    config_.on_commit(*before, sha);
  }
  return std::string();
}

std::optional<JournalAnchor> BridgeApi::journal_head(const std::string &session) const {
  return config_.journal_head ? config_.journal_head(session) : std::nullopt;
}

std::string BridgeApi::commit_context(const std::optional<std::string> &session) const {
  std::optional<SessionDecisions> s = session ? tracker_->snapshot(*session) : std::nullopt;
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put_key(w, "session_id");
  put_or_null(w, s ? s->id : std::string());
  put_key(w, "last_commit");
  put_or_null(w, s ? s->last_commit : std::string());
  put_key(w, "messages_since_last_commit");
  w.Uint64(s ? s->messages_since_last_commit : 0);
  std::string participants;
  std::string tools;
  std::string tool_names;
  if (s) {
    for (const Participant &p : s->participants) {
      participants += (participants.empty() ? "" : ", ") + (p.name.empty() ? p.id : p.name) + "(" +
                      p.type + ")";
    }
    for (const ToolSummary &t : s->tools) {
      tools += (tools.empty() ? "" : ", ") + t.tool_name + ":" + std::to_string(t.execution_count);
      tool_names += (tool_names.empty() ? "" : ", ") + t.tool_name;
    }
  }
  put_key(w, "active_participants");
  put(w, participants);
  put_key(w, "decision_summary");
  if (s && s->messages_since_last_commit > 0) {
    std::string summary = "PVP session: " + std::to_string(s->prompts_count) + " prompt(s)";
    if (!tool_names.empty()) {
      summary += "; tools: " + tool_names;
    }
    summary += "; " + std::to_string(s->approvals_count) + " approval(s)";
    put(w, summary);
  } else {
    w.Null();
  }
  put_key(w, "tool_executions");
  put(w, tools);
  put_key(w, "prompts_count");
  w.Uint64(s ? s->prompts_count : 0);
  put_key(w, "approvals_count");
  w.Uint64(s ? s->approvals_count : 0);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string BridgeApi::extended_metadata(const std::optional<std::string> &session) const {
  std::optional<SessionDecisions> s = session ? tracker_->snapshot(*session) : std::nullopt;
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put_key(w, "session_id");
  put_or_null(w, s ? s->id : std::string());
  put_key(w, "session_name");
  put_or_null(w, s ? s->name : std::string());
  put_key(w, "participants");
  w.StartArray();
  if (s) {
    for (const Participant &p : s->participants) {
      w.StartObject();
      put_key(w, "id");
      put(w, p.id);
      put_key(w, "name");
      put(w, p.name);
      put_key(w, "type");
      put(w, p.type);
      put_key(w, "role");
      put(w, p.roles.empty() ? std::string("participant") : p.roles.front());
      w.EndObject();
    }
  }
  w.EndArray();
  put_key(w, "messages");
  w.StartArray();
  if (s) {
    for (const MessageSummary &m : s->messages) {
      w.StartObject();
      put_key(w, "id");
      put(w, m.id);
      put_key(w, "type");
      put(w, m.type);
      put_key(w, "sender");
      put(w, m.sender);
      put_key(w, "timestamp");
      put(w, m.timestamp);
      put_key(w, "summary");
      put(w, m.summary);
      w.EndObject();
    }
  }
  w.EndArray();
  put_key(w, "tools");
  w.StartArray();
  if (s) {
    for (const ToolSummary &t : s->tools) {
      w.StartObject();
      put_key(w, "tool_name");
      put(w, t.tool_name);
      put_key(w, "execution_count");
      w.Uint64(t.execution_count);
      put_key(w, "last_executed");
      put(w, t.last_executed);
      put_key(w, "success_rate");
      w.Double(t.success_rate);
      w.EndObject();
    }
  }
  w.EndArray();
  put_key(w, "context_keys");
  put_list(w, s ? s->context_keys : std::vector<std::string>());
  put_key(w, "forks");
  std::vector<std::string> forks;
  if (s) {
    for (const ForkInfo &f : s->forks) {
      forks.push_back(f.id);
    }
  }
  put_list(w, forks);
  put_key(w, "gates_processed");
  w.Uint64(s ? s->gates_processed : 0);
  put_key(w, "total_token_usage");
  w.Uint64(s ? s->tokens.total : 0);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string BridgeApi::status_json() const {
  BridgeStatus st = tracker_->status();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put_key(w, "running");
  w.Bool(true);
  put_key(w, "session_active");
  w.Bool(st.session_active);
  put_key(w, "session_id");
  put_or_null(w, st.session_id);
  put_key(w, "uptime_seconds");
  w.Uint64(st.uptime_seconds);
  put_key(w, "messages_processed");
  w.Uint64(st.messages_processed);
  put_key(w, "commits_tracked");
  w.Uint64(st.commits_tracked);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string BridgeApi::commits_json(std::size_t limit) const {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartArray();
  for (const CommitRecord &c : tracker_->commits(limit)) {
    w.StartObject();
    put_key(w, "sha");
    put(w, c.sha);
    put_key(w, "timestamp");
    put(w, c.timestamp);
    put_key(w, "session_id");
    put_or_null(w, c.session_id);
    put_key(w, "had_pvp_metadata");
    w.Bool(c.had_pvp_metadata);
    put_key(w, "participants");
    put_list(w, c.participants);
    put_key(w, "message_count");
    w.Uint64(c.message_count);
    w.EndObject();
  }
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string BridgeApi::sessions_json() const {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartArray();
  for (const std::string &id : tracker_->session_ids()) {
    auto s = tracker_->snapshot(id);
    if (!s) {
      continue;
    }
    w.StartObject();
    put_key(w, "session_id");
    put(w, s->id);
    put_key(w, "repository");
    put_or_null(w, s->repository);
    put_key(w, "ended");
    w.Bool(s->ended);
    put_key(w, "messages_since_last_commit");
    w.Uint64(s->messages_since_last_commit);
    w.EndObject();
  }
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string BridgeApi::handle_socket_line(std::string_view line) const {
  if (line.size() > config_.max_body) {
    return wrapped(false, "Request too large");
  }
  rapidjson::Document d;
  d.Parse(line.data() == nullptr ? "" : line.data(), line.size());
  if (d.HasParseError()) {
    return wrapped(false, parse_error_text(d));
  }
  if (!d.IsObject()) {
    return wrapped(false, "Parse error: expected a JSON object");
  }
  std::string action = str(d, "action");
  const rapidjson::Value *data = nullptr;
  if (auto it = d.FindMember("data"); it != d.MemberEnd() && it->value.IsObject()) {
    data = &it->value;
  }
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  const rapidjson::Value &dv = data != nullptr ? *data : kEmpty;
  SessionLookup lookup = tracker_->resolve(str(dv, "session"), str(dv, "repo"));
  if (!lookup.error.empty()) {
    return wrapped(false, lookup.error);
  }
  auto ok_data = [](const std::string &payload) {
    return std::string(R"({"success":true,"data":)") + payload + "}";
  };
  auto reencode = [](const rapidjson::Value &v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
  };
  if (action == "get_commit_context") {
    return ok_data(commit_context(lookup.session));
  }
  if (action == "get_extended_metadata") {
    return ok_data(extended_metadata(lookup.session));
  }
  if (action == "get_status") {
    return ok_data(status_json());
  }
  if (action == "get_commits") {
    std::size_t limit = kDefaultCommitsLimit;
    if (auto it = dv.FindMember("limit"); it != dv.MemberEnd() && it->value.IsUint()) {
      limit = std::min<std::size_t>(it->value.GetUint(), 100);
    }
    return ok_data(commits_json(limit));
  }
  ApiRequest req;
  req.method = "POST";
  if (lookup.session) {
    req.query["session"] = *lookup.session;
  }
  if (action == "commit_created") {
    req.path = "/commit-created";
    // Top-level commit_sha too (the reference's own post-commit hook sends that shape).
    req.body = reencode(d);
  } else if (action == "session_started") {
    req.path = "/session-started";
    req.body = reencode(dv);
  } else if (action == "session_ended") {
    req.path = "/session-ended";
    req.body = reencode(dv);
  } else if (action == "message_received") {
    req.path = "/message";
    req.body = reencode(dv);
  } else if (action == "reset_context") {
    req.path = "/reset";
  } else {
    return wrapped(false, "Unknown action: " + action);
  }
  return handle(req).body;
}

}  // namespace pvpd::git_bridge
