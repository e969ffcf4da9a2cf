#include "journal/journal_writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "journal/blob_codec.h"
#include "journal/hash_chain.h"
#include "journal/record_format.h"
#include "journal/recovery.h"
#include "journal/redact.h"
#include "journal/retention.h"

namespace pvpd::journal {

JournalWriter::JournalWriter(std::filesystem::path dir, const JournalOptions &opts, Poster post)
    : dir_(std::move(dir)),
      opts_(opts),
      post_(std::move(post)),
      blobs_(dir_ / kBlobDirName),
      syncer_(dir_, std::chrono::milliseconds(opts_.batch_interval_ms),
              opts_.flush_fn != nullptr ? opts_.flush_fn : &::fdatasync) {
  flush_token_->writer = this;
}

JournalWriter::~JournalWriter() {
  stop();
  std::lock_guard lk(flush_token_->mu);
  flush_token_->writer = nullptr;  // flush jobs still queued on the core find nothing to do
}

void JournalWriter::start() {
  std::lock_guard lk(mu_);
  if (thread_.joinable()) {
    return;
  }
  stopping_ = false;
  if (opts_.fsync == FsyncMode::kBatch) {
    syncer_.start();
  }
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "pvpd-journal");  // top -H, perf, gdb
    run();
  });
}

void JournalWriter::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  {
    std::lock_guard wl(write_mu_);
    post_inline_flush();
  }
  syncer_.stop();  // after the writer: its last records get their flush
}

BackgroundSyncer::Stats JournalWriter::flush_stats() const {
  return syncer_.stats();
}

bool JournalWriter::may_write_inline(const std::string &session, std::string_view msg) const {
  if (opts_.fsync == FsyncMode::kAlways || is_blob_stub(msg) ||
      (opts_.blob_threshold_bytes != 0 && msg.size() > opts_.blob_threshold_bytes)) {
    return false;  // a flush or a blob store (fsyncs) would block the caller
  }
  if (sessions_.count(session) != 0) {
    return true;
  }
  const std::string stem = session_file_stem(session);
  {
    std::lock_guard lk(mu_);
    if (preloaded_.count(stem) != 0) {
      return true;
    }
  }
  // A journal nobody recovered would be scanned whole before its first append: not inline.
  const std::filesystem::path path = dir_ / (stem + std::string(kJournalSuffix));
  return ::access(path.c_str(), F_OK) != 0;
}

void JournalWriter::append(const std::string &session, uint64_t seq, bus::BufferRef message,
                           Callback cb) {
  Job job{false, session, seq, std::move(message), std::move(cb)};
  // The inline path: with nothing queued and the writer idle, the caller chains the record
  // itself and the flush job it queues on the core writes it (schedule_inline_flush), saving
  // two thread handoffs per message. try_lock: the caller never waits for the writer thread.
  std::unique_lock wl(write_mu_, std::try_to_lock);
  bool direct = wl.owns_lock() && may_write_inline(job.session, job.message.view());
  {
    std::lock_guard lk(mu_);
    if (!thread_.joinable() || stopping_) {
      std::vector<std::pair<Callback, Status>> one;
      one.emplace_back(std::move(job.cb), Status(PVPD_E_STATE, "journal is not running"));
      post_(std::move(one));
      return;
    }
    direct = direct && queue_.empty();
    if (!direct) {
      queue_.push_back(std::move(job));
    }
  }
  if (!direct) {
    if (wl.owns_lock()) {
      wl.unlock();
    }
    cv_.notify_one();
    return;
  }
  inline_appends_.fetch_add(1, std::memory_order_relaxed);
  const bool first = inline_done_.empty();
  write_record(job, inline_done_, /*defer=*/true);
  if (first) {
    schedule_inline_flush();
  }
}

void JournalWriter::mark_ended(const std::string &session) {
  {
    std::lock_guard lk(mu_);
    if (!thread_.joinable() || stopping_) {
      return;
    }
    queue_.push_back(Job{true, session, 0, {}, {}});
  }
  cv_.notify_one();
}

