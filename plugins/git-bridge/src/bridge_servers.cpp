// Poco listeners of the bridge API (see bridge_servers.h).
#include "bridge_servers.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <poll.h>
#include <pthread.h>
#include <rapidjson/document.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <istream>
#include <thread>

namespace pvpd::git_bridge {
namespace {

// A page on some web site can make the browser send requests to 127.0.0.1 and, with a rebinding
// DNS name, read the answers. Requests must therefore name a loopback host.
bool loopback_host(const std::string &host_header) {
  std::string host = host_header;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  return host.empty() || host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

class ApiHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  ApiHandler(const BridgeApi *api, std::size_t max_body) : api_(api), max_body_(max_body) {}

  void handleRequest(Poco::Net::HTTPServerRequest &req,
                     Poco::Net::HTTPServerResponse &resp) override {
    ApiResponse r;
    if (!loopback_host(req.getHost())) {
      r.status = 403;
      r.body = R"({"error":"Forbidden host"})";
    } else if (req.hasContentLength() && req.getContentLength64() > 0 &&
               static_cast<uint64_t>(req.getContentLength64()) > max_body_) {
      r.status = 413;
      r.body = R"({"error":"Request body too large"})";
    } else {
      ApiRequest a;
      a.method = req.getMethod();
      BridgeApi::split_target(req.getURI(), &a.path, &a.query);
      a.repo_header = req.get("X-PVP-Repo", "");
      // Without a length or chunking an HTTP/1.1 request has no body; Poco would otherwise read
      // until the peer closes. Read at most max_body + 1 bytes: one more is enough to refuse.
      if (req.hasContentLength() || req.getChunkedTransferEncoding()) {
        std::istream &in = req.stream();
        a.body.resize(max_body_ + 1);
        in.read(a.body.data(), static_cast<std::streamsize>(a.body.size()));
        a.body.resize(static_cast<std::size_t>(in.gcount()));
      }
      r = api_->handle(a);
    }
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
    resp.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    resp.set("Access-Control-Allow-Headers", "Content-Type");
    resp.set("Cache-Control", "no-store");
    if (!r.content_type.empty()) {
      resp.setContentType(r.content_type);
    }
    resp.setContentLength64(static_cast<Poco::Int64>(r.body.size()));
    resp.setKeepAlive(false);
    resp.sendBuffer(r.body.data(), r.body.size());
  }

 private:
  const BridgeApi *api_;
  std::size_t max_body_;
};

class ApiHandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  ApiHandlerFactory(const BridgeApi *api, std::size_t max_body) : api_(api), max_body_(max_body) {}
  Poco::Net::HTTPRequestHandler *createRequestHandler(
      const Poco::Net::HTTPServerRequest &) override {
    return new ApiHandler(api_, max_body_);
  }

 private:
  const BridgeApi *api_;
  std::size_t max_body_;
};

// True when something accepts connections at `path` (a live bridge we must not steal from).
bool socket_alive(const std::string &path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  bool alive = ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return alive;
}

// One request per connection: read a line (or a buffer that parses as JSON without one), answer
// one line, close. Closing after the reply (unlike the reference) means `nc -U` never hangs.
// Every read and write is bounded by socket timeouts, so one slow peer delays others by at most
// a few seconds.
void serve_socket_connection(int fd, const BridgeApi *api, std::size_t max_body) {
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::string buf;
  char chunk[4096];
  while (buf.find('\n') == std::string::npos && buf.size() <= max_body) {
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      break;
    }
    buf.append(chunk, static_cast<std::size_t>(n));
    rapidjson::Document d;
    if (buf.find('\n') == std::string::npos && !d.Parse(buf.c_str(), buf.size()).HasParseError()) {
      break;  // complete JSON without a newline
    }
  }
  if (buf.empty()) {
    return;
  }
  std::string reply = api->handle_socket_line(buf.substr(0, buf.find('\n'))) + "\n";
  std::size_t sent = 0;
  while (sent < reply.size()) {
    ssize_t n = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return;
    }
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  // Closing with unread input makes the kernel reset the connection, which can destroy the
  // reply before the peer reads it: drain what the peer still sends (bounded).
  timeval drain{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &drain, sizeof(drain));
  std::size_t drained = 0;
  ssize_t n = 0;
  while (drained < 4 * max_body && (n = ::recv(fd, chunk, sizeof(chunk), 0)) > 0) {
    drained += static_cast<std::size_t>(n);
  }
}

}  // namespace

