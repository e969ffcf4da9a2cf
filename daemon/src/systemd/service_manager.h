// The daemon's side of the systemd notification protocol (sd_notify(3)): readiness, reload,
// stop, status text, watchdog pings and start/stop timeout extensions.
//
// The interface exists so the app can be unit-tested with a recording fake
// (tests/fakes/fake_service_manager.h); the real implementation speaks the protocol through
// libsystemd and is tested against a fake NOTIFY_SOCKET (tests/fakes/notify_listener.h).
//
// Protocol notes for systemd 252 (research "Verified on this machine" item 5):
//   - RELOADING=1 always carries MONOTONIC_USEC: 252 ignores it, >= 253 needs it.
//   - sd_notify_barrier is never used: it blocks until the manager closes a passed fd.
//   - NOTIFY_SOCKET is read on every call and never unset, so children the daemon spawns must
//     scrub it from their environment themselves (the tool runtime does).
//   - When NOTIFY_SOCKET is unset every call is a no-op.
//
// THREAD: core thread only (the watchdog ping must prove the core loop is alive).
// OWNERSHIP: make_service_manager() returns the sole owner; keep it for the process lifetime.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pvpd::systemd {

class ServiceManager {
 public:
  virtual ~ServiceManager() = default;

  virtual void ready(std::string_view status) = 0;      // READY=1 + STATUS=
  virtual void reloading(std::string_view status) = 0;  // RELOADING=1 + MONOTONIC_USEC= + STATUS=
  virtual void stopping(std::string_view status) = 0;   // STOPPING=1 + STATUS=
  virtual void status(std::string_view status) = 0;     // STATUS=
  virtual void watchdog() = 0;                          // WATCHDOG=1
  virtual void extend_timeout(std::chrono::microseconds extra) = 0;  // EXTEND_TIMEOUT_USEC=
  // WatchdogSec= as passed through WATCHDOG_USEC/WATCHDOG_PID, or nullopt when disabled.
  // Ping at half this interval (sd_watchdog_enabled(3)).
  virtual std::optional<std::chrono::microseconds> watchdog_interval() const = 0;
};

// The libsystemd-backed implementation (works with path and abstract "@name" sockets).
std::unique_ptr<ServiceManager> make_service_manager();

// Builds the datagram text; exposed for tests and for the recording fake. `status` is sanitised:
// a newline would end the STATUS= field and start a forged one, so control characters become
// spaces. An empty status omits the STATUS= line.
std::string notify_message(std::string_view head, std::string_view status);

// CLOCK_MONOTONIC in microseconds, the clock MONOTONIC_USEC is defined on.
uint64_t monotonic_usec();

}  // namespace pvpd::systemd
