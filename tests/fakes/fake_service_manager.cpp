#include "fakes/fake_service_manager.h"

namespace pvpd::testing {

void FakeServiceManager::ready(std::string_view status) {
  messages.push_back(systemd::notify_message("READY=1", status));
}

void FakeServiceManager::reloading(std::string_view status) {
  messages.push_back(systemd::notify_message("RELOADING=1", status));
}

void FakeServiceManager::stopping(std::string_view status) {
  messages.push_back(systemd::notify_message("STOPPING=1", status));
}

void FakeServiceManager::status(std::string_view status) {
  messages.push_back(systemd::notify_message("", status));
}

void FakeServiceManager::watchdog() {
  ++watchdog_pings;
  messages.push_back("WATCHDOG=1");
}

void FakeServiceManager::extend_timeout(std::chrono::microseconds extra) {
  messages.push_back("EXTEND_TIMEOUT_USEC=" + std::to_string(extra.count()));
}

}  // namespace pvpd::testing
