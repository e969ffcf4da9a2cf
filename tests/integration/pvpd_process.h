// Test harness for integration tests: runs the real pvpd binary as a child process with a
// temporary configuration and state directory, and offers a tiny line-oriented TCP client.
//
// Everything is bounded: waits take explicit timeouts and the destructor kills (SIGKILL) a
// daemon that is still running, so a failing test never leaves a process behind or hangs.
//
// THREAD: single-threaded test code.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pvpd::testing {

// A fresh directory under $TMPDIR, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::filesystem::path &path() const { return path_; }
  // Writes `content` to path()/relative (creating parent directories) and returns the path.
  std::filesystem::path write(const std::string &relative, const std::string &content) const;

 private:
  std::filesystem::path path_;
};

std::filesystem::path build_dir();   // $PVPD_BUILD_DIR
std::filesystem::path source_dir();  // $PVPD_SOURCE_DIR
std::filesystem::path pvpd_binary();

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs a command to completion (with a timeout) and captures its output.
ProcessResult run_command(const std::vector<std::string> &argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30),
                          const std::map<std::string, std::string> &extra_env = {});

class PvpdProcess {
 public:
  // Starts `pvpd --config <config>` plus extra args; stderr and stdout go to files in `dir`.
  PvpdProcess(const std::filesystem::path &config, const std::filesystem::path &dir,
              std::vector<std::string> extra_args = {},
              std::map<std::string, std::string> extra_env = {});
  ~PvpdProcess();
  PvpdProcess(const PvpdProcess &) = delete;
  PvpdProcess &operator=(const PvpdProcess &) = delete;

  pid_t pid() const { return pid_; }
  // Everything pvpd wrote to stderr so far.
  std::string log() const;
  // Waits until the log contains `needle`; false on timeout or if pvpd exited first.
  bool wait_for_log(const std::string &needle,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  void signal(int signo) const;
  // Waits for exit; nullopt on timeout.
  std::optional<ProcessResult> wait_exit(
      std::chrono::milliseconds timeout = std::chrono::seconds(15));
  bool running();

 private:
  pid_t pid_ = -1;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
  std::optional<ProcessResult> result_;
};

// A blocking TCP client with line framing and timeouts (for the echo transport).
class LineClient {
 public:
  LineClient(const std::string &host, int port);
  ~LineClient();
  LineClient(const LineClient &) = delete;
  LineClient &operator=(const LineClient &) = delete;
  bool connected() const { return fd_ >= 0; }
  bool send_line(const std::string &line);
  // One line without its '\n'; nullopt on timeout or EOF.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the peer closed the connection within the timeout.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  int fd_ = -1;
  std::string buffer_;
};

// The start of a test config: `version: 1`, a daemon section with <dir>/state as state dir,
// `plugin_dir` and `daemon_extra` (YAML lines indented by 2 spaces), then `plugins:`. Callers
// append plugin list items.
std::string config_prelude(const TempDir &dir, const std::string &plugin_dir,
                           const std::string &daemon_extra = "");
// A plugin list item for the websocket plugin (id ws) listening on 127.0.0.1 port 0 and
// writing its port to `port_file`; `config_extra` lines (indented by 6 spaces) join its config.
std::string websocket_plugin_yaml(const std::filesystem::path &port_file,
                                  const std::string &config_extra = "");

// Writes <dir>/pvpd.yaml running the in-tree echo transport (plugin dir `plugin_dir`) on an
// ephemeral port reported in <dir>/port, with `daemon_extra` (indented YAML lines) added to
// the daemon section. Returns the config path.
std::filesystem::path write_echo_config(const TempDir &dir, const std::string &plugin_dir,
                                        const std::string &daemon_extra = "");
// Waits for <dir>/port (written by the echo transport) and returns the port, 0 on timeout.
int read_echo_port(const TempDir &dir);

// Polls `pred` every 10 ms until true or the timeout passes.
bool eventually(const std::function<bool()> &pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace pvpd::testing
