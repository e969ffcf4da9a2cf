// JournalFile: the write side of one session's journal file.
//
// Appends are all-or-nothing: a record is written with one write() loop, and if any part fails
// (ENOSPC, EFBIG under RLIMIT_FSIZE, EIO) the file is truncated back to where the record
// started, so a failed append never leaves a partial line behind (docs/journal.md "Errors").
// Creation writes the header to a temporary file and renames it into place, so a journal file
// always has a complete header.
//
// OWNERSHIP: owns its fd (O_APPEND | O_CLOEXEC, mode 0600); move-only; closes on destruction.
// THREAD: one thread at a time (the journal writer thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "journal/journal_options.h"
#include "util/status.h"

namespace pvpd::journal {

// errno → Status with a readable message ("<what>: <strerror>"); EACCES/EPERM → PERM,
// ENOENT → NOENT, ENOSPC/EFBIG/EDQUOT → IO with "disk full" wording, others IO.
Status errno_to_status(int err, const std::string &what);

// Creates `dir` (and parents) with mode 0700; fails with PERM if it exists but is not writable.
Status ensure_private_dir(const std::filesystem::path &dir);
// fsync() of a directory, so renames and creations inside it are durable.
Status sync_dir(const std::filesystem::path &dir);

class JournalFile {
 public:
  JournalFile() = default;
  JournalFile(JournalFile &&o) noexcept;
  JournalFile &operator=(JournalFile &&o) noexcept;
  JournalFile(const JournalFile &) = delete;
  JournalFile &operator=(const JournalFile &) = delete;
  ~JournalFile();

  // Creates `path` holding `header` (fails with EXISTS if it is there already).
  static Result<JournalFile> create(const std::filesystem::path &path, std::string_view header,
                                    bool durable);
  // Opens an existing journal whose first `size` bytes are known good (anything after is cut).
  static Result<JournalFile> open_existing(const std::filesystem::path &path, uint64_t size);

  // Writes all of `bytes` or nothing (see above). On a failed rollback returns an error whose
  // message says so; the caller must then stop using this file.
  Status append(std::string_view bytes, bool *rollback_failed);
  // fdatasync (or `flush` when given: fault injection).
  Status sync(FlushFn flush = nullptr);
  // A new descriptor for the same open file (O_CLOEXEC), for flushing from another thread;
  // -1 with errno on failure.
  int dup_fd() const;
  Status truncate_to(uint64_t size);

  uint64_t size() const { return size_; }
  bool is_open() const { return fd_ >= 0; }
  const std::filesystem::path &path() const { return path_; }

 private:
  JournalFile(int fd, std::filesystem::path path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  int fd_ = -1;
  std::filesystem::path path_;
  uint64_t size_ = 0;
};

}  // namespace pvpd::journal
