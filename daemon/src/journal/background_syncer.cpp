#include "journal/background_syncer.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

#include "journal/journal_file.h"

namespace pvpd::journal {

SyncHandle::SyncHandle(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}

SyncHandle::~SyncHandle() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::optional<Status> SyncHandle::failure() const {
  if (!failed_.load(std::memory_order_acquire)) {
    return std::nullopt;
  }
  std::lock_guard lk(mu_);
  return failure_;
}

BackgroundSyncer::BackgroundSyncer(std::filesystem::path dir, std::chrono::milliseconds interval,
                                   FlushFn flush)
    : dir_(std::move(dir)), interval_(interval), flush_(flush) {}

BackgroundSyncer::~BackgroundSyncer() {
  stop();
}

void BackgroundSyncer::start() {
  std::lock_guard lk(mu_);
  if (thread_.joinable()) {
    return;
  }
  stopping_ = false;
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "pvpd-jflush");
    run();
  });
}

void BackgroundSyncer::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void BackgroundSyncer::arm_locked() {
  if (!due_) {
    due_ = std::chrono::steady_clock::now() + interval_;
    cv_.notify_one();
  }
}

void BackgroundSyncer::mark_dirty(const std::shared_ptr<SyncHandle> &file) {
  // The flag keeps the common case (a file written again before its flush) off the mutex.
  if (file->queued_.exchange(true, std::memory_order_acq_rel)) {
    return;
  }
  std::lock_guard lk(mu_);
  dirty_.push_back(file);
  ++stats_.pending;
  arm_locked();
}

void BackgroundSyncer::mark_dir_dirty() {
  std::lock_guard lk(mu_);
  dir_dirty_ = true;
  arm_locked();
}

BackgroundSyncer::Stats BackgroundSyncer::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

void BackgroundSyncer::run() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return due_.has_value() || stopping_; });
    if (!stopping_ && due_) {
      // Woken early by a mark: wait for the deadline (stop() cuts the wait short).
      const auto due = *due_;
      cv_.wait_until(lk, due, [&] { return stopping_; });
    }
    if (!due_) {
      return;  // stopping and nothing dirty
    }
    std::vector<std::shared_ptr<SyncHandle>> files;
    files.swap(dirty_);
    const bool dir = std::exchange(dir_dirty_, false);
    due_.reset();
    lk.unlock();

    const uint64_t taken = files.size();
    uint64_t ok = 0;
    uint64_t failed = 0;
    for (const auto &f : files) {
      // Cleared before the flush: a write racing it re-queues the file (one flush too many at
      // worst, never one too few).
      f->queued_.store(false, std::memory_order_release);
      if (f->failed_.load(std::memory_order_acquire)) {
        continue;
      }
      if (flush_(f->fd_) == 0) {
        ++ok;
        continue;
      }
      ++failed;
      Status st = errno_to_status(errno, "fdatasync " + f->what_);
      spdlog::error(
          "journal: {}; records written since the last flush may not survive a power loss, and "
          "the session refuses new messages until pvpd restarts",
          st.message());
      {
        std::lock_guard fl(f->mu_);
        f->failure_ = std::move(st);
      }
      f->failed_.store(true, std::memory_order_release);
    }
    // After the files: a new journal's directory entry must not become durable before its
    // header is.
    if (dir) {
      if (Status st = sync_dir(dir_); !st) {
        ++failed;
        spdlog::error("journal: {}", st.message());
      }
    }
    files.clear();  // may close fds of ended sessions: outside the lock

    lk.lock();
    stats_.flushes += ok;
    stats_.failures += failed;
    stats_.pending -= taken;
    if (stopping_ && !due_) {
      return;
    }
  }
}

}  // namespace pvpd::journal
