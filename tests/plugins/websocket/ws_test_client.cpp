// libwebsockets test client (see ws_test_client.h).
#include "ws_test_client.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

namespace pvpd::testing::ws {

struct Outgoing {
  std::string data;
  int flags = 0;
};

struct WsClient::State {
  ClientOptions options;
  std::string protocols_csv;

  mutable std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  bool failed = false;
  bool closed = false;
  std::string failure;
  std::string protocol;
  int close_code = 1006;
  std::string close_reason;
  std::deque<Message> inbox;
  std::deque<Outgoing> outbox;
  int want_close = 0;

  // Service thread only.
  struct lws *wsi = nullptr;
  std::string assembling;
  bool assembling_binary = false;
};

struct WsLoop::Impl {
  struct lws_context *context = nullptr;
  std::thread thread;
  std::mutex mu;
  std::vector<std::function<void()>> ops;           // guarded
  bool stop = false;                                // guarded
  bool alive = false;                               // guarded: lws_cancel_service allowed
  std::set<std::shared_ptr<WsClient::State>> live;  // service thread only
  std::vector<lws_protocols> protocols;
  std::vector<std::string> names;
  bool exit_loop = false;  // service thread only

  void post(std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mu);
    ops.push_back(std::move(fn));
    if (alive) {
      lws_cancel_service(context);
    }
  }

  void run_ops() {
    std::vector<std::function<void()>> todo;
    bool stopping = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      todo.swap(ops);
      stopping = stop;
    }
    for (auto &fn : todo) {
      fn();
    }
    if (stopping) {
      exit_loop = true;
    }
  }

  void finish(WsClient::State *s) {
    {
      std::lock_guard<std::mutex> lock(s->mu);
      s->closed = true;
      s->wsi = nullptr;
    }
    s->cv.notify_all();
    for (auto it = live.begin(); it != live.end(); ++it) {
      if (it->get() == s) {
        live.erase(it);
        break;
      }
    }
  }

  static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len);
};

namespace {

std::once_flag g_log_once;

}  // namespace

int WsLoop::Impl::callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                           size_t len) {
  struct lws_context *ctx = lws_get_context(wsi);
  auto *loop = ctx == nullptr ? nullptr : static_cast<WsLoop::Impl *>(lws_context_user(ctx));
  auto *s = static_cast<WsClient::State *>(user);
  switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      if (loop != nullptr) {
        loop->run_ops();
      }
      return 0;
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
      if (s == nullptr) {
        return 0;
      }
      auto **p = static_cast<unsigned char **>(in);
      unsigned char *end = *p + len;
      for (const auto &[name, value] : s->options.headers) {
        std::string n = name + ":";
        if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char *>(n.c_str()),
                                        reinterpret_cast<const unsigned char *>(value.data()),
                                        static_cast<int>(value.size()), p, end) != 0) {
          return -1;
        }
      }
      return 0;
    }
    case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH: {
      // The handshake response headers are still attached here, not after.
      if (s != nullptr) {
        std::array<char, 128> buf{};
        int n = lws_hdr_copy(wsi, buf.data(), static_cast<int>(buf.size()), WSI_TOKEN_PROTOCOL);
        std::lock_guard<std::mutex> lock(s->mu);
        s->protocol = n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : "";
      }
      return 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED: {
      if (s == nullptr) {
        return -1;
      }
      {
        std::lock_guard<std::mutex> lock(s->mu);
        s->open = true;
        if (!s->outbox.empty() || s->want_close != 0) {
          lws_callback_on_writable(wsi);
        }
      }
      s->cv.notify_all();
      return 0;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
      if (s != nullptr) {
        {
          std::lock_guard<std::mutex> lock(s->mu);
          s->failed = true;
          s->failure = in != nullptr ? std::string(static_cast<const char *>(in), len) : "error";
          if (s->failure.empty() && in != nullptr) {
            s->failure = static_cast<const char *>(in);
          }
        }
        loop->finish(s);
      }
      return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE: {
      if (s == nullptr) {
        return 0;
      }
      if (s->assembling.empty()) {
        s->assembling_binary = lws_frame_is_binary(wsi) != 0;
      }
      s->assembling.append(static_cast<const char *>(in), len);
      if (lws_is_final_fragment(wsi) != 0) {
        {
          std::lock_guard<std::mutex> lock(s->mu);
          s->inbox.push_back(Message{std::move(s->assembling), s->assembling_binary});
        }
        s->assembling.clear();
        s->cv.notify_all();
      }
      return 0;
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
      if (s != nullptr) {
        std::lock_guard<std::mutex> lock(s->mu);
        const auto *b = static_cast<const unsigned char *>(in);
        if (len >= 2) {
          s->close_code = (b[0] << 8) | b[1];
          s->close_reason.assign(reinterpret_cast<const char *>(b + 2), len - 2);
        } else {
          s->close_code = 1005;
        }
      }
      return 0;
    }
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
      if (s == nullptr) {
        return 0;
      }
      Outgoing out;
      bool more = false;
      int want_close = 0;
      {
        std::lock_guard<std::mutex> lock(s->mu);
        if (!s->outbox.empty()) {
          out = std::move(s->outbox.front());
          s->outbox.pop_front();
          more = !s->outbox.empty() || s->want_close != 0;
        } else {
          want_close = s->want_close;
        }
        if (out.data.empty() && out.flags == 0 && want_close == 0) {
          return 0;
        }
      }
      if (want_close != 0) {
        lws_close_reason(wsi, static_cast<enum lws_close_status>(want_close), nullptr, 0);
        return -1;
      }
      std::vector<unsigned char> buf(LWS_PRE + out.data.size());
      std::memcpy(buf.data() + LWS_PRE, out.data.data(), out.data.size());
      if (lws_write(wsi, buf.data() + LWS_PRE, out.data.size(),
                    static_cast<enum lws_write_protocol>(out.flags)) <
          static_cast<int>(out.data.size())) {
        return -1;
      }
      if (more) {
        lws_callback_on_writable(wsi);
      }
      return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
      if (s != nullptr) {
        loop->finish(s);
      }
      return 0;
    default: break;
  }
  return 0;
}

