// The libwebsockets server (see ws_server.h for the threading rules).
#include "ws_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <utility>

#include "frames.h"

namespace pvpd::websocket {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunk = 64 * 1024;  // largest single WebSocket frame we write
constexpr int kWritesPerCallback = 32;     // fairness between connections
constexpr std::size_t kMaxHeader = 10;     // largest WebSocket frame header (server side)
constexpr std::size_t kMaxBatch = 256;     // messages framed into one write
constexpr auto kSweepEvery = std::chrono::milliseconds(250);
constexpr auto kCloseGrace = std::chrono::seconds(2);  // flush budget before a forced close
constexpr auto kShutdownGrace = std::chrono::seconds(2);

constexpr int kWsNormal = 1000;
constexpr int kWsGoingAway = 1001;
constexpr int kWsProtocolError = 1002;
constexpr int kWsInvalidPayload = 1007;
constexpr int kWsPolicy = 1008;
constexpr int kWsTooBig = 1009;

// Writes the header of an unmasked, final text frame of `len` payload bytes (RFC 6455 5.2) and
// returns its size. Server frames are never masked, and pvpd negotiates no extensions.
std::size_t put_text_header(unsigned char *p, std::size_t len) {
  p[0] = 0x81;  // FIN | text
  if (len < 126) {
    p[1] = static_cast<unsigned char>(len);
    return 2;
  }
  if (len < 65536) {
    p[1] = 126;
    p[2] = static_cast<unsigned char>(len >> 8);
    p[3] = static_cast<unsigned char>(len);
    return 4;
  }
  p[1] = 127;
  for (int i = 0; i < 8; ++i) {
    p[2 + i] = static_cast<unsigned char>(static_cast<uint64_t>(len) >> (56 - 8 * i));
  }
  return 10;
}

lws_usec_t usec(std::chrono::microseconds d) {
  return static_cast<lws_usec_t>(d.count());
}

// lws logs go to stderr with an lws prefix; only errors, since lws warns about every refused
// upgrade. Process-global, so it is set once.
void init_lws_logging() {
  static std::once_flag once;
  std::call_once(once, [] { lws_set_log_level(LLL_ERR, nullptr); });
}

bool is_loopback(const std::string &ip) {
  return ip.rfind("127.", 0) == 0 || ip == "::1" || ip.rfind("::ffff:127.", 0) == 0;
}

std::string header(struct lws *wsi, enum lws_token_indexes token) {
  int len = lws_hdr_total_length(wsi, token);
  if (len <= 0) {
    return std::string();
  }
  std::string out(static_cast<std::size_t>(len) + 1, '\0');
  int n = lws_hdr_copy(wsi, out.data(), len + 1, token);
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

// The bearer token from `?token=` or `Authorization: Bearer X`, or "".
std::string credential_of(struct lws *wsi) {
  std::array<char, 4096> buf{};
  const char *v = lws_get_urlarg_by_name(wsi, "token=", buf.data(), static_cast<int>(buf.size()));
  if (v != nullptr && *v != '\0') {
    return std::string(v);
  }
  std::string auth = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  static constexpr std::string_view kBearer = "bearer ";
  if (auth.size() > kBearer.size() && strncasecmp(auth.c_str(), "bearer ", kBearer.size()) == 0) {
    std::size_t start = auth.find_first_not_of(' ', kBearer.size());
    return start == std::string::npos ? std::string() : auth.substr(start);
  }
  return std::string();
}

// Peers on a unix: listener share this "ip": one per-IP limit bucket, and local by definition
// (only the socket file's owner can connect).
constexpr const char *kUnixPeer = "unix";

// "ip:port" of the peer, and the ip alone.
std::pair<std::string, std::string> peer_of(struct lws *wsi) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  int fd = lws_get_socket_fd(wsi);
  if (fd >= 0 && ::getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0) {
    if (ss.ss_family == AF_INET) {
      const auto *in = reinterpret_cast<const sockaddr_in *>(&ss);
      inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
      port = ntohs(in->sin_port);
      return {std::string(host) + ":" + std::to_string(port), host};
    }
    if (ss.ss_family == AF_INET6) {
      const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&ss);
      inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
      port = ntohs(in6->sin6_port);
      return {"[" + std::string(host) + "]:" + std::to_string(port), host};
    }
    if (ss.ss_family == AF_UNIX) {
      return {kUnixPeer, kUnixPeer};
    }
  }
  return {"unknown", "unknown"};
}

