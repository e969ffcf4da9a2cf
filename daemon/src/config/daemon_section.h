// The `daemon:` section: its option table (the same kind of table plugins declare, so one
// validator handles both) and the conversion into DaemonConfig.
//
// THREAD: pure functions. OWNERSHIP: the table is static and immutable.
#pragma once

#include <pvpd/plugin_abi.h>

#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/yaml_source.h"

namespace pvpd::config {

// Resolves a relative path against the directory of the file that set it (`mark.file`).
using PathResolver = std::function<std::string(const std::string &value, const Mark &mark)>;

// Keys relative to `daemon.` ("log.level", "core.max_message", ...).
const std::vector<pvpd_option_desc> &daemon_option_table();

// Validates `node` (nullptr = section absent) and builds the DaemonConfig; defaults come from
// DaemonConfig's member initializers and default_plugin_dirs().
DaemonConfig load_daemon_section(const YamlNode *node, const Mark &parent_mark,
                                 const PathResolver &resolve, DiagnosticSink &sink);

}  // namespace pvpd::config
