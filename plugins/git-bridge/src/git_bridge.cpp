// The git bridge runtime (see git_bridge.h).
#include "git_bridge.h"

#include <fnmatch.h>
#include <git2.h>
#include <pthread.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>

#include "commit_metadata.h"
#include "decision_store.h"
#include "json_out.h"
#include "repo.h"

namespace pvpd::git_bridge {

GitBridge::GitBridge(pvpd::Host host, Settings settings)
    : host_(host),
      settings_(std::move(settings)),
      tracker_(settings_.max_messages, settings_.max_commits) {
  git_libgit2_init();
  workspace_root_ = settings_.workspace_root;
  if (workspace_root_.empty()) {
    // The host gives each instance <daemon.state_dir>/plugins/<id>; the daemon's default
    // workspace root is <daemon.state_dir>/workspaces.
    std::filesystem::path sd(std::string(host_.state_dir()));
    workspace_root_ = (sd.parent_path().parent_path() / "workspaces").string();
  }
  ApiConfig api;
  api.notes_ref = settings_.notes_ref;
  api.max_body = settings_.max_body;
  api.min_coverage = settings_.min_coverage;
  api.enforce_coverage = settings_.enforce_coverage;
  if (settings_.publish) {
    api.on_commit = [this](const SessionDecisions &s, const std::string &sha) {
      rapidjson::StringBuffer buf;
      JsonWriter w(buf);
      w.StartObject();
      put_key(w, "sha");
      put(w, sha);
      put_key(w, "repository");
      put(w, s.repository);
      put_key(w, "trailers");
      w.StartObject();
      for (const auto &[k, v] : build_trailers(s)) {
        put_key(w, k);
        put(w, v);
      }
      w.EndObject();
      w.EndObject();
      publish_context(s.id, "git:commit:" + sha, std::string(buf.GetString(), buf.GetSize()),
                      "commit");
    };
  }
  if (host_.has(&pvpd_host_api_v1::journal_head)) {
    api.journal_head = [this](const std::string &session) { return journal_head(session); };
  }
  api_ = std::make_unique<BridgeApi>(&tracker_, std::move(api));
  state_file_ = std::string(host_.state_dir()) + "/decisions.json";
  load_state();
}

std::optional<JournalAnchor> GitBridge::journal_head(const std::string &session) const {
  pvpd_buf *out = nullptr;
  pvpd_status st = host_.api()->journal_head(host_.ctx(), pvpd::to_str(session), &out);
  if (st != PVPD_OK || out == nullptr) {
    return std::nullopt;
  }
  pvpd::BufRef buf(host_.api(), out);
  rapidjson::Document d;
  std::string_view v = buf.view();
  d.Parse(v.data(), v.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("seq") || !d["seq"].IsUint64() ||
      !d.HasMember("hash") || !d["hash"].IsString()) {
    return std::nullopt;
  }
  // Through the same parser as a trailer read back, so a malformed head is never written.
  return parse_journal_anchor(std::to_string(d["seq"].GetUint64()) + ":" + d["hash"].GetString());
}

void GitBridge::announce_workdir(const std::string &session, const std::string &path) {
  if (!host_.has(&pvpd_host_api_v1::session_set_workdir)) {
    return;  // a 1.1 host announces its own workspace
  }
  // THREAD: session_set_workdir belongs to the core thread; the worker only found the path.
  host_.post([this, session, path](pvpd_status st) {
    if (st != PVPD_OK) {
      return;
    }
    pvpd_status r =
        host_.api()->session_set_workdir(host_.ctx(), pvpd::to_str(session), pvpd::to_str(path));
    if (r != PVPD_OK) {
      host_.warn("session " + session + ": the core did not take workspace " + path + ": " +
                 pvpd::status_name(r));
    }
  });
}

GitBridge::~GitBridge() {
  stop();
  servers_.reset();
  api_.reset();
  git_libgit2_shutdown();
}

std::string GitBridge::sanitize(std::string_view id) {
  std::string out;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    out.push_back(ok ? c : '_');
  }
  return out.empty() ? "_" : out;
}

std::string GitBridge::repository_for(const std::string &session) const {
  for (const RepositoryRule &rule : settings_.repositories) {
    if (::fnmatch(rule.session.c_str(), session.c_str(), 0) == 0) {
      return rule.path;
    }
  }
  return (std::filesystem::path(workspace_root_) / sanitize(session)).string();
}

