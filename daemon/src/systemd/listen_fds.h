// Listening sockets passed in by systemd socket activation (sd_listen_fds(3)), handed out by
// name (FileDescriptorName= in pvpd.socket, e.g. "ws") to the plugin that asks for it through
// the host API's take_listen_fd.
//
// THREAD: from_environment() runs once at startup before any other thread exists, because it
//   unsets LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES (so spawned children never mistake our sockets
//   for theirs) and the environment is not thread-safe. Afterwards core thread only.
// OWNERSHIP: the object owns every fd not yet taken and closes them on destruction;
//   take() transfers one fd to the caller. Movable, not copyable.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pvpd::systemd {

class ListenFds {
 public:
  // Reads LISTEN_FDS/LISTEN_FDNAMES when LISTEN_PID is our pid (otherwise: no fds). Every
  // inherited fd gets FD_CLOEXEC. Fds without a name are called "unknown", as systemd does.
  static ListenFds from_environment();

  ListenFds() = default;
  ListenFds(ListenFds &&other) noexcept;
  ListenFds &operator=(ListenFds &&other) noexcept;
  ListenFds(const ListenFds &) = delete;
  ListenFds &operator=(const ListenFds &) = delete;
  ~ListenFds();

  // The first not-yet-taken fd called `name`; each fd is handed out once.
  std::optional<int> take(std::string_view name);
  // Names of fds nobody took (one entry per fd), e.g. to warn about unused sockets.
  std::vector<std::string> remaining_names() const;
  // Closes every fd nobody took. Call after all plugins started so unused sockets do not keep
  // accepting connections nobody will serve.
  void close_remaining();

 private:
  struct Entry {
    std::string name;
    int fd;  // -1 once taken or closed
  };
  std::vector<Entry> entries_;
};

}  // namespace pvpd::systemd
