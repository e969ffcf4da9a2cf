// The libwebsockets server: one lws context with one vhost per `listen` entry, served by its own
// thread. Implements what the plugin hooks need (deliver, close_conn, flow, status) on top of
// lws callbacks.
//
// THREAD: start/stop/deliver/close_conn/flow/status_json run on the core thread (status may
// also run on the lws thread via /health). Every lws call except lws_cancel_service happens on
// the lws service thread. Cross-thread requests (a message queued, reads resumed, a close
// asked for, shutdown) are recorded under mu_, the connection is listed in marked_, and
// lws_cancel_service wakes the service thread, which handles marked_ in
// LWS_CALLBACK_EVENT_WAIT_CANCELLED (the Janus pattern; research/architecture.md b.7).
// Host calls (conn_open, conn_inbound, conn_closed) are made from the lws thread without mu_;
// conn_pressure is made with mu_ held so that the 1/0 levels reach the core in order (the host
// only posts it).
// OWNERSHIP: WsServer owns the lws context, its thread and every Connection.
// LIFETIME: no host call after stop() returns (the thread is joined; the context is destroyed on
// the service thread, whose close callbacks report conn_closed first).
#pragma once

#include <libwebsockets.h>
#include <pvpd/plugin.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "connection.h"
#include "http_frontend.h"
#include "metrics.h"
#include "options.h"
#include "unix_socket_file.h"

namespace pvpd::websocket {

class WsServer {
 public:
  WsServer(pvpd::Host host, Settings settings);
  ~WsServer();
  WsServer(const WsServer &) = delete;
  WsServer &operator=(const WsServer &) = delete;

  pvpd_status start();
  void stop();
  pvpd_status deliver(const pvpd_conn_id *conns, std::size_t n, const pvpd_msg_view &msg);
  void close_conn(pvpd_conn_id conn, int32_t reason);
  void flow(pvpd_conn_id conn, uint32_t allow_reads);
  std::string status_json();

  // The one lws callback for every protocol slot (HTTP and WebSocket).
  static int lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                          std::size_t len);

 private:
  // lws per-session data (POD, zeroed by lws).
  struct Session {
    Connection *conn;
  };
  // lws timers with a way back to the server.
  struct Timer {
    lws_sorted_usec_list_t sul;  // first member: the callback casts back
    WsServer *self;
  };

  // ---- lws thread ----
  void run();
  int on_wait_cancelled();
  int on_confirm_upgrade(struct lws *wsi);
  int on_established(struct lws *wsi, Session *s);
  int on_receive(struct lws *wsi, Connection &c, const void *in, std::size_t len);
  void on_message(Connection &c, std::string message);
  int on_writeable(struct lws *wsi, Connection &c);
  void on_closed(Session *s);
  void begin_shutdown();
  void sweep();
  void send_error_and_close(Connection &c, const std::string &code, const std::string &message,
                            int ws_code, const std::string &reason, int32_t pvpd_reason);
  static void on_sweep_timer(lws_sorted_usec_list_t *sul);
  static void on_shutdown_timer(lws_sorted_usec_list_t *sul);

  // ---- any thread, mu_ held ----
  void request_close_locked(Connection &c, int ws_code, std::string reason, int32_t pvpd_reason,
                            bool flush);
  void mark_locked(Connection &c);
  void wake_locked();

  std::string health_json();

  std::string metrics_text();

  std::string host_text(pvpd_status (*pvpd_host_api_v1::*slot)(pvpd_host_ctx *, pvpd_buf **)) const;
  std::string write_port_file(int port) const;
  void remove_unix_files();  // core thread: after the listeners are closed

  pvpd::Host host_;
  const Settings settings_;
  Metrics metrics_;
  HttpFrontend http_;  // plain HTTP requests (lws thread) and their workers

  // Set up in start() before the thread exists, then only used on the lws thread.
  std::array<char, 64> dynamic_protocol_name_{};
  std::array<lws_protocols, 3> protocols_{};
  lws_retry_bo_t retry_{};
  struct lws_context *context_ = nullptr;
  std::vector<std::string> bound_;          // "host:port" per listener; immutable once started
  std::vector<UnixSocketFile> unix_files_;  // unix: listeners' files; core thread only
  std::thread thread_;

  std::mutex mu_;
  bool context_alive_ = false;  // guarded: lws_cancel_service is allowed
  bool stopping_ = false;       // guarded
  std::unordered_map<pvpd_conn_id, std::unique_ptr<Connection>> conns_;  // guarded
  std::vector<pvpd_conn_id> marked_;                                     // guarded
  bool wake_pending_ = false;  // guarded: lws_cancel_service called, on_wait_cancelled not yet run

  // lws thread only.
  std::unordered_map<std::string, std::size_t> per_ip_;
  std::size_t ws_count_ = 0;
  bool shutdown_started_ = false;
  bool exit_loop_ = false;
  Timer sweep_timer_{};
  Timer shutdown_timer_{};
  std::vector<unsigned char> scratch_;
  std::vector<std::string_view> batch_;  // messages framed into the current write
};

}  // namespace pvpd::websocket
