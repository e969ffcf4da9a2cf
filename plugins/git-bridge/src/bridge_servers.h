// The bridge API's listeners: Poco::Net::HTTPServer on a loopback address and a unix socket
// speaking the reference's newline-JSON action protocol. Both hand requests to BridgeApi.
//
// THREAD: start()/stop() from one thread (the plugin's core-thread hooks). HTTP requests run on
// the HTTP server's own pool, socket requests one at a time on the socket thread (never the core
// thread), concurrently with each other; BridgeApi is safe for that.
// OWNERSHIP: owns the Poco HTTP server, its pool, the unix listening socket and its thread;
// borrows the API.
// LIFETIME: stop() closes the listeners, aborts open HTTP connections and joins every thread;
// the API must outlive stop(). The destructor calls stop().
#pragma once

#include <memory>
#include <string>

#include "bridge_api.h"

namespace pvpd::git_bridge {

struct ServerConfig {
  bool http = true;
  std::string host = "127.0.0.1";
  int port = 9847;          // 0 = ephemeral
  std::string unix_socket;  // "" = none
  unsigned socket_mode = 0600;
  std::size_t max_body = 1024 * 1024;
  int max_threads = 4;
};

class BridgeServers {
 public:
  BridgeServers(const BridgeApi *api, ServerConfig config);
  ~BridgeServers();
  BridgeServers(const BridgeServers &) = delete;
  BridgeServers &operator=(const BridgeServers &) = delete;

  // Binds and starts both listeners. Returns "" or why it failed (nothing is left running then).
  std::string start();
  void stop();

  int http_port() const { return http_port_; }
  const std::string &socket_path() const { return socket_path_; }

 private:
  struct Impl;
  const BridgeApi *api_;
  ServerConfig config_;
  std::unique_ptr<Impl> impl_;
  int http_port_ = 0;
  std::string socket_path_;
};

}  // namespace pvpd::git_bridge