struct BridgeServers::Impl {
  std::unique_ptr<Poco::ThreadPool> http_pool;
  std::unique_ptr<Poco::Net::HTTPServer> http;
  // The unix socket: a plain accept loop on one thread (Poco's TCPServer hands sockets between
  // threads through reference counts TSan cannot see into, since Poco is not instrumented).
  int listen_fd = -1;
  int wake_fd = -1;
  std::thread socket_thread;

  void socket_loop(const BridgeApi *api, std::size_t max_body) {
    for (;;) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        return;
      }
      if ((fds[1].revents & POLLIN) != 0) {
        return;
      }
      if ((fds[0].revents & POLLIN) != 0) {
        int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          serve_socket_connection(fd, api, max_body);
          ::close(fd);
        }
      }
    }
  }
};

BridgeServers::BridgeServers(const BridgeApi *api, ServerConfig config)
    : api_(api), config_(std::move(config)) {}

BridgeServers::~BridgeServers() {
  stop();
}

std::string BridgeServers::start() {
  auto impl = std::make_unique<Impl>();
  try {
    if (config_.http) {
      Poco::Net::ServerSocket ss;
      ss.bind(Poco::Net::SocketAddress(config_.host, static_cast<Poco::UInt16>(config_.port)),
              /*reuseAddress=*/true);
      ss.listen(64);
      http_port_ = ss.address().port();
      auto *params = new Poco::Net::HTTPServerParams();
      params->setMaxThreads(config_.max_threads);
      params->setMaxQueued(64);
      params->setKeepAlive(false);
      params->setTimeout(Poco::Timespan(5, 0));
      impl->http_pool = std::make_unique<Poco::ThreadPool>(1, config_.max_threads);
      impl->http = std::make_unique<Poco::Net::HTTPServer>(
          new ApiHandlerFactory(api_, config_.max_body), *impl->http_pool, ss, params);
      impl->http->start();
    }
    if (!config_.unix_socket.empty()) {
      const std::string &path = config_.unix_socket;
      sockaddr_un addr{};
      if (path.size() >= sizeof(addr.sun_path)) {
        throw std::runtime_error("unix socket path too long: " + path);
      }
      if (std::filesystem::exists(path)) {
        if (socket_alive(path)) {
          throw std::runtime_error("unix socket " + path + " is in use by another process");
        }
        std::filesystem::remove(path);
      }
      impl->listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      addr.sun_family = AF_UNIX;
      std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
      if (impl->listen_fd < 0 ||
          ::bind(impl->listen_fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0 ||
          ::listen(impl->listen_fd, 64) != 0) {
        throw std::runtime_error("unix socket " + path + ": " + std::strerror(errno));
      }
      socket_path_ = path;
      ::chmod(path.c_str(), static_cast<mode_t>(config_.socket_mode));
      impl->wake_fd = ::eventfd(0, EFD_CLOEXEC);
      if (impl->wake_fd < 0) {
        throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
      }
      Impl *raw = impl.get();
      const BridgeApi *api = api_;
      std::size_t max_body = config_.max_body;
      impl->socket_thread = std::thread([raw, api, max_body] {
        ::pthread_setname_np(::pthread_self(), "pvpd-git-http");
        raw->socket_loop(api, max_body);
      });
    }
  } catch (const std::exception &e) {
    impl_ = std::move(impl);
    stop();
    const auto *pe = dynamic_cast<const Poco::Exception *>(&e);
    return pe != nullptr ? pe->displayText() : std::string(e.what());
  }
  impl_ = std::move(impl);
  return std::string();
}

void BridgeServers::stop() {
  if (!impl_) {
    return;
  }
  if (impl_->http) {
    impl_->http->stopAll(/*abortCurrent=*/true);
  }
  if (impl_->socket_thread.joinable()) {
    uint64_t one = 1;
    ssize_t w = ::write(impl_->wake_fd, &one, sizeof(one));
    (void)w;
    impl_->socket_thread.join();
  }
  // Poco's HTTP server returns from stopAll before its handler threads end: join them here so
  // no handler touches the API after stop().
  if (impl_->http_pool) {
    impl_->http_pool->joinAll();
  }
  impl_->http.reset();
  impl_->http_pool.reset();
  for (int fd : {impl_->listen_fd, impl_->wake_fd}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  impl_.reset();
  if (!socket_path_.empty()) {
    std::error_code ec;
    std::filesystem::remove(socket_path_, ec);
    socket_path_.clear();
  }
}

}  // namespace pvpd::git_bridge
