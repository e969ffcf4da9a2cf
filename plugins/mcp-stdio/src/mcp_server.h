// The MCP-stdio transport's socket side: listens on a unix socket, runs one McpSession per
// accepted connection (each one PVP participant, transport "mcp"), and moves bytes between the
// sockets, the sessions and the host.
//
// THREAD: start/stop/deliver/close_conn/flow/status_json run on the core thread (hooks). All
// socket I/O and every McpSession live on one plugin thread (a poll() loop woken by an eventfd).
// The two sides share only `mu_`-guarded per-connection mailboxes (queued envelopes, close and
// pause requests); host calls are made without holding `mu_`, and the I/O thread only makes
// host calls documented as THREAD: any (conn_open, conn_inbound, conn_closed, log).
// OWNERSHIP: the server owns its sockets, the eventfd and the queued buffer references.
// LIFETIME: stop() joins the thread after every connection got conn_closed, so no host call
// happens after it returns; the socket file is removed on stop.
#pragma once

#include <pvpd/plugin.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "options.h"

namespace pvpd::mcp {

class McpServer {
 public:
  McpServer(pvpd::Host host, Settings settings);
  ~McpServer();
  McpServer(const McpServer &) = delete;
  McpServer &operator=(const McpServer &) = delete;

  pvpd_status start();
  void stop();
  pvpd_status deliver(const pvpd_conn_id *conns, std::size_t n, const pvpd_msg_view &msg);
  void close_conn(pvpd_conn_id conn, int32_t reason);
  void flow(pvpd_conn_id conn, uint32_t allow_reads);
  std::string status_json();

  const std::string &socket_path() const { return path_; }

 private:
  struct Mailbox;  // shared with the core thread, guarded by mu_
  struct Conn;     // I/O thread only

  void run();
  void accept_all();
  void read_from(Conn &c, uint64_t now_ms);
  void feed(Conn &c, const char *data, std::size_t n, uint64_t now_ms);
  void write_to(Conn &c);
  void drain_mailbox(Conn &c, uint64_t now_ms);
  void finish(Conn &c, int32_t reason);
  void wake();
  std::string open_socket();

  pvpd::Host host_;
  Settings settings_;
  std::string path_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  uint64_t conn_counter_ = 0;
  std::vector<std::unique_ptr<Conn>> conns_;  // I/O thread only

  std::mutex mu_;
  bool stopping_ = false;
  std::map<pvpd_conn_id, std::shared_ptr<Mailbox>> mailboxes_;
  int opening_ = 0;                               // conn_open calls not yet registered
  std::map<pvpd_conn_id, int32_t> early_closes_;  // close_conn during that window
  std::atomic<std::size_t> connection_count_{0};
  std::atomic<uint64_t> accepted_total_{0};
};

}  // namespace pvpd::mcp
