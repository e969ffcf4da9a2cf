#include "agent/stdio_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace pvpd::agent {
namespace {

void close_fd(int &fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

}  // namespace

StdioProcess::~StdioProcess() {
  terminate(500);
  close_fd(out_fd_);
}

std::string StdioProcess::start(const std::vector<std::string> &argv,
                                const std::map<std::string, std::string> &env,
                                StderrSink on_stderr) {
  if (argv.empty() || argv[0].empty()) {
    return "no command";
  }
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    return std::string("pipe: ") + std::strerror(errno);
  }
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return std::string("pipe: ") + std::strerror(errno);
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) {
      ::close(fd);
    }
    return std::string("pipe: ") + std::strerror(errno);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGHUP);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> env_strings;
  for (const auto &[k, v] : env) {
    env_strings.push_back(k + "=" + v);
  }
  std::vector<char *> envp;
  for (auto &s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char *> argp;
  for (auto &a : args) {
    argp.push_back(a.data());
  }
  argp.push_back(nullptr);
  // posix_spawnp searches the PATH of *our* environment; search the child's PATH instead so
  // the scrubbed environment decides what runs.
  std::string program = argv[0];
  if (program.find('/') == std::string::npos) {
    auto path = env.find("PATH");
    std::string dirs = path == env.end() ? "/usr/local/bin:/usr/bin:/bin" : path->second;
    size_t start = 0;
    std::string found;
    while (start <= dirs.size()) {
      size_t end = dirs.find(':', start);
      std::string dir =
          dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
      std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
      if (::access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
        break;
      }
      if (end == std::string::npos) {
        break;
      }
      start = end + 1;
    }
    if (found.empty()) {
      posix_spawn_file_actions_destroy(&fa);
      posix_spawnattr_destroy(&attr);
      for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
        ::close(fd);
      }
      return "'" + program + "' was not found in PATH";
    }
    program = found;
  }
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &fa, &attr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    for (int fd : {in_pipe[1], out_pipe[0], err_pipe[0]}) {
      ::close(fd);
    }
    return "cannot start '" + program + "': " + std::strerror(rc);
  }
  pid_ = pid;
  in_fd_ = in_pipe[1];
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  int err_fd = err_fd_;
  stderr_thread_ = std::thread([err_fd, sink = std::move(on_stderr)] {
    std::string pending;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(err_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      pending.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        if (sink) {
          sink(pending.substr(0, nl));
        }
        pending.erase(0, nl + 1);
      }
      if (pending.size() > 65536) {
        pending.clear();
      }
    }
    if (!pending.empty() && sink) {
      sink(pending);
    }
  });
  return "";
}

bool StdioProcess::write_line(const std::string &line) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (in_fd_ < 0) {
    return false;
  }
  std::string data = line + "\n";
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(in_fd_, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

bool StdioProcess::read_line(std::string *line, size_t max_line) {
  bool discarding = false;
  for (;;) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      if (discarding) {
        buffer_.erase(0, nl + 1);
        discarding = false;
        continue;
      }
      line->assign(buffer_, 0, nl);
      buffer_.erase(0, nl + 1);
      return true;
    }
    if (buffer_.size() > max_line) {
      if (!discarding) {
        line->assign(buffer_, 0, max_line);
        buffer_.clear();
        discarding = true;
        return true;  // the cut line is passed on (it will not parse) and the rest skipped
      }
      buffer_.clear();
    }
    if (out_fd_ < 0) {
      return false;
    }
    char buf[65536];
    ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

void StdioProcess::terminate(unsigned grace_ms) {
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    close_fd(in_fd_);
  }
  std::lock_guard<std::mutex> lock(reap_mu_);
  if (pid_ > 0 && !reaped_) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms / 2);
    int status = 0;
    bool exited = false;
    // EOF on stdin first: well-behaved servers exit on their own.
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited = true;
        break;
      }
      ::usleep(10000);
    }
    if (!exited) {
      ::kill(-pid_, SIGTERM);
      deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms / 2);
      while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          exited = true;
          break;
        }
        ::usleep(10000);
      }
    }
    if (!exited) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    } else {
      ::kill(-pid_, SIGKILL);  // leftovers of the group
    }
    reaped_ = true;
  }
  if (stderr_thread_.joinable()) {
    stderr_thread_.join();
  }
  close_fd(err_fd_);
  // out_fd_ stays open until destruction: the reader thread may still be draining it.
}

}  // namespace pvpd::agent
