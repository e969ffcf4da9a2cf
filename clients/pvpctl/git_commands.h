// pvpctl git: the git bridge's commands for any repository (docs/clients/pvpctl.md "git").
//
//   pvpctl git install-hooks [REPO] [--force] [--url URL]
//   pvpctl git uninstall-hooks [REPO]
//   pvpctl git log [REPO] [--session ID] [-n N] [--json] [--state-dir DIR | -c PVPD_YAML]
//
// install-hooks writes the bridge's hooks (the same scripts the bridge installs into session
// workspaces), uninstall-hooks removes them, log lists commits with their PVP trailers and note
// and checks each PVP-Journal anchor against the session journal when a state dir is given.
// Every repository operation goes through libgit2 (the bridge's repo.h).
//
// THREAD: single-threaded command-line code. OWNERSHIP: values only.
#pragma once

#include <string>
#include <vector>

namespace pvpctl {

// Runs `pvpctl git ARGS...` (ARGS: what follows "git"). Returns the exit code (0 ok, 1 failure,
// 64 usage); messages go to stdout / stderr like the other pvpctl commands.
int run_git(const std::vector<std::string> &args);

}  // namespace pvpctl
