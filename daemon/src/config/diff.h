// Reload support (DESIGN.md §7, research c.6 "Reload semantics"): compares two loaded configs
// per instance id so the app touches only what changed, and names the daemon keys whose change
// only takes effect after a restart.
//
// THREAD: pure function over two Configs.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace pvpd::config {

struct ConfigDiff {
  // Instance ids of enabled instances (a disabled instance counts as absent). added/changed/
  // unchanged follow the new file order, removed the old one.
  std::vector<std::string> added, removed, changed, unchanged;
  // Daemon keys that differ and need a restart, e.g. "daemon.plugin_dirs".
  std::vector<std::string> restart_only_changes;
};

// changed = same id, different use, path or config_json (canonical text).
ConfigDiff diff(const Config &old_cfg, const Config &new_cfg);

}  // namespace pvpd::config
