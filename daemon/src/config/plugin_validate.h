// Phase 2 of validation (DESIGN.md §7): the plugin's own validate() hook sees the normalized
// config JSON and reports problems as JSON pointers, which are mapped back to file:line:col.
//
// THREAD: runs validate() on the calling thread; the ABI allows any thread and forbids side
// effects. OWNERSHIP: the descriptor is borrowed; messages are copied during the callback.
#pragma once

#include <pvpd/plugin_abi.h>

#include <map>
#include <string>

#include "config/diagnostics.h"

namespace pvpd::config {

// Calls descriptor->vtable->validate when the descriptor and vtable are large enough to have
// it and it is non-NULL. Each report becomes an error at the mark of its pointer (or of the
// longest pointer prefix with a mark, or `config_mark`). `path` is "plugins[<id>].config".
void run_plugin_validate(const pvpd_plugin_descriptor_v1 *descriptor,
                         const std::string &config_json,
                         const std::map<std::string, Mark> &pointer_marks, const Mark &config_mark,
                         const std::string &path, DiagnosticSink &sink);

// "/tls/cert" -> "<path>.tls.cert", "/listeners/0/port" -> "<path>.listeners[0].port".
std::string pointer_to_path(const std::string &path, const std::string &pointer);

}  // namespace pvpd::config
