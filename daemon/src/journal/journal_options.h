// JournalOptions: configuration of the journal store (docs/journal.md "Configuration").
//
// THREAD: plain value.
#pragma once

#include <cstdint>
#include <string>

namespace pvpd::journal {

enum class FsyncMode {
  kAlways,  // fdatasync after every record, before its callback
  kBatch,   // group commit: one fdatasync per batch, then every callback of the batch in order
  kNone,    // no fdatasync: the record is in the file (page cache) before its callback
};

struct JournalOptions {
  std::string dir;  // <daemon.state_dir>/journal; one <stem>.journal file per session
  FsyncMode fsync = FsyncMode::kBatch;
  uint64_t batch_interval_ms = 5;    // group commit: at most this long after the first record ...
  uint64_t batch_max_records = 256;  // ... or this many records, whichever comes first
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
};

// "always" | "batch" | "none" (the journal.fsync config values); false when unknown.
bool parse_fsync_mode(std::string_view text, FsyncMode *out);
const char *fsync_mode_name(FsyncMode mode);

}  // namespace pvpd::journal
