// The git bridge's decision state on disk: one JSON file in the instance state directory
// (`<state_dir>/decisions.json`), rewritten atomically (temporary file, fsync, rename) after
// changes, read back at start. It holds what a restart would otherwise forget: every session's
// decisions since its last commit (participants, prompts, gates with approvers and digests, tool
// runs, tokens), the repository paths and the remembered commits.
//
// THREAD: pure functions plus file I/O; call them from the bridge's worker thread (save) and
// the constructor (load), never from the core thread.
// OWNERSHIP: values in, values out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "decision_state.h"

namespace pvpd::git_bridge {

std::string encode_state(const TrackerState &state);
// nullopt with `error` set when `json` is not a state file of this format (version 1).
std::optional<TrackerState> decode_state(std::string_view json, std::string *error);

// Writes the file atomically; "" or the reason it failed.
std::string save_state_file(const std::string &path, const TrackerState &state);
// nullopt without error: no file yet. nullopt with error: unreadable or malformed.
std::optional<TrackerState> load_state_file(const std::string &path, std::string *error);

}  // namespace pvpd::git_bridge
