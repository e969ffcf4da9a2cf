// Git bridge settings: the option table the host validates YAML against, and the parsed form of
// the normalized config JSON handed to create()/validate().
//
// THREAD: parse_settings() is pure and may run on any thread (validate runs without an instance).
// OWNERSHIP: Settings is a plain value; the option table is static and immutable.
#pragma once

#include <pvpd/plugin.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::git_bridge {

// A configured repository for sessions whose id matches `session` (an fnmatch(3) glob).
struct RepositoryRule {
  std::string session;
  std::string path;
};

struct Settings {
  std::string listen_host = "127.0.0.1";
  int listen_port = 9847;   // 0 = an ephemeral port
  bool http = true;         // serve the HTTP API at all
  std::string port_file;    // bound HTTP port written here after start (tests)
  std::string unix_socket;  // "" = <instance state_dir>/git-bridge.sock; "off" disables it
  uint32_t socket_mode = 0600;
  std::string workspace_root;  // "" = the daemon default <state_dir>/workspaces
  std::vector<RepositoryRule> repositories;
  bool init_repositories = true;
  bool install_hooks = true;
  std::string notes_ref = "refs/notes/pvp";
  std::string branch_prefix = "pvp/fork/";
  std::size_t max_body = 1024 * 1024;
  std::size_t max_messages = 50;  // per-session message summaries kept (reference: 50)
  std::size_t max_commits = 100;  // commits remembered for /commits (reference: 100)
  uint64_t hook_timeout_ms = 3000;
  bool require_trailers = false;  // commit-msg hook refuses commits without PVP-Session
  bool publish = true;            // announce commits and merges as context.add frames
  unsigned min_coverage = 0;      // pre-push: percent of pushed commits with PVP trailers
  bool enforce_coverage = false;  // pre-push refuses a push below min_coverage
};

struct SettingsError {
  std::string pointer;
  std::string message;
};

// Parses normalized JSON (defaults filled, sizes in bytes, durations in ms). Missing keys keep
// the defaults above, so unit tests may pass "{}". Returns every problem found.
std::vector<SettingsError> parse_settings(std::string_view config_json, Settings *out);

inline constexpr pvpd_option_desc kOptions[] = {
    pvpd::option_string("listen", "\"127.0.0.1:9847\"",
                        "Loopback host:port of the bridge HTTP API (port 0 = any free port)."),
    pvpd::option(PVPD_OPT_BOOL, "http", "true", "Serve the HTTP API at all."),
    pvpd::option_string("port_file", nullptr,
                        "If set, the bound HTTP port is written here after start."),
    pvpd::option_string("unix_socket", "\"\"",
                        "Unix socket for the newline-JSON action protocol; empty = "
                        "<instance state_dir>/git-bridge.sock, \"off\" = none."),
    pvpd::option(PVPD_OPT_INT, "socket_mode", "384",
                 "Permission bits of the unix socket (default 0600: owner only).", PVPD_OPT_RANGE,
                 nullptr, 0, 0777),
    pvpd::option_string("workspace_root", "\"\"",
                        "Parent of the sessions' working directories; must match "
                        "daemon.sessions.workspace_root (empty = <state_dir>/workspaces)."),
    pvpd::option_string("repositories[].session", nullptr,
                        "Glob over session ids that use this repository instead of a workspace."),
    pvpd::option_string("repositories[].path", nullptr, "Path of the configured repository."),
    pvpd::option(PVPD_OPT_BOOL, "init_repositories", "true",
                 "Initialise a session's working directory as a git repository when missing."),
    pvpd::option(PVPD_OPT_BOOL, "install_hooks", "true",
                 "Install prepare-commit-msg, commit-msg, post-commit and pre-push hooks in "
                 "session repositories."),
    pvpd::option_string("notes_ref", "\"refs/notes/pvp\"",
                        "Notes ref that receives the JSON decision record of each commit."),
    pvpd::option_string("branch_prefix", "\"pvp/fork/\"",
                        "Prefix of the branch created for each fork (fork.create)."),
    pvpd::option(PVPD_OPT_SIZE, "max_body", "\"1MiB\"",
                 "Largest HTTP request body or socket line accepted; larger ones get 413.",
                 PVPD_OPT_RANGE, nullptr, 1024, 64LL * 1024 * 1024),
    pvpd::option(PVPD_OPT_INT, "max_messages", "50",
                 "Message summaries kept per session between commits.", PVPD_OPT_RANGE, nullptr, 1,
                 100000),
    pvpd::option(PVPD_OPT_INT, "max_commits", "100", "Commits remembered for GET /commits.",
                 PVPD_OPT_RANGE, nullptr, 1, 100000),
    pvpd::option(PVPD_OPT_DURATION, "hook_timeout", "\"3s\"",
                 "Upper bound of each bridge call the generated hooks make.", PVPD_OPT_RANGE,
                 nullptr, 100, 60000),
    pvpd::option(PVPD_OPT_BOOL, "require_trailers", "false",
                 "The commit-msg hook refuses commits without a PVP-Session trailer."),
    pvpd::option(PVPD_OPT_BOOL, "publish", "true",
                 "Announce each recorded commit and each fork merge to its session as a "
                 "context.add from the bridge."),
    pvpd::option(PVPD_OPT_INT, "min_coverage", "0",
                 "pre-push: percent of pushed commits that must carry PVP trailers.",
                 PVPD_OPT_RANGE, nullptr, 0, 100),
    pvpd::option(PVPD_OPT_BOOL, "enforce_coverage", "false",
                 "pre-push refuses a push below min_coverage (else it only reports)."),
};

}  // namespace pvpd::git_bridge
