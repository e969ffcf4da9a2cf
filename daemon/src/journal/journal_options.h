// JournalOptions: configuration of the journal store (docs/journal.md "Configuration").
//
// THREAD: plain value.
#pragma once

#include <cstdint>
#include <string>

namespace pvpd::journal {

// What a record's callback (and so its delivery) waits for. Every mode writes the record to
// the file first, so none can lose an acknowledged record to a pvpd crash or kill -9; they
// differ in what a power loss or kernel crash may take (docs/journal.md "Write path").
enum class FsyncMode {
  kAlways,  // group commit: the records drained from the queue are written, each touched
            // file gets one fdatasync, then their callbacks run; nothing acknowledged is lost
  kBatch,   // callback once written; a background fdatasync follows within batch_interval_ms,
            // so a power loss loses at most that window (background_syncer.h)
  kNone,    // callback once written; never flushed (the kernel writes back when it likes)
};

// The flush function; ::fdatasync unless a test injects faults.
using FlushFn = int (*)(int fd);

struct JournalOptions {
  std::string dir;  // <daemon.state_dir>/journal; one <stem>.journal file per session
  FsyncMode fsync = FsyncMode::kBatch;
  // kBatch: the longest a written record waits for its background flush (0: flush as soon as
  // the flusher is free).
  uint64_t batch_interval_ms = 5;
  // Records the writer takes per pass (kAlways: per group commit); the rest of the queue forms
  // the next pass.
  uint64_t batch_max_records = 256;
  // Messages longer than this are journaled as a reference to a blob in <dir>/blobs
  // (blob_codec.h); 0 = never.
  uint64_t blob_threshold_bytes = 64 * 1024;
  uint64_t snapshot_every = 0;  // reserved; snapshots are not implemented (0 = off)
  // HMAC key for secret.share values (secret_key.h); empty: records keep what the caller
  // journaled (the session layer's SHA-256 digest). A secret: never logged.
  std::string secret_key;
  // Retention (retention.h), run by the writer thread at start and every retention_check_ms:
  // ended sessions whose journal is older than retention_ended_after_ms are archived or
  // deleted. 0 = keep forever.
  uint64_t retention_ended_after_ms = 0;
  bool retention_archive = true;    // false: delete
  uint64_t retention_check_ms = 0;  // 0: derived from the age (1/4 of it, 1 s .. 10 min)
  FlushFn flush_fn = nullptr;       // nullptr: ::fdatasync
};

// "always" | "batch" | "none" (the journal.fsync config values); false when unknown.
bool parse_fsync_mode(std::string_view text, FsyncMode *out);
const char *fsync_mode_name(FsyncMode mode);

}  // namespace pvpd::journal