// Subject of a verified client certificate ("" when none was presented or it did not verify).
std::string tls_subject_of(struct lws *wsi) {
  SSL *ssl = lws_get_ssl(wsi);
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
    return std::string();
  }
  X509 *cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) {
    return std::string();
  }
  std::array<char, 512> buf{};
  X509_NAME_oneline(X509_get_subject_name(cert), buf.data(), static_cast<int>(buf.size()));
  X509_free(cert);
  return std::string(buf.data());
}

int ws_code_for(int32_t reason) {
  switch (reason) {
    case PVPD_CLOSE_SLOW_CONSUMER:
    case PVPD_CLOSE_POLICY: return kWsPolicy;
    case PVPD_CLOSE_PROTOCOL_ERROR: return kWsProtocolError;
    case PVPD_CLOSE_SHUTDOWN:
    case PVPD_CLOSE_IDLE: return kWsGoingAway;
    default: return kWsNormal;
  }
}

const char *ws_reason_for(int32_t reason) {
  switch (reason) {
    case PVPD_CLOSE_SLOW_CONSUMER: return "slow consumer";
    case PVPD_CLOSE_POLICY: return "policy";
    case PVPD_CLOSE_PROTOCOL_ERROR: return "protocol error";
    case PVPD_CLOSE_SHUTDOWN: return "server shutdown";
    case PVPD_CLOSE_IDLE: return "idle timeout";
    default: return "";
  }
}

}  // namespace

WsServer::WsServer(pvpd::Host host, Settings settings)
    : host_(host),
      settings_(std::move(settings)),
      http_(
          host, settings_, metrics_, [this] { return health_json(); },
          [this] { return metrics_text(); },
          [this] {
            std::lock_guard<std::mutex> lock(mu_);
            wake_locked();
          }) {}

WsServer::~WsServer() {
  stop();
  if (context_ != nullptr) {
    lws_context_destroy(context_);  // start() failed before the thread took the context
    context_ = nullptr;
  }
}

// ------------------------------------------------------------------------------------------
// Core thread

pvpd_status WsServer::start() {
  init_lws_logging();
  // Slot 0 serves HTTP and subprotocol-less upgrades. Slot 1's name is rewritten on the lws
  // thread in LWS_CALLBACK_HTTP_CONFIRM_UPGRADE to the client's first offered subprotocol, so
  // lws matches it and echoes it (lws 4.1 otherwise refuses unknown subprotocols).
  std::snprintf(dynamic_protocol_name_.data(), dynamic_protocol_name_.size(), "pvp.v1");
  for (std::size_t i = 0; i < 2; ++i) {
    lws_protocols &p = protocols_[i];
    p.name = i == 0 ? "http" : dynamic_protocol_name_.data();
    p.callback = &WsServer::lws_callback;
    p.per_session_data_size = sizeof(Session);
    p.rx_buffer_size = 16 * 1024;
    p.tx_packet_size = kChunk;
  }
  protocols_[2] = lws_protocols{};

  lws_context_creation_info ci{};
  ci.port = CONTEXT_PORT_NO_LISTEN;
  ci.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  if (settings_.tls()) {
    ci.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  }
  ci.gid = -1;
  ci.uid = -1;
  ci.user = this;
  ci.timeout_secs = 10;
  context_ = lws_create_context(&ci);
  if (context_ == nullptr) {
    host_.error("lws_create_context failed");
    return PVPD_E_IO;
  }
  if (settings_.ping_interval_ms > 0) {
    auto secs =
        static_cast<uint16_t>(std::min<uint64_t>((settings_.ping_interval_ms + 999) / 1000, 30000));
    retry_.secs_since_valid_ping = secs;
    retry_.secs_since_valid_hangup = static_cast<uint16_t>(secs * 2);
  }
  // On any failure below: close what was bound and remove the socket files made so far.
  auto fail = [this](const std::string &message) {
    host_.error(message);
    lws_context_destroy(context_);
    context_ = nullptr;
    remove_unix_files();
    return PVPD_E_IO;
  };
  bool port_written = false;
  for (const ListenAddress &a : settings_.listen) {
    lws_context_creation_info vi{};
    vi.port = a.port;
    vi.iface = a.host.empty() ? nullptr : a.host.c_str();
    vi.vhost_name = a.text.c_str();
    vi.protocols = protocols_.data();
    vi.user = this;
    if (settings_.ping_interval_ms > 0) {
      vi.retry_and_idle_policy = &retry_;
    }
    if (a.is_unix()) {
      // The admin socket is plain WebSocket: the 0600 file is its protection, and local
      // clients (pvpctl --socket) have no certificate for a unix path.
      UnixSocketFile file(a.unix_path);
      if (std::string err = file.prepare(); !err.empty()) {
        return fail("cannot listen on " + a.text + ": " + err);
      }
      vi.options |= LWS_SERVER_OPTION_UNIX_SOCK;
      vi.iface = a.unix_path.c_str();
      vi.port = 0;
      if (lws_create_vhost(context_, &vi) == nullptr) {
        return fail("cannot listen on " + a.text + " (bad path or directory not writable)");
      }
      std::string err = file.secure();
      unix_files_.push_back(std::move(file));
      if (!err.empty()) {
        return fail(err);
      }
      bound_.push_back(a.text);
      continue;
    }
    if (settings_.tls()) {
      vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
      vi.ssl_cert_filepath = settings_.tls_cert.c_str();
      vi.ssl_private_key_filepath = settings_.tls_key.c_str();
      if (!settings_.tls_client_ca.empty()) {
        vi.ssl_ca_filepath = settings_.tls_client_ca.c_str();
        vi.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
      }
    }
    struct lws_vhost *vh = lws_create_vhost(context_, &vi);
    if (vh == nullptr) {
      return fail("cannot listen on " + a.text + " (address in use, bad address or TLS files)");
    }
    int port = lws_get_vhost_listen_port(vh);
    std::string host = a.host.empty() ? "0.0.0.0" : a.host;
    if (host.find(':') != std::string::npos) {
      host = "[" + host + "]";
    }
    bound_.push_back(host + ":" + std::to_string(port));
    if (!port_written) {
      port_written = true;
      if (std::string err = write_port_file(port); !err.empty()) {
        return fail(err);
      }
    }
  }
  scratch_.resize(LWS_PRE + kChunk);
  {
    std::lock_guard<std::mutex> lock(mu_);
    context_alive_ = true;
  }
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "pvpd-ws");  // top -H, perf, gdb
    run();
  });
  for (const std::string &b : bound_) {
    host_.info(std::string("listening on ") + (settings_.tls() ? "wss://" : "ws://") + b);
  }
  return PVPD_OK;
}