WsLoop::WsLoop() : WsLoop(std::string(), std::string()) {}

WsLoop::WsLoop(const std::string &client_cert, const std::string &client_key)
    : impl_(std::make_unique<Impl>()) {
  std::call_once(g_log_once, [] {
    lws_set_log_level(
        std::getenv("PVPD_WS_TEST_LWS_LOG") != nullptr ? LLL_ERR | LLL_WARN | LLL_NOTICE : 0,
        nullptr);
  });
  Impl &m = *impl_;
  m.names = {"pvpd-test-none"};
  m.names.insert(m.names.end(), kKnownSubprotocols.begin(), kKnownSubprotocols.end());
  for (const std::string &n : m.names) {
    lws_protocols p{};
    p.name = n.c_str();
    p.callback = &Impl::callback;
    p.rx_buffer_size = 16 * 1024;
    m.protocols.push_back(p);
  }
  m.protocols.push_back(lws_protocols{});
  lws_context_creation_info info{};
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = m.protocols.data();
  info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  info.gid = -1;
  info.uid = -1;
  info.user = &m;
  info.timeout_secs = 5;
  info.connect_timeout_secs = 5;
  // lws 4.1 keeps the client certificate per vhost: a loop presents it on every wss connection.
  info.client_ssl_cert_filepath = client_cert.empty() ? nullptr : client_cert.c_str();
  info.client_ssl_private_key_filepath = client_key.empty() ? nullptr : client_key.c_str();
  m.context = lws_create_context(&info);
  if (m.context == nullptr) {
    return;
  }
  m.alive = true;
  m.thread = std::thread([&m] {
    while (!m.exit_loop) {
      if (lws_service(m.context, 0) < 0) {
        break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(m.mu);
      m.alive = false;
    }
    lws_context_destroy(m.context);
    for (const auto &s : m.live) {
      std::lock_guard<std::mutex> lock(s->mu);
      s->closed = true;
      s->cv.notify_all();
    }
    m.live.clear();
  });
}

WsLoop::~WsLoop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
    if (impl_->alive) {
      lws_cancel_service(impl_->context);
    }
  }
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
}

WsClient::WsClient(ClientOptions options, WsLoop *loop)
    : own_loop_(loop == nullptr ? std::make_unique<WsLoop>(options.client_cert, options.client_key)
                                : nullptr),
      loop_(loop == nullptr ? own_loop_.get() : loop),
      state_(std::make_shared<State>()) {
  state_->options = std::move(options);
  for (const std::string &p : state_->options.subprotocols) {
    state_->protocols_csv += (state_->protocols_csv.empty() ? "" : ", ") + p;
  }
  WsLoop::Impl *impl = loop_->impl();
  std::shared_ptr<State> s = state_;
  impl->post([impl, s] {
    impl->live.insert(s);
    lws_client_connect_info ci{};
    ci.context = impl->context;
    ci.address = s->options.host.c_str();
    ci.port = s->options.port;
    ci.path = s->options.path.c_str();
    ci.host = s->options.host.c_str();
    ci.origin = s->options.host.c_str();
    ci.protocol = s->protocols_csv.empty() ? nullptr : s->protocols_csv.c_str();
    ci.local_protocol_name = "pvpd-test-none";
    ci.userdata = s.get();
    if (s->options.tls) {
      ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
                          LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_INSECURE |
                          LCCSCF_ALLOW_EXPIRED;
    }
    ci.pwsi = &s->wsi;
    if (lws_client_connect_via_info(&ci) == nullptr) {
      {
        std::lock_guard<std::mutex> lock(s->mu);
        s->failed = true;
        s->failure = "lws_client_connect_via_info failed";
      }
      impl->finish(s.get());
    }
  });
}

WsClient::~WsClient() {
  if (!closed()) {
    close(1000);
    wait_closed(2s);
  }
}

