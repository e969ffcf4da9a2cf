// A participant's link to one PVP session: connection + join + resume + heartbeat answers
// (libpvpclient; docs/clients/pvp-tui.md "Reconnection").
//
// On every (re)connection it sends `session.create` (when asked to create) and `session.join`;
// after the first successful join it asks to resume from the highest `seq` it has seen
// (participant.metadata.resume_from), so the server replays only what was missed and nothing on
// screen is lost. Replayed duplicates are dropped (frame_dedup.h).
// `heartbeat.ping` is answered with `heartbeat.pong`. The join is live once the client's own
// `participant.announce` arrives (the last frame of the join reply). An error answering the
// join (auth, ended session) stops reconnecting: retrying cannot fix it.
//
// THREAD: one owner thread calls everything (pump() runs callbacks on it).
// OWNERSHIP: owns its WsConnection; `state`, when given, must outlive the SessionClient.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "pvpclient/client_state.h"
#include "pvpclient/frame_dedup.h"
#include "pvpclient/frames.h"
#include "pvpclient/ws_connection.h"

namespace pvpd::client {

struct SessionOptions {
  ConnectOptions connect;
  JoinRequest join;         // session, id, name, type, roles, capabilities
  bool create = false;      // send session.create before the (first and every) join
  std::string create_name;  // the session's display name when creating
  bool answer_pings = true;
};

enum class LinkState { kConnecting, kJoining, kLive, kReconnecting, kFailed, kClosed };

class SessionClient {
 public:
  SessionClient(SessionOptions options, ClientState *state = nullptr);
  ~SessionClient();
  SessionClient(const SessionClient &) = delete;
  SessionClient &operator=(const SessionClient &) = delete;

  bool start();
  // Handles pending events (waiting up to `wait` for the first); returns how many.
  size_t pump(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  // Sends a frame on the live link; false (nothing queued) when not connected.
  bool send(const Frame &f);
  // Sends session.leave and closes; no more reconnection.
  void leave_and_close(const std::string &reason = "client exit");

  LinkState state() const { return link_; }
  // One line for a status bar: "live", "reconnecting in 2.3s (attempt 3)", ...
  std::string status_text() const;
  uint64_t cursor() const { return dedup_.cursor(); }
  // The resume_from the last join used (nullopt: full replay).
  std::optional<uint64_t> last_resume_from() const { return last_resume_from_; }
  unsigned connections() const { return connections_; }
  // Why the link failed or last dropped.
  const std::string &last_error() const { return last_error_; }
  int wake_fd() const;
  const SessionOptions &options() const { return options_; }

  // Called for every accepted frame (after the state applied it), raw text.
  std::function<void(const std::string &frame)> on_frame;
  // Called on link changes (also for kLive after each join).
  std::function<void(LinkState)> on_link;

 private:
  void set_link(LinkState s);
  void handle_open();
  void handle_message(const std::string &text);

  SessionOptions options_;
  ClientState *state_;
  std::unique_ptr<WsConnection> conn_;
  LinkState link_ = LinkState::kConnecting;
  FrameDedup dedup_;
  bool joined_once_ = false;
  std::optional<uint64_t> last_resume_from_;
  std::string join_id_;
  unsigned connections_ = 0;
  std::string last_error_;
  std::chrono::steady_clock::time_point retry_at_{};
  unsigned attempt_ = 0;
};

const char *link_name(LinkState s);

}  // namespace pvpd::client
