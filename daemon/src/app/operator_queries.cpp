#include "app/operator_queries.h"

#include <pvpd/plugin_abi.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "journal/journal_store.h"
#include "report/markdown_report.h"

namespace pvpd::app {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void put(JsonWriter &w, const char *key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void put(JsonWriter &w, const char *key, uint64_t value) {
  w.Key(key);
  w.Uint64(value);
}

}  // namespace

void OperatorQueries::publish_sessions(std::vector<SessionBrief> sessions) {
  std::lock_guard lock(mu_);
  sessions_ = std::move(sessions);
}

void OperatorQueries::publish_auth(auth::AuthOptions options) {
  std::lock_guard lock(mu_);
  auth_ = std::move(options);
}

void OperatorQueries::set_journal(journal::JournalStore *journal) {
  std::unique_lock lock(journal_mu_);
  journal_ = journal;
}

Result<std::string> OperatorQueries::journal_head(std::string_view session) const {
  std::shared_lock lock(journal_mu_);
  if (journal_ == nullptr) {
    return Status(PVPD_E_NOENT, "the journal is disabled");
  }
  auto head = journal_->head(std::string(session));
  if (!head) {
    return Status(PVPD_E_NOENT, "no journal records for this session");
  }
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  put(w, "session", session);
  put(w, "seq", head->seq);
  put(w, "hash", head->hash);
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

Result<std::string> OperatorQueries::session_find(std::string_view name) const {
  std::lock_guard lock(mu_);
  const SessionBrief *best = nullptr;
  for (const SessionBrief &s : sessions_) {
    if (!s.ended && s.name == name && (best == nullptr || s.created_at_ms >= best->created_at_ms)) {
      best = &s;
    }
  }
  if (best == nullptr) {
    return Status(PVPD_E_NOENT, "no live session has that name");
  }
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  put(w, "id", best->id);
  put(w, "name", best->name);
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

Status OperatorQueries::authorize_admin(std::string_view token) const {
  std::lock_guard lock(mu_);
  if (auth_.mode == "open") {
    // Open mode is local-only; once remote peers may join without a token, nobody is an
    // operator by default.
    return auth_.allow_open_remote
               ? Status(PVPD_E_PERM, "open mode with allow_open_remote has no operators")
               : Status();
  }
  auto grant = auth::find_grant(auth_, token);
  if (!grant || !grant->admin) {
    return Status(PVPD_E_PERM, "an admin token is required");
  }
  return Status();
}

Result<std::string> OperatorQueries::sessions_json(std::string_view token) const {
  if (Status st = authorize_admin(token); !st) {
    return st;
  }
  std::lock_guard lock(mu_);
  rapidjson::StringBuffer out;
  JsonWriter w(out);
  w.StartObject();
  w.Key("sessions");
  w.StartArray();
  for (const SessionBrief &s : sessions_) {
    w.StartObject();
    put(w, "id", s.id);
    put(w, "name", s.name);
    put(w, "state", s.ended ? "ended" : "active");
    put(w, "creator", s.creator);
    put(w, "created_at_ms", s.created_at_ms);
    put(w, "participants", s.participants);
    put(w, "connected", s.connected);
    put(w, "messages", s.last_seq);
    put(w, "last_seq", s.last_seq);
    put(w, "open_gates", s.open_gates);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

Result<std::string> OperatorQueries::transcript(std::string_view token, std::string_view session,
                                                uint64_t from_seq, uint32_t format) const {
  if (format != PVPD_TRANSCRIPT_JSONL && format != PVPD_TRANSCRIPT_MARKDOWN) {
    return Status(PVPD_E_INVAL, "unknown transcript format");
  }
  if (Status st = authorize_admin(token); !st) {
    return st;
  }
  std::shared_lock lock(journal_mu_);
  if (journal_ == nullptr) {
    return Status(PVPD_E_NOENT, "the journal is disabled, so there is no transcript");
  }
  const std::string id(session);
  auto records = journal_->read(id, from_seq == UINT64_MAX ? from_seq : from_seq + 1);
  if (!records) {
    return records.status();
  }
  if (format == PVPD_TRANSCRIPT_JSONL) {
    std::string out;
    for (const journal::Record &r : records.value()) {
      out += r.message;
      out += '\n';
    }
    return out;
  }
  report::ReportInput in;
  in.session = id;
  in.journal_path = journal_->path_for(id).string();
  bool ended = false;
  {
    std::lock_guard sessions_lock(mu_);
    ended = true;  // a session the core no longer holds has ended (or was never restored)
    for (const SessionBrief &s : sessions_) {
      if (s.id == id) {
        ended = s.ended;
      }
    }
  }
  in.ended = ended;
  in.chain_status = records->empty() ? "no records"
                                     : "recorded by pvpd: " + std::to_string(records->size()) +
                                           " records, last hash " +
                                           records->back().hash_hex.substr(0, 16) + "\xe2\x80\xa6";
  return report::markdown_report(in, records.value());
}

}  // namespace pvpd::app
