// MockLlmServer: an in-process HTTP server (Poco::Net::HTTPServer on 127.0.0.1:0) standing in
// for an LLM provider in tests. Each request takes the next queued MockResponse: a status,
// headers and a body replayed chunk by chunk (one flush = one HTTP chunk per SSE event, a small
// delay between chunks), optionally held open afterwards so a client disconnect can be seen.
// Every request (method, path, headers, body, arrival time) is recorded.
//
// THREAD: all methods are thread-safe; requests are served on Poco's threads.
// OWNERSHIP: owns the server and its threads.
// LIFETIME: the destructor stops the server and aborts connections still open.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace Poco::Net {
class HTTPServer;
}

namespace pvpd::llm::testing {

struct MockResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> chunks;  // written and flushed one by one
  std::chrono::milliseconds delay{2};
  // Before writing chunk `gate_before` the handler waits until release_gate() is called.
  size_t gate_before = static_cast<size_t>(-1);
  // After the chunks, keep writing SSE comments until the client goes away (or 20 s).
  bool hold_open = false;
  // After the headers, write nothing for this long (idle timeout tests).
  std::chrono::milliseconds stall{0};
};

struct RecordedRequest {
  std::string method;
  std::string uri;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::chrono::steady_clock::time_point at;
};

class MockLlmServer {
 public:
  MockLlmServer();
  ~MockLlmServer();
  MockLlmServer(const MockLlmServer &) = delete;
  MockLlmServer &operator=(const MockLlmServer &) = delete;

  void enqueue(MockResponse response);
  std::string base_url() const;  // http://127.0.0.1:<port>
  std::vector<RecordedRequest> requests() const;
  size_t request_count() const;
  size_t chunks_written() const { return chunks_written_.load(); }
  void release_gate();
  // True once a handler saw the client go away while it was still writing.
  bool wait_for_disconnect(std::chrono::milliseconds timeout);

  // A fixture's bytes split into SSE events (each ends with its blank line; a trailing
  // unterminated piece is kept as the last chunk).
  static std::vector<std::string> split_events(const std::string &bytes);
  static MockResponse sse(const std::string &bytes);
  static MockResponse json_error(int status, const std::string &body);

  // Used by the request handler.
  bool next(MockResponse *out);
  void record(RecordedRequest request);
  void count_chunk() { chunks_written_.fetch_add(1); }
  void wait_gate();
  void mark_disconnect();
  bool stopping() const { return stopping_.load(); }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<MockResponse> queue_;
  std::vector<RecordedRequest> requests_;
  bool gate_open_ = false;
  bool disconnected_ = false;
  std::atomic<size_t> chunks_written_{0};
  std::atomic<bool> stopping_{false};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  unsigned short port_ = 0;
};

// Reads a fixture from tests/fixtures/llm/.
std::string read_fixture(const std::string &name);

}  // namespace pvpd::llm::testing
