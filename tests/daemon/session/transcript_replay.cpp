#include "transcript_replay.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "router_test_util.h"

namespace pvpd::testing {
namespace {

std::string to_json(const rapidjson::Value &v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string member_string(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return {};
  }
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : std::string();
}

// "2026-11-22T03:16:35.445Z" -> Unix ms; 0 when unparsable.
uint64_t parse_ts_ms(const std::string &ts) {
  struct tm t {};
  int ms = 0;
  if (sscanf(ts.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour,
             &t.tm_min, &t.tm_sec, &ms) != 7) {
    return 0;
  }
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  time_t secs = timegm(&t);
  return secs < 0 ? 0 : static_cast<uint64_t>(secs) * 1000 + static_cast<uint64_t>(ms);
}

// Crockford base32 as ULIDs use it: digits and upper-case letters except I, L, O, U.
bool is_ulid_char(char c) {
  return (c >= '0' && c <= '9') ||
         (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
}

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

constexpr size_t kUlidLength = 26;
constexpr uint64_t kTickMs = 500;  // Core ticks the router about twice a second

}  // namespace

std::vector<TranscriptRecord> load_transcript(const std::string &path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot open " + path);
  }
  std::vector<TranscriptRecord> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    rapidjson::Document d;
    d.Parse(line.c_str(), line.size());
    if (d.HasParseError() || !d.IsObject()) {
      throw std::runtime_error(path + ": unparsable record: " + line.substr(0, 80));
    }
    TranscriptRecord r;
    r.index = out.size();
    if (d.HasMember("t_ms") && d["t_ms"].IsUint64()) {
      r.t_ms = d["t_ms"].GetUint64();
    }
    r.client = member_string(d, "client");
    r.dir = member_string(d, "dir");
    r.event = member_string(d, "event");
    r.text = member_string(d, "text");
    if (auto f = d.FindMember("frame"); f != d.MemberEnd()) {
      r.has_frame = true;
      r.frame_json = to_json(f->value);
      r.type = member_string(f->value, "type");
      r.sender = member_string(f->value, "sender");
      r.id = member_string(f->value, "id");
      r.session = member_string(f->value, "session");
      r.ts = member_string(f->value, "ts");
    }
    if (auto raw = d.FindMember("raw"); raw != d.MemberEnd() && raw->value.IsString()) {
      r.has_raw = true;
      r.raw = raw->value.GetString();
    }
    out.push_back(std::move(r));
  }
  return out;
}

ReplayResult replay_transcript(const std::vector<TranscriptRecord> &records,
                               const session::RouterOptions &options) {
  ProtocolHarness h(options);
  // Start the clock at the capture's wall-clock time: secret expiries and the like in the
  // captured frames then mean what they meant during the capture.
  for (const auto &r : records) {
    if (r.dir == "send" && !r.ts.empty()) {
      uint64_t at = parse_ts_ms(r.ts);
      if (at > r.t_ms) {
        h.now_ms = at - r.t_ms;
      }
      break;
    }
  }
  const uint64_t base = h.now_ms;

  ReplayResult result;
  // Every connection ever opened, in open order (closed ones stay: take() on them is empty).
  std::vector<std::pair<std::string, pvpd_conn_id>> all;
  std::map<std::string, pvpd_conn_id> open;
  auto collect = [&](size_t cause) {
    for (const auto &[client, conn] : all) {
      for (auto &f : h.take(conn)) {
        result.received.push_back(ReceivedFrame{client, f.json, cause});
      }
    }
  };
  auto connection_of = [&](const std::string &client) {
    auto it = open.find(client);
    if (it != open.end()) {
      return it->second;
    }
    // A send without a preceding open event: the capture's client connected implicitly.
    pvpd_conn_id c = h.connect();
    open[client] = c;
    all.emplace_back(client, c);
    return c;
  };

  for (const auto &r : records) {
    // Follow the capture's clock, ticking as Core would between records.
    uint64_t target = base + r.t_ms;
    while (h.now_ms + kTickMs <= target) {
      h.advance(kTickMs);
    }
    if (h.now_ms < target) {
      h.advance(target - h.now_ms);
    }
    collect(r.index);

    if (r.dir == "event" && r.event == "open") {
      pvpd_conn_id c = h.connect();
      open[r.client] = c;
      all.emplace_back(r.client, c);
    } else if (r.dir == "event" && r.event == "close") {
      auto it = open.find(r.client);
      if (it != open.end()) {
        h.close(it->second);
        open.erase(it);
      }
    } else if (r.dir == "send") {
      pvpd_conn_id c = connection_of(r.client);
      if (r.has_raw) {
        h.send(c, r.raw);
      } else if (r.has_frame) {
        h.send(c, r.frame_json);
      }
    } else if (r.dir == "note" && r.text.rfind("sending SIGTERM", 0) == 0) {
      h.router().shutdown("Server shutdown");
    }
    collect(r.index);
  }
  return result;
}

