// Application: the daemon's lifecycle from a validated command line to exit code.
//
// run_daemon() loads the configuration, configures logging, starts the core and every plugin
// instance, tells systemd READY=1 once all of them started (listeners are bound in start),
// then runs the core thread until SIGTERM/SIGINT. SIGHUP reloads: the new configuration is
// validated off to the side and the old one keeps running on any error (RELOADING=1 with
// MONOTONIC_USEC, then READY=1 with the outcome in STATUS=). Shutdown: STOPPING=1, close
// connections, stop plugins in reverse start order, destroy them, flush logs, exit 0.
//
// THREAD: run_daemon() runs the core thread itself (the calling thread).
#pragma once

#include "cli/options.h"

namespace pvpd::app {

// Returns the process exit code (cli/exit_codes.h).
int run_daemon(const cli::Options &options);

}  // namespace pvpd::app
