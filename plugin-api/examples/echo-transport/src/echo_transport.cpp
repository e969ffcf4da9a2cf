// echo-transport: a minimal but real third-party pvpd transport, written against the installed
// plugin API only (<pvpd/plugin.hpp>). Clients speak newline-delimited JSON envelopes over TCP.
//
// - start() binds `listen` (host:port; port 0 = any), writes the bound port to `port_file` (if
//   set) and starts one I/O thread running a poll() loop; an eventfd wakes it.
// - Each accepted connection is registered with conn_open (transport "echo"); each line read is
//   handed to conn_inbound. PVPD_E_AGAIN pauses reading that connection until flow(conn, 1).
// - deliver() (core thread) queues a reference to the envelope (buf_ref, no copy) on each
//   connection's bounded outbound queue and wakes the thread, which writes envelope + "\n".
//   A connection whose queue would exceed `queue_limit` bytes is closed as a slow consumer.
// - close_conn() asks the thread to flush what it can and close; peer EOF -> conn_closed.
// - stop() closes everything (conn_closed for each) and joins the thread.
//
// THREAD: hooks run on the core thread; sockets are touched only by the I/O thread. The two
// share `mu_`-guarded connection state. Host calls are made without holding `mu_`.
// OWNERSHIP: the plugin owns its sockets, the eventfd and the queued buffer references.
// LIFETIME: no host call after stop() returns (the thread is joined); queued references are
// released at the latest in the destructor, i.e. before destroy returns.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <pvpd/plugin.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "flat_json.h"

namespace {

struct Settings {
  std::string host = "127.0.0.1";
  std::string port = "0";
  std::string port_file;
  std::size_t max_line = 1024 * 1024;
  std::size_t queue_limit = 4 * 1024 * 1024;
};

// "host:port", "[v6]:port" or ":port"; false when malformed.
bool split_listen(const std::string &listen, std::string *host, std::string *port) {
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) {
    return false;
  }
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  }
  std::string p = listen.substr(colon + 1);
  for (char c : p) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  if (p.size() > 5 || std::stoul(p) > 65535) {
    return false;
  }
  *host = h.empty() ? "0.0.0.0" : h;
  *port = p;
  return true;
}

bool parse_size(const std::string &text, std::size_t *out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *out = static_cast<std::size_t>(std::stoull(text));
  return *out > 0;
}

// Fills `s` from the normalized config; returns an error message or "".
std::string read_settings(std::string_view config_json, Settings *s) {
  auto members = echo::parse_flat_object(config_json.empty() ? "{}" : config_json);
  if (!members) {
    return "config is not a JSON object";
  }
  auto get = [&members](const char *key) -> const std::string * {
    auto it = members->find(key);
    return it == members->end() ? nullptr : &it->second;
  };
  if (const std::string *v = get("listen")) {
    if (!split_listen(*v, &s->host, &s->port)) {
      return "listen must be host:port, got '" + *v + "'";
    }
  }
  if (const std::string *v = get("port_file")) {
    s->port_file = *v;
  }
  if (const std::string *v = get("max_line"); v != nullptr && !parse_size(*v, &s->max_line)) {
    return "max_line must be a positive size";
  }
  if (const std::string *v = get("queue_limit"); v != nullptr && !parse_size(*v, &s->queue_limit)) {
    return "queue_limit must be a positive size";
  }
  return std::string();
}

std::string errno_text(const char *what) {
  return std::string(what) + ": " + std::strerror(errno);
}

std::string address_text(const sockaddr_storage &ss, bool *loopback) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  *loopback = false;
  if (ss.ss_family == AF_INET) {
    const auto *in = reinterpret_cast<const sockaddr_in *>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
    *loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    return std::string(host) + ":" + std::to_string(port);
  }
  if (ss.ss_family == AF_INET6) {
    const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
    *loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) != 0;
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  return "unknown";
}

// One TCP client. Guarded by EchoTransport::mu_ except `fd` and `in` (I/O thread only).
struct Conn {
  int fd = -1;
  pvpd_conn_id id = 0;
  std::string in;                // bytes read, not yet a complete line
  std::deque<pvpd::BufRef> out;  // envelopes waiting to be written
  std::size_t out_offset = 0;    // bytes of out.front() + "\n" already written
  std::size_t out_bytes = 0;     // total queued bytes (for the bound)
  bool paused = false;           // conn_inbound said AGAIN; wait for flow(id, 1)
  bool pressured = false;        // conn_pressure(1) sent
  int32_t close_reason = -1;     // >= 0: close requested with this reason
};