void WsServer::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) {
      return;
    }
    stopping_ = true;
    wake_locked();
  }
  thread_.join();
  http_.stop();
  remove_unix_files();
}

void WsServer::remove_unix_files() {
  for (UnixSocketFile &f : unix_files_) {
    f.remove();
  }
}

pvpd_status WsServer::deliver(const pvpd_conn_id *conns, std::size_t n, const pvpd_msg_view &msg) {
  if (msg.envelope == nullptr) {
    return PVPD_E_INVAL;
  }
  const bool droppable = (msg.flags & PVPD_MSG_DROPPABLE) != 0;
  const bool urgent = (msg.flags & PVPD_MSG_URGENT) != 0;
  std::lock_guard<std::mutex> lock(mu_);
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    auto it = conns_.find(conns[i]);
    if (it == conns_.end() || it->second->close_code != 0) {
      continue;  // unknown or closing: skipped, as the ABI says
    }
    Connection &c = *it->second;
    if (urgent) {
      // An interrupt overtakes the deltas still waiting (they are moot now); what the lws
      // thread is writing stays.
      const std::size_t keep = std::max<std::size_t>(c.out_in_flight, c.out_offset != 0 ? 1 : 0);
      Metrics::bump(metrics_.queue_drops, c.out.drop_droppable_after(keep));
    }
    bool pressure_on = false;
    switch (c.out.push(pvpd::BufRef::retain(host_.api(), msg.envelope), droppable, &pressure_on)) {
      case OutboundQueue::Push::kQueued:
        if (pressure_on) {
          host_.conn_pressure(c.id, 1);
        }
        break;
      case OutboundQueue::Push::kDropped: Metrics::bump(metrics_.queue_drops); continue;
      case OutboundQueue::Push::kOverflow:
        Metrics::bump(metrics_.slow_consumer_disconnects);
        request_close_locked(c, kWsPolicy, "slow consumer", PVPD_CLOSE_SLOW_CONSUMER, false);
        break;
    }
    mark_locked(c);
    any = true;
  }
  if (any) {
    wake_locked();
  }
  return PVPD_OK;
}

