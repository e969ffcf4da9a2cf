// Process spawning (see process_runner.h).
#include "tools/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "tools/tool_runtime.h"

namespace pvpd::tools {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kPollSliceMs = 20;  // how often cancellation is looked at
constexpr size_t kReadChunk = 64 * 1024;

void close_fd(int *fd) {
  if (*fd >= 0) {
    ::close(*fd);
    *fd = -1;
  }
}

void signal_group(pid_t pid, int sig) {
  ::kill(-pid, sig);
  ::kill(pid, sig);  // in case the leader left its group
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  return fd >= 0 ? static_cast<int>(fd) : -1;
#else
  (void)pid;
  return -1;
#endif
}

bool is_executable_file(const std::string &path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string find_program(const std::string &name, const std::string &path_env,
                         const std::string &cwd, std::string *error) {
  if (name.empty()) {
    *error = "the program name is empty";
    return {};
  }
  if (name.find('/') != std::string::npos) {
    std::string path = name[0] == '/' ? name : cwd + "/" + name;
    if (is_executable_file(path)) {
      return path;
    }
    *error = "`" + name + "` is not an executable file";
    return {};
  }
  std::string searched = path_env.empty() ? "/usr/local/bin:/usr/bin:/bin" : path_env;
  size_t i = 0;
  while (i <= searched.size()) {
    size_t colon = searched.find(':', i);
    if (colon == std::string::npos) {
      colon = searched.size();
    }
    std::string dir = searched.substr(i, colon - i);
    i = colon + 1;
    if (dir.empty() || dir[0] != '/') {
      continue;  // `.` or relative entries would run workspace files by surprise
    }
    std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) {
      return candidate;
    }
  }
  *error = "program `" + name + "` was not found in PATH (" + searched + ")";
  return {};
}

SpawnResult run_process(const SpawnSpec &spec) {
  SpawnResult r;
  int out_pipe[2] = {-1, -1};
  int err_pipe[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.error = std::string("cannot create pipes: ") + std::strerror(errno);
    close_fd(&out_pipe[0]);
    close_fd(&out_pipe[1]);
    return r;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Descriptors the daemon did not mark close-on-exec (a systemd socket, say) stay behind.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
  posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t mask;
  sigemptyset(&mask);
  posix_spawnattr_setsigmask(&attr, &mask);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) {
      sigaddset(&defaults, sig);  // ignored dispositions (SIGPIPE) would be inherited
    }
  }
  posix_spawnattr_setsigdefault(&attr, &defaults);

  std::vector<char *> argv;
  for (const std::string &a : spec.argv) {
    argv.push_back(const_cast<char *>(a.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char *> envp;
  for (const std::string &e : spec.env) {
    envp.push_back(const_cast<char *>(e.c_str()));
  }
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, spec.program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close_fd(&out_pipe[1]);
  close_fd(&err_pipe[1]);
  if (rc != 0) {
    r.error = "cannot start `" + spec.argv.front() + "`: " + std::strerror(rc);
    close_fd(&out_pipe[0]);
    close_fd(&err_pipe[0]);
    return r;
  }
  r.started = true;
  r.pid = pid;

  int fds[2] = {out_pipe[0], err_pipe[0]};
  for (int fd : fds) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  int pidfd = open_pidfd(pid);

  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = spec.timeout_ms > 0
                                         ? start + std::chrono::milliseconds(spec.timeout_ms)
                                         : Clock::time_point::max();
  bool leader_done = false;
  bool lost = false;  // someone else reaped it (SIGCHLD ignored, a waitpid(-1) elsewhere)
  bool term_sent = false;
  bool kill_sent = false;
  Clock::time_point term_at{};
  Clock::time_point drain_until{};
  std::string buf(kReadChunk, '\0');

  while (true) {
    Clock::time_point now = Clock::now();
    if (!leader_done) {
      siginfo_t info{};
      int w = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
      lost = w != 0 && errno == ECHILD;
      if ((w == 0 && info.si_pid == pid) || lost) {
        leader_done = true;
        // Whatever it left running in its group (background jobs) goes with it. The leader is
        // not reaped yet, so its process group id cannot have been reused.
        ::kill(-pid, SIGKILL);
        drain_until = now + std::chrono::milliseconds(kDrainMs);
      }
    }
    if (!leader_done) {
      if (!term_sent && spec.cancel != nullptr && spec.cancel->canceled()) {
        r.canceled = true;
      } else if (!term_sent && now >= deadline) {
        r.timed_out = true;
      }
      if (!term_sent && (r.canceled || r.timed_out)) {
        signal_group(pid, SIGTERM);
        term_sent = true;
        term_at = now;
      }
      if (term_sent && !kill_sent && now >= term_at + std::chrono::milliseconds(kKillGraceMs)) {
        signal_group(pid, SIGKILL);
        kill_sent = true;
      }
    }
    bool reading = fds[0] >= 0 || fds[1] >= 0;
    if (leader_done && (!reading || now >= drain_until)) {
      break;
    }

    int wait_ms = kPollSliceMs;
    if (!term_sent && deadline != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
      wait_ms = static_cast<int>(std::max<long long>(0, std::min<long long>(wait_ms, left)));
    }
    if (!reading && pidfd < 0) {
      wait_ms = std::min(wait_ms, 5);
    }
    pollfd pfds[3];
    nfds_t n = 0;
    int which[3] = {-1, -1, -1};
    for (int s = 0; s < 2; ++s) {
      if (fds[s] >= 0) {
        pfds[n] = pollfd{fds[s], POLLIN, 0};
        which[n++] = s;
      }
    }
    if (pidfd >= 0 && !leader_done) {
      pfds[n] = pollfd{pidfd, POLLIN, 0};
      which[n++] = 2;
    }
    int ready = ::poll(pfds, n, wait_ms);
    if (ready <= 0) {
      continue;  // timeout or EINTR: look at the clock and the process again
    }
    for (nfds_t k = 0; k < n; ++k) {
      if (which[k] == 2 || pfds[k].revents == 0) {
        continue;
      }
      int s = which[k];
      ssize_t got = ::read(fds[s], buf.data(), buf.size());
      if (got > 0) {
        if (spec.on_output) {
          spec.on_output(s + 1, std::string_view(buf.data(), static_cast<size_t>(got)));
        }
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_fd(&fds[s]);
      }
    }
  }
  close_fd(&fds[0]);
  close_fd(&fds[1]);
  close_fd(&pidfd);

  int status = 0;
  int w = 0;
  while (!lost && (w = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (lost || w < 0) {
    r.error = "the exit status was lost (the process was reaped elsewhere)";
  } else if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

}  // namespace pvpd::tools
