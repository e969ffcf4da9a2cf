#include "systemd/service_manager.h"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <ctime>
#include <system_error>

#include <spdlog/spdlog.h>

namespace pvpd::systemd {
namespace {

class SdServiceManager final : public ServiceManager {
 public:
  void ready(std::string_view status) override { send(notify_message("READY=1", status)); }

  void reloading(std::string_view status) override {
    send(notify_message("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()), status));
  }

  void stopping(std::string_view status) override { send(notify_message("STOPPING=1", status)); }

  void status(std::string_view status) override { send(notify_message("", status)); }

  void watchdog() override { send("WATCHDOG=1"); }

  void extend_timeout(std::chrono::microseconds extra) override {
    const auto usec = extra.count() < 0 ? 0 : extra.count();
    send("EXTEND_TIMEOUT_USEC=" + std::to_string(usec));
  }

  std::optional<std::chrono::microseconds> watchdog_interval() const override {
    uint64_t usec = 0;
    if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
      return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(usec));
    }
    return std::nullopt;
  }

 private:
  void send(const std::string &message) {
    if (message.empty()) {
      return;
    }
    const int rc = ::sd_notify(0, message.c_str());
    // Report the first failure only: the watchdog would otherwise repeat it every few seconds.
    if (rc < 0 && !warned_) {
      warned_ = true;
      spdlog::warn("sd_notify failed ({}); systemd will not see state changes",
                   std::error_code(-rc, std::generic_category()).message());
    }
  }

  bool warned_ = false;
};

}  // namespace

std::string notify_message(std::string_view head, std::string_view status) {
  std::string out(head);
  if (!status.empty()) {
    if (!out.empty()) {
      out.push_back('\n');
    }
    out += "STATUS=";
    for (char c : status) {
      const auto u = static_cast<unsigned char>(c);
      out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
    }
  }
  return out;
}

uint64_t monotonic_usec() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

std::unique_ptr<ServiceManager> make_service_manager() {
  return std::make_unique<SdServiceManager>();
}

}  // namespace pvpd::systemd
