// --dump-config: the effective configuration as YAML, with defaults filled in, ${VAR}
// expanded, durations and sizes in their shortest exact unit, and every PVPD_OPT_SECRET value
// shown as "<redacted>" (like `sshd -T` / `nginx -T`). The output loads back as the same config.
//
// THREAD: runs on the calling thread; PluginSchemaSource::find is called for each instance
// (its option table tells which values are secret). A plugin whose descriptor cannot be found
// has every value redacted rather than risk printing a secret.
#pragma once

#include <string>

#include "config/config.h"

namespace pvpd::config {

std::string dump_yaml(const Config &cfg, PluginSchemaSource &plugins);

}  // namespace pvpd::config
