// BlobStore: content-addressed storage for large message content (content_ref, big
// context.add): the journal keeps the reference "sha256:<hex>", the bytes live in
// <dir>/<hex> (docs/journal.md "Blob store").
//
// put() is idempotent (same bytes → same file, written once) and atomic: tmp file + fdatasync
// + rename + directory fsync, so a reference that was returned always resolves after a crash.
// get() re-hashes what it reads, so a damaged blob is reported, not served.
//
// THREAD: put/get are safe from any thread (distinct tmp names; rename is atomic).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/status.h"

namespace pvpd::journal {

class BlobStore {
 public:
  explicit BlobStore(std::filesystem::path dir);

  // Stores `bytes`; returns "sha256:<64 hex>". Creates dir (0700) on first use.
  Result<std::string> put(std::string_view bytes);
  // The bytes of a reference returned by put(). NOENT if unknown, INVAL for a malformed ref,
  // IO if the stored bytes no longer match their hash.
  Result<std::string> get(std::string_view ref) const;
  // True for a well-formed reference ("sha256:" + 64 lower-case hex).
  static bool is_ref(std::string_view ref);

  const std::filesystem::path &dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace pvpd::journal
