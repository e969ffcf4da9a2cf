// PVP trailers and the JSON note (see commit_metadata.h).
#include "commit_metadata.h"

#include <git2.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "json_out.h"

namespace pvpd::git_bridge {
namespace {

constexpr std::size_t kMaxMessageIds = 50;

// Trailer values are comma-separated lists: keep ids to one token without separators so
// `git interpret-trailers` and readers split them back the same way.
std::string token(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u <= 0x20 || u == 0x7f || c == ',' || c == ';' ? '_' : c);
  }
  return out;
}

std::string join(const std::vector<std::string> &items) {
  std::string out;
  for (const std::string &s : items) {
    if (!out.empty()) {
      out += ',';
    }
    out += token(s);
  }
  return out;
}

void add_unique(std::vector<std::string> *v, const std::string &s) {
  if (!s.empty() && std::find(v->begin(), v->end(), s) == v->end()) {
    v->push_back(s);
  }
}

bool is_our_key(std::string_view line) {
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  std::string_view key = line.substr(0, colon);
  for (const char *k : kTrailerKeys) {
    std::string_view kv(k);
    if (kv.size() == key.size() &&
        std::equal(kv.begin(), kv.end(), key.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return true;
    }
  }
  return false;
}

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

std::vector<std::string> decision_by(const SessionDecisions &s) {
  std::vector<std::string> ids;
  for (const Prompt &p : s.prompts) {
    add_unique(&ids, p.sender);
  }
  for (const std::string &a : s.approvers()) {
    add_unique(&ids, a);
  }
  for (const ToolRun &r : s.tool_runs) {
    if (r.status == "executed" || r.status == "succeeded" || r.status == "failed") {
      add_unique(&ids, r.agent);
    }
  }
  std::vector<std::string> out;
  for (const std::string &id : ids) {
    const Participant *p = s.participant(id);
    std::string kind = p != nullptr && p->type == "agent" ? "ai" : "human";
    out.push_back(kind + ":" + id);
  }
  return out;
}

Trailers build_trailers(const SessionDecisions &s) {
  Trailers t;
  t.emplace_back("PVP-Session", token(s.id));
  std::vector<std::string> ids = s.decisive_ids;
  if (ids.size() > kMaxMessageIds) {
    // The newest decisions matter most; the note has the full list.
    ids.erase(ids.begin(), ids.begin() + static_cast<long>(ids.size() - kMaxMessageIds));
  }
  if (!ids.empty()) {
    t.emplace_back("PVP-Messages", join(ids));
  }
  if (auto approvers = s.approvers(); !approvers.empty()) {
    t.emplace_back("PVP-Approvers", join(approvers));
  }
  if (!s.tools.empty()) {
    std::string tools;
    for (const ToolSummary &tool : s.tools) {
      if (!tools.empty()) {
        tools += ',';
      }
      tools += token(tool.tool_name) + ':' + std::to_string(tool.execution_count);
    }
    t.emplace_back("PVP-Tools", tools);
  }
  if (auto by = decision_by(s); !by.empty()) {
    t.emplace_back("Decision-By", join(by));
  }
  if (s.journal) {
    t.emplace_back("PVP-Journal", std::to_string(s.journal->seq) + ":" + s.journal->hash);
  }
  return t;
}

std::optional<JournalAnchor> parse_journal_anchor(std::string_view value) {
  std::size_t colon = value.find(':');
  if (colon == 0 || colon == std::string_view::npos || value.size() - colon - 1 != 64 ||
      (value[0] == '0' && colon > 1)) {
    return std::nullopt;  // one spelling per anchor: no leading zeros
  }
  JournalAnchor a;
  for (char c : value.substr(0, colon)) {
    if (c < '0' || c > '9' || a.seq > (UINT64_MAX - 9) / 10) {
      return std::nullopt;
    }
    a.seq = a.seq * 10 + static_cast<uint64_t>(c - '0');
  }
  for (char c : value.substr(colon + 1)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return std::nullopt;
    }
  }
  a.hash = std::string(value.substr(colon + 1));
  return a;
}