std::vector<std::string> session_ids(const std::vector<TranscriptRecord> &records) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const auto &r : records) {
    if (r.dir == "send" && !r.session.empty() && seen.insert(r.session).second) {
      out.push_back(r.session);
    }
  }
  // Longest first, so a session id containing another is protected whole.
  std::sort(out.begin(), out.end(),
            [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
  return out;
}

std::string Normalizer::ulids(const std::string &s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    bool at_boundary = i == 0 || !is_word_char(s[i - 1]);
    if (at_boundary && i + kUlidLength <= s.size() &&
        std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i),
                    s.begin() + static_cast<std::ptrdiff_t>(i + kUlidLength), is_ulid_char) &&
        (i + kUlidLength == s.size() || !is_word_char(s[i + kUlidLength]))) {
      std::string ulid = s.substr(i, kUlidLength);
      // pvpd's fork ids are "fork-<ULID>": numbered on their own, so a golden shows forks.
      if (out.size() >= 5 && out.compare(out.size() - 5, 5, "fork-") == 0) {
        out.resize(out.size() - 5);
        auto [it, fresh] = forks_.emplace(ulid, "");
        if (fresh) {
          it->second = "<fork" + std::to_string(forks_.size()) + ">";
        }
        out += it->second;
      } else {
        auto [it, fresh] = ids_.emplace(ulid, "");
        if (fresh) {
          it->second = "<id" + std::to_string(ids_.size()) + ">";
        }
        out += it->second;
      }
      i += kUlidLength;
      continue;
    }
    out.push_back(s[i]);
    ++i;
  }
  return out;
}

std::string Normalizer::value(const std::string &s) {
  static const std::regex kTimestamp(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$)");
  if (std::regex_match(s, kTimestamp)) {
    return "<ts>";
  }
  if (s.rfind("sha256:", 0) == 0) {
    return "<digest>";
  }
  // Session ids are the capture's own and stay readable; ULIDs elsewhere are renumbered.
  std::string out;
  size_t from = 0;
  while (from < s.size()) {
    size_t best = std::string::npos;
    const std::string *hit = nullptr;
    for (const auto &p : protected_) {
      size_t at = s.find(p, from);
      if (at != std::string::npos && (best == std::string::npos || at < best)) {
        best = at;
        hit = &p;
      }
    }
    if (hit == nullptr) {
      out += ulids(s.substr(from));
      break;
    }
    out += ulids(s.substr(from, best - from));
    out += *hit;
    from = best + hit->size();
  }
  return out;
}

namespace {

void normalize_value(Normalizer &n, rapidjson::Value &v, rapidjson::Document::AllocatorType &a,
                     const char *key) {
  if (v.IsString()) {
    std::string s(v.GetString(), v.GetStringLength());
    std::string k = key == nullptr ? "" : key;
    std::string repl = (k == "digest" && !s.empty()) ? "<digest>" : n.value(s);
    v.SetString(repl.c_str(), static_cast<rapidjson::SizeType>(repl.size()), a);
  } else if (v.IsArray()) {
    for (auto &e : v.GetArray()) {
      normalize_value(n, e, a, nullptr);
    }
  } else if (v.IsObject()) {
    for (auto &m : v.GetObject()) {
      normalize_value(n, m.value, a, m.name.GetString());
    }
  }
}

}  // namespace

std::string Normalizer::frame(const std::string &json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  if (d.HasParseError()) {
    return json;
  }
  // The working directory is where the daemon happens to run; the golden shows only that one
  // was announced.
  if (d.IsObject() && member_string(d, "type") == "context.add" && d.HasMember("payload") &&
      member_string(d["payload"], "key") == "session:working_directory" &&
      d["payload"].HasMember("content")) {
    d["payload"]["content"].SetString("<wd>");
  }
  normalize_value(*this, d, d.GetAllocator(), nullptr);
  return to_json(d);
}

std::string golden_text(const ReplayResult &result, const std::vector<TranscriptRecord> &records) {
  Normalizer n(session_ids(records));
  std::string out;
  for (const auto &f : result.received) {
    rapidjson::Document line(rapidjson::kObjectType);
    auto &a = line.GetAllocator();
    line.AddMember("client", rapidjson::Value(f.client.c_str(), a), a);
    rapidjson::Document frame;
    std::string normalized = n.frame(f.json);
    frame.Parse(normalized.c_str(), normalized.size());
    rapidjson::Value fv;
    fv.CopyFrom(frame, a);
    line.AddMember("frame", fv, a);
    out += to_json(line);
    out += '\n';
  }
  return out;
}

}  // namespace pvpd::testing
