#include "fakes/notify_listener.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>

namespace pvpd::testing {
namespace {

[[noreturn]] void throw_errno(const char *what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::string abstract_name() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  return "pvpd-test-notify-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(rd());
}

void close_passed_fds(struct msghdr &mh) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      const size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < n; ++i) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        ::close(fd);
      }
    }
  }
}

}  // namespace

NotifyListener::NotifyListener(Kind kind) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    throw_errno("socket");
  }
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  socklen_t len = 0;
  if (kind == Kind::kPath) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pvpd-notify-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      const int err = errno;
      ::close(fd_);
      throw std::system_error(err, std::generic_category(), "mkdtemp");
    }
    dir_ = tmpl;
    env_ = dir_ + "/notify.sock";
    if (env_.size() >= sizeof(addr.sun_path)) {
      ::close(fd_);
      std::filesystem::remove_all(dir_);
      throw std::system_error(ENAMETOOLONG, std::generic_category(), "notify socket path");
    }
    std::memcpy(addr.sun_path, env_.c_str(), env_.size() + 1);
    len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + env_.size() + 1);
  } else {
    const std::string name = abstract_name();
    env_ = "@" + name;
    addr.sun_path[0] = '\0';
    std::memcpy(addr.sun_path + 1, name.data(), name.size());
    // Abstract names are length-delimited, not NUL-terminated: the length must be exact.
    len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + 1 + name.size());
  }
  if (::bind(fd_, reinterpret_cast<const struct sockaddr *>(&addr), len) != 0) {
    const int err = errno;
    ::close(fd_);
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
    throw std::system_error(err, std::generic_category(), "bind notify socket");
  }
}

NotifyListener::~NotifyListener() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::optional<std::string> NotifyListener::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    struct pollfd pfd {
      fd_, POLLIN, 0
    };
    const int rc = ::poll(&pfd, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    if (rc <= 0) {
      return std::nullopt;
    }
    std::string buf(64 * 1024, '\0');
    struct iovec iov {
      buf.data(), buf.size()
    };
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 16)];
    struct msghdr mh {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd_, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      throw_errno("recvmsg");
    }
    close_passed_fds(mh);
    buf.resize(static_cast<size_t>(n));
    return buf;
  }
}

std::vector<std::string> NotifyListener::wait_for(std::string_view needle,
                                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> out;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto msg = next(left.count() > 0 ? left : std::chrono::milliseconds(0));
    if (!msg) {
      return out;
    }
    const bool found = msg->find(needle) != std::string::npos;
    out.push_back(std::move(*msg));
    if (found) {
      return out;
    }
  }
}

std::optional<std::string> notify_field(std::string_view datagram, std::string_view key) {
  size_t pos = 0;
  while (pos <= datagram.size()) {
    size_t end = datagram.find('\n', pos);
    if (end == std::string_view::npos) {
      end = datagram.size();
    }
    const std::string_view line = datagram.substr(pos, end - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == '=') {
      return std::string(line.substr(key.size() + 1));
    }
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace pvpd::testing
