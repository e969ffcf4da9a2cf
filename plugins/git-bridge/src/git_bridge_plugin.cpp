// pvpd-git-bridge: ABI glue between the pvpd plugin wrapper and GitBridge (issue 9).
//
// THREAD: every hook runs on the core thread (validate: any thread); see git_bridge.h.
// OWNERSHIP: the plugin instance owns the GitBridge.
// LIFETIME: stop() joins the bridge's threads, so no host call happens after it returns.
#include <pvpd/plugin.hpp>

#include <memory>
#include <stdexcept>
#include <string>

#include "git_bridge.h"
#include "options.h"

namespace pvpd::git_bridge {
namespace {

class GitBridgePlugin final : public pvpd::Plugin {
 public:
  GitBridgePlugin(pvpd::Host host, std::string_view config_json) : Plugin(host) {
    Settings settings;
    auto errors = parse_settings(config_json, &settings);
    if (!errors.empty()) {
      throw std::invalid_argument(errors.front().pointer + ": " + errors.front().message);
    }
    bridge_ = std::make_unique<GitBridge>(host, std::move(settings));
  }

  static void validate(std::string_view config_json, pvpd::ValidationReport &report) {
    Settings settings;
    for (const SettingsError &e : parse_settings(config_json, &settings)) {
      report.add(e.pointer, e.message);
    }
  }

  pvpd_status start() override { return bridge_->start(); }
  void stop() override { bridge_->stop(); }
  std::string status_json() override { return bridge_->status_json(); }

 private:
  std::unique_ptr<GitBridge> bridge_;
};

}  // namespace
}  // namespace pvpd::git_bridge

PVPD_PLUGIN(pvpd::git_bridge::GitBridgePlugin, "git-bridge", "0.1.0",
            "Git decision tracking (libgit2): PVP trailers, JSON notes, hooks, forks as branches",
            "MIT", PVPD_KIND_BRIDGE, pvpd::git_bridge::kOptions)
