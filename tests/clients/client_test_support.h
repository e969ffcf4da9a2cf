// Shared pieces of the client tests: a real pvpd with the websocket plugin on a FIXED loopback
// port (so it can be restarted and clients reconnect to the same address), with the journal on
// (so sessions and their seq survive the restart); a background process whose output can be
// awaited (pvpctl watch); and a scripted agent on the independent test WebSocket client.
//
// THREAD: test thread only (WsClient brings its own lws thread).
// LIFETIME: destructors kill what is still running (SIGKILL), so a failing test leaves nothing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pvpd_process.h"
#include "ws_daemon.h"
#include "ws_test_client.h"

namespace pvpd::testing::clients {

using namespace std::chrono_literals;

class ClientDaemon {
 public:
  // `daemon_extra`: YAML lines added to the daemon section (indented by two spaces);
  // `plugins_extra`: more plugin list entries (indented by two spaces); `ws_extra`: more keys
  // of the websocket plugin's config (indented by six spaces).
  explicit ClientDaemon(const std::string &daemon_extra = "", const std::string &plugins_extra = "",
                        const std::string &ws_extra = "");
  bool start();
  // SIGTERM and wait for a clean exit.
  bool stop();
  bool restart() { return stop() && start(); }
  int port() const { return port_; }
  std::string url(const char *scheme = "ws") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
  }
  const TempDir &dir() const { return dir_; }
  std::string log() const { return pvpd_ ? pvpd_->log() : ""; }

 private:
  TempDir dir_;
  int port_ = 0;
  int runs_ = 0;
  std::filesystem::path config_;
  std::unique_ptr<PvpdProcess> pvpd_;
};

// A child process with stdout/stderr captured in files.
class Background {
 public:
  Background(const std::vector<std::string> &argv, const std::filesystem::path &dir);
  ~Background();
  std::string out() const;
  std::string err() const;
  bool wait_output(const std::string &needle, std::chrono::milliseconds timeout = 10s) const;
  void signal(int signo) const;
  // Exit code, or nullopt on timeout (-1: killed by a signal).
  std::optional<int> wait(std::chrono::milliseconds timeout = 10s);

 private:
  pid_t pid_ = -1;
  std::filesystem::path out_, err_;
  std::optional<int> status_;
};

// The agent role, scripted from the test over its own WebSocket client.
class TestAgent {
 public:
  TestAgent(int port, std::string session, std::string id = "claude");
  bool joined() const { return joined_; }
  // Sends a frame (envelope built here); returns its id.
  std::string send(const std::string &type, const std::string &payload_json);
  // Waits for a frame of `type` (and payload field containing `needle` when given).
  std::optional<rapidjson::Document> wait_for(const std::string &type,
                                              const std::string &needle = "",
                                              std::chrono::milliseconds timeout = 15s);
  ws::WsClient &client() { return *client_; }

 private:
  std::string session_, id_;
  std::unique_ptr<ws::WsClient> client_;
  bool joined_ = false;
  int counter_ = 0;
};

std::filesystem::path client_binary(const std::string &name);  // build/bin/<name>
int free_port();

}  // namespace pvpd::testing::clients