void JournalWriter::preload(const std::string &stem, TailState tail) {
  std::lock_guard lk(mu_);
  preloaded_[stem] = std::move(tail);
}

std::optional<uint64_t> JournalWriter::committed_size(const std::string &stem) const {
  std::lock_guard lk(mu_);
  auto it = committed_.find(stem);
  if (it == committed_.end()) {
    return std::nullopt;
  }
  return it->second;
}

void JournalWriter::run() {
  const uint64_t max_records = opts_.batch_max_records == 0 ? 1 : opts_.batch_max_records;
  const bool retention = opts_.retention_ended_after_ms != 0;
  const auto retention_every = std::chrono::milliseconds(
      opts_.retention_check_ms != 0
          ? opts_.retention_check_ms
          : std::clamp<uint64_t>(opts_.retention_ended_after_ms / 4, 1000, 600000));
  auto next_retention = std::chrono::steady_clock::now();  // once at start
  std::unique_lock lk(mu_);
  for (;;) {
    if (retention && std::chrono::steady_clock::now() >= next_retention) {
      lk.unlock();
      {
        std::lock_guard wl(write_mu_);  // no inline append while files are moved
        post_inline_flush();
        run_retention();
      }
      lk.lock();
      next_retention = std::chrono::steady_clock::now() + retention_every;
    }
    const auto ready = [&] { return !queue_.empty() || stopping_; };
    if (retention) {
      cv_.wait_until(lk, next_retention, ready);
    } else {
      cv_.wait(lk, ready);
    }
    if (queue_.empty()) {
      if (stopping_) {
        return;  // everything queued has been committed
      }
      continue;  // time for retention
    }
    // One pass: what is queued, at most max_records. kAlways commits (flushes) it as one
    // group; records arriving meanwhile form the next pass. write_mu_ is taken before the jobs
    // leave the queue, so an inline append can never overtake them.
    lk.unlock();
    std::unique_lock wl(write_mu_);
    post_inline_flush();  // records written inline but not yet flushed go first
    lk.lock();
    std::vector<Job> jobs;
    while (!queue_.empty() && jobs.size() < max_records) {
      jobs.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lk.unlock();
    std::vector<Done> done;
    done.reserve(jobs.size());
    for (Job &job : jobs) {
      if (job.end) {
        // Everything before the end marker is committed first, so "ended" never precedes
        // records of the session.
        commit(done);
        end_session(job.session);
      } else {
        write_record(job, done);
      }
    }
    commit(done);
    wl.unlock();
    lk.lock();
  }
}

namespace {

// A full disk is the one append failure senders routinely see (the session layer forwards the
// message in its error frame), so it is reported without server paths; the full text, path
// included, goes to the log.
Status for_sender(const std::string &session, Status st) {
  constexpr std::string_view kFull = "(disk full or file size limit)";
  if (st.code() != PVPD_E_IO || st.message().find(kFull) == std::string::npos) {
    return st;
  }
  spdlog::error("journal: session {}: {}", session, st.message());
  return Status(PVPD_E_IO, "journal storage is full " + std::string(kFull));
}

}  // namespace

void JournalWriter::run_retention() {
  auto r = apply_retention(dir_, std::chrono::milliseconds(opts_.retention_ended_after_ms),
                           opts_.retention_archive);
  if (!r) {
    spdlog::error("journal: retention: {}", r.status().message());
  } else if (r->sessions > 0) {
    spdlog::info("journal: retention {} {} ended session(s){}",
                 opts_.retention_archive ? "archived" : "deleted", r->sessions,
                 r->blobs > 0 ? " and " + std::to_string(r->blobs) + " unreferenced blob(s)" : "");
  }
}

Result<std::string_view> JournalWriter::journaled_form(std::string_view msg, std::string &storage) {
  std::string_view out = msg;
  if (!opts_.secret_key.empty() && may_be_secret_share(msg)) {
    storage = hmac_secret_share(msg, opts_.secret_key);
    out = storage;
  }
  const bool large = opts_.blob_threshold_bytes != 0 && out.size() > opts_.blob_threshold_bytes;
  if (large || is_blob_stub(out)) {
    auto stub = deflate_message(out, opts_.blob_threshold_bytes, blobs_);
    if (!stub) {
      return stub.status();
    }
    storage = std::move(stub.value());
    out = storage;
  }
  return out;
}

Result<JournalWriter::Session *> JournalWriter::session_for(const std::string &id) {
  if (auto it = sessions_.find(id); it != sessions_.end()) {
    return it->second.get();
  }
  if (id.empty() || !is_valid_utf8(id)) {
    return Status(PVPD_E_INVAL, "session id must be non-empty valid UTF-8");
  }
  auto s = std::make_unique<Session>();
  s->id = id;
  s->stem = session_file_stem(id);
  const std::filesystem::path path = dir_ / (s->stem + std::string(kJournalSuffix));

  std::optional<TailState> tail;
  {
    std::lock_guard lk(mu_);
    if (auto it = preloaded_.find(s->stem); it != preloaded_.end()) {
      tail = std::move(it->second);
      preloaded_.erase(it);
    }
  }
  if (!tail && ::access(path.c_str(), F_OK) == 0) {
    ScanResult scan = scan_journal(path);
    if (!scan.status) {
      // Cached as broken: appending after corruption would extend a chain nobody can verify.
      s->broken = Status(PVPD_E_STATE, "session journal " + path.string() +
                                           " is corrupt: " + scan.status.message());
      spdlog::error("journal: {}", s->broken.message());
      Session *raw = s.get();
      sessions_[id] = std::move(s);
      return raw;
    }
    if (scan.torn_tail) {
      spdlog::warn("journal: {}: {}; truncating", path.string(), scan.torn_note);
    }
    tail = TailState{scan.session, scan.good_size, scan.last_hash, scan.last_seq,
                     scan.record_count > 0};
  }

  if (tail) {
    if (tail->session != id) {
      return Status(PVPD_E_INVAL, path.string() + " belongs to session \"" + tail->session +
                                      "\", not \"" + id + "\"");
    }
    auto file = JournalFile::open_existing(path, tail->good_size);
    if (!file) {
      return file.status();
    }
    s->file = std::move(file.value());
    s->last_hash = tail->last_hash;
    s->last_seq = tail->last_seq;
    s->has_records = tail->has_records;
  } else {
    // kBatch leaves the header and the directory entry to the syncer, like the records.
    auto file = JournalFile::create(path, format_header(id), opts_.fsync == FsyncMode::kAlways);
    if (!file) {
      return file.status();
    }
    s->file = std::move(file.value());
    s->last_hash = genesis_hash(id);
    if (opts_.fsync == FsyncMode::kBatch) {
      syncer_.mark_dir_dirty();
      if (Status st = queue_flush(*s); !st) {
        return st;
      }
    }
  }
  // Appending again to an ended session reopens it.
  const std::filesystem::path ended = dir_ / (s->stem + std::string(kEndedSuffix));
  ::unlink(ended.c_str());
  mark_committed(*s);
  Session *raw = s.get();
  sessions_[id] = std::move(s);
  return raw;
}

void JournalWriter::mark_committed(Session &s) {
  s.committed_hash = s.last_hash;
  s.committed_seq = s.last_seq;
  s.committed_has_records = s.has_records;
  s.committed_size = s.file.size();
  std::lock_guard lk(mu_);
  committed_[s.stem] = s.committed_size;
  if (s.committed_has_records) {
    heads_[s.id] = Head{s.committed_seq, s.committed_hash};
  }
}

Status JournalWriter::queue_flush(Session &s) {
  if (!s.flush) {
    const int fd = s.file.dup_fd();
    if (fd < 0) {
      return errno_to_status(errno, "dup " + s.file.path().string());
    }
    s.flush = std::make_shared<SyncHandle>(fd, s.file.path().string());
  }
  syncer_.mark_dirty(s.flush);
  return Status::ok();
}

std::optional<JournalWriter::Head> JournalWriter::head(const std::string &session) const {
  std::lock_guard lk(mu_);
  if (auto it = heads_.find(session); it != heads_.end()) {
    return it->second;
  }
  if (auto it = preloaded_.find(session_file_stem(session));
      it != preloaded_.end() && it->second.has_records) {
    return Head{it->second.last_seq, it->second.last_hash};
  }
  return std::nullopt;
}

void JournalWriter::rollback_to_committed(Session &s, const Status &why) {
  s.last_hash = s.committed_hash;
  s.last_seq = s.committed_seq;
  s.has_records = s.committed_has_records;
  if (Status t = s.file.truncate_to(s.committed_size); !t) {
    s.broken = Status(PVPD_E_IO, why.message() + "; rollback failed (" + t.message() +
                                     "); restart pvpd to recover this session");
  }
}

void JournalWriter::write_record(Job &job, std::vector<Done> &done, bool defer) {
  auto sr = session_for(job.session);
  if (!sr) {
    done.push_back(Done{std::move(job.cb), sr.status(), nullptr});
    return;
  }
  Session &s = *sr.value();
  if (s.broken && s.flush) {
    if (auto failed = s.flush->failure()) {
      // Records already delivered may be gone after a power loss; accepting more would hide
      // that. Recovery after a restart decides what the file holds.
      s.broken = Status(PVPD_E_IO, "journal flush failed (" + failed->message() +
                                       "); restart pvpd to recover this session");
    }
  }
  if (!s.broken) {
    done.push_back(Done{std::move(job.cb), s.broken, nullptr});
    return;
  }
  const std::string_view msg = job.message.view();
  if (!job.message || !is_valid_utf8(msg)) {
    done.push_back(Done{std::move(job.cb),
                        Status(PVPD_E_INVAL, "journal: message is missing or not valid UTF-8"),
                        nullptr});
    return;
  }
  if (s.has_records && job.seq <= s.last_seq) {
    done.push_back(Done{std::move(job.cb),
                        Status(PVPD_E_INVAL, "journal: seq " + std::to_string(job.seq) +
                                                 " is not greater than the last journaled seq " +
                                                 std::to_string(s.last_seq)),
                        nullptr});
    return;
  }
  std::string storage;
  auto journaled = journaled_form(msg, storage);
  if (!journaled) {
    done.push_back(Done{std::move(job.cb), for_sender(s.id, journaled.status()), nullptr});
    return;
  }
  const std::string hash = record_hash(s.last_hash, job.seq, journaled.value());
  const std::string line = format_record(job.seq, s.last_hash, hash, journaled.value());
  bool rollback_failed = false;
  if (defer) {
    s.pending += line;  // written by flush_inline() with the session's other pending records
  } else if (Status st = s.file.append(line, &rollback_failed); !st) {
    if (rollback_failed) {
      s.broken = st;
    }
    done.push_back(Done{std::move(job.cb), for_sender(s.id, st), nullptr});
    return;
  }
  s.last_hash = hash;
  s.last_seq = job.seq;
  s.has_records = true;
  if (defer || opts_.fsync == FsyncMode::kAlways) {
    // Settled later for the whole session: by flush_inline()'s write, or commit()'s fdatasync.
    done.push_back(Done{std::move(job.cb), Status::ok(), &s});
    return;
  }
  mark_committed(s);
  if (opts_.fsync == FsyncMode::kBatch) {
    flush_later(s);
  }
  done.push_back(Done{std::move(job.cb), Status::ok(), nullptr});
}

std::vector<std::pair<JournalWriter::Callback, Status>> JournalWriter::settle(
    std::vector<Done> &done, const std::function<Status(Session &)> &finish) {
  std::map<Session *, Status> outcome;
  for (Done &d : done) {
    if (d.waiting_on == nullptr || outcome.count(d.waiting_on) != 0) {
      continue;
    }
    Session &s = *d.waiting_on;
    Status st = finish(s);
    if (st) {
      mark_committed(s);
    } else {
      rollback_to_committed(s, st);
      st = for_sender(s.id, std::move(st));
    }
    outcome.emplace(&s, std::move(st));
  }
  std::vector<std::pair<Callback, Status>> out;
  out.reserve(done.size());
  for (Done &d : done) {
    out.emplace_back(std::move(d.cb),
                     d.waiting_on != nullptr ? outcome[d.waiting_on] : std::move(d.status));
  }
  done.clear();
  return out;
}

std::vector<std::pair<JournalWriter::Callback, Status>> JournalWriter::flush_inline() {
  // One write() per session for everything chained since the last flush (a failed write is
  // rolled back whole, and the chain with it).
  return settle(inline_done_, [this](Session &s) {
    bool rollback_failed = false;
    Status st = s.file.append(s.pending, &rollback_failed);
    s.pending.clear();
    if (!st && rollback_failed) {
      s.broken = st;
    }
    if (st && opts_.fsync == FsyncMode::kBatch) {
      flush_later(s);
    }
    return st;
  });
}

void JournalWriter::flush_later(Session &s) {
  if (Status st = queue_flush(s); !st) {
    // Written and chained, so it is kept; only its flush is in doubt.
    spdlog::error("journal: session {}: {}", s.id, st.message());
  }
}

void JournalWriter::post_inline_flush() {
  auto out = flush_inline();
  if (!out.empty()) {
    post_(std::move(out));
  }
}

void JournalWriter::schedule_inline_flush() {
  // Runs on the core after what is already queued there, so the records of one burst share
  // one write(); their callbacks run right after it.
  std::vector<std::pair<Callback, Status>> job;
  job.emplace_back(
      [token = flush_token_](Status) {
        std::vector<std::pair<Callback, Status>> out;
        {
          std::lock_guard tl(token->mu);
          if (token->writer == nullptr) {
            return;
          }
          // Busy means the writer thread holds it, and it flushes these records at the start
          // of its pass (they were chained before it took the lock).
          std::unique_lock wl(token->writer->write_mu_, std::try_to_lock);
          if (!wl.owns_lock()) {
            return;
          }
          out = token->writer->flush_inline();
        }
        // Outside the locks: a callback may append again.
        for (auto &[cb, st] : out) {
          if (cb) {
            cb(std::move(st));
          }
        }
      },
      Status::ok());
  post_(std::move(job));
}

void JournalWriter::commit(std::vector<Done> &done) {
  if (done.empty()) {
    return;
  }
  // kAlways: one fdatasync per session written in this pass.
  post_(settle(done, [this](Session &s) { return s.file.sync(opts_.flush_fn); }));
}

void JournalWriter::end_session(const std::string &id) {
  const std::string stem = session_file_stem(id);
  const std::filesystem::path path = dir_ / (stem + std::string(kJournalSuffix));
  sessions_.erase(id);  // closes the file
  {
    std::lock_guard lk(mu_);
    committed_.erase(stem);
  }
  if (::access(path.c_str(), F_OK) != 0) {
    return;  // nothing was ever journaled for it
  }
  const std::filesystem::path marker = dir_ / (stem + std::string(kEndedSuffix));
  const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    spdlog::error("journal: cannot mark session ended: {}",
                  errno_to_status(errno, "create " + marker.string()).message());
    return;
  }
  ::close(fd);
  if (opts_.fsync == FsyncMode::kAlways) {
    if (Status st = sync_dir(dir_); !st) {
      spdlog::warn("journal: {}", st.message());
    }
  } else if (opts_.fsync == FsyncMode::kBatch) {
    syncer_.mark_dir_dirty();
  }
}

}  // namespace pvpd::journal