class EchoTransport final : public pvpd::Plugin {
 public:
  EchoTransport(pvpd::Host host, std::string_view config_json) : Plugin(host) {
    std::string err = read_settings(config_json, &settings_);
    if (!err.empty()) {
      throw std::invalid_argument(err);
    }
  }

  ~EchoTransport() override {
    join();
    close_fd(listen_fd_);
    close_fd(wake_fd_);
  }

  static void validate(std::string_view config_json, pvpd::ValidationReport &report) {
    Settings s;
    std::string err = read_settings(config_json, &s);
    if (!err.empty()) {
      report.add(err.rfind("listen", 0) == 0 ? "/listen" : "", err);
    }
  }

  pvpd_status start() override {
    std::string err = open_listener();
    if (err.empty()) {
      err = write_port_file();
    }
    if (!err.empty()) {
      host().error(err);
      return PVPD_E_IO;
    }
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) {
      host().error(errno_text("eventfd"));
      return PVPD_E_IO;
    }
    thread_ = std::thread([this] { run(); });
    host().info("listening on " + settings_.host + ":" + std::to_string(bound_port_));
    return PVPD_OK;
  }

  void stop() override { join(); }

  pvpd_status deliver(const pvpd_conn_id *conns, std::size_t n, const pvpd_msg_view &msg) override {
    if (msg.envelope == nullptr) {
      return PVPD_E_INVAL;
    }
    const std::size_t size = pvpd::to_view(host().api()->buf_view(msg.envelope)).size() + 1;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (std::size_t i = 0; i < n; ++i) {
        auto it = conns_.find(conns[i]);
        if (it == conns_.end() || it->second->close_reason >= 0) {
          continue;  // unknown or closing: skipped, as the ABI says
        }
        Conn &c = *it->second;
        if (c.out_bytes + size > settings_.queue_limit) {
          c.close_reason = PVPD_CLOSE_SLOW_CONSUMER;
          continue;
        }
        c.out.push_back(pvpd::BufRef::retain(host().api(), msg.envelope));
        c.out_bytes += size;
      }
    }
    wake();
    return PVPD_OK;
  }

  void close_conn(pvpd_conn_id id, int32_t reason) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = conns_.find(id);
      if (it == conns_.end()) {
        // The core may name a connection before conn_open has returned on the I/O thread
        // (docs/ABI.md): remember the request for when the thread registers it.
        early_close_[id] = reason < 0 ? PVPD_CLOSE_NORMAL : reason;
        return;
      }
      it->second->close_reason = reason < 0 ? PVPD_CLOSE_NORMAL : reason;
    }
    wake();
  }

  void flow(pvpd_conn_id id, uint32_t allow_reads) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = conns_.find(id);
      if (it == conns_.end()) {
        return;
      }
      it->second->paused = allow_reads == 0;
    }
    wake();
  }

  std::string status_json() override {
    std::lock_guard<std::mutex> lock(mu_);
    return "{\"port\":" + std::to_string(bound_port_) +
           ",\"connections\":" + std::to_string(conns_.size()) + "}";
  }

 private:
  static void close_fd(int &fd) {
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
  }

  void wake() {
    if (wake_fd_ >= 0) {
      uint64_t one = 1;
      ssize_t r = ::write(wake_fd_, &one, sizeof one);
      (void)r;  // EAGAIN means a wake-up is already pending
    }
  }

  void join() {
    if (thread_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
      }
      wake();
      thread_.join();
    }
  }

  std::string open_listener() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo *res = nullptr;
    int rc = ::getaddrinfo(settings_.host.c_str(), settings_.port.c_str(), &hints, &res);
    if (rc != 0) {
      return "cannot resolve " + settings_.host + ": " + ::gai_strerror(rc);
    }
    std::string err = "no address for " + settings_.host;
    for (addrinfo *ai = res; ai != nullptr; ai = ai->ai_next) {
      int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        err = errno_text("socket");
        continue;
      }
      int yes = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
        err = errno_text("bind/listen") + " (" + settings_.host + ":" + settings_.port + ")";
        ::close(fd);
        continue;
      }
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      ::getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
      bool loopback = false;
      std::string bound = address_text(ss, &loopback);
      bound_port_ = static_cast<unsigned>(std::stoul(bound.substr(bound.rfind(':') + 1)));
      listen_fd_ = fd;
      err.clear();
      break;
    }
    ::freeaddrinfo(res);
    return err;
  }

  // Written via a temporary + rename so a reader never sees a half-written number.
  std::string write_port_file() {
    if (settings_.port_file.empty()) {
      return std::string();
    }
    std::string tmp = settings_.port_file + ".tmp";
    std::FILE *f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) {
      return errno_text(("cannot write " + tmp).c_str());
    }
    std::fprintf(f, "%u\n", bound_port_);
    std::fclose(f);
    if (std::rename(tmp.c_str(), settings_.port_file.c_str()) != 0) {
      return errno_text(("cannot rename to " + settings_.port_file).c_str());
    }
    return std::string();
  }

  // ---- I/O thread ------------------------------------------------------------------------

  void run() {
    std::vector<pollfd> fds;
    std::vector<std::shared_ptr<Conn>> polled;
    for (;;) {
      fds.clear();
      polled.clear();
      fds.push_back(pollfd{wake_fd_, POLLIN, 0});
      fds.push_back(pollfd{listen_fd_, POLLIN, 0});
      std::vector<std::shared_ptr<Conn>> to_close;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) {
          break;
        }
        for (auto &[id, c] : conns_) {
          if (c->close_reason >= 0) {
            to_close.push_back(c);
            continue;
          }
          short events = 0;
          if (!c->paused) {
            events |= POLLIN;
          }
          if (!c->out.empty()) {
            events |= POLLOUT;
          }
          // A negative fd is ignored by poll: a paused, idle connection must not wake us with
          // POLLHUP over and over.
          fds.push_back(pollfd{events == 0 ? -1 : c->fd, events, 0});
          polled.push_back(c);
        }
      }
      for (auto &c : to_close) {
        flush(*c);
        finish(c, -1);
      }
      if (!to_close.empty()) {
        continue;
      }
      // Lines buffered while paused are handled as soon as reads are allowed again.
      bool handled_buffered = false;
      for (auto &c : polled) {
        if (!is_paused(*c) && c->in.find('\n') != std::string::npos) {
          dispatch_lines(c);
          handled_buffered = true;
        }
      }
      if (handled_buffered) {
        continue;
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        host().error(errno_text("poll"));
        break;
      }
      if ((fds[0].revents & POLLIN) != 0) {
        uint64_t v = 0;
        ssize_t r = ::read(wake_fd_, &v, sizeof v);
        (void)r;
      }
      if ((fds[1].revents & POLLIN) != 0) {
        accept_all();
      }
      for (std::size_t i = 0; i < polled.size(); ++i) {
        short re = fds[i + 2].revents;
        if ((re & POLLOUT) != 0) {
          flush(*polled[i]);
        }
        if ((re & (POLLIN | POLLHUP | POLLERR)) == 0) {
          continue;
        }
        if (is_paused(*polled[i])) {
          if ((re & (POLLHUP | POLLERR)) != 0) {
            finish(polled[i], PVPD_CLOSE_PEER_GONE);
          }
          continue;
        }
        read_conn(polled[i]);
      }
    }
    shutdown_all();
  }

  bool is_paused(const Conn &c) {
    std::lock_guard<std::mutex> lock(mu_);
    return c.paused;
  }

  void accept_all() {
    for (;;) {
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr *>(&ss), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          host().warn(errno_text("accept"));
        }
        return;
      }
      bool loopback = false;
      std::string peer = address_text(ss, &loopback);
      pvpd_conn_info info{};
      info.struct_size = sizeof info;
      info.flags = loopback ? PVPD_CONN_LOCAL : 0u;
      info.transport = pvpd::to_str("echo");
      info.peer = pvpd::to_str(peer);
      auto c = std::make_shared<Conn>();
      c->fd = fd;
      pvpd_status s = host().conn_open(info, &c->id);
      if (s != PVPD_OK) {
        host().warn("conn_open refused " + peer + ": " + pvpd::status_name(s));
        ::close(fd);
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      conns_[c->id] = c;
      if (auto early = early_close_.find(c->id); early != early_close_.end()) {
        c->close_reason = early->second;
        early_close_.erase(early);
      }
    }
  }

  void read_conn(const std::shared_ptr<Conn> &c) {
    char buf[16384];
    ssize_t n = ::recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) {
      c->in.append(buf, static_cast<std::size_t>(n));
      dispatch_lines(c);
      if (c->in.size() > settings_.max_line && c->in.find('\n') == std::string::npos) {
        host().warn("line longer than max_line; closing");
        finish(c, PVPD_CLOSE_PROTOCOL_ERROR);
      }
      return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      return;
    }
    // EOF or error: complete lines were already dispatched; the peer is gone.
    finish(c, PVPD_CLOSE_PEER_GONE);
  }

  // Hands complete lines to the core until it says AGAIN (then reads pause).
  void dispatch_lines(const std::shared_ptr<Conn> &c) {
    std::size_t nl;
    while ((nl = c->in.find('\n')) != std::string::npos) {
      std::string line = c->in.substr(0, nl);
      c->in.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      if (line.empty()) {
        continue;
      }
      pvpd_status s = host().conn_inbound(c->id, line);
      if (s == PVPD_E_AGAIN) {
        std::lock_guard<std::mutex> lock(mu_);
        c->paused = true;
        return;
      }
      if (s == PVPD_E_NOENT || s == PVPD_E_STATE) {
        return;  // the host forgot this connection or is stopping; close handles the rest
      }
    }
  }

  // Writes as much of the queue as the socket takes without blocking.
  void flush(Conn &c) {
    for (;;) {
      pvpd_str view{};
      std::size_t offset = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (c.out.empty()) {
          if (c.pressured) {
            c.pressured = false;
            pressure_.push_back({c.id, 0});
          }
          break;
        }
        view = host().api()->buf_view(c.out.front().get());
        offset = c.out_offset;
      }
      static const char kNewline = '\n';
      iovec iov[2];
      int cnt = 0;
      if (offset < view.len) {
        iov[cnt++] = iovec{const_cast<char *>(view.ptr) + offset, view.len - offset};
        iov[cnt++] = iovec{const_cast<char *>(&kNewline), 1};
      } else {
        iov[cnt++] = iovec{const_cast<char *>(&kNewline), 1};
      }
      ssize_t w = ::writev(c.fd, iov, cnt);
      if (w <= 0) {
        break;  // EAGAIN: POLLOUT will bring us back; errors surface as POLLERR/EOF on read
      }
      std::lock_guard<std::mutex> lock(mu_);
      c.out_offset += static_cast<std::size_t>(w);
      if (c.out_offset == view.len + 1) {
        c.out_bytes -= view.len + 1;
        c.out.pop_front();
        c.out_offset = 0;
      }
      if (!c.pressured && c.out_bytes > settings_.queue_limit / 2) {
        c.pressured = true;
        pressure_.push_back({c.id, 1});
      }
    }
    report_pressure();
  }

  void report_pressure() {
    std::vector<std::pair<pvpd_conn_id, uint32_t>> events;
    {
      std::lock_guard<std::mutex> lock(mu_);
      events.swap(pressure_);
    }
    for (auto &[id, level] : events) {
      host().conn_pressure(id, level);
    }
  }

  // Closes the socket, forgets the connection and tells the host. reason < 0: the reason
  // the host gave in close_conn.
  void finish(const std::shared_ptr<Conn> &c, int32_t reason) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (reason < 0) {
        reason = c->close_reason >= 0 ? c->close_reason : PVPD_CLOSE_NORMAL;
      }
      conns_.erase(c->id);
      c->out.clear();  // releases the buffer references
      c->out_bytes = 0;
    }
    close_fd(c->fd);
    host().conn_closed(c->id, reason);
  }

  void shutdown_all() {
    std::vector<std::shared_ptr<Conn>> all;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto &[id, c] : conns_) {
        all.push_back(c);
      }
    }
    for (auto &c : all) {
      flush(*c);
      finish(c, PVPD_CLOSE_SHUTDOWN);
    }
  }

  Settings settings_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  unsigned bound_port_ = 0;
  std::thread thread_;

  std::mutex mu_;
  bool stopping_ = false;
  std::unordered_map<pvpd_conn_id, std::shared_ptr<Conn>> conns_;
  std::unordered_map<pvpd_conn_id, int32_t> early_close_;  // close_conn before registration
  std::vector<std::pair<pvpd_conn_id, uint32_t>> pressure_;
};

constexpr pvpd_option_desc kOptions[] = {
    pvpd::option_string("listen", "\"127.0.0.1:0\"",
                        "TCP address to listen on, host:port (port 0 = any free port)."),
    pvpd::option_string("port_file", nullptr,
                        "If set, the bound port is written to this file after start."),
    pvpd::option(PVPD_OPT_SIZE, "max_line", "\"1MiB\"",
                 "Longest accepted line; longer ones close the connection.", PVPD_OPT_RANGE,
                 nullptr, 64, 64 * 1024 * 1024),
    pvpd::option(PVPD_OPT_SIZE, "queue_limit", "\"4MiB\"",
                 "Outbound bytes queued per connection before it is closed as too slow.",
                 PVPD_OPT_RANGE, nullptr, 1024, 1024 * 1024 * 1024),
};

}  // namespace

PVPD_PLUGIN(EchoTransport, "echo-transport", "1.0.0",
            "Example transport: newline-delimited JSON envelopes over TCP", "MIT",
            PVPD_KIND_TRANSPORT, kOptions)
