#include "systemd/listen_fds.h"

#include <fcntl.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <system_error>

#include <spdlog/spdlog.h>

namespace pvpd::systemd {

ListenFds ListenFds::from_environment() {
  ListenFds out;
  char **names = nullptr;
  const int n = ::sd_listen_fds_with_names(1, &names);
  if (n < 0) {
    spdlog::warn("ignoring socket activation environment: {}",
                 std::error_code(-n, std::generic_category()).message());
  }
  for (int i = 0; i < n; ++i) {
    const int fd = SD_LISTEN_FDS_START + i;
    // libsystemd already sets FD_CLOEXEC; repeat it so the guarantee does not depend on that.
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) {
      ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
    std::string name = (names != nullptr && names[i] != nullptr) ? names[i] : "unknown";
    out.entries_.push_back(Entry{std::move(name), fd});
  }
  if (names != nullptr) {
    for (int i = 0; names[i] != nullptr; ++i) {
      std::free(names[i]);
    }
    std::free(names);
  }
  return out;
}

ListenFds::ListenFds(ListenFds &&other) noexcept : entries_(std::move(other.entries_)) {
  other.entries_.clear();
}

ListenFds &ListenFds::operator=(ListenFds &&other) noexcept {
  if (this != &other) {
    close_remaining();
    entries_ = std::move(other.entries_);
    other.entries_.clear();
  }
  return *this;
}

ListenFds::~ListenFds() {
  close_remaining();
}

std::optional<int> ListenFds::take(std::string_view name) {
  for (Entry &e : entries_) {
    if (e.fd >= 0 && e.name == name) {
      return std::exchange(e.fd, -1);
    }
  }
  return std::nullopt;
}

std::vector<std::string> ListenFds::remaining_names() const {
  std::vector<std::string> out;
  for (const Entry &e : entries_) {
    if (e.fd >= 0) {
      out.push_back(e.name);
    }
  }
  return out;
}

void ListenFds::close_remaining() {
  for (Entry &e : entries_) {
    if (e.fd >= 0) {
      ::close(std::exchange(e.fd, -1));
    }
  }
}

}  // namespace pvpd::systemd
