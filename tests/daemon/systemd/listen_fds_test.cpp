// ListenFds with real inherited descriptors. sd_listen_fds() insists on fds 3.. and on
// LISTEN_PID == getpid(), so each case runs in a forked child that dup2()s a socketpair onto
// fds 3 and 4; the child reports failures through a pipe kept out of that range.
#include "systemd/listen_fds.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>

namespace pvpd::systemd {
namespace {

constexpr int kReportFd = 200;

// Runs `body` in a child process; returns "" on success or the child's failure text.
// `body` returns "" for success, or a description of what went wrong.
std::string run_in_child(const std::function<std::string()> &body) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    return "pipe failed";
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    return "fork failed";
  }
  if (pid == 0) {
    ::close(pipefd[0]);
    // Move the report pipe away from 3.. before the test claims those numbers.
    if (::dup2(pipefd[1], kReportFd) < 0) {
      ::_exit(3);
    }
    ::close(pipefd[1]);
    std::string result;
    try {
      result = body();
    } catch (const std::exception &e) {
      result = std::string("exception: ") + e.what();
    }
    if (!result.empty()) {
      (void)!::write(kReportFd, result.data(), result.size());
    }
    ::_exit(result.empty() ? 0 : 1);
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) {
    return "child crashed";
  }
  if (WEXITSTATUS(status) != 0 && out.empty()) {
    return "child exited with " + std::to_string(WEXITSTATUS(status));
  }
  return out;
}

// In the child: puts one end of a fresh socketpair on fd 3 and one on fd 4 (each pair's peer
// stays open at a high fd so the test can talk through it), and sets the activation variables.
std::string install_fds(const char *pid_value, const char *names) {
  int a[2];
  int b[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, a) != 0 ||
      ::socketpair(AF_UNIX, SOCK_STREAM, 0, b) != 0) {
    return "socketpair failed";
  }
  // Lift everything above 3..4 first so the dup2s below cannot clobber a pair end.
  const int a0 = ::fcntl(a[0], F_DUPFD, 100);
  const int a1 = ::fcntl(a[1], F_DUPFD, 100);
  const int b0 = ::fcntl(b[0], F_DUPFD, 100);
  const int b1 = ::fcntl(b[1], F_DUPFD, 100);
  ::close(a[0]);
  ::close(a[1]);
  ::close(b[0]);
  ::close(b[1]);
  if (::dup2(a0, 3) != 3 || ::dup2(b0, 4) != 4) {
    return "dup2 failed";
  }
  ::close(a0);
  ::close(b0);
  // a1 and b1 stay open for the child's lifetime so writes to fds 3 and 4 have a reader.
  (void)a1;
  (void)b1;
  ::setenv("LISTEN_FDS", "2", 1);
  ::setenv("LISTEN_PID", pid_value != nullptr ? pid_value : std::to_string(::getpid()).c_str(), 1);
  if (names != nullptr) {
    ::setenv("LISTEN_FDNAMES", names, 1);
  } else {
    ::unsetenv("LISTEN_FDNAMES");
  }
  return "";
}

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) >= 0;
}
bool is_cloexec(int fd) {
  return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

#define CHILD_CHECK(cond)                                                                \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      return std::string("line ") + std::to_string(__LINE__) + ": check failed: " #cond; \
    }                                                                                    \
  } while (0)

TEST(ListenFds, TakesNamedFdsOnce) {
  EXPECT_EQ(run_in_child([]() -> std::string {
              if (auto err = install_fds(nullptr, "ws:ctl"); !err.empty()) {
                return err;
              }
              ListenFds fds = ListenFds::from_environment();
              CHILD_CHECK(std::getenv("LISTEN_FDS") == nullptr);
              CHILD_CHECK(std::getenv("LISTEN_PID") == nullptr);
              CHILD_CHECK(std::getenv("LISTEN_FDNAMES") == nullptr);
              CHILD_CHECK(is_cloexec(3));
              CHILD_CHECK(is_cloexec(4));
              CHILD_CHECK((fds.remaining_names() == std::vector<std::string>{"ws", "ctl"}));
              CHILD_CHECK(fds.take("nope") == std::nullopt);
              CHILD_CHECK(fds.take("ws") == 3);
              CHILD_CHECK(fds.take("ws") == std::nullopt);
              CHILD_CHECK((fds.remaining_names() == std::vector<std::string>{"ctl"}));
              // The taken fd is the real socket: a byte written to it reaches a peer end.
              CHILD_CHECK(::write(3, "x", 1) == 1);
              fds.close_remaining();
              CHILD_CHECK(!is_open(4));
              CHILD_CHECK(is_open(3));
              CHILD_CHECK(fds.remaining_names().empty());
              CHILD_CHECK(fds.take("ctl") == std::nullopt);
              return "";
            }),
            "");
}

TEST(ListenFds, DestructorClosesUntakenFds) {
  EXPECT_EQ(run_in_child([]() -> std::string {
              if (auto err = install_fds(nullptr, "ws:ctl"); !err.empty()) {
                return err;
              }
              {
                ListenFds fds = ListenFds::from_environment();
                CHILD_CHECK(fds.take("ctl") == 4);
                ListenFds moved = std::move(fds);
                CHILD_CHECK((moved.remaining_names() == std::vector<std::string>{"ws"}));
                CHILD_CHECK(fds.remaining_names().empty());  // NOLINT(bugprone-use-after-move)
              }
              CHILD_CHECK(!is_open(3));
              CHILD_CHECK(is_open(4));
              return "";
            }),
            "");
}

TEST(ListenFds, MissingNamesAreUnknown) {
  EXPECT_EQ(
      run_in_child([]() -> std::string {
        if (auto err = install_fds(nullptr, nullptr); !err.empty()) {
          return err;
        }
        ListenFds fds = ListenFds::from_environment();
        CHILD_CHECK((fds.remaining_names() == std::vector<std::string>{"unknown", "unknown"}));
        CHILD_CHECK(fds.take("unknown") == 3);
        CHILD_CHECK(fds.take("unknown") == 4);
        return "";
      }),
      "");
}

TEST(ListenFds, IgnoresFdsMeantForAnotherProcess) {
  EXPECT_EQ(run_in_child([]() -> std::string {
              if (auto err = install_fds("1", "ws:ctl"); !err.empty()) {
                return err;
              }
              ListenFds fds = ListenFds::from_environment();
              CHILD_CHECK(fds.remaining_names().empty());
              CHILD_CHECK(fds.take("ws") == std::nullopt);
              fds.close_remaining();
              // Not ours, so not touched.
              CHILD_CHECK(is_open(3));
              CHILD_CHECK(is_open(4));
              return "";
            }),
            "");
}

TEST(ListenFds, EmptyWithoutActivation) {
  EXPECT_EQ(run_in_child([]() -> std::string {
              ::unsetenv("LISTEN_FDS");
              ::unsetenv("LISTEN_PID");
              ListenFds fds = ListenFds::from_environment();
              CHILD_CHECK(fds.remaining_names().empty());
              return "";
            }),
            "");
}

}  // namespace
}  // namespace pvpd::systemd
