// One WebSocket client connection to a PVP server, kept up with reconnection (libpvpclient).
//
// libwebsockets (client API) runs on a private service thread; every lws call happens there.
// The owner sends text frames and takes events (open, message, closed, gave up) from an inbox;
// wake_fd() becomes readable while events are pending, so a UI can poll() it with stdin.
// After a drop the connection retries on its own with exponential backoff and jitter
// (backoff.h) until close() or the policy's attempt limit. Frames sent while not open are
// refused (send() returns false): each new connection must start with a fresh join, which the
// owner sends when it takes the kOpen event (session_client.h does this).
//
// The token is sent as "Authorization: Bearer" and never logged; lws logging is off unless
// PVP_CLIENT_LWS_LOG is set (it would write over a curses screen).
// THREAD: all public methods may be called from any one owner thread; the inbox and outbox are
// guarded by a mutex. OWNERSHIP/LIFETIME: the destructor closes the socket and joins the thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "pvpclient/backoff.h"
#include "pvpclient/url.h"

namespace pvpd::client {

struct ConnectOptions {
  Url url;
  std::string token;      // optional bearer token
  bool insecure = false;  // wss: accept self-signed / mismatched certificates
  std::string ca_file;    // wss: extra CA bundle (PEM)
  BackoffPolicy backoff;  // max_attempts counts consecutive failures
  bool reconnect = true;  // false: one attempt, then kGaveUp
};

enum class EventKind { kOpen, kMessage, kClosed, kGaveUp };

struct Event {
  EventKind kind = EventKind::kMessage;
  std::string data;                       // kMessage: the frame text
  std::string detail;                     // kClosed/kGaveUp: why
  std::chrono::milliseconds retry_in{0};  // kClosed: when the next attempt starts
  unsigned attempt = 0;                   // kClosed: consecutive failures so far
};

class WsConnection {
 public:
  explicit WsConnection(ConnectOptions options);
  ~WsConnection();
  WsConnection(const WsConnection &) = delete;
  WsConnection &operator=(const WsConnection &) = delete;

  // Starts the service thread and the first attempt. False if lws could not be set up.
  bool start();
  // Queues one text frame on the open connection; false when not open.
  bool send(std::string text);
  bool is_open() const;
  // The next pending event, waiting up to `wait` for one.
  std::optional<Event> next(std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  int wake_fd() const;
  // Flushes queued frames, closes (1000) and stops reconnecting; waits up to `wait`.
  void close(std::chrono::milliseconds wait = std::chrono::milliseconds(2000));

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pvpd::client
