// The `plugins:` section: turns the merged list into PluginInstanceConfig values, checking the
// entry keys (use, id, path, enabled, config), instance ids, each enabled instance's config
// against its plugin's option table (phase 1) and, when asked, the plugin's validate() (phase 2).
//
// THREAD: runs on the loading thread; PluginSchemaSource::find is called from it.
// OWNERSHIP: descriptors are borrowed from the PluginSchemaSource for the call.
#pragma once

#include <vector>

#include "config/config.h"
#include "config/daemon_section.h"
#include "config/diagnostics.h"
#include "config/yaml_source.h"

namespace pvpd::config {

std::vector<PluginInstanceConfig> load_plugins_section(const YamlNode *node,
                                                       const DaemonConfig &daemon,
                                                       PluginSchemaSource &plugins,
                                                       const PathResolver &resolve,
                                                       bool call_validate, DiagnosticSink &sink);

}  // namespace pvpd::config
