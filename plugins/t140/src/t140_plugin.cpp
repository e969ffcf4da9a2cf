// pvpd-t140: the T.140/RTP real-time-text transport (issue 7). Glue between the plugin ABI (via
// the C++ wrapper) and Receiver, which does the work on its own listener thread.
//
// THREAD: every hook runs on the core thread (validate: any thread); see receiver.h.
// OWNERSHIP: the plugin instance owns the Receiver.
// LIFETIME: stop() joins the listener thread, so no host call happens after it returns.
#include <pvpd/plugin.hpp>

#include <memory>
#include <stdexcept>
#include <string>

#include "options.h"
#include "receiver.h"

namespace pvpd::t140 {
namespace {

class T140Plugin final : public pvpd::Plugin {
 public:
  T140Plugin(pvpd::Host host, std::string_view config_json) : Plugin(host) {
    Settings settings;
    auto errors = parse_settings(config_json, &settings);
    if (!errors.empty()) {
      throw std::invalid_argument(errors.front().pointer + ": " + errors.front().message);
    }
    receiver_ = std::make_unique<Receiver>(host, std::move(settings));
  }

  static void validate(std::string_view config_json, pvpd::ValidationReport &report) {
    Settings settings;
    for (const SettingsError &e : parse_settings(config_json, &settings)) {
      report.add(e.pointer, e.message);
    }
  }

  pvpd_status start() override { return receiver_->start(); }
  void stop() override { receiver_->stop(); }
  pvpd_status deliver(const pvpd_conn_id *conns, std::size_t n, const pvpd_msg_view &msg) override {
    receiver_->on_deliver(conns, n, msg);
    return PVPD_OK;
  }
  void close_conn(pvpd_conn_id conn, int32_t reason) override {
    receiver_->on_host_close(conn, reason);
  }
  std::string status_json() override { return receiver_->status_json(); }

 private:
  std::unique_ptr<Receiver> receiver_;
};

}  // namespace
}  // namespace pvpd::t140

PVPD_PLUGIN(pvpd::t140::T140Plugin, "t140", "0.1.0",
            "T.140/RTP real-time text (RFC 4103, RFC 2198 RED): transcripts as session context",
            "MIT", PVPD_KIND_TRANSPORT, pvpd::t140::kOptions)