void WsServer::close_conn(pvpd_conn_id conn, int32_t reason) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conns_.find(conn);
  if (it == conns_.end() || it->second->close_code != 0) {
    return;
  }
  request_close_locked(*it->second, ws_code_for(reason), ws_reason_for(reason),
                       reason < 0 ? PVPD_CLOSE_NORMAL : reason, reason != PVPD_CLOSE_SLOW_CONSUMER);
  mark_locked(*it->second);
  wake_locked();
}

void WsServer::flow(pvpd_conn_id conn, uint32_t allow_reads) {
  if (allow_reads == 0) {
    return;  // the host pauses reads only through PVPD_E_AGAIN
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conns_.find(conn);
  if (it == conns_.end()) {
    return;
  }
  it->second->resume_reads = true;
  mark_locked(*it->second);
  wake_locked();
}

std::string WsServer::status_json() {
  std::string listeners;
  for (const std::string &b : bound_) {
    listeners += (listeners.empty() ? "" : ",") + json_quote(b);
  }
  return "{\"listeners\":[" + listeners + "],\"tls\":" + (settings_.tls() ? "true" : "false") +
         ",\"connections\":" + std::to_string(Metrics::get(metrics_.connections_current)) +
         ",\"counters\":{" + counters_json(metrics_) + "}}";
}

// The daemon's own snapshot (ABI 1.1), when the host has the slot; empty otherwise.
std::string WsServer::host_text(pvpd_status (*pvpd_host_api_v1::*slot)(pvpd_host_ctx *,
                                                                       pvpd_buf **)) const {
  if (!host_.has(slot)) {
    return std::string();
  }
  pvpd_buf *out = nullptr;
  if ((host_.api()->*slot)(host_.ctx(), &out) != PVPD_OK || out == nullptr) {
    return std::string();
  }
  pvpd::BufRef ref(host_.api(), out);
  return std::string(ref.view());
}

std::string WsServer::health_json() {
  std::string daemon = host_text(&pvpd_host_api_v1::daemon_status_json);
  return std::string("{\"status\":\"ok\",\"bridge_proxy\":") +
         (settings_.bridge_enabled ? "true" : "false") + ",\"plugin\":" + status_json() +
         (daemon.empty() ? "" : ",\"daemon\":" + daemon) + "}";
}

std::string WsServer::metrics_text() {
  return host_text(&pvpd_host_api_v1::metrics_text) + render_prometheus(metrics_);
}

std::string WsServer::write_port_file(int port) const {
  if (settings_.port_file.empty()) {
    return std::string();
  }
  // Written via a temporary + rename so a reader never sees a half-written number.
  std::string tmp = settings_.port_file + ".tmp";
  std::FILE *f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    return "cannot write " + tmp + ": " + std::strerror(errno);
  }
  std::fprintf(f, "%d\n", port);
  std::fclose(f);
  if (std::rename(tmp.c_str(), settings_.port_file.c_str()) != 0) {
    return "cannot rename to " + settings_.port_file + ": " + std::strerror(errno);
  }
  return std::string();
}

// ------------------------------------------------------------------------------------------
// mu_ held

void WsServer::request_close_locked(Connection &c, int ws_code, std::string reason,
                                    int32_t pvpd_reason, bool flush) {
  if (c.close_code != 0) {
    return;
  }
  c.close_code = ws_code;
  c.close_reason = std::move(reason);
  c.close_pvpd = pvpd_reason;
  c.flush_before_close = flush;
}

void WsServer::mark_locked(Connection &c) {
  if (!c.marked) {
    c.marked = true;
    marked_.push_back(c.id);
  }
}

void WsServer::wake_locked() {
  // One lws_cancel_service (a pipe write) per batch of requests, not per delivered message:
  // until the lws thread takes marked_ in on_wait_cancelled, a pending wake covers new marks.
  if (context_alive_ && !wake_pending_) {
    wake_pending_ = true;
    lws_cancel_service(context_);
  }
}

// ------------------------------------------------------------------------------------------
// lws thread

