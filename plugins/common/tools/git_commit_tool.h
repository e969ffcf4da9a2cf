// The agents' git_commit tool: commits the session workspace through the git bridge, so the
// commit carries the session's PVP trailers and decision note (docs/plugins/tool-runtime.md,
// docs/plugins/git-bridge.md "Agent commits").
//
// The bridge records its own loopback URL in the workspace repository's config
// (`pvp.bridgeurl`, written when it adopts the session's workspace); the tool reads it with
// libgit2 and POSTs {message, paths} to `<url>/agent-commit` with the workspace as X-PVP-Repo
// (libcurl). There is no libgit2 fallback that commits without the bridge: a commit without the
// decisions that produced it is what the bridge exists to prevent, so the tool fails and says
// why instead.
//
// THREAD: git_commit() is reentrant (each call opens its own repository and curl handle); it
// blocks the calling thread (a tool thread) for at most the timeout.
// OWNERSHIP: everything by value.
#pragma once

#include <chrono>
#include <string>

#include "tools/file_tools.h"
#include "tools/tool_args.h"

namespace pvpd::tools {

// Only loopback http URLs are used (the repository config is writable by whoever can write the
// workspace, so it must not be able to send the commit request anywhere else).
bool is_loopback_http_url(const std::string &url);

ToolOutcome git_commit(const ToolContext &ctx, const GitCommitArgs &args);

}  // namespace pvpd::tools
