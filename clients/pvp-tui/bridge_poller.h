// Polls the git decision-tracking bridge (GET /bridge/commit-context on the server's HTTP port)
// every few seconds and keeps one summary line; empty while no bridge answers (pvpd without the
// git plugin answers 404, so the line simply stays hidden).
//
// THREAD: runs its own thread; line() may be called from the UI thread (mutex).
// LIFETIME: the destructor stops and joins the thread (waking it from its sleep).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace pvp_tui {

class BridgePoller {
 public:
  BridgePoller(std::string host, int port, std::string session,
               std::chrono::milliseconds interval = std::chrono::seconds(5));
  ~BridgePoller();
  BridgePoller(const BridgePoller &) = delete;
  BridgePoller &operator=(const BridgePoller &) = delete;
  std::string line() const;

 private:
  void run();
  std::string host_;
  int port_;
  std::string session_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded
  std::string line_;   // guarded
  std::thread thread_;
};

// The line for one /bridge/commit-context JSON body ("" when it is not usable).
std::string bridge_summary(const std::string &json);

}  // namespace pvp_tui
