// The bridge API, independent of how a request arrives: HTTP (BridgeHttpServer, the websocket
// plugin's /bridge/* proxy) and the unix socket's newline-JSON actions both end up here. Shapes
// follow the reference bridge (pvp-anchor.md §8.1): unwrapped GET data, wrapped POST replies,
// {"error":"Not found"} for unknown paths, 400 "Parse error: ..." for bodies that are not JSON.
//
// THREAD: handle() and handle_socket_line() may run concurrently on any threads except the core
// thread (they do repository I/O through libgit2); shared state lives in the DecisionTracker.
// OWNERSHIP: the API borrows the tracker and copies the settings it needs.
// LIFETIME: the tracker must outlive the API.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "decision_state.h"

namespace pvpd::git_bridge {

struct ApiRequest {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // without the query string
  std::map<std::string, std::string> query;  // decoded
  std::string repo_header;                   // X-PVP-Repo (hooks send the repository this way)
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

struct ApiConfig {
  std::string notes_ref = "refs/notes/pvp";
  std::size_t max_body = 1024 * 1024;
  // pre-push: the share of pushed commits (percent) that must carry PVP trailers, and whether a
  // push below it is refused (else only reported).
  unsigned min_coverage = 0;
  bool enforce_coverage = false;
  // Called (on the request's thread) after a commit was recorded for a known session, with the
  // state the commit was made from.
  std::function<void(const SessionDecisions &, const std::string &sha)> on_commit;
  // The session journal's committed chain head (host journal_head; any thread, never blocks).
  // Unset or nullopt: commits get no PVP-Journal trailer and a null journal_hash.
  std::function<std::optional<JournalAnchor>(const std::string &session)> journal_head;
};

class BridgeApi {
 public:
  BridgeApi(DecisionTracker *tracker, ApiConfig config);

  ApiResponse handle(const ApiRequest &request) const;
  // One request line of the socket protocol ({"action", "data"?}) -> one reply line (no '\n').
  std::string handle_socket_line(std::string_view line) const;

  // Splits "/path?a=1&b=x%20y" into path and decoded query parameters.
  static void split_target(std::string_view target, std::string *path,
                           std::map<std::string, std::string> *query);

 private:
  struct Params;
  ApiResponse get(const std::string &path, const Params &p) const;
  ApiResponse post(const std::string &path, const Params &p, const std::string &body) const;
  std::string commit_context(const std::optional<std::string> &session) const;
  std::string extended_metadata(const std::optional<std::string> &session) const;
  std::string status_json() const;
  std::string commits_json(std::size_t limit) const;
  std::string sessions_json() const;
  std::optional<JournalAnchor> journal_head(const std::string &session) const;
  // Records a commit, writes its note; "" on success, else the reference's error text.
  std::string commit_created(const std::optional<std::string> &session, const std::string &sha,
                             const std::string &timestamp, std::string *note_error) const;

  DecisionTracker *tracker_;
  ApiConfig config_;
};

}  // namespace pvpd::git_bridge
