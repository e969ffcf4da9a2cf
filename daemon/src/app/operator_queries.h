// OperatorQueries: the read-only questions plugins ask the core on behalf of operators and
// other plugins (plugin ABI 1.2): a session's journal head, a session by name, the admin
// session list and a session's transcript.
//
// Everything here is answered from copies the core pushes in (a sessions snapshot, the
// authentication options) and from journal files, never by touching router state, so the
// methods are safe from any thread and never wait for the core thread.
//
// THREAD: publish_* from the core thread; every query from any thread (transcript reads files,
// so callers keep it off the core thread).
// LIFETIME: the JournalStore given to set_journal must outlive the queries or be cleared with
// set_journal(nullptr) first (the core does so before closing the journal).
#pragma once

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.h"
#include "util/status.h"

namespace pvpd::journal {
class JournalStore;
}

namespace pvpd::app {

// One session as the core last saw it.
struct SessionBrief {
  std::string id;
  std::string name;
  std::string creator;
  uint64_t created_at_ms = 0;  // wall clock, ms since the epoch
  bool ended = false;
  size_t participants = 0;
  size_t connected = 0;
  uint64_t last_seq = 0;
  size_t open_gates = 0;
};

class OperatorQueries {
 public:
  void publish_sessions(std::vector<SessionBrief> sessions);
  void publish_auth(auth::AuthOptions options);
  void set_journal(journal::JournalStore *journal);

  // {"session","seq","hash"} of the journal's committed head. NOENT when unknown.
  Result<std::string> journal_head(std::string_view session) const;
  // {"id","name"} of the newest live session named `name`. NOENT when none.
  Result<std::string> session_find(std::string_view name) const;
  // PERM unless `token` belongs to an admin (open mode: every local caller, see the ABI).
  Result<std::string> sessions_json(std::string_view token) const;
  // The session's journaled messages after `from_seq`: JSONL or the markdown decision report.
  Result<std::string> transcript(std::string_view token, std::string_view session,
                                 uint64_t from_seq, uint32_t format) const;

 private:
  Status authorize_admin(std::string_view token) const;

  mutable std::mutex mu_;  // sessions_, auth_
  std::vector<SessionBrief> sessions_;
  auth::AuthOptions auth_;
  // Readers hold it shared for a whole journal read; set_journal takes it exclusively, so the
  // store is never closed under a reader.
  mutable std::shared_mutex journal_mu_;
  journal::JournalStore *journal_ = nullptr;
};

}  // namespace pvpd::app
