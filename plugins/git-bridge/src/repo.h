// Repository operations of the git bridge, all through libgit2 (never the git CLI): making a
// session's workspace a repository, installing the hooks, writing and reading the decision
// notes, fork branches and their merges.
//
// THREAD: every function opens its own git_repository and frees it before returning, so calls
// on different threads share no libgit2 object. They block on disk I/O: call them from the
// bridge's worker or server threads, never from the core thread. libgit2 must be initialised
// (the plugin instance holds a git_libgit2_init reference for its lifetime).
// OWNERSHIP: results are values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pvpd::git_bridge {

struct RepoResult {
  bool ok = false;
  std::string error;  // libgit2's message when !ok
  std::string value;  // operation specific (a sha, a branch name, a path)
};

// Opens `path` as a repository (no search upwards). When it is none and `init` is set, creates
// the directory and initialises a repository there. value = the working directory path.
RepoResult ensure_repository(const std::string &path, bool init);

struct HookConfig {
  std::string bridge_url;  // http://127.0.0.1:<port>
  uint64_t timeout_ms = 3000;
  bool require_trailers = false;
};

// The hook scripts as installed.
std::vector<std::pair<std::string, std::string>> hook_scripts(const HookConfig &config);

// Writes the hooks (prepare-commit-msg, commit-msg, post-commit, pre-push) into the repository's
// hooks directory (mode 0755). A hook that exists and was not written by the bridge is left alone
// and named in `error` (ok stays true for the others).
// With `force`, a foreign hook is moved aside to `<name>.pre-pvpd` and replaced.
RepoResult install_hooks(const std::string &repo_path, const HookConfig &config,
                         bool force = false);

// The hook files of the repository that exist and were not written by pvpd.
std::vector<std::string> foreign_hooks(const std::string &repo_path);

// Removes the hooks pvpd wrote (foreign ones stay); a `<name>.pre-pvpd` saved by a forced
// install is put back. value = the names removed, comma-separated.
RepoResult uninstall_hooks(const std::string &repo_path);

// The repository that contains `path` (searching upwards, like git), as its work tree
// directory; nullopt when there is none.
std::optional<std::string> discover_repository(const std::string &path);

// Adds (or replaces) the note for commit `sha` under `notes_ref`.
RepoResult write_note(const std::string &repo_path, const std::string &notes_ref,
                      const std::string &sha, const std::string &content);
std::optional<std::string> read_note(const std::string &repo_path, const std::string &notes_ref,
                                     const std::string &sha);

// The full message of commit `sha` (or "HEAD").
std::optional<std::string> commit_message(const std::string &repo_path, const std::string &sha);

// Stages every change in the working tree (new, modified and deleted files, .gitignore
// respected) and commits it on HEAD with `message`. value = the new commit's sha. Fails with
// "nothing to commit" when the tree equals HEAD's. For agents' commits (no hooks run).
// `only` non-empty: stage only these workspace-relative paths (files or directories; changes
// elsewhere stay unstaged).
RepoResult commit_all(const std::string &repo_path, const std::string &message,
                      const std::vector<std::string> &only = {});

// Sets `key` (e.g. "pvp.bridgeurl") in the repository's own config (.git/config).
RepoResult set_repo_config(const std::string &repo_path, const std::string &key,
                           const std::string &value);

// Creates branch `name` at HEAD. value = the branch's commit. Fails on an unborn HEAD.
RepoResult create_branch(const std::string &repo_path, const std::string &name);

struct MergeResult {
  bool ok = false;
  std::string error;
  std::string kind;  // "up_to_date" | "fast_forward" | "merge_commit" | "conflicts"
  std::string commit;
  std::vector<std::string> conflicts;  // paths, when kind == "conflicts"
};

// Merges branch `source` into branch `target` ("" = HEAD's branch): fast-forward when possible,
// else a merge commit; conflicts are reported and nothing is written. When `target` is checked
// out, the working tree follows (safe checkout: local changes are never overwritten).
MergeResult merge_branch(const std::string &repo_path, const std::string &source,
                         const std::string &target);

// What a push would publish: the commits reachable from each pushed sha and not from the
// remote's old sha (or, for a new remote branch, from no remote-tracking ref), and which of them
// carry a PVP-Session trailer.
struct PushCoverage {
  bool ok = false;
  std::string error;
  std::size_t total = 0;
  std::size_t with_trailers = 0;
  std::vector<std::string> missing;  // "<short sha> <subject>"
};
// `lines` is the pre-push hook's stdin: "<local ref> <local sha> <remote ref> <remote sha>".
PushCoverage push_coverage(const std::string &repo_path, const std::string &lines);

// The name of HEAD's branch ("main", "master", ...), or "" when detached.
std::string head_branch(const std::string &repo_path);

}  // namespace pvpd::git_bridge
