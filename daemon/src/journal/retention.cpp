#include "journal/retention.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "journal/blob_codec.h"
#include "journal/hash_chain.h"
#include "journal/journal_file.h"
#include "journal/record_format.h"

namespace pvpd::journal {
namespace {

bool ends_with(const std::string &s, std::string_view suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::filesystem::path> journals_in(const std::filesystem::path &dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ends_with(it->path().filename().string(), kJournalSuffix) && it->is_regular_file(ec)) {
      out.push_back(it->path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Blob hashes a journal file references. Over-approximates (a false match only keeps a blob):
// a stub's msg appears in the file as {\"pvpd_blob\":\"sha256:<hex>, while the same text inside
// a message's own strings would be escaped once more.
Status add_refs(const std::filesystem::path &journal, std::set<std::string> &refs) {
  std::ifstream in(journal, std::ios::binary);
  if (!in) {
    return Status(PVPD_E_IO, "cannot read " + journal.string());
  }
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::string_view kNeedle = R"({\"pvpd_blob\":\"sha256:)";
  for (size_t pos = data.find(kNeedle); pos != std::string::npos;
       pos = data.find(kNeedle, pos + 1)) {
    const std::string hex = data.substr(pos + kNeedle.size(), kHashHexLength);
    if (is_hash_hex(hex)) {
      refs.insert(hex);
    }
  }
  return Status::ok();
}

}  // namespace

Result<size_t> collect_unreferenced_blobs(const std::filesystem::path &dir) {
  const std::filesystem::path blob_dir = dir / kBlobDirName;
  std::error_code ec;
  if (!std::filesystem::is_directory(blob_dir, ec)) {
    return size_t{0};
  }
  std::set<std::string> refs;
  for (const auto &d : {dir, dir / "archive"}) {
    for (const auto &j : journals_in(d)) {
      if (Status st = add_refs(j, refs); !st) {
        return st;  // unsure what is referenced: delete nothing
      }
    }
  }
  size_t removed = 0;
  for (auto it = std::filesystem::directory_iterator(blob_dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_hash_hex(name) && refs.count(name) == 0) {
      std::error_code rm;
      if (std::filesystem::remove(it->path(), rm)) {
        ++removed;
      }
    }
  }
  return removed;
}

Result<RetentionResult> apply_retention(const std::filesystem::path &dir,
                                        std::chrono::milliseconds max_age_of_ended, bool archive) {
  const std::filesystem::path archive_dir = dir / "archive";
  const auto now = std::filesystem::file_time_type::clock::now();
  RetentionResult res;
  for (const auto &path : journals_in(dir)) {
    std::filesystem::path marker = path;
    marker.replace_extension(std::string(kEndedSuffix));
    std::error_code ec;
    if (!std::filesystem::exists(marker, ec)) {
      continue;
    }
    const auto mtime = std::filesystem::last_write_time(path, ec);
    if (ec || now - mtime < max_age_of_ended) {
      continue;
    }
    if (archive) {
      if (Status st = ensure_private_dir(archive_dir); !st) {
        return st;
      }
      std::filesystem::rename(path, archive_dir / path.filename(), ec);
      if (!ec) {
        std::filesystem::rename(marker, archive_dir / marker.filename(), ec);
      }
    } else {
      std::filesystem::remove(path, ec);
      if (!ec) {
        std::filesystem::remove(marker, ec);
      }
    }
    if (ec) {
      return Status(PVPD_E_IO, "retention of " + path.string() + ": " + ec.message());
    }
    ++res.sessions;
  }
  if (res.sessions > 0) {
    if (Status st = sync_dir(dir); !st) {
      return st;
    }
    if (!archive) {
      auto blobs = collect_unreferenced_blobs(dir);
      if (!blobs) {
        return blobs.status();
      }
      res.blobs = blobs.value();
    }
  }
  return res;
}

}  // namespace pvpd::journal
