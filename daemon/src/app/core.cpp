#include "app/core.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>

#include "plugin_host/plugin_instance.h"
#include "pvpd_build_info.h"
#include "systemd/listen_fds.h"

namespace pvpd::app {
namespace {
session::RouterOptions protocol_options(const CoreOptions &o) {
  session::RouterOptions p = o.protocol;
  p.max_message_bytes = o.max_message_bytes;
  return p;
}

std::string to_string(pvpd_str s) {
  return s.len == 0 || s.ptr == nullptr ? std::string() : std::string(s.ptr, s.len);
}
}  // namespace

Core::Core(CoreOptions options)
    : options_(std::move(options)),
      inbound_limit_(options_.inbound_queue_limit),
      max_message_bytes_(options_.max_message_bytes),
      pool_(std::make_unique<asio::thread_pool>(options_.blocking_threads)),
      bus_(connections_),
      router_(connections_, bus_, protocol_options(options_)),
      ticker_(io_) {
  queries_.publish_auth(options_.protocol.auth);
}

Core::~Core() {
  close_journal();
  join_blocking_pool();
}

void Core::set_options(const CoreOptions &options) {
  size_t threads = options_.blocking_threads;
  options_ = options;
  options_.blocking_threads = threads;  // the pool size is fixed for the process lifetime
  inbound_limit_.store(options.inbound_queue_limit);
  max_message_bytes_.store(options.max_message_bytes);
  router_.set_options(protocol_options(options_));
  queries_.publish_auth(options_.protocol.auth);
}

void Core::start_ticker() {
  ticking_ = true;
  refresh_snapshots();
  arm_ticker();
}

void Core::stop_ticker() {
  ticking_ = false;
  ticker_.cancel();
}

void Core::arm_ticker() {
  // Half a second is finer than any protocol timer (heartbeats and timeouts are whole seconds).
  ticker_.expires_after(std::chrono::milliseconds(500));
  ticker_.async_wait([this](const boost::system::error_code &ec) {
    if (ec || !ticking_) {
      return;
    }
    router_.tick();
    refresh_snapshots();
    arm_ticker();
  });
}

void Core::announce_shutdown(std::string_view reason) {
  router_.shutdown(reason);
}

Result<std::vector<std::string>> Core::open_journal(const journal::JournalOptions &options) {
  auto store = std::make_unique<journal::JournalStore>(io_, options);
  Status st = store->start();
  if (!st) {
    return st;
  }
  std::vector<std::string> report = router_.restore(store->recover());
  journal_ = std::move(store);
  router_.set_journal(journal_.get());
  queries_.set_journal(journal_.get());
  return report;
}

void Core::close_journal() {
  if (journal_) {
    queries_.set_journal(nullptr);  // waits for plugin threads reading it
    journal_->stop();
    router_.set_journal(nullptr);
    journal_.reset();
  }
}

void Core::join_blocking_pool() {
  if (pool_) {
    pool_->join();
  }
}

pvpd_status Core::conn_open(plugin_host::PluginInstance &owner, const pvpd_conn_info &info,
                            pvpd_conn_id *out) {
  bus::Connection conn;
  conn.id = bus::ConnectionTable::allocate_id();
  conn.endpoint = &owner;
  // Fields beyond the caller's struct_size read as empty (ABI rule for older plugins).
  auto has = [&](size_t offset, size_t size) { return offset + size <= info.struct_size; };
  conn.flags = info.flags;
  if ((info.flags & PVPD_CONN_INTERNAL) != 0) {
    // An in-process participant speaks for its instance: only agent plugins may open one, and
    // the identity it may claim is bound to the instance (Router::handle_join).
    if ((owner.descriptor().kinds & PVPD_KIND_AGENT) == 0) {
      return PVPD_E_PERM;
    }
    conn.internal_owner = owner.id();
  }
  if (has(offsetof(pvpd_conn_info, transport), sizeof(pvpd_str))) {
    conn.transport = to_string(info.transport);
  }
  if (has(offsetof(pvpd_conn_info, peer), sizeof(pvpd_str))) {
    conn.peer = to_string(info.peer);
  }
  if (has(offsetof(pvpd_conn_info, credential), sizeof(pvpd_str))) {
    conn.credential = to_string(info.credential);
  }
  if (has(offsetof(pvpd_conn_info, tls_peer_subject), sizeof(pvpd_str))) {
    conn.tls_peer_subject = to_string(info.tls_peer_subject);
  }
  *out = conn.id;
  asio::post(io_, [this, inst = owner.shared_from_this(), conn = std::move(conn)]() mutable {
    if (!inst->accepting_calls()) {
      return;
    }
    ++counters_.connections_opened;
    connections_.add(std::move(conn));
  });
  return PVPD_OK;
}

pvpd_status Core::conn_inbound(plugin_host::PluginInstance &owner, pvpd_conn_id conn,
                               std::string_view json) {
  if (json.size() > max_message_bytes_.load(std::memory_order_relaxed)) {
    // Refused before it is copied: the router answers with a precise error on the core thread.
    std::string detail = "message of " + std::to_string(json.size()) +
                         " bytes exceeds the limit of " + std::to_string(max_message_bytes_) +
                         " bytes";
    asio::post(io_, [this, inst = owner.shared_from_this(), conn, detail] {
      ++counters_.inbound_too_big;
      bus::Connection *c = connections_.find(conn);
      if (c != nullptr && c->endpoint == inst.get()) {
        router_.reject(conn, "INVALID_MESSAGE", detail);
      }
    });
    return PVPD_E_TOOBIG;
  }
  size_t pending = pending_inbound_.fetch_add(1, std::memory_order_acq_rel) + 1;
  bool pause = pending > inbound_limit_.load(std::memory_order_relaxed);
  asio::post(io_, [this, inst = owner.shared_from_this(), conn, data = std::string(json), pause] {
    pending_inbound_.fetch_sub(1, std::memory_order_acq_rel);
    ++counters_.inbound_frames;
    bus::Connection *c = connections_.find(conn);
    // A connection id belongs to the instance that opened it; anything else is ignored.
    if (c != nullptr && c->endpoint == inst.get()) {
      if (pause && !c->reads_paused) {
        c->reads_paused = true;
        ++counters_.inbound_paused;
        paused_.push_back(conn);
      }
      router_.on_inbound(conn, data);
    }
    resume_paused_if_drained();
  });
  return pause ? PVPD_E_AGAIN : PVPD_OK;
}

void Core::resume_paused_if_drained() {
  if (paused_.empty() || pending_inbound_.load() > inbound_limit_.load() / 2) {
    return;
  }
  std::vector<pvpd_conn_id> resume;
  resume.swap(paused_);
  for (pvpd_conn_id id : resume) {
    bus::Connection *c = connections_.find(id);
    if (c != nullptr && c->reads_paused) {
      c->reads_paused = false;
      c->endpoint->flow(id, 1);
    }
  }
}

pvpd_status Core::conn_closed(plugin_host::PluginInstance &owner, pvpd_conn_id conn,
                              int32_t /*reason*/) {
  asio::post(io_, [this, inst = owner.shared_from_this(), conn] {
    bus::Connection *c = connections_.find(conn);
    if (c == nullptr || c->endpoint != inst.get()) {
      return;
    }
    close_on_core(conn);
  });
  return PVPD_OK;
}

void Core::close_on_core(pvpd_conn_id conn) {
  router_.on_closed(conn);
  if (connections_.remove(conn)) {
    ++counters_.connections_closed;
  }
}

pvpd_status Core::conn_pressure(plugin_host::PluginInstance &owner, pvpd_conn_id conn,
                                uint32_t level) {
  asio::post(io_, [this, inst = owner.shared_from_this(), conn, level] {
    bus::Connection *c = connections_.find(conn);
    if (c != nullptr && c->endpoint == inst.get()) {
      c->under_pressure = level != 0;
    }
  });
  return PVPD_OK;
}

pvpd_status Core::publish(plugin_host::PluginInstance &owner, std::string_view json) {
  if (json.size() > max_message_bytes_.load(std::memory_order_relaxed)) {
    return PVPD_E_TOOBIG;
  }
  asio::post(io_, [this, inst = owner.shared_from_this(), data = std::string(json)] {
    if (inst->accepting_calls()) {
      router_.on_publish(inst->id(), data);
    }
  });
  return PVPD_OK;
}

void Core::drop_connections_of(plugin_host::PluginInstance &owner) {
  std::vector<pvpd_conn_id> ids;
  connections_.for_each([&](bus::Connection &c) {
    if (c.endpoint == &owner) {
      ids.push_back(c.id);
    }
  });
  for (pvpd_conn_id id : ids) {
    close_on_core(id);
  }
  paused_.erase(std::remove_if(paused_.begin(), paused_.end(),
                               [&](pvpd_conn_id id) { return connections_.find(id) == nullptr; }),
                paused_.end());
}

void Core::close_all_connections(int32_t reason) {
  std::vector<std::pair<pvpd_conn_id, bus::Endpoint *>> all;
  connections_.for_each([&](bus::Connection &c) { all.emplace_back(c.id, c.endpoint); });
  for (auto &[id, endpoint] : all) {
    endpoint->close_conn(id, reason);
  }
}

std::optional<int> Core::take_listen_fd(std::string_view name) {
  std::lock_guard<std::mutex> lock(listen_fds_mu_);
  if (!listen_fds_) {
    return std::nullopt;
  }
  return listen_fds_->take(name);
}

std::vector<std::string> Core::close_untaken_listen_fds() {
  std::lock_guard<std::mutex> lock(listen_fds_mu_);
  if (!listen_fds_) {
    return {};
  }
  std::vector<std::string> names = listen_fds_->remaining_names();
  listen_fds_->close_remaining();
  return names;
}

void Core::refresh_snapshots() {
  const auto &rc = router_.counters();
  const auto &bc = bus_.counters();
  auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count();
  std::string status =
      fmt::format(R"({{"version":"{}","abi":"{}.{}","protocol":{},"uptime_s":{},"sessions":{},)"
                  R"("connections":{},"journal":{},"counters":{{"accepted":{},"rejected":{},)"
                  R"("deliveries":{},"dropped_droppable":{},"gates_opened":{},"gates_approved":{},)"
                  R"("gates_rejected":{},"gates_timed_out":{},"journal_failures":{}}}}})",
                  PVPD_VERSION, PVPD_ABI_MAJOR, PVPD_ABI_MINOR, PVPD_PROTOCOL_VERSION, uptime,
                  router_.session_count(), connections_.size(), journal_ ? "true" : "false",
                  rc.accepted, rc.rejected, bc.deliveries, bc.dropped_droppable, rc.gates_opened,
                  rc.gates_approved, rc.gates_rejected, rc.gates_timed_out, rc.journal_failures);
  std::vector<PluginStatus> plugins;
  if (plugin_status_source_) {
    plugins = plugin_status_source_();
  }
  // /health carries every instance's status object as it reported it.
  status.insert(status.size() - 1, R"(,"plugins":)" + plugin_status_object(plugins));
  std::string metrics;
  auto metric = [&](const char *name, const char *type, const char *help, uint64_t value) {
    metrics +=
        fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  metric("pvpd_uptime_seconds", "gauge", "Seconds since pvpd started.",
         static_cast<uint64_t>(uptime));
  metric("pvpd_sessions", "gauge", "Sessions in memory.", router_.session_count());
  metric("pvpd_connections", "gauge", "Open connections across transports.", connections_.size());
  metric("pvpd_connections_opened_total", "counter", "Connections opened.",
         counters_.connections_opened);
  metric("pvpd_messages_accepted_total", "counter", "Frames accepted and recorded.", rc.accepted);
  metric("pvpd_messages_rejected_total", "counter", "Frames refused with an error.", rc.rejected);
  metric("pvpd_deliveries_total", "counter", "Frames delivered to connections.", bc.deliveries);
  metric("pvpd_droppable_dropped_total", "counter",
         "Streaming deltas skipped for connections under pressure.", bc.dropped_droppable);
  metric("pvpd_inbound_paused_total", "counter", "Times a connection was told to pause reading.",
         counters_.inbound_paused);
  metric("pvpd_gates_opened_total", "counter", "Gates opened.", rc.gates_opened);
  metric("pvpd_gates_approved_total", "counter", "Gates approved.", rc.gates_approved);
  metric("pvpd_gates_rejected_total", "counter", "Gates rejected.", rc.gates_rejected);
  metric("pvpd_gates_timed_out_total", "counter", "Gates that timed out.", rc.gates_timed_out);
  metric("pvpd_journal_failures_total", "counter", "Records the journal could not write.",
         rc.journal_failures);
  metric("pvpd_pending_deliveries", "gauge", "Deliveries waiting for a journal commit.",
         router_.pending_deliveries());
  metrics += plugin_metrics_text(plugins);
  publish_session_briefs();
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  status_snapshot_ = std::move(status);
  metrics_snapshot_ = std::move(metrics);
}

std::string Core::daemon_status_json() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return status_snapshot_.empty() ? std::string(R"({"version":")") + PVPD_VERSION + R"("})"
                                  : status_snapshot_;
}

std::string Core::metrics_text() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return metrics_snapshot_;
}

void Core::publish_session_briefs() {
  std::vector<SessionBrief> briefs;
  briefs.reserve(router_.sessions().size());
  for (const auto &[id, s] : router_.sessions()) {
    SessionBrief b;
    b.id = id;
    b.name = s->name;
    b.creator = s->creator;
    b.created_at_ms = s->created_at_ms;
    b.ended = s->ended;
    b.participants = s->participants.size();
    b.connected = static_cast<size_t>(
        std::count_if(s->participants.begin(), s->participants.end(),
                      [](const session::Participant &p) { return p.connected(); }));
    b.last_seq = s->seq;
    b.open_gates = s->gates.size();
    briefs.push_back(std::move(b));
  }
  queries_.publish_sessions(std::move(briefs));
}

namespace {
pvpd_status fill(Result<std::string> r, std::string *out) {
  if (!r) {
    return r.status().code();
  }
  *out = std::move(r).value();
  return PVPD_OK;
}
}  // namespace

pvpd_status Core::journal_head(std::string_view session, std::string *out) const {
  return fill(queries_.journal_head(session), out);
}

pvpd_status Core::session_find(std::string_view name, std::string *out) const {
  return fill(queries_.session_find(name), out);
}

pvpd_status Core::admin_sessions_json(std::string_view token, std::string *out) const {
  return fill(queries_.sessions_json(token), out);
}

pvpd_status Core::admin_transcript(std::string_view token, std::string_view session,
                                   uint64_t from_seq, uint32_t format, std::string *out) const {
  return fill(queries_.transcript(token, session, from_seq, format), out);
}

pvpd_status Core::session_set_workdir(std::string_view session, std::string_view path) {
  Status st = router_.set_working_directory(std::string(session), std::string(path));
  if (st) {
    publish_session_briefs();
  }
  return st.code();
}

std::string Core::credentials_dir() const {
  const char *env = std::getenv("CREDENTIALS_DIRECTORY");
  if (env != nullptr && env[0] != '\0') {
    return env;
  }
  return options_.credentials_dir;
}

std::chrono::milliseconds Core::stall_threshold() const {
  return options_.stall_warn;
}

}  // namespace pvpd::app
