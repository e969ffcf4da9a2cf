#include "journal/journal_store.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <system_error>

#include "journal/journal_file.h"
#include "journal/journal_writer.h"
#include "journal/retention.h"

namespace pvpd::journal {

JournalStore::JournalStore(asio::io_context &core, JournalOptions opts)
    : core_(core), opts_(std::move(opts)) {
  writer_ = std::make_unique<JournalWriter>(
      opts_.dir, opts_, [this](std::vector<std::pair<JournalWriter::Callback, Status>> batch) {
        // One post per batch keeps the core's queue short under load; order is preserved.
        asio::post(core_, [batch = std::move(batch)]() mutable {
          for (auto &[cb, st] : batch) {
            if (cb) {
              cb(std::move(st));
            }
          }
        });
      });
}

JournalStore::~JournalStore() {
  stop();
}

Status JournalStore::start() {
  if (started_) {
    return Status::ok();
  }
  if (opts_.dir.empty()) {
    return Status(PVPD_E_INVAL, "journal directory is not set");
  }
  if (Status st = ensure_private_dir(opts_.dir); !st) {
    return st;
  }
  writer_->start();
  started_ = true;
  return Status::ok();
}

void JournalStore::stop() {
  if (writer_) {
    writer_->stop();
  }
  started_ = false;
}

void JournalStore::append(const std::string &session, uint64_t seq, bus::BufferRef message,
                          std::function<void(Status)> on_commit) {
  writer_->append(session, seq, std::move(message), std::move(on_commit));
}

void JournalStore::mark_ended(const std::string &session) {
  writer_->mark_ended(session);
}

std::filesystem::path JournalStore::path_for(const std::string &session) const {
  return std::filesystem::path(opts_.dir) /
         (session_file_stem(session) + std::string(kJournalSuffix));
}

namespace {

bool has_suffix(const std::string &s, std::string_view suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Journal files in dir, sorted by name (stable output for tests and pvpctl).
std::vector<std::filesystem::path> list_journals(const std::filesystem::path &dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (has_suffix(name, kJournalSuffix) && it->is_regular_file(ec)) {
      out.push_back(it->path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::filesystem::path ended_marker(const std::filesystem::path &journal) {
  std::filesystem::path p = journal;
  p.replace_extension(std::string(kEndedSuffix));
  return p;
}

}  // namespace

std::vector<JournalStore::Recovered> JournalStore::recover() {
  std::vector<Recovered> out;
  for (const auto &path : list_journals(opts_.dir)) {
    Recovered r;
    r.path = path;
    const std::string stem = path.stem().string();
    std::error_code ec;
    r.ended = std::filesystem::exists(ended_marker(path), ec);
    if (r.ended) {
      // Not rebuilt; only the header is read so the caller learns the id.
      ScanResult head = scan_journal(path, ScanOptions{false, 0, 64 * 1024});
      r.session = head.session;
      if (r.session.empty()) {
        r.status = head.status.is_ok() ? Status(PVPD_E_INVAL, "header unreadable") : head.status;
      }
      out.push_back(std::move(r));
      continue;
    }
    ScanResult scan = scan_journal(path, ScanOptions{true, 0, std::nullopt});
    r.session = scan.session;
    if (!scan.status) {
      r.status =
          Status(scan.status.code(), path.filename().string() + ": " + scan.status.message());
      spdlog::error("journal: session {} failed to load: {}", r.session.empty() ? stem : r.session,
                    r.status.message());
      out.push_back(std::move(r));
      continue;
    }
    if (session_file_stem(scan.session) != stem) {
      r.status = Status(PVPD_E_INVAL, path.filename().string() + ": header names session \"" +
                                          scan.session + "\", whose journal would be " +
                                          session_file_stem(scan.session) + ".journal");
      out.push_back(std::move(r));
      continue;
    }
    if (scan.torn_tail) {
      Status t = truncate_file(path, scan.good_size);
      if (!t) {
        r.status = Status(t.code(), "cannot truncate torn tail: " + t.message());
        out.push_back(std::move(r));
        continue;
      }
      r.notes.push_back(scan.torn_note + "; truncated to " + std::to_string(scan.good_size) +
                        " bytes");
      spdlog::warn("journal: session {}: {}", scan.session, r.notes.back());
    }
    writer_->preload(stem, TailState{scan.session, scan.good_size, scan.last_hash, scan.last_seq,
                                     scan.record_count > 0});
    r.records = std::move(scan.records);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<Record>> JournalStore::read(const std::string &session,
                                               uint64_t from_seq) const {
  const std::filesystem::path path = path_for(session);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status(PVPD_E_NOENT, "no journal for session \"" + session + "\"");
  }
  // Only what is committed: a reader never sees a record before its on_commit could run.
  ScanOptions opts{true, from_seq, writer_->committed_size(path.stem().string())};
  ScanResult scan = scan_journal(path, opts);
  if (!scan.status) {
    return scan.status;
  }
  if (scan.session != session) {
    return Status(PVPD_E_INVAL, path.string() + " belongs to another session");
  }
  return std::move(scan.records);
}

BackgroundSyncer::Stats JournalStore::flush_stats() const {
  return writer_ ? writer_->flush_stats() : BackgroundSyncer::Stats{};
}

uint64_t JournalStore::inline_appends() const {
  return writer_ ? writer_->inline_appends() : 0;
}

std::optional<JournalStore::Head> JournalStore::head(const std::string &session) const {
  if (!writer_) {
    return std::nullopt;
  }
  auto h = writer_->head(session);
  if (!h) {
    return std::nullopt;
  }
  return Head{h->seq, h->hash};
}

Result<size_t> JournalStore::apply_retention(std::chrono::seconds max_age_of_ended, bool archive) {
  auto r = journal::apply_retention(opts_.dir, max_age_of_ended, archive);
  if (!r) {
    return r.status();
  }
  return r->sessions;
}

}  // namespace pvpd::journal
