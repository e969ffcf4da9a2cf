// Polls the git decision-tracking bridge every few seconds and keeps one summary line; empty
// while no bridge answers, so the line simply stays hidden. Candidates are tried in order until
// one answers 200, then only that one is polled: the reference serves
// /bridge/commit-context on its WebSocket port; pvpd's git-bridge plugin serves
// /commit-context on its own loopback port (default 127.0.0.1:9847).
//
// THREAD: runs its own thread; line() may be called from the UI thread (mutex).
// LIFETIME: the destructor stops and joins the thread (waking it from its sleep).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pvp_tui {

struct BridgeEndpoint {
  std::string host;
  int port = 0;
  std::string path;  // e.g. "/commit-context"; "?session=<id>" is appended
};

class BridgePoller {
 public:
  BridgePoller(std::vector<BridgeEndpoint> endpoints, std::string session,
               std::chrono::milliseconds interval = std::chrono::seconds(5));
  ~BridgePoller();
  BridgePoller(const BridgePoller &) = delete;
  BridgePoller &operator=(const BridgePoller &) = delete;
  std::string line() const;

 private:
  void run();
  std::vector<BridgeEndpoint> endpoints_;
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
