// JournalWriter: the journal's writer thread: a queue of appends, per-session hash-chain state,
// and the fsync policy (journal_options.h FsyncMode).
//
// Flow: with fsync batch/none, append() (any thread, normally the core) handles the record
// itself when nothing is queued, the writer thread is idle and the record needs no blob: it
// chains it (hash, seq) at once and posts one flush job to the core, which writes every record
// chained meanwhile with one write() per session and then runs their callbacks; a burst of
// messages shares one system call and no thread handoff. Otherwise append() queues a
// job; the writer thread takes what is queued (at most batch_max_records), hashes and writes each
// record, and with kAlways gives every touched file one fdatasync (group commit); then it hands
// every callback of the pass, in queue order, to `post` (the store posts them to the core
// io_context). With kBatch the callbacks do not wait for a flush: the BackgroundSyncer flushes
// within batch_interval_ms. A record whose write (or, kAlways, fdatasync) fails is rolled back
// (file truncated to the last committed record, chain state reset), and its callback gets the
// error, so the file never holds a record nobody was told about. What is written is the journaled
// form (secret.share values as HMACs, large messages as blob stubs; blob_codec.h), and when
// retention is configured the thread applies it at start and periodically.
//
// THREAD: append/mark_ended/committed_size/preload/flush_stats from any thread (mu_ guards the
// queue and the shared maps). Session state and files are touched only under write_mu_: by the
// writer thread for a pass (or retention; it first writes any pending inline records), or by
// an inline append or the core's flush job, which only try_lock it (lock order: the flush
// token's mutex, write_mu_, mu_). The syncer flushes dup()s of the descriptors. The flush job
// must run on the thread that appends (the core), like every callback.
// LIFETIME: stop() drains the queue (every queued append is written and called back), joins,
// then flushes whatever the syncer still has (a clean stop leaves everything durable).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bus/shared_buffer.h"
#include "journal/background_syncer.h"
#include "journal/blob_store.h"
#include "journal/journal_file.h"
#include "journal/journal_options.h"
#include "util/status.h"

namespace pvpd::journal {

// Chain state at the end of a journal's good prefix (from recovery), so opening it for append
// does not rescan the file.
struct TailState {
  std::string session;
  uint64_t good_size = 0;
  std::string last_hash;
  uint64_t last_seq = 0;
  bool has_records = false;
};

class JournalWriter {
 public:
  using Callback = std::function<void(Status)>;
  // Receives one batch of (callback, status) pairs, in order; must not block for long.
  using Poster = std::function<void(std::vector<std::pair<Callback, Status>>)>;

  JournalWriter(std::filesystem::path dir, const JournalOptions &opts, Poster post);
  ~JournalWriter();

  void start();
  void stop();

  void append(const std::string &session, uint64_t seq, bus::BufferRef message, Callback cb);
  void mark_ended(const std::string &session);
  // For recovery: tail state of a good journal, used on its first append.
  void preload(const std::string &stem, TailState tail);
  // Bytes of `stem`'s journal that are committed, when this writer has it open.
  std::optional<uint64_t> committed_size(const std::string &stem) const;
  // The chain head (seq, hash) of the session's last committed record: from this writer once
  // it has appended to the session, else from recovery's preload. nullopt: no records known.
  struct Head {
    uint64_t seq = 0;
    std::string hash;
  };
  std::optional<Head> head(const std::string &session) const;
  // kBatch: the background flusher's counters (all zero in the other modes).
  BackgroundSyncer::Stats flush_stats() const;
  // Appends written on the caller's thread (the inline path) so far.
  uint64_t inline_appends() const { return inline_appends_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    bool end = false;
    std::string session;
    uint64_t seq = 0;
    bus::BufferRef message;
    Callback cb;
  };
  struct Session {
    std::string id;
    std::string stem;
    JournalFile file;
    Status broken;  // not OK: every append fails with this
    std::string last_hash;
    uint64_t last_seq = 0;
    bool has_records = false;
    // The committed point (written; kAlways: and flushed): what the file is rolled back to if
    // a write or fdatasync fails.
    std::string committed_hash;
    uint64_t committed_seq = 0;
    bool committed_has_records = false;
    uint64_t committed_size = 0;
    std::shared_ptr<SyncHandle> flush;  // kBatch: this file's handle for the syncer
    std::string pending;                // inline records chained but not yet written
  };
  struct Done {
    Callback cb;
    Status status;
    // The outcome is settled per session: its fdatasync (kAlways), or the write of its pending
    // inline records.
    Session *waiting_on = nullptr;
  };

  void run();
  // Under write_mu_: whether the caller may write this record itself (no flush, no blob, no
  // scan of an unrecovered journal on its thread).
  bool may_write_inline(const std::string &session, std::string_view msg) const;
  // Retention (retention.h) between batches, when configured.
  void run_retention();
  // The bytes to journal for `msg` (secret.share values as HMACs, large messages as blob
  // stubs); `storage` holds them when they differ from msg.
  Result<std::string_view> journaled_form(std::string_view msg, std::string &storage);
  // defer: chain the record and keep its line in Session::pending for flush_inline().
  void write_record(Job &job, std::vector<Done> &done, bool defer = false);
  // Under write_mu_: writes every session's pending inline records (one write() each) and
  // returns their callbacks, in append order, with the outcome.
  std::vector<std::pair<Callback, Status>> flush_inline();
  // Settles the records of `done` that wait on their session: `finish` runs once per such
  // session (its fdatasync, or the write of its pending inline records); on success the session
  // is committed, on failure rolled back to its last committed record, and the outcome goes to
  // every record waiting on it. Returns every callback of `done`, in order, and clears it.
  std::vector<std::pair<Callback, Status>> settle(std::vector<Done> &done,
                                                  const std::function<Status(Session &)> &finish);
  // kBatch: queue_flush(), logging a failure (the record stays; only its flush is in doubt).
  void flush_later(Session &s);
  // Under write_mu_: flush_inline(), callbacks handed to post_.
  void post_inline_flush();
  // Posts the job that flushes the inline records on the core (see append()).
  void schedule_inline_flush();
  void commit(std::vector<Done> &done);
  void end_session(const std::string &id);
  Result<Session *> session_for(const std::string &id);
  void mark_committed(Session &s);
  void rollback_to_committed(Session &s, const Status &why);
  // kBatch: hands the session's file to the syncer (creating its handle on first use).
  Status queue_flush(Session &s);

  const std::filesystem::path dir_;
  const JournalOptions opts_;
  const Poster post_;
  BlobStore blobs_;          // <dir>/blobs
  BackgroundSyncer syncer_;  // kBatch only

  std::atomic<uint64_t> inline_appends_{0};
  std::mutex write_mu_;  // session state and files (see THREAD)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::unordered_map<std::string, TailState> preloaded_;  // by stem
  std::unordered_map<std::string, uint64_t> committed_;   // by stem
  std::unordered_map<std::string, Head> heads_;           // by session id
  std::thread thread_;

  // Under write_mu_.
  std::unordered_map<std::string, std::unique_ptr<Session>> sessions_;  // by id
  std::vector<Done> inline_done_;  // callbacks of the pending inline records, in append order

  // Lets a flush job queued on the core outlive the writer safely.
  struct FlushToken {
    std::mutex mu;
    JournalWriter *writer = nullptr;
  };
  std::shared_ptr<FlushToken> flush_token_ = std::make_shared<FlushToken>();
};

}  // namespace pvpd::journal
