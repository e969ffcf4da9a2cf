#include "config/diff.h"

#include <map>

namespace pvpd::config {

namespace {

std::map<std::string, const PluginInstanceConfig *> enabled_by_id(const Config &cfg) {
  std::map<std::string, const PluginInstanceConfig *> out;
  for (const auto &p : cfg.plugins) {
    if (p.enabled) {
      out.emplace(p.id, &p);
    }
  }
  return out;
}

}  // namespace

ConfigDiff diff(const Config &old_cfg, const Config &new_cfg) {
  ConfigDiff d;
  auto old_ids = enabled_by_id(old_cfg);
  auto new_ids = enabled_by_id(new_cfg);
  for (const auto &p : new_cfg.plugins) {
    if (!p.enabled) {
      continue;
    }
    auto it = old_ids.find(p.id);
    if (it == old_ids.end()) {
      d.added.push_back(p.id);
    } else if (it->second->use != p.use || it->second->path != p.path ||
               it->second->config_json != p.config_json) {
      d.changed.push_back(p.id);
    } else {
      d.unchanged.push_back(p.id);
    }
  }
  for (const auto &p : old_cfg.plugins) {
    if (p.enabled && new_ids.find(p.id) == new_ids.end()) {
      d.removed.push_back(p.id);
    }
  }
  // Only what the running daemon cannot change in place. log.*, credentials_dir,
  // shutdown_grace and core.{stall_warn_ms,inbound_queue_limit,max_message} are applied on
  // reload (app::Core::set_options); the blocking pool is sized once per process.
  const DaemonConfig &a = old_cfg.daemon;
  const DaemonConfig &b = new_cfg.daemon;
  auto check = [&d](bool differs, const char *key) {
    if (differs) {
      d.restart_only_changes.emplace_back(key);
    }
  };
  check(a.state_dir != b.state_dir, "daemon.state_dir");
  check(a.runtime_dir != b.runtime_dir, "daemon.runtime_dir");
  check(a.plugin_dirs != b.plugin_dirs, "daemon.plugin_dirs");
  check(a.blocking_threads != b.blocking_threads, "daemon.core.blocking_threads");
  return d;
}

}  // namespace pvpd::config
