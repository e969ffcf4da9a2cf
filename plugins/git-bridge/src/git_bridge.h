// The git bridge at run time: observes the bus, keeps per-session decision state, makes each
// session's workspace a git repository with the PVP hooks, turns forks into branches and merges
// them, and serves the bridge API. The plugin glue (git_bridge_plugin.cpp) only forwards hooks.
//
// THREAD: start(), stop() and on_message() run on the core thread. on_message() only parses and
// updates the tracker (no disk I/O); repository work is queued to the bridge's own worker
// thread; API requests run on the servers' threads. Host calls from other threads are the
// thread-safe ones (log, publish).
// OWNERSHIP: owns the tracker, the API, the servers and the worker thread; holds one
// git_libgit2_init reference from construction to destruction.
// LIFETIME: stop() stops the servers and joins the worker, after which no host call is made.
#pragma once

#include <pvpd/plugin.hpp>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "bridge_api.h"
#include "bridge_servers.h"
#include "decision_state.h"
#include "options.h"

namespace pvpd::git_bridge {

class GitBridge {
 public:
  GitBridge(pvpd::Host host, Settings settings);
  ~GitBridge();
  GitBridge(const GitBridge &) = delete;
  GitBridge &operator=(const GitBridge &) = delete;

  pvpd_status start();
  void stop();
  void on_message(const pvpd_msg_view &msg);
  std::string status_json() const;

  // The repository a session uses: a configured one whose glob matches, else the workspace.
  std::string repository_for(const std::string &session) const;
  // Characters other than A-Z a-z 0-9 - _ become '_' (as the daemon names workspaces).
  static std::string sanitize(std::string_view id);

 private:
  void worker_loop();
  // The decision state file (decision_store.h): loaded in the constructor, written by the
  // worker after changes and once more when it stops.
  void load_state();
  void save_state();
  // ABI 1.2 journal_head; nullopt when the host has none for the session.
  std::optional<JournalAnchor> journal_head(const std::string &session) const;
  // Tells the core (ABI 1.2 session_set_workdir, posted to the core thread) that `path` is the
  // session's working directory, so joiners and agents get it as session:working_directory.
  void announce_workdir(const std::string &session, const std::string &path);
  void handle(const RepoEvent &event);
  void publish_context(const std::string &session, const std::string &key,
                       const std::string &content_json, const char *tag);

  pvpd::Host host_;
  Settings settings_;
  std::string workspace_root_;
  DecisionTracker tracker_;
  std::unique_ptr<BridgeApi> api_;
  std::unique_ptr<BridgeServers> servers_;
  std::string bridge_url_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RepoEvent> queue_;
  bool stopping_ = false;
  bool save_wanted_ = false;
  std::thread worker_;
  std::string state_file_;
  uint64_t saved_version_ = 0;  // worker only (and the constructor, before it starts)
  bool started_ = false;
};

}  // namespace pvpd::git_bridge
