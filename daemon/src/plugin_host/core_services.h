// CoreServices: what a plugin instance needs from the daemon core.
//
// The C host table (host_api.cpp) translates each ABI call into one of these methods; the
// application core implements them. Keeping this an interface lets plugin-host tests run a
// real plugin against a small fake core.
//
// THREAD: methods marked "any thread" may be called from plugin threads; the rest run on the
// core thread.
#pragma once

#include <pvpd/plugin_abi.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "util/asio.h"

namespace pvpd::bus {
class Bus;
}

namespace pvpd::plugin_host {

class PluginInstance;

class CoreServices {
 public:
  virtual ~CoreServices() = default;

  // The core thread's context and the blocking pool. Any thread.
  virtual asio::io_context &core_context() = 0;
  virtual asio::thread_pool &blocking_pool() = 0;

  // Connections. Any thread; they post to the core and return at once.
  virtual pvpd_status conn_open(PluginInstance &owner, const pvpd_conn_info &info,
                                pvpd_conn_id *out) = 0;
  virtual pvpd_status conn_inbound(PluginInstance &owner, pvpd_conn_id conn,
                                   std::string_view json) = 0;
  virtual pvpd_status conn_closed(PluginInstance &owner, pvpd_conn_id conn, int32_t reason) = 0;
  virtual pvpd_status conn_pressure(PluginInstance &owner, pvpd_conn_id conn, uint32_t level) = 0;
  virtual pvpd_status publish(PluginInstance &owner, std::string_view json) = 0;

  // Core thread.
  virtual bus::Bus &bus() = 0;
  // Drops every connection `owner` registered (teardown after stop).
  virtual void drop_connections_of(PluginInstance &owner) = 0;

  // Environment. Any thread.
  virtual std::optional<int> take_listen_fd(std::string_view name) = 0;
  // Directory to read credentials from ($CREDENTIALS_DIRECTORY, else the configured one);
  // empty when there is none.
  virtual std::string credentials_dir() const = 0;
  virtual std::chrono::milliseconds stall_threshold() const = 0;
  // Snapshots for /health and /metrics (ABI 1.1). Any thread; never block on the core.
  virtual std::string daemon_status_json() const = 0;
  virtual std::string metrics_text() const = 0;

  // ABI 1.2. Any thread unless stated; a core without them answers UNSUPPORTED.
  // Each returns PVPD_OK and fills `out`, or an error code (see plugin_abi.h).
  virtual pvpd_status journal_head(std::string_view /*session*/, std::string * /*out*/) const {
    return PVPD_E_UNSUPPORTED;
  }
  virtual pvpd_status session_find(std::string_view /*name*/, std::string * /*out*/) const {
    return PVPD_E_UNSUPPORTED;
  }
  virtual pvpd_status admin_sessions_json(std::string_view /*token*/, std::string * /*out*/) const {
    return PVPD_E_UNSUPPORTED;
  }
  virtual pvpd_status admin_transcript(std::string_view /*token*/, std::string_view /*session*/,
                                       uint64_t /*from_seq*/, uint32_t /*format*/,
                                       std::string * /*out*/) const {
    return PVPD_E_UNSUPPORTED;
  }
  // Core thread.
  virtual pvpd_status session_set_workdir(std::string_view /*session*/, std::string_view /*path*/) {
    return PVPD_E_UNSUPPORTED;
  }
};

}  // namespace pvpd::plugin_host
