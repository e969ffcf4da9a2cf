// Process spawning for the shell tool: posix_spawn with an argv array (never a shell), its own
// process group, stdin from /dev/null, stdout/stderr through pipes, descriptors above 2 closed,
// a cwd, an explicit environment, a timeout and cancellation. On timeout or cancel the whole
// group gets SIGTERM, then SIGKILL after a short grace; when the leader exits, whatever it left
// running in its group is killed too. The child is always reaped.
// THREAD: run_process blocks its calling thread; calls on different threads are independent.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::tools {

class CancelToken;

inline constexpr uint64_t kKillGraceMs = 1000;  // SIGTERM → SIGKILL
inline constexpr uint64_t kDrainMs = 1000;      // output still read after the group is killed

struct SpawnSpec {
  std::string program;            // absolute path (find_program)
  std::vector<std::string> argv;  // argv[0] as the caller gave it
  std::vector<std::string> env;   // NAME=value entries, the whole environment
  std::string cwd;                // absolute
  uint64_t timeout_ms = 0;        // 0 = none
  const CancelToken *cancel = nullptr;
  // Raw output as it arrives: stream 1 = stdout, 2 = stderr. Called on the calling thread.
  std::function<void(int stream, std::string_view bytes)> on_output;
};

struct SpawnResult {
  bool started = false;
  std::string error;    // why it could not start
  bool exited = false;  // exit_code is valid
  int exit_code = -1;
  int signal = 0;  // the signal that ended it, if any
  bool timed_out = false;
  bool canceled = false;
  int pid = -1;
};

SpawnResult run_process(const SpawnSpec &spec);

// Resolves `name` like execvp would, but from `path_env` (the child's PATH, never the
// daemon's): names with a `/` are taken relative to `cwd`; relative PATH entries are ignored.
// Returns "" with `error` set when nothing executable is found.
std::string find_program(const std::string &name, const std::string &path_env,
                         const std::string &cwd, std::string *error);

}  // namespace pvpd::tools
