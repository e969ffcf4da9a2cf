#include "mock_llm_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <csignal>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace pvpd::llm::testing {
namespace {

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(MockLlmServer &server) : server_(server) {}

  void handleRequest(Poco::Net::HTTPServerRequest &request,
                     Poco::Net::HTTPServerResponse &response) override {
    RecordedRequest rec;
    rec.at = std::chrono::steady_clock::now();
    rec.method = request.getMethod();
    rec.uri = request.getURI();
    for (const auto &[name, value] : request) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      rec.headers[lower] = value;
    }
    Poco::StreamCopier::copyToString(request.stream(), rec.body);
    server_.record(rec);

    MockResponse scenario;
    if (!server_.next(&scenario)) {
      scenario = MockLlmServer::json_error(500, R"({"error":{"message":"no scenario queued"}})");
    }
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(scenario.status));
    for (const auto &[name, value] : scenario.headers) {
      response.set(name, value);
    }
    response.setChunkedTransferEncoding(true);
    if (scenario.status == 200) {
      response.setContentType("text/event-stream");
    } else {
      response.setContentType("application/json");
    }
    try {
      std::ostream &out = response.send();
      out.flush();
      if (scenario.stall.count() > 0) {
        sleep_unless_stopping(scenario.stall);
      }
      for (size_t i = 0; i < scenario.chunks.size(); ++i) {
        if (i == scenario.gate_before) {
          server_.wait_gate();
        }
        out << scenario.chunks[i];
        out.flush();
        if (!out.good()) {
          server_.mark_disconnect();
          return;
        }
        server_.count_chunk();
        std::this_thread::sleep_for(scenario.delay);
      }
      if (scenario.hold_open) {
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!server_.stopping() && std::chrono::steady_clock::now() < until) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          out << ": keep-alive\n\n";
          out.flush();
          if (!out.good()) {
            server_.mark_disconnect();
            return;
          }
        }
      }
    } catch (const std::exception &) {
      server_.mark_disconnect();
    }
  }

 private:
  void sleep_unless_stopping(std::chrono::milliseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (!server_.stopping() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  MockLlmServer &server_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(MockLlmServer &server) : server_(server) {}
  Poco::Net::HTTPRequestHandler *createRequestHandler(
      const Poco::Net::HTTPServerRequest &) override {
    return new Handler(server_);
  }

 private:
  MockLlmServer &server_;
};

}  // namespace

MockLlmServer::MockLlmServer() {
  // A write to a connection the client closed must fail, not kill the test with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  port_ = socket.address().port();
  auto *params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  params->setKeepAlive(false);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  server_->start();
}

MockLlmServer::~MockLlmServer() {
  stopping_.store(true);
  release_gate();
  server_->stopAll(true);
}

void MockLlmServer::enqueue(MockResponse response) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(response));
}

std::string MockLlmServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<RecordedRequest> MockLlmServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t MockLlmServer::request_count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

void MockLlmServer::release_gate() {
  {
    std::lock_guard lock(mu_);
    gate_open_ = true;
  }
  cv_.notify_all();
}

void MockLlmServer::wait_gate() {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(20), [this] { return gate_open_; });
}

void MockLlmServer::mark_disconnect() {
  {
    std::lock_guard lock(mu_);
    disconnected_ = true;
  }
  cv_.notify_all();
}

bool MockLlmServer::wait_for_disconnect(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return disconnected_; });
}

bool MockLlmServer::next(MockResponse *out) {
  std::lock_guard lock(mu_);
  if (queue_.empty()) {
    return false;
  }
  *out = std::move(queue_.front());
  queue_.pop_front();
  return true;
}

void MockLlmServer::record(RecordedRequest request) {
  std::lock_guard lock(mu_);
  requests_.push_back(std::move(request));
}

std::vector<std::string> MockLlmServer::split_events(const std::string &bytes) {
  std::vector<std::string> events;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t end = bytes.find("\n\n", start);
    if (end == std::string::npos) {
      events.push_back(bytes.substr(start));
      break;
    }
    events.push_back(bytes.substr(start, end + 2 - start));
    start = end + 2;
  }
  return events;
}

MockResponse MockLlmServer::sse(const std::string &bytes) {
  MockResponse r;
  r.chunks = split_events(bytes);
  return r;
}

MockResponse MockLlmServer::json_error(int status, const std::string &body) {
  MockResponse r;
  r.status = status;
  r.chunks = {body};
  return r;
}

std::string read_fixture(const std::string &name) {
  std::ifstream in(std::string(PVPD_LLM_FIXTURE_DIR) + "/" + name, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing fixture " + name);
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace pvpd::llm::testing
