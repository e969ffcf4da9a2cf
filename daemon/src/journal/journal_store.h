// JournalStore: the durable, hash-chained session journal (DESIGN.md §6, docs/journal.md).
//
// One append-only file per session under JournalOptions::dir (file names derive from the
// session id through session_file_stem(), never the raw id). Every accepted message is appended
// with its seq; `on_commit` runs on the core io_context once the record is durable per the
// fsync policy, and only then may the caller deliver the message.
//
// THREAD: construct, start, stop, append, mark_ended, recover, read and apply_retention from the
// core thread (read/verify are also safe from other threads). The durability work runs on the
// store's own writer thread (journal_writer.h). Callbacks run on `core`.
// LIFETIME: `core` must outlive the store. The destructor calls stop(): everything queued is
// written and its callbacks are posted (they run when `core` next runs).
// ORDER: call recover() before the first append() (it truncates torn tails in place).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/shared_buffer.h"
#include "journal/background_syncer.h"
#include "journal/journal_options.h"
#include "journal/record_format.h"
#include "journal/recovery.h"
#include "util/asio.h"
#include "util/status.h"

namespace pvpd::journal {

class JournalWriter;

class JournalStore {
 public:
  JournalStore(asio::io_context &core, JournalOptions opts);
  ~JournalStore();
  JournalStore(const JournalStore &) = delete;
  JournalStore &operator=(const JournalStore &) = delete;

  // Creates the directory (0700) and starts the writer thread. PERM when it is not writable.
  Status start();
  // Commits everything queued (callbacks posted to core) and joins the writer thread.
  void stop();

  // Appends one record for `session`, creating its journal on first use. `on_commit` is posted
  // to core once the record is durable per the fsync policy (kNone: written to the fd), or with
  // an error Status (disk full, I/O error, corrupt journal, seq not increasing, not running):
  // then the record is not in the journal and the caller must not deliver the message.
  // Callbacks run in append order (across all sessions). Seqs of one session must increase;
  // gaps are allowed (a failed append's seq may be skipped or reused).
  void append(const std::string &session, uint64_t seq, bus::BufferRef message,
              std::function<void(Status)> on_commit);
  // Records that the session ended (after its queued records); recovery skips ended sessions.
  // A later append to the same id reopens it.
  void mark_ended(const std::string &session);

  // Startup recovery of every journal in dir. A torn last record is truncated (note added);
  // any other corruption makes `status` an error for that session, which must not be loaded.
  struct Recovered {
    std::string session;
    bool ended = false;
    Status status;
    std::vector<std::string> notes;
    std::vector<Record> records;  // empty for ended or failed sessions
    std::filesystem::path path;   // extension: the journal file
  };
  std::vector<Recovered> recover();

  // One session's committed records with seq >= from_seq. NOENT when it has no journal.
  Result<std::vector<Record>> read(const std::string &session, uint64_t from_seq = 0) const;

  // One-shot retention (retention.h; unreferenced blobs are collected after deleting): ended
  // sessions whose journal was last modified more than max_age ago are moved to dir/archive/
  // (archive = true) or deleted. Returns how many were handled. The daemon does not call this:
  // JournalOptions::retention_* make the writer thread apply it.
  Result<size_t> apply_retention(std::chrono::seconds max_age_of_ended, bool archive);

  // The committed chain head of `session` (any thread). nullopt: no records, or not running.
  struct Head {
    uint64_t seq = 0;
    std::string hash;
  };
  std::optional<Head> head(const std::string &session) const;
  // fsync: batch: the background flusher's counters (background_syncer.h); zero otherwise.
  BackgroundSyncer::Stats flush_stats() const;
  // Appends written on the caller's thread (fsync batch/none with nothing queued).
  uint64_t inline_appends() const;

  // The journal file of `session` (whether or not it exists).
  std::filesystem::path path_for(const std::string &session) const;
  const JournalOptions &options() const { return opts_; }

 private:
  asio::io_context &core_;
  const JournalOptions opts_;
  std::unique_ptr<JournalWriter> writer_;
  bool started_ = false;
};

}  // namespace pvpd::journal
