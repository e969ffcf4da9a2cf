// Commit metadata of the git bridge: the PVP trailers of a commit message and the JSON decision
// record stored as a git note (format: docs/plugins/git-bridge.md, "Trailer format").
//
// THREAD: pure functions over values; callable from any thread. parse_trailers uses libgit2,
// which the caller must have initialised (git_libgit2_init).
// OWNERSHIP: everything is returned by value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "decision_state.h"

namespace pvpd::git_bridge {

using Trailers = std::vector<std::pair<std::string, std::string>>;

// The trailer keys the bridge writes, in order. Only PVP-Session is always present.
inline constexpr const char *kTrailerKeys[] = {"PVP-Session", "PVP-Messages", "PVP-Approvers",
                                               "PVP-Tools",   "Decision-By",  "PVP-Journal"};

// The trailers for a commit made from `s` (the state since the last commit); PVP-Journal
// ("<seq>:<hash>") when `s.journal` is set.
Trailers build_trailers(const SessionDecisions &s);

// `message` with `trailers` appended as a git trailer block: existing PVP trailers are replaced
// (idempotent for --amend), a trailing comment block / scissors line stays last, and an empty
// message (only comments or blank lines) is returned unchanged so git still aborts it.
std::string add_trailers(std::string_view message, const Trailers &trailers);

// The trailers git would parse from `message` (libgit2 git_message_trailers).
Trailers parse_trailers(std::string_view message);

// The JSON note for commit `sha` made from `s`.
std::string note_json(const SessionDecisions &s, std::string_view sha, std::string_view timestamp);

// "<seq>:<64 hex>" (the PVP-Journal value) back to an anchor; nullopt when malformed.
std::optional<JournalAnchor> parse_journal_anchor(std::string_view value);

// "human:alice,ai:claude": who decided, from prompts, approvals and executed tools.
std::vector<std::string> decision_by(const SessionDecisions &s);

}  // namespace pvpd::git_bridge
