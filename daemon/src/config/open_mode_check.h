// Open-mode listener check: `daemon.auth.mode: open` trusts self-declared identities, which is
// only acceptable when nobody but local users can connect. Unless the operator sets
// `daemon.auth.allow_open_remote`, pvpd refuses a configuration in which a plugin listens on a
// non-loopback address: every `listen` (a "host:port" string or a list of them) and every
// `listeners[].address` in an enabled plugin's config must name 127.0.0.0/8, ::1 or localhost.
//
// THREAD: pure function over a loaded Config; reports through the loader's sink.
#pragma once

#include "config/config.h"
#include "config/diagnostics.h"

namespace pvpd::config {

void check_open_mode_listeners(const Config &cfg, DiagnosticSink &sink);

// "127.0.0.1:3000", "[::1]:3000", "localhost:80" -> true; "0.0.0.0:3000", "10.0.0.1:1" -> false.
bool is_loopback_listen_address(const std::string &host_port);

}  // namespace pvpd::config
