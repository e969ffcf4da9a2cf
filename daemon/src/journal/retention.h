// Retention of ended sessions (docs/journal.md "Retention", daemon.journal.retention).
//
// An ended session (its <stem>.ended marker exists) whose journal was last written more than
// `max_age` ago is moved to <dir>/archive/ (archive) or deleted with its marker. Open sessions
// are never touched. After deleting, blobs no remaining journal (archive included) references
// are deleted too; archived journals keep theirs (blob_dir_for_journal()).
//
// THREAD: call from the journal writer thread (JournalWriter runs it between batches, so no
// record or blob is half written) or while no writer runs on `dir`.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>

#include "util/status.h"

namespace pvpd::journal {

struct RetentionResult {
  size_t sessions = 0;  // journals archived or deleted
  size_t blobs = 0;     // unreferenced blobs deleted
};

Result<RetentionResult> apply_retention(const std::filesystem::path &dir,
                                        std::chrono::milliseconds max_age_of_ended, bool archive);

// Deletes blobs in <dir>/blobs that no journal in dir or dir/archive references.
Result<size_t> collect_unreferenced_blobs(const std::filesystem::path &dir);

}  // namespace pvpd::journal
