// A small WebSocket test client on libwebsockets (client side), for tests of pvpd's websocket
// plugin, plus a blocking raw HTTP/1.1 helper.
//
// WsLoop is one lws client context with its own service thread; many WsClients may share one
// (200 clients need not mean 200 threads). Every lws call happens on that thread: client methods
// queue an operation and wake it with lws_cancel_service, the same pattern the plugin uses.
// Every wait takes a timeout; nothing here sleeps for a fixed time.
//
// THREAD: WsClient and WsLoop methods may be called from any test thread. Received messages and
// close status are guarded by the client state's mutex.
// OWNERSHIP/LIFETIME: a WsClient owns a shared state also held by its loop until lws reports
// the connection closed, so late lws callbacks never touch freed memory. Destroy clients before
// their loop (the loop's destructor closes whatever is still open).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pvpd::testing::ws {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

// Subprotocol names the test client can agree to (lws clients only accept names they know).
inline const std::vector<std::string> kKnownSubprotocols = {"pvp.v1", "x-custom.v2", "chat"};

struct ClientOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  std::vector<std::string> subprotocols;  // offered in this order (names from the list above)
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"authorization", "Bearer x"}
  bool tls = false;         // self-signed server certificates are accepted
  std::string client_cert;  // PEM files for mutual TLS (optional; used by the client's own loop,
  std::string client_key;   // not by a shared WsLoop, which has its own)
};

struct Message {
  std::string data;
  bool binary = false;
};

class WsLoop {
 public:
  WsLoop();
  // A loop whose TLS connections present this client certificate (PEM files; mutual TLS).
  WsLoop(const std::string &client_cert, const std::string &client_key);
  ~WsLoop();
  WsLoop(const WsLoop &) = delete;
  WsLoop &operator=(const WsLoop &) = delete;

  struct Impl;
  Impl *impl() { return impl_.get(); }

 private:
  std::unique_ptr<Impl> impl_;
};

class WsClient {
 public:
  // Starts connecting at once. With no loop, the client gets a private one.
  explicit WsClient(ClientOptions options, WsLoop *loop = nullptr);
  ~WsClient();
  WsClient(const WsClient &) = delete;
  WsClient &operator=(const WsClient &) = delete;

  // True once the handshake completed; false on failure or timeout.
  bool wait_open(Millis timeout = 5s);
  bool failed() const;           // the connection attempt failed (refused, bad handshake)
  std::string failure() const;   // lws's reason text
  std::string protocol() const;  // the subprotocol the server agreed to, or ""

  bool send_text(std::string data);
  bool send_binary(std::string data);
  // One message as several WebSocket frames of at most `fragment` bytes.
  bool send_fragmented(const std::string &data, std::size_t fragment, bool binary = false);

  // The next message, or nullopt on timeout / close.
  std::optional<Message> next(Millis timeout = 5s);
  // Skips messages until one satisfies `pred`; returns it (nullopt on timeout / close).
  std::optional<Message> wait_for(const std::function<bool(const Message &)> &pred,
                                  Millis timeout = 5s);
  std::size_t pending() const;  // received and not yet taken

  // Stops / resumes reading from the socket (the kernel buffers then fill up).
  void pause_reading();
  void resume_reading();

  // Starts a client-side close.
  void close(int code = 1000);
  // True once the connection is gone; close_code() is the peer's close code, 1006 without one.
  bool wait_closed(Millis timeout = 5s);
  bool closed() const;
  int close_code() const;
  std::string close_reason() const;

  struct State;

 private:
  std::unique_ptr<WsLoop> own_loop_;
  WsLoop *loop_;
  std::shared_ptr<State> state_;
};

struct HttpResult {
  int status = 0;                              // 0: no response
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Sends one request with "Connection: close" (and `body` with its Content-Length when not
// empty) and reads the response until EOF or timeout.
HttpResult http_request(int port, const std::string &method, const std::string &target,
                        const std::vector<std::pair<std::string, std::string>> &headers = {},
                        Millis timeout = 5s, const std::string &host = "127.0.0.1",
                        const std::string &body = "");

}  // namespace pvpd::testing::ws
