// A fake systemd notification socket: binds an AF_UNIX datagram socket (in a private temp dir,
// or in the abstract namespace) so tests can point NOTIFY_SOCKET at it and read what the code
// under test sends (research c.5).
//
// It reads plain datagrams and needs no SCM_CREDENTIALS. File descriptors passed with a
// datagram (systemd-notify's BARRIER=1) are closed immediately, which is what releases a
// barrier waiter.
//
// THREAD: single-threaded; use from the test thread.
// OWNERSHIP/LIFETIME: owns the socket and the temp dir; both are removed on destruction.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::testing {

class NotifyListener {
 public:
  enum class Kind { kPath, kAbstract };

  // Throws std::system_error when the socket cannot be created or bound.
  explicit NotifyListener(Kind kind = Kind::kPath);
  ~NotifyListener();
  NotifyListener(const NotifyListener &) = delete;
  NotifyListener &operator=(const NotifyListener &) = delete;

  // The value for NOTIFY_SOCKET: an absolute path, or "@name" for the abstract namespace.
  std::string socket_env() const { return env_; }

  // One datagram's text, or nullopt when none arrives within `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout);

  // Reads datagrams until one contains `needle` or `timeout` passes; returns all of them (the
  // last one contains `needle` unless the wait timed out).
  std::vector<std::string> wait_for(std::string_view needle, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string dir_;  // empty for abstract sockets
  std::string env_;
};

// For gtest parameter names and failure messages.
inline std::ostream &operator<<(std::ostream &os, NotifyListener::Kind kind) {
  return os << (kind == NotifyListener::Kind::kPath ? "path" : "abstract");
}

// Parses "KEY=value\nKEY2=value2" into the value of `key`, or nullopt.
std::optional<std::string> notify_field(std::string_view datagram, std::string_view key);

}  // namespace pvpd::testing
