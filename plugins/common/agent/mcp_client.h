// McpClient: pvpd as an MCP client of one tool server spawned over stdio (newline-delimited
// JSON-RPC 2.0, research/mcp-agents.md §1), so an agent can offer that server's tools to its
// model — each call still proposed to the session and gated like a built-in tool.
//
// Lifecycle: initialize offering 2025-11-25 and accepting any of 2025-11-25, 2025-06-18,
// 2025-03-26, 2024-11-05 in the answer; notifications/initialized; tools/list with pagination
// (re-listed on notifications/tools/list_changed). tools/call honours `isError` (a failed tool
// is a failed tool, unlike the reference) and is cancelled with notifications/cancelled when the
// humans interrupt. Requests from the server (roots/list, sampling, ...) get -32601; pings get
// {}. A server that crashed is restarted on the next call, no sooner than an exponential backoff
// (1 s doubling to 30 s) after the previous start.
//
// THREAD: every public method may be called from any thread; calls run concurrently (one
// reader thread dispatches responses by id). Blocking: connect() and call() block the caller.
// OWNERSHIP: owns the server process and the reader thread.
// LIFETIME: shutdown() (or the destructor) terminates the server and joins the reader; calls in
// flight return an error.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/stdio_process.h"
#include "tools/tool_runtime.h"

namespace pvpd::agent {

struct McpServerConfig {
  std::string name;                        // prefixes the tools' names offered to the model
  std::vector<std::string> command;        // argv; argv[0] looked up in the child's PATH
  std::map<std::string, std::string> env;  // set in the child on top of `env_allow`
  std::vector<std::string> env_allow{"PATH", "HOME", "LANG", "LC_ALL", "TZ"};
  uint64_t startup_timeout_ms = 30000;
  uint64_t call_timeout_ms = 120000;
  std::string default_risk = "medium";           // for tools without a better hint
  std::map<std::string, std::string> tool_risk;  // tool name -> risk, overrides everything
};

struct McpTool {
  std::string name;  // the server's name for it
  std::string description;
  std::string input_schema_json;
  bool read_only = false;    // annotations.readOnlyHint (an untrusted hint)
  bool destructive = false;  // annotations.destructiveHint
};

struct McpCallResult {
  bool success = false;  // the call completed and isError was not set
  std::string text;      // text content (other content as JSON), or the error
  bool canceled = false;
  bool timed_out = false;
};

class McpClient {
 public:
  using Logger = std::function<void(int level, const std::string &message)>;  // PVPD_LOG_*

  McpClient(McpServerConfig config, Logger logger);
  ~McpClient();
  McpClient(const McpClient &) = delete;
  McpClient &operator=(const McpClient &) = delete;

  // Starts (or restarts) the server and runs the handshake. Returns "" or why it failed.
  std::string connect();
  std::vector<McpTool> tools() const;
  std::string protocol_version() const;
  bool alive() const { return alive_.load(); }
  uint64_t starts() const { return starts_.load(); }
  const McpServerConfig &config() const { return config_; }

  McpCallResult call(const std::string &tool, const std::string &arguments_json,
                     const tools::CancelToken &cancel);
  void shutdown();

 private:
  struct Pending {
    bool done = false;
    std::string response;  // the whole JSON-RPC response line
  };
  // Sends a request and waits for its response (or timeout/cancel/death). Returns the response
  // line, or "" with *error set.
  std::string request(const std::string &method, const std::string &params_json,
                      uint64_t timeout_ms, const tools::CancelToken *cancel, std::string *error,
                      bool *canceled = nullptr, bool *timed_out = nullptr);
  bool notify(const std::string &method, const std::string &params_json);
  std::string list_tools();
  void reader_loop(std::shared_ptr<StdioProcess> process, uint64_t generation);
  void stop_process();

  McpServerConfig config_;
  Logger logger_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<StdioProcess> process_;
  std::thread reader_;
  uint64_t generation_ = 0;
  int64_t next_id_ = 1;
  std::map<int64_t, Pending> pending_;
  std::vector<McpTool> tools_;
  std::string version_;
  std::atomic<bool> alive_{false};
  std::atomic<uint64_t> starts_{0};
  std::atomic<bool> relist_{false};
  bool shut_down_ = false;
  std::chrono::steady_clock::time_point last_start_{};
  std::chrono::milliseconds backoff_{1000};
  std::mutex connect_mu_;  // one (re)connect at a time
};

}  // namespace pvpd::agent
