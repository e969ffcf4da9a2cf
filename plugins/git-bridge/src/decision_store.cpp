// Decision state file (see decision_store.h).
#include "decision_store.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "json_out.h"

namespace pvpd::git_bridge {
namespace {

constexpr int kVersion = 1;

using Value = rapidjson::Value;

std::string get_str(const Value &o, const char *k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : std::string();
}
uint64_t get_u64(const Value &o, const char *k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}
double get_double(const Value &o, const char *k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble() : 0;
}
bool get_bool(const Value &o, const char *k) {
  auto it = o.FindMember(k);
  return it != o.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}
std::vector<std::string> get_list(const Value &o, const char *k) {
  std::vector<std::string> out;
  auto it = o.FindMember(k);
  if (it != o.MemberEnd() && it->value.IsArray()) {
    for (const auto &v : it->value.GetArray()) {
      if (v.IsString()) {
        out.emplace_back(v.GetString(), v.GetStringLength());
      }
    }
  }
  return out;
}
// Calls fn for every object element of array member `k`.
template <typename Fn>
void each(const Value &o, const char *k, Fn fn) {
  auto it = o.FindMember(k);
  if (it != o.MemberEnd() && it->value.IsArray()) {
    for (const auto &v : it->value.GetArray()) {
      if (v.IsObject()) {
        fn(v);
      }
    }
  }
}

void kv(JsonWriter &w, const char *k, std::string_view v) {
  put_key(w, k);
  put(w, v);
}
void kv(JsonWriter &w, const char *k, uint64_t v) {
  put_key(w, k);
  w.Uint64(v);
}
void kv_list(JsonWriter &w, const char *k, const std::vector<std::string> &v) {
  put_key(w, k);
  put_list(w, v);
}

void write_session(JsonWriter &w, const SessionDecisions &s) {
  w.StartObject();
  kv(w, "id", s.id);
  kv(w, "name", s.name);
  kv(w, "repository", s.repository);
  put_key(w, "participants");
  w.StartArray();
  for (const Participant &p : s.participants) {
    w.StartObject();
    kv(w, "id", p.id);
    kv(w, "name", p.name);
    kv(w, "type", p.type);
    kv_list(w, "roles", p.roles);
    w.EndObject();
  }
  w.EndArray();
  kv(w, "last_commit", s.last_commit);
  kv(w, "messages_since_last_commit", s.messages_since_last_commit);
  kv(w, "prompts_count", s.prompts_count);
  kv(w, "approvals_count", s.approvals_count);
  kv(w, "gates_processed", s.gates_processed);
  put_key(w, "messages");
  w.StartArray();
  for (const MessageSummary &m : s.messages) {
    w.StartObject();
    kv(w, "id", m.id);
    kv(w, "type", m.type);
    kv(w, "sender", m.sender);
    kv(w, "timestamp", m.timestamp);
    kv(w, "summary", m.summary);
    w.EndObject();
  }
  w.EndArray();
  kv_list(w, "decisive_ids", s.decisive_ids);
  put_key(w, "tools");
  w.StartArray();
  for (const ToolSummary &t : s.tools) {
    w.StartObject();
    kv(w, "tool_name", t.tool_name);
    kv(w, "execution_count", t.execution_count);
    kv(w, "last_executed", t.last_executed);
    put_key(w, "success_rate");
    w.Double(t.success_rate);
    w.EndObject();
  }
  w.EndArray();
  put_key(w, "prompts");
  w.StartArray();
  for (const Prompt &p : s.prompts) {
    w.StartObject();
    kv(w, "id", p.id);
    kv(w, "sender", p.sender);
    kv(w, "content", p.content);
    kv(w, "timestamp", p.timestamp);
    w.EndObject();
  }
  w.EndArray();
  put_key(w, "gates");
  w.StartArray();
  for (const Gate &g : s.gates) {
    w.StartObject();
    kv(w, "id", g.id);
    kv(w, "tool_name", g.tool_name);
    kv(w, "agent", g.agent);
    kv(w, "digest", g.digest);
    kv(w, "status", g.status);
    kv_list(w, "approvers", g.approvers);
    kv_list(w, "rejectors", g.rejectors);
    w.EndObject();
  }
  w.EndArray();
  put_key(w, "tool_runs");
  w.StartArray();
  for (const ToolRun &r : s.tool_runs) {
    w.StartObject();
    kv(w, "proposal", r.proposal);
    kv(w, "tool_name", r.tool_name);
    kv(w, "agent", r.agent);
    kv(w, "risk_level", r.risk_level);
    kv_list(w, "approved_by", r.approved_by);
    kv(w, "status", r.status);
    w.EndObject();
  }
  w.EndArray();
  kv_list(w, "context_keys", s.context_keys);
  put_key(w, "forks");
  w.StartArray();
  for (const ForkInfo &f : s.forks) {
    w.StartObject();
    kv(w, "id", f.id);
    kv(w, "name", f.name);
    kv(w, "from_point", f.from_point);
    w.EndObject();
  }
  w.EndArray();
  put_key(w, "tokens");
  w.StartObject();
  kv(w, "input", s.tokens.input);
  kv(w, "output", s.tokens.output);
  kv(w, "total", s.tokens.total);
  put_key(w, "cost");
  w.Double(s.tokens.cost);
  w.EndObject();
  kv(w, "started_at", s.started_at);
  kv(w, "last_activity_at", s.last_activity_at);
  put_key(w, "ended");
  w.Bool(s.ended);
  w.EndObject();
}

SessionDecisions read_session(const Value &o) {
  SessionDecisions s;
  s.id = get_str(o, "id");
  s.name = get_str(o, "name");
  s.repository = get_str(o, "repository");
  each(o, "participants", [&](const Value &v) {
    s.participants.push_back(Participant{get_str(v, "id"), get_str(v, "name"), get_str(v, "type"),
                                         get_list(v, "roles")});
  });
  s.last_commit = get_str(o, "last_commit");
  s.messages_since_last_commit = get_u64(o, "messages_since_last_commit");
  s.prompts_count = get_u64(o, "prompts_count");
  s.approvals_count = get_u64(o, "approvals_count");
  s.gates_processed = get_u64(o, "gates_processed");
  each(o, "messages", [&](const Value &v) {
    s.messages.push_back(MessageSummary{get_str(v, "id"), get_str(v, "type"), get_str(v, "sender"),
                                        get_str(v, "timestamp"), get_str(v, "summary")});
  });
  s.decisive_ids = get_list(o, "decisive_ids");
  each(o, "tools", [&](const Value &v) {
    s.tools.push_back(ToolSummary{get_str(v, "tool_name"), get_u64(v, "execution_count"),
                                  get_str(v, "last_executed"), get_double(v, "success_rate")});
  });
  each(o, "prompts", [&](const Value &v) {
    s.prompts.push_back(Prompt{get_str(v, "id"), get_str(v, "sender"), get_str(v, "content"),
                               get_str(v, "timestamp")});
  });
  each(o, "gates", [&](const Value &v) {
    Gate g;
    g.id = get_str(v, "id");
    g.tool_name = get_str(v, "tool_name");
    g.agent = get_str(v, "agent");
    g.digest = get_str(v, "digest");
    g.status = get_str(v, "status");
    g.approvers = get_list(v, "approvers");
    g.rejectors = get_list(v, "rejectors");
    s.gates.push_back(std::move(g));
  });
  each(o, "tool_runs", [&](const Value &v) {
    ToolRun r;
    r.proposal = get_str(v, "proposal");
    r.tool_name = get_str(v, "tool_name");
    r.agent = get_str(v, "agent");
    r.risk_level = get_str(v, "risk_level");
    r.approved_by = get_list(v, "approved_by");
    r.status = get_str(v, "status");
    s.tool_runs.push_back(std::move(r));
  });
  s.context_keys = get_list(o, "context_keys");
  each(o, "forks", [&](const Value &v) {
    s.forks.push_back(ForkInfo{get_str(v, "id"), get_str(v, "name"), get_str(v, "from_point")});
  });
  if (auto it = o.FindMember("tokens"); it != o.MemberEnd() && it->value.IsObject()) {
    s.tokens.input = get_u64(it->value, "input");
    s.tokens.output = get_u64(it->value, "output");
    s.tokens.total = get_u64(it->value, "total");
    s.tokens.cost = get_double(it->value, "cost");
  }
  s.started_at = get_str(o, "started_at");
  s.last_activity_at = get_str(o, "last_activity_at");
  s.ended = get_bool(o, "ended");
  return s;
}

}  // namespace

std::string encode_state(const TrackerState &state) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put_key(w, "pvpd_git_bridge_state");
  w.Int(kVersion);
  kv(w, "current", state.current);
  kv(w, "messages_processed", state.messages_processed);
  kv(w, "commits_tracked", state.commits_tracked);
  put_key(w, "sessions");
  w.StartArray();
  for (const auto &[id, s] : state.sessions) {
    write_session(w, s);
  }
  w.EndArray();
  put_key(w, "commits");
  w.StartArray();
  for (const CommitRecord &c : state.commits) {
    w.StartObject();
    kv(w, "sha", c.sha);
    kv(w, "timestamp", c.timestamp);
    kv(w, "session_id", c.session_id);
    put_key(w, "had_pvp_metadata");
    w.Bool(c.had_pvp_metadata);
    kv_list(w, "participants", c.participants);
    kv(w, "message_count", c.message_count);
    w.EndObject();
  }
  w.EndArray();
  put_key(w, "merge_proposals");
  w.StartArray();
  for (const auto &[id, st] : state.merge_proposals) {
    w.StartObject();
    kv(w, "id", id);
    kv(w, "source", st.first);
    kv(w, "target", st.second);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::optional<TrackerState> decode_state(std::string_view json, std::string *error) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(json.data() == nullptr ? "" : json.data(), json.size());
  if (d.HasParseError()) {
    *error = std::string("not JSON: ") + rapidjson::GetParseError_En(d.GetParseError()) +
             " at offset " + std::to_string(d.GetErrorOffset());
    return std::nullopt;
  }
  if (!d.IsObject() || !d.HasMember("pvpd_git_bridge_state") ||
      !d["pvpd_git_bridge_state"].IsInt() || d["pvpd_git_bridge_state"].GetInt() != kVersion) {
    *error = "not a git bridge state file of version 1";
    return std::nullopt;
  }
  TrackerState st;
  st.current = get_str(d, "current");
  st.messages_processed = get_u64(d, "messages_processed");
  st.commits_tracked = get_u64(d, "commits_tracked");
  each(d, "sessions", [&](const Value &v) {
    SessionDecisions s = read_session(v);
    if (!s.id.empty()) {
      std::string id = s.id;
      st.sessions[id] = std::move(s);
    }
  });
  each(d, "commits", [&](const Value &v) {
    CommitRecord c;
    c.sha = get_str(v, "sha");
    c.timestamp = get_str(v, "timestamp");
    c.session_id = get_str(v, "session_id");
    c.had_pvp_metadata = get_bool(v, "had_pvp_metadata");
    c.participants = get_list(v, "participants");
    c.message_count = get_u64(v, "message_count");
    st.commits.push_back(std::move(c));
  });
  each(d, "merge_proposals", [&](const Value &v) {
    st.merge_proposals[get_str(v, "id")] = {get_str(v, "source"), get_str(v, "target")};
  });
  return st;
}

std::string save_state_file(const std::string &path, const TrackerState &state) {
  std::string data = encode_state(state);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return "open " + tmp + ": " + std::strerror(errno);
  }
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      std::string err = "write " + tmp + ": " + std::strerror(errno);
      ::close(fd);
      return err;
    }
    off += static_cast<std::size_t>(n);
  }
  // Durable before it replaces the old file: a crash leaves the old state or the new, whole.
  if (::fsync(fd) != 0) {
    std::string err = "fsync " + tmp + ": " + std::strerror(errno);
    ::close(fd);
    return err;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return "rename " + tmp + ": " + std::strerror(errno);
  }
  return std::string();
}

std::optional<TrackerState> load_state_file(const std::string &path, std::string *error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error->clear();
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::optional<TrackerState> st = decode_state(ss.str(), error);
  if (!st) {
    *error = path + ": " + *error;
  }
  return st;
}

}  // namespace pvpd::git_bridge
