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
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerParams.h>
#include <Poco/ThreadPool.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <istream>

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

// One request per connection: read a line (or a buffer that parses as JSON without one), answer
// one line, close. Closing after the reply (unlike the reference) means `nc -U` never hangs.
class SocketConnection final : public Poco::Net::TCPServerConnection {
 public:
  SocketConnection(const Poco::Net::StreamSocket &s, const BridgeApi *api, std::size_t max_body)
      : TCPServerConnection(s), api_(api), max_body_(max_body) {}

  void run() override {
    Poco::Net::StreamSocket &s = socket();
    try {
      s.setReceiveTimeout(Poco::Timespan(2, 0));
      std::string buf;
      char chunk[4096];
      while (buf.find('\n') == std::string::npos && buf.size() <= max_body_) {
        int n = s.receiveBytes(chunk, sizeof(chunk));
        if (n <= 0) {
          break;
        }
        buf.append(chunk, static_cast<std::size_t>(n));
        rapidjson::Document d;
        if (buf.find('\n') == std::string::npos &&
            !d.Parse(buf.c_str(), buf.size()).HasParseError()) {
          break;  // complete JSON without a newline
        }
      }
      std::string line = buf.substr(0, buf.find('\n'));
      if (line.empty() && buf.empty()) {
        return;
      }
      std::string reply = api_->handle_socket_line(line) + "\n";
      s.sendBytes(reply.data(), static_cast<int>(reply.size()));
      s.shutdownSend();
      // Closing with unread input makes the kernel reset the connection, which can destroy the
      // reply before the peer reads it: drain what the peer still sends (bounded).
      s.setReceiveTimeout(Poco::Timespan(1, 0));
      std::size_t drained = 0;
      int n = 0;
      while (drained < 4 * max_body_ && (n = s.receiveBytes(chunk, sizeof(chunk))) > 0) {
        drained += static_cast<std::size_t>(n);
      }
    } catch (const Poco::Exception &) {
      // A peer that vanished or timed out gets nothing; the connection just ends.
    }
  }

 private:
  const BridgeApi *api_;
  std::size_t max_body_;
};

class SocketConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  SocketConnectionFactory(const BridgeApi *api, std::size_t max_body)
      : api_(api), max_body_(max_body) {}
  Poco::Net::TCPServerConnection *createConnection(const Poco::Net::StreamSocket &s) override {
    return new SocketConnection(s, api_, max_body_);
  }

 private:
  const BridgeApi *api_;
  std::size_t max_body_;
};

// True when something accepts connections at `path` (a live bridge we must not steal from).
bool socket_alive(const std::string &path) {
  try {
    Poco::Net::StreamSocket probe;
    probe.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path),
                  Poco::Timespan(0, 200000));
    return true;
  } catch (const Poco::Exception &) {
    return false;
  }
}

}  // namespace

struct BridgeServers::Impl {
  std::unique_ptr<Poco::ThreadPool> http_pool;
  std::unique_ptr<Poco::Net::HTTPServer> http;
  std::unique_ptr<Poco::ThreadPool> socket_pool;
  std::unique_ptr<Poco::Net::TCPServer> socket;
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
      if (std::filesystem::exists(path)) {
        if (socket_alive(path)) {
          throw std::runtime_error("unix socket " + path + " is in use by another process");
        }
        std::filesystem::remove(path);
      }
      Poco::Net::ServerSocket us;
      us.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path));
      us.listen(64);
      ::chmod(path.c_str(), static_cast<mode_t>(config_.socket_mode));
      socket_path_ = path;
      auto *params = new Poco::Net::TCPServerParams();
      params->setMaxThreads(2);
      params->setMaxQueued(64);
      impl->socket_pool = std::make_unique<Poco::ThreadPool>(1, 2);
      impl->socket = std::make_unique<Poco::Net::TCPServer>(
          new SocketConnectionFactory(api_, config_.max_body), *impl->socket_pool, us, params);
      impl->socket->start();
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
  if (impl_->socket) {
    impl_->socket->stop();
  }
  // Poco's servers return from stop before their handler threads end: join them here so no
  // handler touches the API after stop().
  if (impl_->http_pool) {
    impl_->http_pool->joinAll();
  }
  if (impl_->socket_pool) {
    impl_->socket_pool->joinAll();
  }
  impl_->http.reset();
  impl_->socket.reset();
  impl_->http_pool.reset();
  impl_->socket_pool.reset();
  impl_.reset();
  if (!socket_path_.empty()) {
    std::error_code ec;
    std::filesystem::remove(socket_path_, ec);
    socket_path_.clear();
  }
}

}  // namespace pvpd::git_bridge
