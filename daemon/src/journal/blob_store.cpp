#include "journal/blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "journal/hash_chain.h"
#include "journal/journal_file.h"

namespace pvpd::journal {
namespace {
constexpr std::string_view kRefPrefix = "sha256:";
}  // namespace

BlobStore::BlobStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

bool BlobStore::is_ref(std::string_view ref) {
  return ref.substr(0, kRefPrefix.size()) == kRefPrefix &&
         is_hash_hex(ref.substr(kRefPrefix.size()));
}

Result<std::string> BlobStore::put(std::string_view bytes) {
  const std::string hex = sha256_hex(bytes);
  const std::string ref = std::string(kRefPrefix) + hex;
  const std::filesystem::path final_path = dir_ / hex;
  if (::access(final_path.c_str(), F_OK) == 0) {
    return ref;  // dedup: content-addressed, so an existing file holds these bytes
  }
  if (Status st = ensure_private_dir(dir_); !st) {
    return st;
  }
  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path tmp =
      dir_ / (".tmp-" + hex + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return errno_to_status(errno, "create " + tmp.string());
  }
  Status st;
  size_t off = 0;
  while (st && off < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      st = errno_to_status(n < 0 ? errno : EIO, "write " + tmp.string());
      break;
    }
    off += static_cast<size_t>(n);
  }
  if (st && ::fdatasync(fd) != 0) {
    st = errno_to_status(errno, "fdatasync " + tmp.string());
  }
  ::close(fd);
  if (st && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    st = errno_to_status(errno, "rename " + tmp.string());
  }
  if (!st) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (Status ds = sync_dir(dir_); !ds) {
    return ds;
  }
  return ref;
}

Result<std::string> BlobStore::get(std::string_view ref) const {
  if (!is_ref(ref)) {
    return Status(PVPD_E_INVAL, "not a blob reference: \"" + std::string(ref) + "\"");
  }
  const std::string hex(ref.substr(kRefPrefix.size()));
  const std::filesystem::path path = dir_ / hex;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno_to_status(errno, "open blob " + path.string());
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      Status st = errno_to_status(errno, "read blob " + path.string());
      ::close(fd);
      return st;
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (sha256_hex(out) != hex) {
    return Status(PVPD_E_IO, "blob " + path.string() + " does not match its hash (damaged)");
  }
  return out;
}

}  // namespace pvpd::journal