pvpd_status GitBridge::start() {
  ServerConfig sc;
  sc.http = settings_.http;
  sc.host = settings_.listen_host;
  sc.port = settings_.listen_port;
  sc.max_body = settings_.max_body;
  sc.socket_mode = settings_.socket_mode;
  if (settings_.unix_socket != "off") {
    sc.unix_socket = settings_.unix_socket.empty()
                         ? std::string(host_.state_dir()) + "/git-bridge.sock"
                         : settings_.unix_socket;
  }
  servers_ = std::make_unique<BridgeServers>(api_.get(), sc);
  if (std::string err = servers_->start(); !err.empty()) {
    host_.error("cannot start the bridge API: " + err);
    return PVPD_E_IO;
  }
  std::string host = settings_.listen_host.find(':') != std::string::npos
                         ? "[" + settings_.listen_host + "]"
                         : settings_.listen_host;
  bridge_url_ = "http://" + host + ":" + std::to_string(servers_->http_port());
  if (!settings_.port_file.empty()) {
    std::string tmp = settings_.port_file + ".tmp";
    std::ofstream(tmp) << servers_->http_port() << "\n";
    std::filesystem::rename(tmp, settings_.port_file);
  }
  worker_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "pvpd-git");  // top -H, perf, gdb
    worker_loop();
  });
  pvpd_sub_filter filter{};
  filter.struct_size = sizeof(filter);
  pvpd_sub_id sub = 0;
  pvpd_status s = host_.api()->subscribe(
      host_.ctx(), &filter,
      [](void *user, const pvpd_msg_view *msg) {
        static_cast<GitBridge *>(user)->on_message(*msg);
      },
      this, &sub);
  if (s != PVPD_OK) {
    host_.error(std::string("subscribe failed: ") + pvpd::status_name(s));
    stop();
    return s;
  }
  started_ = true;
  host_.info("git bridge API on " + bridge_url_ +
             (servers_->socket_path().empty() ? "" : " and unix:" + servers_->socket_path()) +
             "; workspaces under " + workspace_root_);
  return PVPD_OK;
}

void GitBridge::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (servers_) {
    servers_->stop();
  }
  if (worker_.joinable()) {
    worker_.join();
  }
  started_ = false;
}

void GitBridge::on_message(const pvpd_msg_view &msg) {
  pvpd::BufRef env = pvpd::BufRef::retain(host_.api(), msg.envelope);
  std::vector<RepoEvent> events = tracker_.observe(env.view());
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (RepoEvent &e : events) {
      queue_.push_back(std::move(e));
    }
    // The worker writes the state file: a decision is on disk moments after it was observed.
    save_wanted_ = true;
  }
  cv_.notify_one();
}

void GitBridge::worker_loop() {
  for (;;) {
    std::optional<RepoEvent> event;
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Changes that arrive through the API (commits, resets) do not notify: the timeout
      // picks them up.
      cv_.wait_for(lock, std::chrono::milliseconds(250),
                   [&] { return stopping_ || !queue_.empty() || save_wanted_; });
      stopping = stopping_;
      save_wanted_ = false;
      if (!stopping && !queue_.empty()) {
        event = std::move(queue_.front());
        queue_.pop_front();
      }
    }
    if (event) {
      handle(*event);
    }
    save_state();
    if (stopping) {
      return;
    }
  }
}

void GitBridge::load_state() {
  std::string error;
  std::optional<TrackerState> st = load_state_file(state_file_, &error);
  if (!st) {
    if (!error.empty()) {
      // Kept aside, not overwritten: an operator may want to look at what was lost.
      std::error_code ec;
      std::filesystem::rename(state_file_, state_file_ + ".bad", ec);
      host_.warn("decision state not restored: " + error + " (moved to .bad)");
    }
    return;
  }
  std::size_t pending = 0;
  for (const auto &[id, sess] : st->sessions) {
    if (!sess.ended) {
      pending += sess.messages_since_last_commit > 0 ? 1 : 0;
      // Re-adopt the workspace: hooks and pvp.bridgeurl carry this run's URL, and the core
      // learns the working directory again.
      RepoEvent e;
      e.kind = RepoEvent::Kind::kSessionSeen;
      e.session = id;
      queue_.push_back(std::move(e));
    }
  }
  host_.info("decision state restored: " + std::to_string(st->sessions.size()) + " session(s), " +
             std::to_string(pending) + " with decisions since their last commit");
  tracker_.import_state(std::move(*st));
  saved_version_ = tracker_.version();
}

void GitBridge::save_state() {
  uint64_t version = 0;
  if (tracker_.version() == saved_version_) {
    return;
  }
  TrackerState st = tracker_.export_state(&version);
  if (std::string err = save_state_file(state_file_, st); !err.empty()) {
    host_.warn("cannot save the decision state: " + err);
    return;
  }
  saved_version_ = version;
}