bool WsClient::wait_open(Millis timeout) {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->cv.wait_for(lock, timeout,
                      [&] { return state_->open || state_->failed || state_->closed; });
  return state_->open && !state_->closed;
}

bool WsClient::failed() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->failed;
}

std::string WsClient::failure() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->failure;
}

std::string WsClient::protocol() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->protocol;
}

namespace {

bool enqueue(WsLoop::Impl *impl, const std::shared_ptr<WsClient::State> &s,
             std::vector<Outgoing> frames) {
  {
    std::lock_guard<std::mutex> lock(s->mu);
    if (s->closed || s->failed) {
      return false;
    }
    for (auto &f : frames) {
      s->outbox.push_back(std::move(f));
    }
  }
  impl->post([s] {
    if (s->wsi != nullptr) {
      lws_callback_on_writable(s->wsi);
    }
  });
  return true;
}

}  // namespace

bool WsClient::send_text(std::string data) {
  return enqueue(loop_->impl(), state_, {Outgoing{std::move(data), LWS_WRITE_TEXT}});
}

bool WsClient::send_binary(std::string data) {
  return enqueue(loop_->impl(), state_, {Outgoing{std::move(data), LWS_WRITE_BINARY}});
}

bool WsClient::send_fragmented(const std::string &data, std::size_t fragment, bool binary) {
  std::vector<Outgoing> frames;
  for (std::size_t off = 0; off < data.size(); off += fragment) {
    std::size_t n = std::min(fragment, data.size() - off);
    frames.push_back(
        Outgoing{data.substr(off, n), lws_write_ws_flags(binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT,
                                                         off == 0, off + n >= data.size())});
  }
  return enqueue(loop_->impl(), state_, std::move(frames));
}

std::optional<Message> WsClient::next(Millis timeout) {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->cv.wait_for(lock, timeout, [&] { return !state_->inbox.empty() || state_->closed; });
  if (state_->inbox.empty()) {
    return std::nullopt;
  }
  Message m = std::move(state_->inbox.front());
  state_->inbox.pop_front();
  return m;
}

std::optional<Message> WsClient::wait_for(const std::function<bool(const Message &)> &pred,
                                          Millis timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return std::nullopt;
    }
    auto m = next(left);
    if (!m) {
      return std::nullopt;
    }
    if (pred(*m)) {
      return m;
    }
  }
}

std::size_t WsClient::pending() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->inbox.size();
}

void WsClient::pause_reading() {
  std::shared_ptr<State> s = state_;
  loop_->impl()->post([s] {
    if (s->wsi != nullptr) {
      lws_rx_flow_control(s->wsi, 0);
    }
  });
}

void WsClient::resume_reading() {
  std::shared_ptr<State> s = state_;
  loop_->impl()->post([s] {
    if (s->wsi != nullptr) {
      lws_rx_flow_control(s->wsi, 1);
    }
  });
}

void WsClient::close(int code) {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->closed) {
      return;
    }
    state_->want_close = code;
  }
  std::shared_ptr<State> s = state_;
  loop_->impl()->post([s] {
    if (s->wsi != nullptr) {
      lws_callback_on_writable(s->wsi);
    }
  });
}

bool WsClient::wait_closed(Millis timeout) {
  std::unique_lock<std::mutex> lock(state_->mu);
  return state_->cv.wait_for(lock, timeout, [&] { return state_->closed; });
}

bool WsClient::closed() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->closed;
}

int WsClient::close_code() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->close_code;
}

std::string WsClient::close_reason() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->close_reason;
}

HttpResult http_request(int port, const std::string &method, const std::string &target,
                        const std::vector<std::pair<std::string, std::string>> &headers,
                        Millis timeout, const std::string &host, const std::string &body) {
  HttpResult r;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return r;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return r;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (const auto &[n, v] : headers) {
    req += n + ": " + v + "\r\n";
  }
  if (!body.empty()) {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "Connection: close\r\n\r\n" + body;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return r;
  }
  std::string raw;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      break;
    }
    char buf[8192];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    raw.append(buf, static_cast<std::size_t>(n));
    // With content-length known, stop as soon as the body is complete (keep-alive servers).
    std::size_t hdr_end = raw.find("\r\n\r\n");
    if (hdr_end != std::string::npos) {
      std::string lower = raw.substr(0, hdr_end);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::size_t cl = lower.find("content-length:");
      if (cl != std::string::npos &&
          raw.size() - hdr_end - 4 >= std::stoul(lower.substr(cl + 15))) {
        break;
      }
    }
  }
  ::close(fd);
  std::size_t hdr_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || hdr_end == std::string::npos) {
    return r;
  }
  r.status = std::atoi(raw.c_str() + 9);
  std::size_t pos = raw.find("\r\n") + 2;
  while (pos < hdr_end) {
    std::size_t eol = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, eol - pos);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::size_t v = line.find_first_not_of(' ', colon + 1);
      r.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    pos = eol + 2;
  }
  r.body = raw.substr(hdr_end + 4);
  return r;
}

}  // namespace pvpd::testing::ws
