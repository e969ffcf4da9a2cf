// Core: the daemon's single core thread and everything it owns.
//
// One boost::asio::io_context run by one thread owns all routing and session state (no locks
// in the router); plugin threads reach it only through the host API, which posts here. The
// core also owns the blocking pool for run_blocking, the connection table, the bus and the
// router, and implements CoreServices for plugin instances.
//
// Ingress backpressure (DESIGN.md §4): inbound frames waiting for the core thread are counted;
// above daemon.core.inbound_queue_limit, conn_inbound still accepts the frame but answers
// PVPD_E_AGAIN so the transport pauses that connection. Once the backlog drains to half the
// limit the core resumes every paused connection with flow(conn, 1).
//
// THREAD: construct, configure and run on the core thread; CoreServices methods document
// their own rules.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/operator_queries.h"
#include "app/plugin_metrics.h"
#include "bus/bus.h"
#include "bus/connection_table.h"
#include "journal/journal_store.h"
#include "plugin_host/core_services.h"
#include "session/router.h"
#include "util/asio.h"

namespace pvpd::systemd {
class ListenFds;
}

namespace pvpd::app {

struct CoreOptions {
  size_t inbound_queue_limit = 10000;
  size_t max_message_bytes = 1 << 20;
  std::chrono::milliseconds stall_warn{20};
  size_t blocking_threads = 2;
  std::string credentials_dir;      // fallback when $CREDENTIALS_DIRECTORY is unset
  session::RouterOptions protocol;  // max_message_bytes is kept equal to the one above
};

struct CoreCounters {
  uint64_t inbound_frames = 0;
  uint64_t inbound_paused = 0;  // times a connection was told to pause (AGAIN)
  uint64_t inbound_too_big = 0;
  uint64_t connections_opened = 0;
  uint64_t connections_closed = 0;
};

class Core final : public plugin_host::CoreServices {
 public:
  explicit Core(CoreOptions options);
  ~Core() override;

  // Reloadable options (queue limit, message size, stall threshold).
  void set_options(const CoreOptions &options);
  void set_listen_fds(std::shared_ptr<systemd::ListenFds> fds) { listen_fds_ = std::move(fds); }

  // Closes socket-activation fds no plugin took (after start) and returns their names.
  std::vector<std::string> close_untaken_listen_fds();

  asio::io_context &io() { return io_; }
  session::Router &router() { return router_; }
  bus::ConnectionTable &connections() { return connections_; }
  const CoreCounters &counters() const { return counters_; }
  size_t pending_inbound() const { return pending_inbound_.load(); }

  // Starts the router's periodic tick (heartbeats, presence, gate timeouts); stops with
  // stop_ticker() or when the io_context stops.
  void start_ticker();
  void stop_ticker();
  // Opens the journal under `dir`, rebuilds the sessions it holds, and makes every later
  // message durable before delivery. Returns one report line per restored/failed session.
  Result<std::vector<std::string>> open_journal(const journal::JournalOptions &options);
  // Flushes the journal and stops its writer (after the last message).
  void close_journal();
  // Deliveries still waiting for a journal commit.
  size_t pending_deliveries() const { return router_.pending_deliveries(); }
  // Graceful shutdown, step 1: every session's participants are told (session.end).
  void announce_shutdown(std::string_view reason);
  // Closes every connection through its transport (shutdown drain).
  void close_all_connections(int32_t reason);
  // Waits for the blocking pool's threads (after all instances are stopped).
  void join_blocking_pool();

  // CoreServices.
  asio::io_context &core_context() override { return io_; }
  asio::thread_pool &blocking_pool() override { return *pool_; }
  pvpd_status conn_open(plugin_host::PluginInstance &owner, const pvpd_conn_info &info,
                        pvpd_conn_id *out) override;
  pvpd_status conn_inbound(plugin_host::PluginInstance &owner, pvpd_conn_id conn,
                           std::string_view json) override;
  pvpd_status conn_closed(plugin_host::PluginInstance &owner, pvpd_conn_id conn,
                          int32_t reason) override;
  pvpd_status conn_pressure(plugin_host::PluginInstance &owner, pvpd_conn_id conn,
                            uint32_t level) override;
  pvpd_status publish(plugin_host::PluginInstance &owner, std::string_view json) override;
  bus::Bus &bus() override { return bus_; }
  void drop_connections_of(plugin_host::PluginInstance &owner) override;
  std::optional<int> take_listen_fd(std::string_view name) override;
  std::string credentials_dir() const override;
  std::chrono::milliseconds stall_threshold() const override;
  std::string daemon_status_json() const override;
  std::string metrics_text() const override;
  pvpd_status journal_head(std::string_view session, std::string *out) const override;
  pvpd_status session_find(std::string_view name, std::string *out) const override;
  pvpd_status admin_sessions_json(std::string_view token, std::string *out) const override;
  pvpd_status admin_transcript(std::string_view token, std::string_view session, uint64_t from_seq,
                               uint32_t format, std::string *out) const override;
  pvpd_status session_set_workdir(std::string_view session, std::string_view path) override;
  // Rebuilds the status and metrics snapshots (core thread; the ticker calls it).
  void refresh_snapshots();
  // Where the snapshots get the plugin instances' status_json (core thread, twice a second).
  using PluginStatusSource = std::function<std::vector<PluginStatus>()>;
  void set_plugin_status_source(PluginStatusSource source) {
    plugin_status_source_ = std::move(source);
  }

 private:
  void resume_paused_if_drained();
  void arm_ticker();
  void close_on_core(pvpd_conn_id conn);
  // Hands the operator queries a fresh copy of every session's summary (core thread).
  void publish_session_briefs();

  CoreOptions options_;
  std::atomic<size_t> inbound_limit_;
  std::atomic<size_t> max_message_bytes_;
  asio::io_context io_;
  std::unique_ptr<asio::thread_pool> pool_;
  bus::ConnectionTable connections_;
  bus::Bus bus_;
  session::Router router_;
  CoreCounters counters_;
  std::atomic<size_t> pending_inbound_{0};
  std::vector<pvpd_conn_id> paused_;
  asio::steady_timer ticker_;
  bool ticking_ = false;
  std::mutex listen_fds_mu_;
  std::shared_ptr<systemd::ListenFds> listen_fds_;
  std::unique_ptr<journal::JournalStore> journal_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  mutable std::mutex snapshot_mu_;
  std::string status_snapshot_;
  std::string metrics_snapshot_;
  PluginStatusSource plugin_status_source_;
  OperatorQueries queries_;
};

}  // namespace pvpd::app
