// The host service table (pvpd_host_api_v1) that every plugin instance receives in create.
//
// Each slot is a noexcept function that maps the opaque pvpd_host_ctx back to its
// PluginInstance and forwards to the instance or to CoreServices. Nothing may unwind into a
// plugin's frames, so every slot catches everything and reports PVPD_E_INTERNAL.
//
// THREAD: as documented per slot in plugin_abi.h.
// LIFETIME: the table is static and immutable for the life of the process.
#pragma once

#include <pvpd/plugin_abi.h>

namespace pvpd::plugin_host {

const pvpd_host_api_v1 &host_api_table();

}  // namespace pvpd::plugin_host
