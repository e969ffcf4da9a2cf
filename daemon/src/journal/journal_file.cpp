#include "journal/journal_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace pvpd::journal {

Status errno_to_status(int err, const std::string &what) {
  std::string text = what + ": " + std::strerror(err);
  switch (err) {
    case EACCES:
    case EPERM:
    case EROFS: return Status(PVPD_E_PERM, text + " (permission denied)");
    case ENOENT: return Status(PVPD_E_NOENT, text);
    case ENOSPC:
    case EDQUOT:
    case EFBIG: return Status(PVPD_E_IO, text + " (disk full or file size limit)");
    default: return Status(PVPD_E_IO, text);
  }
}

Status ensure_private_dir(const std::filesystem::path &dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    // Parents are created as needed; only the final components get 0700 explicitly because
    // parents (the state dir) belong to whoever configured them.
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return errno_to_status(errno, "create directory " + dir.string());
    }
  } else if (!std::filesystem::is_directory(dir, ec)) {
    return Status(PVPD_E_INVAL, dir.string() + " exists and is not a directory");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return errno_to_status(errno, "journal directory " + dir.string() + " is not writable");
  }
  return Status::ok();
}

Status sync_dir(const std::filesystem::path &dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return errno_to_status(errno, "open directory " + dir.string());
  }
  Status st;
  if (::fsync(fd) != 0) {
    st = errno_to_status(errno, "fsync directory " + dir.string());
  }
  ::close(fd);
  return st;
}

JournalFile::JournalFile(JournalFile &&o) noexcept
    : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), size_(o.size_) {}

JournalFile &JournalFile::operator=(JournalFile &&o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::move(o.path_);
    size_ = o.size_;
  }
  return *this;
}

JournalFile::~JournalFile() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

namespace {

Status write_all(int fd, std::string_view bytes, const std::filesystem::path &path,
                 size_t *written) {
  *written = 0;
  while (*written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + *written, bytes.size() - *written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return errno_to_status(errno, "write " + path.string());
    }
    if (n == 0) {
      return Status(PVPD_E_IO, "write " + path.string() + ": no progress");
    }
    *written += static_cast<size_t>(n);
  }
  return Status::ok();
}

}  // namespace

Result<JournalFile> JournalFile::create(const std::filesystem::path &path, std::string_view header,
                                        bool durable) {
  if (::access(path.c_str(), F_OK) == 0) {
    return Status(PVPD_E_EXISTS, path.string() + " already exists");
  }
  const std::filesystem::path tmp = path.string() + ".tmp";
  ::unlink(tmp.c_str());  // left over from a crash during creation
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return errno_to_status(errno, "create " + tmp.string());
  }
  JournalFile file(fd, path, 0);
  size_t written = 0;
  Status st = write_all(fd, header, tmp, &written);
  if (st && durable && ::fdatasync(fd) != 0) {
    st = errno_to_status(errno, "fdatasync " + tmp.string());
  }
  if (st && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = errno_to_status(errno, "rename " + tmp.string());
  }
  if (!st) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (durable) {
    if (Status ds = sync_dir(path.parent_path()); !ds) {
      return ds;
    }
  }
  file.size_ = header.size();
  return file;
}

Result<JournalFile> JournalFile::open_existing(const std::filesystem::path &path, uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    return errno_to_status(errno, "open " + path.string());
  }
  JournalFile file(fd, path, size);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return errno_to_status(errno, "stat " + path.string());
  }
  if (static_cast<uint64_t>(st.st_size) != size) {
    if (Status t = file.truncate_to(size); !t) {
      return t;
    }
  }
  return file;
}

Status JournalFile::append(std::string_view bytes, bool *rollback_failed) {
  *rollback_failed = false;
  size_t written = 0;
  Status st = write_all(fd_, bytes, path_, &written);
  if (st) {
    size_ += bytes.size();
    return st;
  }
  // Roll back whatever part of the record made it to the file. With RLIMIT_FSIZE the short
  // write lands first and the next write fails with EFBIG (SIGXFSZ must be ignored).
  if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
    *rollback_failed = true;
    return Status(st.code(), st.message() + "; rollback failed: " + std::strerror(errno));
  }
  return st;
}

Status JournalFile::sync(FlushFn flush) {
  if ((flush != nullptr ? flush(fd_) : ::fdatasync(fd_)) != 0) {
    return errno_to_status(errno, "fdatasync " + path_.string());
  }
  return Status::ok();
}

int JournalFile::dup_fd() const {
  return ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
}

Status JournalFile::truncate_to(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
    return errno_to_status(errno, "truncate " + path_.string());
  }
  size_ = size;
  return Status::ok();
}

}  // namespace pvpd::journal
