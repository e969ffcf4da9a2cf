// PluginManager: turns the `plugins:` list of a Config into running plugin instances, and
// applies a reloaded Config as a per-instance diff.
//
// Start order is config order; stop order is the reverse. On reload (research c.6):
// unchanged instances are untouched; changed ones get reload() and are re-created when the
// plugin cannot reload in place; removed ones are stopped and destroyed (their .so stays
// mapped); added ones are created and started.
//
// THREAD: core thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "plugin_host/plugin_instance.h"
#include "util/status.h"

namespace pvpd::plugin_host {
class PluginCatalog;
}

namespace pvpd::app {

class Core;

class PluginManager {
 public:
  PluginManager(Core &core, plugin_host::PluginCatalog &catalog) : core_(core), catalog_(catalog) {}

  // Creates then starts every enabled instance. On any failure, stops and destroys what was
  // started and returns the first error.
  Status start_all(const config::Config &cfg);
  // Applies `next` against the running set. Instances that fail during apply are logged and
  // left stopped; the returned summary says what happened ("2 unchanged, 1 reloaded").
  Status apply(const config::Config &next, std::string *summary);
  void stop_all();

  const std::vector<plugin_host::PluginInstancePtr> &instances() const { return running_; }

 private:
  Result<plugin_host::PluginInstancePtr> create_instance(const config::PluginInstanceConfig &pc,
                                                         const config::Config &cfg);
  // Creates and starts; on failure nothing is left running.
  Result<plugin_host::PluginInstancePtr> create_and_start(const config::PluginInstanceConfig &pc,
                                                          const config::Config &cfg);
  static void teardown(const plugin_host::PluginInstancePtr &inst);

  Core &core_;
  plugin_host::PluginCatalog &catalog_;
  std::vector<plugin_host::PluginInstancePtr> running_;
  std::vector<config::PluginInstanceConfig> running_cfg_;  // parallel to running_
};

}  // namespace pvpd::app
