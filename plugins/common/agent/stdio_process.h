// StdioProcess: a child process whose stdin and stdout are pipes to us (an MCP server), started
// with posix_spawnp and an argv array (no shell), in its own process group, with an explicit
// environment. stderr goes to a caller-supplied sink line by line (MCP servers log there).
//
// THREAD: write_line from any thread (serialized by a mutex); read_line from one reader thread;
// terminate from any thread.
// OWNERSHIP: owns the pipes and the child; the destructor terminates and reaps it.
// LIFETIME: read_line returns false once stdout closed (the child exited or was terminated).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pvpd::agent {

class StdioProcess {
 public:
  using StderrSink = std::function<void(const std::string &line)>;

  StdioProcess() = default;
  ~StdioProcess();
  StdioProcess(const StdioProcess &) = delete;
  StdioProcess &operator=(const StdioProcess &) = delete;

  // Starts argv[0] (looked up in env's PATH) with exactly `env`. Returns "" or why it failed.
  std::string start(const std::vector<std::string> &argv,
                    const std::map<std::string, std::string> &env, StderrSink on_stderr);
  // One line (a newline is appended). False when the child's stdin is closed.
  bool write_line(const std::string &line);
  // Blocks for the next line of stdout (without the newline); false at EOF. Lines longer than
  // `max_line` bytes are cut (the rest of the line is discarded) so a peer cannot exhaust memory.
  bool read_line(std::string *line, size_t max_line = 16 << 20);
  // Closes stdin, then SIGTERM to the group, then SIGKILL after `grace_ms`; reaps the child.
  void terminate(unsigned grace_ms = 2000);
  pid_t pid() const { return pid_; }

 private:
  std::mutex write_mu_;
  int in_fd_ = -1;   // our end of the child's stdin
  int out_fd_ = -1;  // our end of the child's stdout
  int err_fd_ = -1;
  pid_t pid_ = -1;
  std::string buffer_;
  std::thread stderr_thread_;
  std::mutex reap_mu_;
  bool reaped_ = false;
};

}  // namespace pvpd::agent
