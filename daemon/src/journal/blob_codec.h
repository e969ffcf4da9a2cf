// Blob codec: how a large message is journaled by reference (docs/journal.md "Blob store").
//
// A message longer than the threshold (big context.add content, content_ref bodies, large tool
// results) is stored whole in the BlobStore and the record's msg becomes a small stub:
//   {"pvpd_blob":"sha256:<hex>","bytes":<length>}
// The record's hash covers the stub, and the stub names the content's SHA-256, so the chain
// still proves the content (verification also checks that the blob exists and matches).
// Readers (recovery, JournalStore::read, pvpctl) inflate the stub back to the exact bytes.
//
// Storing the whole message keeps the round trip byte-exact without re-serializing JSON.
// A real envelope could begin with the stub's prefix only if a client sent a top-level
// "pvpd_blob" member first, so every message that begins with it is stored as a blob whatever
// its size: a stub in a journal was always written by the journal.
//
// THREAD: pure functions plus BlobStore I/O; safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "journal/blob_store.h"
#include "util/status.h"

namespace pvpd::journal {

inline constexpr std::string_view kBlobStubPrefix = "{\"pvpd_blob\":";
inline constexpr std::string_view kBlobDirName = "blobs";

// The blob directory of a journal file: <journal dir>/blobs, also for journals that retention
// moved to <journal dir>/archive/.
std::filesystem::path blob_dir_for_journal(const std::filesystem::path &journal_path);

inline bool is_blob_stub(std::string_view msg) {
  return msg.substr(0, kBlobStubPrefix.size()) == kBlobStubPrefix;
}

// What to journal for `message`: the message itself, or (longer than `threshold` bytes,
// threshold 0 = never, or stub-like) a stub after storing it in `blobs`. Errors are the blob
// store's (disk full, permissions).
Result<std::string> deflate_message(std::string_view message, uint64_t threshold, BlobStore &blobs);

// The blob reference of a stub ("sha256:<hex>"); INVAL when `stub` is malformed.
Result<std::string> blob_ref_of_stub(std::string_view stub);

// The message a journaled msg stands for: msg itself, or the stub's blob content (NOENT when
// the blob is missing, IO when damaged, INVAL for a malformed stub or a length mismatch).
Result<std::string> inflate_message(std::string_view msg, const BlobStore &blobs);

}  // namespace pvpd::journal