void GitBridge::handle(const RepoEvent &event) {
  std::optional<SessionDecisions> s = tracker_.snapshot(event.session);
  std::string repo = s && !s->repository.empty() ? s->repository : repository_for(event.session);
  switch (event.kind) {
    case RepoEvent::Kind::kSessionSeen: {
      RepoResult r = ensure_repository(repo, settings_.init_repositories);
      if (!r.ok) {
        host_.warn("session " + event.session + ": no repository at " + repo + ": " + r.error);
        return;
      }
      if (settings_.install_hooks) {
        HookConfig hc;
        hc.bridge_url = bridge_url_;
        hc.timeout_ms = settings_.hook_timeout_ms;
        hc.require_trailers = settings_.require_trailers;
        RepoResult h = install_hooks(repo, hc);
        if (!h.ok || !h.error.empty()) {
          host_.warn("session " + event.session + ": hooks in " + repo + ": " + h.error);
        }
      }
      // Where the agents' git_commit tool (and pvpctl git) find this bridge: the repository
      // names it, so nothing has to be configured twice.
      if (RepoResult c = set_repo_config(repo, "pvp.bridgeurl", bridge_url_); !c.ok) {
        host_.warn("session " + event.session + ": cannot record the bridge URL in " + repo + ": " +
                   c.error);
      }
      tracker_.set_repository(event.session, repo);
      announce_workdir(event.session, repo);
      host_.info("session " + event.session + " tracks repository " + repo);
      return;
    }
    case RepoEvent::Kind::kForkCreated: {
      std::string branch = settings_.branch_prefix + sanitize(event.fork_id);
      RepoResult r = create_branch(repo, branch);
      if (!r.ok) {
        host_.warn("fork " + event.fork_id + ": no branch " + branch + ": " + r.error);
      } else {
        host_.info("fork " + event.fork_id + " is branch " + branch + " at " + r.value);
      }
      return;
    }
    case RepoEvent::Kind::kMergeExecuted: {
      auto branch_of = [&](const std::string &fork) {
        return fork.empty() || fork == "main" ? head_branch(repo)
                                              : settings_.branch_prefix + sanitize(fork);
      };
      std::string source = branch_of(event.source_fork);
      std::string target = branch_of(event.target_fork);
      MergeResult m = merge_branch(repo, source, target);
      rapidjson::StringBuffer buf;
      JsonWriter w(buf);
      w.StartObject();
      put_key(w, "merge_proposal");
      put(w, event.proposal);
      put_key(w, "source_branch");
      put(w, source);
      put_key(w, "target_branch");
      put(w, target);
      put_key(w, "ok");
      w.Bool(m.ok);
      put_key(w, "result");
      put_or_null(w, m.kind);
      put_key(w, "commit");
      put_or_null(w, m.commit);
      put_key(w, "conflicts");
      put_list(w, m.conflicts);
      put_key(w, "error");
      put_or_null(w, m.error);
      w.EndObject();
      std::string result(buf.GetString(), buf.GetSize());
      host_.info("merge " + event.proposal + ": " + result);
      publish_context(event.session, "git:merge:" + event.proposal, result, "merge");
      return;
    }
  }
}

void GitBridge::publish_context(const std::string &session, const std::string &key,
                                const std::string &content_json, const char *tag) {
  if (!settings_.publish) {
    return;
  }
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put_key(w, "v");
  w.Uint(1);
  put_key(w, "type");
  put(w, "context.add");
  put_key(w, "session");
  put(w, session);
  put_key(w, "payload");
  w.StartObject();
  put_key(w, "key");
  put(w, key);
  put_key(w, "content_type");
  put(w, "structured");
  put_key(w, "content");
  w.RawValue(content_json.data(), content_json.size(), rapidjson::kObjectType);
  put_key(w, "source");
  put(w, kBridgeSource);
  put_key(w, "tags");
  w.StartArray();
  put(w, "git");
  put(w, tag);
  w.EndArray();
  w.EndObject();
  w.EndObject();
  pvpd_status st = host_.publish(std::string_view(buf.GetString(), buf.GetSize()));
  if (st != PVPD_OK) {
    host_.debug(std::string("publish ") + key + ": " + pvpd::status_name(st));
  }
}

std::string GitBridge::status_json() const {
  BridgeStatus st = tracker_.status();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  put_key(w, "url");
  put(w, bridge_url_);
  put_key(w, "sessions");
  w.Uint64(st.sessions);
  put_key(w, "messages_processed");
  w.Uint64(st.messages_processed);
  put_key(w, "commits_tracked");
  w.Uint64(st.commits_tracked);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace pvpd::git_bridge