void WsServer::run() {
  sweep_timer_.self = this;
  shutdown_timer_.self = this;
  lws_sul_schedule(context_, 0, &sweep_timer_.sul, &WsServer::on_sweep_timer, usec(kSweepEvery));
  while (!exit_loop_) {
    if (lws_service(context_, 0) < 0) {
      break;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    context_alive_ = false;
  }
  // Remaining connections are closed here; their LWS_CALLBACK_CLOSED reports conn_closed.
  lws_context_destroy(context_);
  context_ = nullptr;
}

int WsServer::lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                           std::size_t len) {
  struct lws_context *ctx = lws_get_context(wsi);
  auto *self = ctx == nullptr ? nullptr : static_cast<WsServer *>(lws_context_user(ctx));
  if (self == nullptr) {
    return 0;
  }
  auto *s = static_cast<Session *>(user);
  try {
    if (HttpFrontend::handles(reason)) {
      return self->http_.callback(wsi, reason, user, in, len);
    }
    switch (reason) {
      case LWS_CALLBACK_EVENT_WAIT_CANCELLED: return self->on_wait_cancelled();
      // Mutual TLS: lws 4.1 accepts the client certificate when this returns 0, whatever
      // OpenSSL found (the default handler returns 0), so pass on OpenSSL's verdict (`len`).
      case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION: return len != 0 ? 0 : 1;
      case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: return self->shutdown_started_ ? -1 : 0;
      case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: return self->on_confirm_upgrade(wsi);
      case LWS_CALLBACK_ESTABLISHED: return self->on_established(wsi, s);
      case LWS_CALLBACK_RECEIVE:
        return s != nullptr && s->conn != nullptr ? self->on_receive(wsi, *s->conn, in, len) : -1;
      case LWS_CALLBACK_SERVER_WRITEABLE:
        return s != nullptr && s->conn != nullptr ? self->on_writeable(wsi, *s->conn) : 0;
      case LWS_CALLBACK_CLOSED: self->on_closed(s); return 0;
      default: break;
    }
  } catch (const std::exception &e) {
    self->host_.error(std::string("websocket callback failed: ") + e.what());
    return -1;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

int WsServer::on_wait_cancelled() {
  std::vector<pvpd_conn_id> ids;
  bool stopping = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ids.swap(marked_);
    stopping = stopping_;
    wake_pending_ = false;
  }
  for (pvpd_conn_id id : ids) {
    Connection *c = nullptr;
    bool resume = false;
    bool closing = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = conns_.find(id);
      if (it == conns_.end()) {
        continue;
      }
      c = it->second.get();
      c->marked = false;
      resume = std::exchange(c->resume_reads, false);
      closing = c->close_code != 0;
      if (closing && !c->flush_before_close && !c->out.empty()) {
        c->out.clear();  // a slow consumer gets no more data, only the close frame
        c->out_offset = 0;
      }
    }
    // Connections are erased only on this thread, so `c` stays valid without the lock.
    if (resume && c->reads_paused) {
      c->reads_paused = false;
      lws_rx_flow_control(c->wsi, 1);
    }
    if (closing && c->close_requested_at == Clock::time_point{}) {
      c->close_requested_at = Clock::now();
    }
    lws_callback_on_writable(c->wsi);
  }
  http_.on_wake();
  if (stopping && !shutdown_started_) {
    begin_shutdown();
  }
  return 0;
}

int WsServer::on_confirm_upgrade(struct lws *wsi) {
  if (shutdown_started_) {
    return -1;
  }
  // Same address text as on_established/on_closed use, so the per-IP count always balances.
  const std::string ip = peer_of(wsi).second;
  auto known = per_ip_.find(ip);
  const std::size_t from_ip = known == per_ip_.end() ? 0 : known->second;
  if (ws_count_ >= settings_.max_connections || from_ip >= settings_.max_connections_per_ip) {
    Metrics::bump(metrics_.connections_refused);
    // Answer 503 and hang up (returning -1): the response is small enough to go out at once,
    // and the ">0, headers sent" path of this callback is the one with lws CVE-2025-11677.
    lws_return_http_status(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE, "connection limit reached");
    return -1;
  }
  // Echo the client's first offered subprotocol: name slot 1 after it so lws selects and echoes
  // it (see start()). Same tokenizer flags as lws_process_ws_upgrade, so the match is exact.
  std::string offered = header(wsi, WSI_TOKEN_PROTOCOL);
  if (!offered.empty()) {
    struct lws_tokenize ts;
    lws_tokenize_init(&ts, offered.c_str(),
                      LWS_TOKENIZE_F_COMMA_SEP_LIST | LWS_TOKENIZE_F_MINUS_NONTERM |
                          LWS_TOKENIZE_F_DOT_NONTERM | LWS_TOKENIZE_F_RFC7230_DELIMS);
    ts.len = offered.size();
    lws_tokenize_elem e;
    do {
      e = lws_tokenize(&ts);
    } while (e == LWS_TOKZE_DELIMITER);
    if (e == LWS_TOKZE_TOKEN &&
        lws_tokenize_cstr(&ts, dynamic_protocol_name_.data(), dynamic_protocol_name_.size()) != 0) {
      return -1;  // lws could not match a name this long either
    }
  }
  return 0;
}

