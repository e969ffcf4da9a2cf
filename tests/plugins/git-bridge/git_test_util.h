// Helpers shared by the git bridge tests: running the git CLI hermetically (no user or system
// config), making commits with libgit2, PVP frame builders for the tracker.
//
// THREAD: single test thread. OWNERSHIP: values only.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pvpd_process.h"

namespace pvpd::testing::git {

// Absolute path of the git CLI (found on PATH).
std::string git_binary();

// Environment for the git CLI: fixed identity, no global/system config, no pager.
std::map<std::string, std::string> git_env(const std::map<std::string, std::string> &extra = {});

// Runs `git -C repo args...`; returns the result (stdout in out).
ProcessResult git(const std::filesystem::path &repo, const std::vector<std::string> &args,
                  const std::map<std::string, std::string> &extra_env = {});

// Writes `file` in the work tree, stages it and commits on HEAD with libgit2 (no hooks run).
// Returns the new commit's sha ("" on failure).
std::string commit_file(const std::filesystem::path &repo, const std::string &file,
                        const std::string &content, const std::string &message);

// A routed-looking envelope.
std::string frame(const std::string &session, const std::string &type, const std::string &sender,
                  const std::string &id, const std::string &payload_json);

}  // namespace pvpd::testing::git
