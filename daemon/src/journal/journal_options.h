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
  uint64_t blob_threshold_bytes = 64 * 1024;  // for the caller: larger content goes to BlobStore
  uint64_t snapshot_every = 0;                // reserved; snapshots are not implemented (0 = off)
};

// "always" | "batch" | "none" (the journal.fsync config values); false when unknown.
bool parse_fsync_mode(std::string_view text, FsyncMode *out);
const char *fsync_mode_name(FsyncMode mode);

}  // namespace pvpd::journal