int WsServer::on_established(struct lws *wsi, Session *s) {
  auto [peer, ip] = peer_of(wsi);
  std::string credential = credential_of(wsi);
  std::string subject = settings_.tls_client_ca.empty() ? std::string() : tls_subject_of(wsi);
  pvpd_conn_info info{};
  info.struct_size = sizeof info;
  const bool on_unix = ip == kUnixPeer;
  info.flags = (on_unix || is_loopback(ip) ? PVPD_CONN_LOCAL : 0u) |
               (settings_.tls() && !on_unix ? PVPD_CONN_TLS : 0u);
  info.transport = pvpd::to_str("websocket");
  info.peer = pvpd::to_str(peer);
  info.credential = pvpd::to_str(credential);
  info.tls_peer_subject = pvpd::to_str(subject);
  pvpd_conn_id id = 0;
  pvpd_status st = host_.conn_open(info, &id);
  if (st != PVPD_OK) {
    host_.warn("conn_open refused " + peer + ": " + pvpd::status_name(st));
    return -1;
  }
  auto conn = std::make_unique<Connection>(
      id, wsi, peer, ip,
      OutboundQueue(settings_.high_water, settings_.queue_limit,
                    settings_.on_overflow == OverflowPolicy::kDropDroppable),
      RateLimiter(settings_.rate_burst, settings_.rate_per_second, Clock::now()));
  s->conn = conn.get();
  ++ws_count_;
  ++per_ip_[ip];
  Metrics::bump(metrics_.connections_current);
  Metrics::bump(metrics_.connections_total);
  std::lock_guard<std::mutex> lock(mu_);
  conns_.emplace(id, std::move(conn));
  return 0;
}

int WsServer::on_receive(struct lws *wsi, Connection &c, const void *in, std::size_t len) {
  if (c.closing) {
    return 0;
  }
  const bool final = lws_is_final_fragment(wsi) != 0;
  if (c.in.empty() && !c.in_oversized) {
    c.in_binary = lws_frame_is_binary(wsi) != 0;
  }
  if (!c.in_oversized) {
    if (c.in.size() + len > settings_.max_message) {
      c.in_oversized = true;
      c.in.clear();
      c.in.shrink_to_fit();
    } else {
      c.in.append(static_cast<const char *>(in), len);
    }
  }
  if (!final) {
    return 0;
  }
  if (c.in_oversized) {
    c.in_oversized = false;
    Metrics::bump(metrics_.oversized);
    send_error_and_close(
        c, "INVALID_MESSAGE",
        "message exceeds max_message of " + std::to_string(settings_.max_message) + " bytes",
        kWsTooBig, "message too big", PVPD_CLOSE_PROTOCOL_ERROR);
    return 0;
  }
  std::string message;
  message.swap(c.in);
  on_message(c, std::move(message));
  return 0;
}

void WsServer::on_message(Connection &c, std::string message) {
  const auto now = Clock::now();
  c.last_rx = now;
  if (!c.limiter.take(now)) {
    Metrics::bump(metrics_.rate_limited);
    ++c.rate_drops;
    if (!c.rate_limited) {
      c.rate_limited = true;
      pvpd::BufRef err = host_.copy(make_error_frame(
          "RATE_LIMITED", "rate limit exceeded; messages are dropped until it recovers", true));
      std::lock_guard<std::mutex> lock(mu_);
      if (err) {
        c.out.push_control(std::move(err));
      }
      lws_callback_on_writable(c.wsi);
    }
    // A peer that keeps sending as fast as before is not going to slow down: close it.
    if (static_cast<double>(c.rate_drops) > std::max(settings_.rate_burst, 10.0) * 2) {
      std::lock_guard<std::mutex> lock(mu_);
      request_close_locked(c, kWsPolicy, "rate limit exceeded", PVPD_CLOSE_POLICY, true);
      c.close_requested_at = now;
      lws_callback_on_writable(c.wsi);
    }
    return;
  }
  c.rate_limited = false;
  c.rate_drops = 0;

  const bool bad = !looks_like_envelope(message);
  if (bad) {
    Metrics::bump(metrics_.bad_frames);
    ++c.bad_frames;
  } else {
    c.bad_frames = 0;
  }
  Metrics::bump(metrics_.frames_in);
  Metrics::bump(metrics_.bytes_in, message.size());
  // Bad frames still go to the core: it answers each with a precise INVALID_MESSAGE error.
  pvpd_status st = host_.conn_inbound(c.id, message);
  if (st == PVPD_E_AGAIN && !c.reads_paused) {
    c.reads_paused = true;
    lws_rx_flow_control(c.wsi, 0);
  }
  if (bad && c.bad_frames >= settings_.max_bad_frames) {
    std::lock_guard<std::mutex> lock(mu_);
    request_close_locked(c, kWsInvalidPayload, "too many invalid frames", PVPD_CLOSE_PROTOCOL_ERROR,
                         true);
    c.close_requested_at = now;
    lws_callback_on_writable(c.wsi);
  }
}

