// pvpd-websocket: the WebSocket transport plugin (issue 4). Glue between the pvpd plugin ABI
// (via the C++ wrapper) and WsServer, which does the work on its own lws service thread.
//
// THREAD: every hook runs on the core thread (validate: any thread); see ws_server.h.
// OWNERSHIP: the plugin instance owns the WsServer.
// LIFETIME: stop() joins the service thread, so no host call happens after it returns.
#include <pvpd/plugin.hpp>

#include <memory>
#include <stdexcept>
#include <string>

#include "options.h"
#include "ws_server.h"

namespace pvpd::websocket {
namespace {

class WebSocketPlugin final : public pvpd::Plugin {
 public:
  WebSocketPlugin(pvpd::Host host, std::string_view config_json) : Plugin(host) {
    Settings settings;
    auto errors = parse_settings(config_json, &settings);
    if (!errors.empty()) {
      throw std::invalid_argument(errors.front().pointer + ": " + errors.front().message);
    }
    server_ = std::make_unique<WsServer>(host, std::move(settings));
  }

  static void validate(std::string_view config_json, pvpd::ValidationReport &report) {
    Settings settings;
    for (const SettingsError &e : parse_settings(config_json, &settings)) {
      report.add(e.pointer, e.message);
    }
  }

  pvpd_status start() override { return server_->start(); }
  void stop() override { server_->stop(); }
  pvpd_status deliver(const pvpd_conn_id *conns, std::size_t n, const pvpd_msg_view &msg) override {
    return server_->deliver(conns, n, msg);
  }
  void close_conn(pvpd_conn_id conn, int32_t reason) override { server_->close_conn(conn, reason); }
  void flow(pvpd_conn_id conn, uint32_t allow_reads) override { server_->flow(conn, allow_reads); }
  std::string status_json() override { return server_->status_json(); }

 private:
  std::unique_ptr<WsServer> server_;
};

}  // namespace
}  // namespace pvpd::websocket

PVPD_PLUGIN(pvpd::websocket::WebSocketPlugin, "websocket", "0.1.0",
            "WebSocket transport (libwebsockets): PVP clients, /health, /metrics, admin API, web "
            "dashboard, /bridge proxy",
            "MIT", PVPD_KIND_TRANSPORT, pvpd::websocket::kOptions)
