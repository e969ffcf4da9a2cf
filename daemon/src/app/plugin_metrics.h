// Plugin status for operators: every running instance's status_json, as one JSON object for
// /health and as Prometheus samples for /metrics.
//
// A plugin needs no metrics API of its own: each numeric member of its status object (and of
// objects nested one level down, joined with `_`) becomes
//   pvpd_plugin_<plugin>_<key>{instance="<instance id>"} <value>   (TYPE gauge)
// with names sanitised to [a-zA-Z0-9_]. Booleans count as 0/1; strings and arrays are skipped.
//
// THREAD: pure functions.
#pragma once

#include <string>
#include <vector>

namespace pvpd::app {

struct PluginStatus {
  std::string plugin;    // the plugin's name, e.g. "t140"
  std::string instance;  // the instance id from the configuration
  std::string json;      // what its status_json returned ("" when it has none)
};

// {"<instance>": {...}, ...}; instances whose status is not a JSON object are left out.
std::string plugin_status_object(const std::vector<PluginStatus> &plugins);
std::string plugin_metrics_text(const std::vector<PluginStatus> &plugins);

}  // namespace pvpd::app
