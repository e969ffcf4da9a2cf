// Recovery and verification: reads a journal file from disk, recomputes its hash chain and
// classifies what it finds (docs/journal.md "Recovery").
//
//  - good: header valid, every record's hash matches its content and chains to the previous one,
//    seqs strictly increase;
//  - torn tail: the final bytes are an incomplete line, or a final line that does not parse or
//    whose own hash is wrong. A crash mid-write produces exactly that, and such a record was never
//    acknowledged, so recovery truncates it with a note;
//  - corrupt: anything else (a bad line followed by more data, a well-formed record whose prev
//    does not chain, a seq that goes backwards). Never skipped: the session fails to load.
//
// THREAD: functions are reentrant; callers make sure nothing appends to the file meanwhile
// (or pass max_bytes, the size known to be complete).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "journal/record_format.h"
#include "util/status.h"

namespace pvpd::journal {

struct ScanOptions {
  bool collect = false;               // fill ScanResult::records
  uint64_t from_seq = 0;              // collect only records with seq >= from_seq
  std::optional<uint64_t> max_bytes;  // read at most this prefix of the file
  // Collected records that are blob stubs (blob_codec.h) get their content back from
  // blob_dir_for_journal(path); a missing or damaged blob is corruption of that record.
  bool inflate_blobs = true;
  // Also check the blob of every record that is not collected (verification).
  bool check_blobs = false;
};

struct ScanResult {
  Status status;        // not OK: I/O error, bad header or corruption (message says where)
  std::string session;  // from the header (empty if the header is unreadable)
  std::vector<Record> records;
  uint64_t record_count = 0;  // good records (all of them, not just collected ones)
  uint64_t good_size = 0;     // bytes up to the end of the last good record
  uint64_t file_size = 0;
  std::string last_hash;  // the genesis value when there is no record
  uint64_t last_seq = 0;
  bool torn_tail = false;
  std::string torn_note;  // what the torn tail looked like
  std::optional<uint64_t> first_bad_seq;
};

ScanResult scan_journal(const std::filesystem::path &path, const ScanOptions &opts = {});

// Cuts the file back to `size` and syncs it (used for a torn tail).
Status truncate_file(const std::filesystem::path &path, uint64_t size);

struct VerifyReport {
  bool ok = false;
  uint64_t records = 0;
  std::optional<uint64_t> first_bad_seq;
  std::string problem;  // empty when ok
  // Extensions: the session id from the header, and a torn tail (not an error: a crash leaves
  // one, and pvpd truncates it at the next start; reported so an auditor sees it).
  std::string session;
  bool torn_tail = false;
  std::string note;
};
// Recomputes the chain and checks that every referenced blob exists and matches its hash.
VerifyReport verify_journal(const std::filesystem::path &journal_path);

}  // namespace pvpd::journal
