// BackgroundSyncer: the flusher of `journal.fsync: batch`. Records are delivered once they are
// written (in the page cache: a pvpd crash or kill -9 cannot lose them); this thread then makes
// them durable against a power loss or kernel crash at most `interval` after the first unflushed
// write, with one fdatasync per written journal file and one fsync of the journal directory when
// files were created, renamed or marked ended. The writer thread never waits for it, so a slow
// disk flush (tens of ms on a busy VM) never delays a delivery.
//
// A failed flush cannot be retried safely (after an fdatasync error Linux may have dropped the
// dirty pages), so the file's SyncHandle is marked failed; the writer then refuses further
// appends to that session (docs/journal.md "Errors").
//
// THREAD: mark_dirty/mark_dir_dirty/stats from any thread (one mutex); the flushes run on the
// syncer's own thread. SyncHandle::failure() from any thread.
// OWNERSHIP: a SyncHandle owns a dup() of the journal file's fd, so a session's file may be
// closed by the writer while a flush of it is still queued or running.
// LIFETIME: stop() flushes everything still dirty, then joins.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "journal/journal_options.h"
#include "util/status.h"

namespace pvpd::journal {

class SyncHandle {
 public:
  // Takes ownership of `fd` (a dup of the journal file's descriptor).
  SyncHandle(int fd, std::string what);
  ~SyncHandle();
  SyncHandle(const SyncHandle &) = delete;
  SyncHandle &operator=(const SyncHandle &) = delete;

  // The error of the flush that failed; nullopt while every flush succeeded.
  std::optional<Status> failure() const;

 private:
  friend class BackgroundSyncer;
  const int fd_;
  const std::string what_;           // the file's path, for messages
  std::atomic<bool> queued_{false};  // on the syncer's dirty list
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;  // guards failure_
  Status failure_;
};

class BackgroundSyncer {
 public:
  struct Stats {
    uint64_t flushes = 0;   // fdatasync calls that succeeded
    uint64_t failures = 0;  // fdatasync/fsync calls that failed
    uint64_t pending = 0;   // files waiting for their flush
  };

  BackgroundSyncer(std::filesystem::path dir, std::chrono::milliseconds interval, FlushFn flush);
  ~BackgroundSyncer();
  BackgroundSyncer(const BackgroundSyncer &) = delete;
  BackgroundSyncer &operator=(const BackgroundSyncer &) = delete;

  void start();
  void stop();

  // `file` has bytes written since its last flush. Cheap when it is already queued.
  void mark_dirty(const std::shared_ptr<SyncHandle> &file);
  // The directory's entries changed (a journal created, an end marker written).
  void mark_dir_dirty();
  Stats stats() const;

 private:
  void run();
  void arm_locked();

  const std::filesystem::path dir_;
  const std::chrono::milliseconds interval_;
  const FlushFn flush_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<SyncHandle>> dirty_;
  bool dir_dirty_ = false;
  std::optional<std::chrono::steady_clock::time_point> due_;  // set while anything is dirty
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace pvpd::journal
