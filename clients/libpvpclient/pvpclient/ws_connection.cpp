// libwebsockets client connection with reconnection (see ws_connection.h).
#include "pvpclient/ws_connection.h"

#include <libwebsockets.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace pvpd::client {

struct WsConnection::Impl {
  ConnectOptions options;
  Backoff backoff;
  int event_fd = -1;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Event> inbox;         // guarded
  std::deque<std::string> outbox;  // guarded
  bool open = false;               // guarded
  bool want_close = false;         // guarded: close after the outbox drains
  bool closed_for_good = false;    // guarded: no more attempts
  bool stop_thread = false;        // guarded
  bool alive = false;              // guarded: lws_cancel_service allowed

  // Service thread only.
  lws_context *context = nullptr;
  lws *wsi = nullptr;
  bool attempt_active = false;
  std::string assembling;
  int peer_close_code = 0;
  lws_sorted_usec_list_t retry_sul{};
  std::thread thread;
  std::vector<lws_protocols> protocols;
  std::string auth_header;

  explicit Impl(ConnectOptions o) : options(std::move(o)), backoff(options.backoff) {}

  void push(Event e) {
    {
      std::lock_guard<std::mutex> lock(mu);
      inbox.push_back(std::move(e));
    }
    const uint64_t one = 1;
    // A full eventfd counter only means the owner is already being woken.
    [[maybe_unused]] ssize_t n = ::write(event_fd, &one, sizeof one);
    cv.notify_all();
  }

  void wake_service() {
    std::lock_guard<std::mutex> lock(mu);
    if (alive) {
      lws_cancel_service(context);
    }
  }

  void connect_now() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (closed_for_good) {
        return;
      }
    }
    lws_client_connect_info ci{};
    ci.context = context;
    // lws 4.1 connects to a unix socket when the address starts with '+' (it copies the
    // address before returning, so the local string may go).
    const std::string unix_address = "+" + options.url.unix_path;
    ci.address = options.url.is_unix() ? unix_address.c_str() : options.url.host.c_str();
    ci.port = options.url.port;
    ci.path = options.url.path.c_str();
    ci.host = options.url.host.c_str();
    ci.origin = options.url.host.c_str();
    ci.protocol = nullptr;
    ci.local_protocol_name = protocols[0].name;
    ci.userdata = this;
    if (options.url.tls) {
      ci.ssl_connection = LCCSCF_USE_SSL;
      if (options.insecure) {
        ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                             LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
      }
    }
    ci.pwsi = &wsi;
    attempt_active = true;
    assembling.clear();
    peer_close_code = 0;
    if (lws_client_connect_via_info(&ci) == nullptr) {
      attempt_failed("cannot start a connection");
    }
  }

  static void on_retry(lws_sorted_usec_list_t *sul) {
    Impl *self = lws_container_of(sul, Impl, retry_sul);
    self->connect_now();
  }

  // The current attempt ended (refused, dropped or closed by the peer).
  void attempt_failed(const std::string &why) {
    if (!attempt_active) {
      return;
    }
    attempt_active = false;
    wsi = nullptr;
    bool final = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      open = false;
      outbox.clear();
      final = closed_for_good || !options.reconnect || backoff.exhausted();
      if (final) {
        closed_for_good = true;
      }
    }
    if (final) {
      Event e;
      e.kind = EventKind::kGaveUp;
      e.detail = why;
      e.attempt = backoff.attempts();
      push(std::move(e));
      return;
    }
    const auto delay = backoff.next();
    Event e;
    e.kind = EventKind::kClosed;
    e.detail = why;
    e.retry_in = delay;
    e.attempt = backoff.attempts();
    push(std::move(e));
    lws_sul_schedule(context, 0, &retry_sul, &Impl::on_retry,
                     static_cast<lws_usec_t>(delay.count()) * LWS_US_PER_MS);
  }

  void run_ops() {
    bool stopping = false;
    bool close_now = false;
    bool has_out = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = stop_thread;
      close_now = want_close;
      has_out = !outbox.empty();
    }
    if (wsi != nullptr && (has_out || close_now)) {
      lws_callback_on_writable(wsi);
    }
    if (stopping) {
      lws_sul_cancel(&retry_sul);
    }
  }

  static int callback(lws *wsi, lws_callback_reasons reason, void *user, void *in, size_t len);
};