void WsServer::send_error_and_close(Connection &c, const std::string &code,
                                    const std::string &message, int ws_code,
                                    const std::string &reason, int32_t pvpd_reason) {
  pvpd::BufRef err = host_.copy(make_error_frame(code, message, false));
  std::lock_guard<std::mutex> lock(mu_);
  if (err) {
    c.out.push_control(std::move(err));
  }
  request_close_locked(c, ws_code, reason, pvpd_reason, true);
  c.close_requested_at = Clock::now();
  lws_callback_on_writable(c.wsi);
}

int WsServer::on_writeable(struct lws *wsi, Connection &c) {
  for (int i = 0; i < kWritesPerCallback; ++i) {
    // Whole messages that fit in one chunk are framed here back to back and handed to lws as
    // one raw write: one send() and two lock rounds for a whole batch instead of per message
    // (a receiver of a busy session usually has several queued). lws still sends everything
    // it is given before anything else (it buffers a partial send), so frames never interleave
    // with its own control frames. A larger message goes out alone, fragmented, as before.
    batch_.clear();
    std::string_view msg;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (c.out_offset == 0) {
        std::size_t bytes = 0;
        for (std::size_t k = 0; k < c.out.size() && batch_.size() < kMaxBatch; ++k) {
          std::string_view m = c.out.at(k).view();  // valid: only this thread pops
          if (bytes + kMaxHeader + m.size() > kChunk) {
            break;
          }
          bytes += kMaxHeader + m.size();
          batch_.push_back(m);
        }
      }
      c.out_in_flight = batch_.size();
      if (batch_.empty()) {
        const pvpd::BufRef *front = c.out.front();
        if (front == nullptr) {
          break;
        }
        msg = front->view();  // stays valid: only this thread pops the reference
        c.out_in_flight = 1;
      }
    }
    if (!batch_.empty()) {
      unsigned char *const start = scratch_.data() + LWS_PRE;
      unsigned char *p = start;
      std::size_t payload = 0;
      for (std::string_view m : batch_) {
        p += put_text_header(p, m.size());
        std::memcpy(p, m.data(), m.size());
        p += m.size();
        payload += m.size();
      }
      const auto n = static_cast<std::size_t>(p - start);
      if (lws_write(wsi, start, n, LWS_WRITE_RAW) < static_cast<int>(n)) {
        return -1;  // the socket failed; lws closes it and we get LWS_CALLBACK_CLOSED
      }
      Metrics::bump(metrics_.frames_out, batch_.size());
      Metrics::bump(metrics_.bytes_out, payload);
      std::lock_guard<std::mutex> lock(mu_);
      bool relieved = false;
      for (std::size_t k = 0; k < batch_.size(); ++k) {
        bool pressure_off = false;
        c.out.pop(&pressure_off);
        relieved = relieved || pressure_off;
      }
      c.out_in_flight = 0;
      if (relieved) {
        host_.conn_pressure(c.id, 0);
      }
      if (lws_send_pipe_choked(wsi)) {
        break;
      }
      continue;
    }
    const std::size_t remaining = msg.size() - c.out_offset;
    const std::size_t n = std::min(remaining, kChunk);
    const bool first = c.out_offset == 0;
    const bool fin = n == remaining;
    std::memcpy(scratch_.data() + LWS_PRE, msg.data() + c.out_offset, n);
    int flags = lws_write_ws_flags(LWS_WRITE_TEXT, first, fin);
    if (lws_write(wsi, scratch_.data() + LWS_PRE, n, static_cast<enum lws_write_protocol>(flags)) <
        static_cast<int>(n)) {
      return -1;  // the socket failed; lws closes it and we get LWS_CALLBACK_CLOSED
    }
    c.out_offset += n;
    if (fin) {
      c.out_offset = 0;
      Metrics::bump(metrics_.frames_out);
      Metrics::bump(metrics_.bytes_out, msg.size());
      std::lock_guard<std::mutex> lock(mu_);
      bool pressure_off = false;
      c.out.pop(&pressure_off);
      c.out_in_flight = 0;
      if (pressure_off) {
        host_.conn_pressure(c.id, 0);
      }
    }
    if (lws_send_pipe_choked(wsi)) {
      break;
    }
  }
  bool more = false;
  int close_code = 0;
  std::string close_reason;
  {
    std::lock_guard<std::mutex> lock(mu_);
    more = !c.out.empty();
    if (!more && c.close_code != 0) {
      close_code = c.close_code;
      close_reason = c.close_reason;
    }
  }
  if (close_code != 0) {
    c.closing = true;
    lws_close_reason(wsi, static_cast<enum lws_close_status>(close_code),
                     reinterpret_cast<unsigned char *>(close_reason.data()), close_reason.size());
    return -1;
  }
  if (more) {
    lws_callback_on_writable(wsi);
  }
  return 0;
}

