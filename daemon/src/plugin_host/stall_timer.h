// StallTimer: times every host->plugin hook on the core thread and warns about slow ones.
//
// A plugin hook that blocks stalls every session, so each call is measured and anything over
// daemon.core.stall_warn_ms is logged with plugin, instance and hook name and counted (the
// same idea as Seastar's reactor-stall detector). Cheap: two steady_clock reads per call.
//
// THREAD: core thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

namespace pvpd::plugin_host {

class StallTimer {
 public:
  using Reporter = std::function<void(std::string_view hook, std::chrono::microseconds took)>;

  StallTimer(std::chrono::milliseconds threshold, Reporter reporter)
      : threshold_(threshold), reporter_(std::move(reporter)) {}

  class Scope {
   public:
    Scope(StallTimer &timer, std::string_view hook)
        : timer_(timer), hook_(hook), start_(std::chrono::steady_clock::now()) {}
    ~Scope() { timer_.finish(hook_, std::chrono::steady_clock::now() - start_); }
    Scope(const Scope &) = delete;
    Scope &operator=(const Scope &) = delete;

   private:
    StallTimer &timer_;
    std::string_view hook_;
    std::chrono::steady_clock::time_point start_;
  };

  Scope scope(std::string_view hook) { return Scope(*this, hook); }
  void set_threshold(std::chrono::milliseconds t) { threshold_ = t; }
  uint64_t stalls() const { return stalls_; }

 private:
  void finish(std::string_view hook, std::chrono::steady_clock::duration took) {
    if (took > threshold_) {
      ++stalls_;
      if (reporter_) {
        reporter_(hook, std::chrono::duration_cast<std::chrono::microseconds>(took));
      }
    }
  }

  std::chrono::milliseconds threshold_;
  Reporter reporter_;
  uint64_t stalls_ = 0;
};

}  // namespace pvpd::plugin_host
