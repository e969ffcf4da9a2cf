// A recording ServiceManager for unit tests of code that drives the systemd protocol (the app's
// startup, reload and shutdown sequences) without a socket.
//
// Each call is recorded as the exact datagram the real implementation would send (except that
// MONOTONIC_USEC is omitted, so expectations stay deterministic).
//
// THREAD: single-threaded, like the real one.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "systemd/service_manager.h"

namespace pvpd::testing {

class FakeServiceManager final : public systemd::ServiceManager {
 public:
  void ready(std::string_view status) override;
  void reloading(std::string_view status) override;
  void stopping(std::string_view status) override;
  void status(std::string_view status) override;
  void watchdog() override;
  void extend_timeout(std::chrono::microseconds extra) override;
  std::optional<std::chrono::microseconds> watchdog_interval() const override {
    return configured_watchdog_interval;
  }

  // Test controls and observations.
  std::optional<std::chrono::microseconds> configured_watchdog_interval;
  std::vector<std::string> messages;
  int watchdog_pings = 0;
};

}  // namespace pvpd::testing
