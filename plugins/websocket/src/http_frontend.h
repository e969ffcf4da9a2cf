// The lws side of plain HTTP on the WebSocket port: turns lws HTTP callbacks into HttpRequests,
// asks HttpRoutes, runs deferred routes (admin API, bridge proxy) on a WorkerPool, and writes
// responses (headers, then the body in chunks as lws reports the socket writable).
//
// THREAD: callback() and on_wake() run on the lws service thread only; a worker finishing a
// deferred response queues it under done_mu_ and calls `wake` (lws_cancel_service), and the
// service thread picks it up in on_wake() (called from LWS_CALLBACK_EVENT_WAIT_CANCELLED).
// OWNERSHIP: owns the per-request state (keyed by wsi, lws thread only) and the worker pool.
// LIFETIME: stop() after the lws thread is joined: it joins the workers, so no host call (admin
// slots) happens after it returns. A response that finishes after its connection closed is
// dropped (requests are matched by id, not by wsi).
#pragma once

#include <libwebsockets.h>
#include <pvpd/plugin.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "admin_routes.h"
#include "bridge_proxy.h"
#include "http_routes.h"
#include "metrics.h"
#include "options.h"
#include "worker_pool.h"

namespace pvpd::websocket {

// The host's ABI 1.2 admin slots, or empty functions when the host is older.
AdminSlots admin_slots_of(pvpd::Host host);

class HttpFrontend {
 public:
  HttpFrontend(pvpd::Host host, const Settings &settings, Metrics &metrics,
               std::function<std::string()> health_json, std::function<std::string()> metrics_text,
               std::function<void()> wake);
  ~HttpFrontend();
  HttpFrontend(const HttpFrontend &) = delete;
  HttpFrontend &operator=(const HttpFrontend &) = delete;

  // The lws callback reasons this class handles.
  static bool handles(enum lws_callback_reasons reason);
  int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
               std::size_t len);
  void on_wake();
  void stop();

  static constexpr std::size_t kMaxRequestBody = 1024 * 1024;
  static constexpr unsigned long long kMaxDiscardedBody = 16ULL * 1024 * 1024;

 private:
  struct Txn {
    uint64_t id = 0;
    HttpRequest req;
    bool head = false;
    bool close_after = false;  // a request that may carry a body: answer, then hang up
    bool waiting_body = false;
    bool body_too_big = false;
    bool ready = false;
    bool headers_sent = false;
    std::size_t sent = 0;
    HttpResponse resp;
  };

  int on_http(struct lws *wsi);
  void dispatch(struct lws *wsi, Txn &t);
  void respond(struct lws *wsi, Txn &t, HttpResponse resp);
  int on_writeable(struct lws *wsi);
  int finish(struct lws *wsi);
  HttpResponse bridge(const HttpRequest &req) const;
  bool recently_admin(const std::string &token) const;
  void remember_admin(const std::string &token) const;

  static constexpr std::chrono::seconds kAdminVerdictTtl{10};
  static constexpr std::size_t kMaxRememberedTokens = 64;

  const Settings &settings_;
  Metrics &metrics_;
  AdminSlots admin_;
  BridgeProxy proxy_;
  HttpRoutes routes_;
  std::function<void()> wake_;

  // lws thread only.
  std::unordered_map<struct lws *, std::unique_ptr<Txn>> txns_;
  std::unordered_map<uint64_t, struct lws *> by_id_;
  uint64_t next_id_ = 1;
  std::vector<unsigned char> buf_;

  // Admin verdicts for the bridge proxy (workers): SHA-256 of the token → valid until.
  mutable std::mutex auth_mu_;
  mutable std::unordered_map<std::string, std::chrono::steady_clock::time_point> admin_ok_;

  std::mutex done_mu_;
  std::vector<std::pair<uint64_t, HttpResponse>> done_;  // guarded by done_mu_

  WorkerPool pool_;  // last: destroyed (joined) first
};

}  // namespace pvpd::websocket