int WsConnection::Impl::callback(lws *wsi, lws_callback_reasons reason, void *user, void *in,
                                 size_t len) {
  lws_context *ctx = lws_get_context(wsi);
  auto *self = static_cast<Impl *>(user);
  if (self == nullptr && ctx != nullptr) {
    self = static_cast<Impl *>(lws_context_user(ctx));
  }
  if (self == nullptr) {
    return 0;
  }
  switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: self->run_ops(); return 0;
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
      if (self->options.token.empty()) {
        return 0;
      }
      auto **p = static_cast<unsigned char **>(in);
      unsigned char *end = *p + len;
      const std::string &v = self->auth_header;
      return lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                          reinterpret_cast<const unsigned char *>(v.data()),
                                          static_cast<int>(v.size()), p, end) != 0
                 ? -1
                 : 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED: {
      self->backoff.reset();
      {
        std::lock_guard<std::mutex> lock(self->mu);
        self->open = true;
        self->outbox.clear();
      }
      Event e;
      e.kind = EventKind::kOpen;
      self->push(std::move(e));
      return 0;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
      std::string why = in != nullptr && len > 0 ? std::string(static_cast<const char *>(in), len)
                        : in != nullptr          ? std::string(static_cast<const char *>(in))
                                                 : "connection failed";
      self->attempt_failed(why);
      return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE: {
      self->assembling.append(static_cast<const char *>(in), len);
      if (lws_is_final_fragment(wsi) != 0) {
        Event e;
        e.kind = EventKind::kMessage;
        e.data = std::move(self->assembling);
        self->assembling.clear();
        self->push(std::move(e));
      }
      return 0;
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
      const auto *b = static_cast<const unsigned char *>(in);
      self->peer_close_code = len >= 2 ? (b[0] << 8) | b[1] : 1005;
      return 0;
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
      std::string out;
      bool more = false;
      bool close_now = false;
      {
        std::lock_guard<std::mutex> lock(self->mu);
        if (!self->outbox.empty()) {
          out = std::move(self->outbox.front());
          self->outbox.pop_front();
          more = !self->outbox.empty() || self->want_close;
        } else {
          close_now = self->want_close;
        }
      }
      if (close_now) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nullptr, 0);
        return -1;
      }
      if (!out.empty()) {
        std::vector<unsigned char> buf(LWS_PRE + out.size());
        std::memcpy(buf.data() + LWS_PRE, out.data(), out.size());
        if (lws_write(wsi, buf.data() + LWS_PRE, out.size(), LWS_WRITE_TEXT) <
            static_cast<int>(out.size())) {
          return -1;
        }
      }
      if (more) {
        lws_callback_on_writable(wsi);
      }
      return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED: {
      std::string why = self->peer_close_code != 0 ? "closed by the server (code " +
                                                         std::to_string(self->peer_close_code) + ")"
                                                   : "connection lost";
      self->attempt_failed(why);
      return 0;
    }
    default: break;
  }
  return 0;
}

WsConnection::WsConnection(ConnectOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (!impl_->options.token.empty()) {
    impl_->auth_header = "Bearer " + impl_->options.token;
  }
}

WsConnection::~WsConnection() {
  close(std::chrono::milliseconds(1000));
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop_thread = true;
    if (impl_->alive) {
      lws_cancel_service(impl_->context);
    }
  }
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
  if (impl_->event_fd >= 0) {
    ::close(impl_->event_fd);
  }
}

bool WsConnection::start() {
  Impl &m = *impl_;
  if (m.event_fd < 0) {
    return false;
  }
  static std::once_flag log_once;
  std::call_once(log_once, [] {
    lws_set_log_level(std::getenv("PVP_CLIENT_LWS_LOG") != nullptr ? LLL_ERR | LLL_WARN : 0,
                      nullptr);
  });
  lws_protocols p{};
  p.name = "pvp-client";
  p.callback = &Impl::callback;
  p.rx_buffer_size = 64 * 1024;
  m.protocols = {p, lws_protocols{}};
  lws_context_creation_info info{};
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = m.protocols.data();
  info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  info.gid = -1;
  info.uid = -1;
  info.user = &m;
  info.timeout_secs = 10;
  info.connect_timeout_secs = 10;
  if (!m.options.ca_file.empty()) {
    info.client_ssl_ca_filepath = m.options.ca_file.c_str();
  }
  m.context = lws_create_context(&info);
  if (m.context == nullptr) {
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(m.mu);
    m.alive = true;
  }
  m.thread = std::thread([&m] {
    m.connect_now();
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(m.mu);
        if (m.stop_thread) {
          break;
        }
      }
      if (lws_service(m.context, 0) < 0) {
        break;
      }
    }
    lws_sul_cancel(&m.retry_sul);
    {
      std::lock_guard<std::mutex> lock(m.mu);
      m.alive = false;
    }
    lws_context_destroy(m.context);
    m.context = nullptr;
  });
  return true;
}

bool WsConnection::send(std::string text) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->open || impl_->want_close) {
      return false;
    }
    impl_->outbox.push_back(std::move(text));
  }
  impl_->wake_service();
  return true;
}

bool WsConnection::is_open() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->open;
}

std::optional<Event> WsConnection::next(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  if (wait.count() > 0) {
    impl_->cv.wait_for(lock, wait, [&] { return !impl_->inbox.empty(); });
  }
  if (impl_->inbox.empty()) {
    uint64_t drained = 0;
    [[maybe_unused]] ssize_t n = ::read(impl_->event_fd, &drained, sizeof drained);
    // An event may have landed between the check and the read: re-arm the fd for it.
    if (!impl_->inbox.empty()) {
      const uint64_t one = 1;
      n = ::write(impl_->event_fd, &one, sizeof one);
    }
    return std::nullopt;
  }
  Event e = std::move(impl_->inbox.front());
  impl_->inbox.pop_front();
  return e;
}

int WsConnection::wake_fd() const {
  return impl_->event_fd;
}

void WsConnection::close(std::chrono::milliseconds wait) {
  bool was_open = false;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->closed_for_good = true;
    impl_->want_close = true;
    was_open = impl_->open;
  }
  impl_->wake_service();
  if (!was_open) {
    return;
  }
  // Wait until the service thread reports the end of the connection.
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait_for(lock, wait, [&] { return !impl_->open; });
}

}  // namespace pvpd::client