void WsServer::on_closed(Session *s) {
  if (s == nullptr || s->conn == nullptr) {
    return;
  }
  Connection *c = s->conn;
  s->conn = nullptr;
  std::unique_ptr<Connection> owned;
  int32_t reason = PVPD_CLOSE_PEER_GONE;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = conns_.find(c->id);
    if (it != conns_.end()) {
      owned = std::move(it->second);
      conns_.erase(it);
    }
    if (c->close_code != 0) {
      reason = c->close_pvpd;
    }
    if (owned) {
      owned->out.clear();  // release buffer references with the lock held, like every queue op
    }
  }
  auto ip = per_ip_.find(c->ip);
  if (ip != per_ip_.end() && --ip->second == 0) {
    per_ip_.erase(ip);
  }
  --ws_count_;
  metrics_.connections_current.fetch_sub(1, std::memory_order_relaxed);
  host_.conn_closed(c->id, reason);
  if (shutdown_started_ && ws_count_ == 0) {
    exit_loop_ = true;
  }
}

void WsServer::begin_shutdown() {
  shutdown_started_ = true;
  std::vector<Connection *> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto &[id, c] : conns_) {
      request_close_locked(*c, kWsGoingAway, "server shutdown", PVPD_CLOSE_SHUTDOWN, true);
      all.push_back(c.get());
    }
  }
  for (Connection *c : all) {
    lws_callback_on_writable(c->wsi);
  }
  if (ws_count_ == 0) {
    exit_loop_ = true;
    return;
  }
  lws_sul_schedule(context_, 0, &shutdown_timer_.sul, &WsServer::on_shutdown_timer,
                   usec(kShutdownGrace));
}

void WsServer::sweep() {
  const auto now = Clock::now();
  std::vector<Connection *> wake;
  std::vector<struct lws *> kill;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto &[id, cp] : conns_) {
      Connection &c = *cp;
      if (c.close_code == 0 && settings_.idle_timeout_ms > 0 &&
          now - c.last_rx > std::chrono::milliseconds(settings_.idle_timeout_ms)) {
        request_close_locked(c, kWsGoingAway, "idle timeout", PVPD_CLOSE_IDLE, true);
        c.close_requested_at = now;
        wake.push_back(&c);
      } else if (c.close_code != 0 && c.close_requested_at != Clock::time_point{} &&
                 now - c.close_requested_at > kCloseGrace) {
        // The peer does not read: we cannot even send the close frame. Drop the TCP connection.
        kill.push_back(c.wsi);
      }
    }
  }
  for (Connection *c : wake) {
    lws_callback_on_writable(c->wsi);
  }
  for (struct lws *wsi : kill) {
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
  }
  lws_sul_schedule(context_, 0, &sweep_timer_.sul, &WsServer::on_sweep_timer, usec(kSweepEvery));
}

void WsServer::on_sweep_timer(lws_sorted_usec_list_t *sul) {
  reinterpret_cast<Timer *>(sul)->self->sweep();
}

void WsServer::on_shutdown_timer(lws_sorted_usec_list_t *sul) {
  reinterpret_cast<Timer *>(sul)->self->exit_loop_ = true;
}

}  // namespace pvpd::websocket
