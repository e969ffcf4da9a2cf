// Socket file handling for unix: listeners (see unix_socket_file.h).
#include "unix_socket_file.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pvpd::websocket {
namespace {

// True when something accepts connections on the socket at `path`.
bool someone_listens(const std::string &path) {
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) {
    return false;
  }
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  bool ok = ::connect(fd, reinterpret_cast<const sockaddr *>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string UnixSocketFile::prepare() const {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return std::string();
    }
    return "cannot inspect " + path_ + ": " + std::strerror(errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return path_ + " exists and is not a socket; not replacing it";
  }
  if (someone_listens(path_)) {
    return "another server is listening on " + path_;
  }
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return "cannot remove the stale socket " + path_ + ": " + std::strerror(errno);
  }
  return std::string();
}

std::string UnixSocketFile::secure() {
  // connect() needs write permission on the socket file, so 0600 limits it to the daemon's user.
  if (::chmod(path_.c_str(), S_IRUSR | S_IWUSR) != 0) {
    return "cannot chmod 0600 " + path_ + ": " + std::strerror(errno);
  }
  struct stat st {};
  if (::lstat(path_.c_str(), &st) != 0) {
    return "cannot inspect " + path_ + ": " + std::strerror(errno);
  }
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  bound_ = true;
  return std::string();
}

void UnixSocketFile::remove() {
  if (!bound_) {
    return;
  }
  bound_ = false;
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev_ &&
      st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

}  // namespace pvpd::websocket