std::string add_trailers(std::string_view message, const Trailers &trailers) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t nl = message.find('\n', pos);
    if (nl == std::string_view::npos) {
      lines.emplace_back(message.substr(pos));
      break;
    }
    lines.emplace_back(message.substr(pos, nl - pos));
    pos = nl + 1;
  }
  // The tail git strips on cleanup: everything from a scissors line, else the trailing run of
  // comment and blank lines.
  std::size_t tail = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("# ", 0) == 0 && lines[i].find(">8") != std::string::npos) {
      tail = i;
      break;
    }
  }
  while (tail > 0 && (blank(lines[tail - 1]) || lines[tail - 1].rfind('#', 0) == 0)) {
    --tail;
  }
  std::vector<std::string> body;
  for (std::size_t i = 0; i < tail; ++i) {
    if (!is_our_key(lines[i])) {
      body.push_back(lines[i]);
    }
  }
  while (!body.empty() && blank(body.back())) {
    body.pop_back();
  }
  bool has_text = std::any_of(body.begin(), body.end(), [](const std::string &l) {
    return !blank(l) && l.rfind('#', 0) != 0;
  });
  if (!has_text || trailers.empty()) {
    return std::string(message);
  }
  std::string out;
  for (const std::string &l : body) {
    out += l;
    out += '\n';
  }
  // Join an existing trailer block (Signed-off-by, ...) instead of starting a second one, which
  // git would not recognise as trailers.
  bool last_paragraph_is_trailers = body.size() > 1 && !parse_trailers(out).empty();
  if (!last_paragraph_is_trailers) {
    out += '\n';
  }
  for (const auto &[key, value] : trailers) {
    out += key + ": " + value + '\n';
  }
  while (tail < lines.size() && blank(lines[tail])) {
    ++tail;
  }
  if (tail < lines.size()) {
    out += '\n';
    for (std::size_t i = tail; i < lines.size(); ++i) {
      out += lines[i];
      out += '\n';
    }
  }
  return out;
}

Trailers parse_trailers(std::string_view message) {
  Trailers out;
  std::string copy(message);
  git_message_trailer_array arr{};
  if (git_message_trailers(&arr, copy.c_str()) != 0) {
    return out;
  }
  for (std::size_t i = 0; i < arr.count; ++i) {
    out.emplace_back(arr.trailers[i].key, arr.trailers[i].value);
  }
  git_message_trailer_array_free(&arr);
  return out;
}

std::string note_json(const SessionDecisions &s, std::string_view sha, std::string_view timestamp) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put_key(w, "version");
  w.Uint(1);
  put_key(w, "commit");
  put(w, sha);
  put_key(w, "timestamp");
  put(w, timestamp);
  put_key(w, "session_id");
  put(w, s.id);
  put_key(w, "session_name");
  put_or_null(w, s.name);
  put_key(w, "repository");
  put_or_null(w, s.repository);
  put_key(w, "participants");
  w.StartArray();
  for (const Participant &p : s.participants) {
    w.StartObject();
    put_key(w, "id");
    put(w, p.id);
    put_key(w, "name");
    put(w, p.name);
    put_key(w, "type");
    put(w, p.type);
    put_key(w, "roles");
    put_list(w, p.roles);
    w.EndObject();
  }
  w.EndArray();
  put_key(w, "prompts");
  w.StartArray();
  for (const Prompt &p : s.prompts) {
    w.StartObject();
    put_key(w, "id");
    put(w, p.id);
    put_key(w, "sender");
    put(w, p.sender);
    put_key(w, "timestamp");
    put(w, p.timestamp);
    put_key(w, "content");
    put(w, p.content);
    w.EndObject();
  }
  w.EndArray();
  put_key(w, "gates");
  w.StartArray();
  for (const Gate &g : s.gates) {
    w.StartObject();
    put_key(w, "gate");
    put(w, g.id);
    put_key(w, "tool_name");
    put(w, g.tool_name);
    put_key(w, "agent");
    put(w, g.agent);
    put_key(w, "digest");
    put_or_null(w, g.digest);
    put_key(w, "status");
    put(w, g.status);
    put_key(w, "approvers");
    put_list(w, g.approvers);
    put_key(w, "rejectors");
    put_list(w, g.rejectors);
    w.EndObject();
  }
  w.EndArray();
  put_key(w, "tool_executions");
  w.StartArray();
  for (const ToolRun &r : s.tool_runs) {
    w.StartObject();
    put_key(w, "proposal");
    put(w, r.proposal);
    put_key(w, "tool_name");
    put(w, r.tool_name);
    put_key(w, "agent");
    put(w, r.agent);
    put_key(w, "risk_level");
    put_or_null(w, r.risk_level);
    put_key(w, "status");
    put(w, r.status);
    put_key(w, "approved_by");
    put_list(w, r.approved_by);
    w.EndObject();
  }
  w.EndArray();
  put_key(w, "approvers");
  put_list(w, s.approvers());
  put_key(w, "decision_by");
  put_list(w, decision_by(s));
  put_key(w, "messages");
  w.StartArray();
  for (const MessageSummary &m : s.messages) {
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
  w.EndArray();
  put_key(w, "message_ids");
  put_list(w, s.decisive_ids);
  put_key(w, "token_usage");
  w.StartObject();
  put_key(w, "input_tokens");
  w.Uint64(s.tokens.input);
  put_key(w, "output_tokens");
  w.Uint64(s.tokens.output);
  put_key(w, "total_tokens");
  w.Uint64(s.tokens.total);
  put_key(w, "cost");
  w.Double(s.tokens.cost);
  w.EndObject();
  // The anchor in the tamper-evident journal: null when the journal is off or the host is older
  // than ABI 1.2.
  put_key(w, "journal_hash");
  if (s.journal) {
    put(w, s.journal->hash);
  } else {
    w.Null();
  }
  put_key(w, "journal_seq");
  if (s.journal) {
    w.Uint64(s.journal->seq);
  } else {
    w.Null();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace pvpd::git_bridge
