#include "pvpd_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char **environ;

namespace pvpd::testing {
namespace {

std::string read_file(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> merged_env(const std::map<std::string, std::string> &extra) {
  std::map<std::string, std::string> env;
  for (char **e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) {
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const auto &[k, v] : extra) {
    if (v.empty()) {
      env.erase(k);  // an empty value in extra_env means "unset"
    } else {
      env[k] = v;
    }
  }
  std::vector<std::string> out;
  for (const auto &[k, v] : env) {
    out.push_back(k + "=" + v);
  }
  return out;
}

pid_t spawn(const std::vector<std::string> &argv, const std::map<std::string, std::string> &env,
            const std::filesystem::path &out, const std::filesystem::path &err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> env_strings = merged_env(env);
  std::vector<char *> cargv;
  for (const auto &a : argv) {
    cargv.push_back(const_cast<char *>(a.c_str()));
  }
  cargv.push_back(nullptr);
  std::vector<char *> cenv;
  for (auto &e : env_strings) {
    cenv.push_back(e.data());
  }
  cenv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    throw std::runtime_error("posix_spawn " + argv[0] + ": " + std::strerror(rc));
  }
  return pid;
}

std::optional<ProcessResult> wait_pid(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      ProcessResult res;
      if (WIFEXITED(status)) {
        res.exit_code = WEXITSTATUS(status);
      } else if (WIFSIGNALED(status)) {
        res.signal = WTERMSIG(status);
      }
      return res;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// True when the child has exited, without reaping it (so wait_exit still gets its status).
bool exited_nowait(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

}  // namespace

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() /
          ("pvpd-it-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string &relative,
                                     const std::string &content) const {
  auto p = path_ / relative;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

std::filesystem::path build_dir() {
  const char *b = std::getenv("PVPD_BUILD_DIR");
  if (b == nullptr) {
    throw std::runtime_error("PVPD_BUILD_DIR is not set (run through ctest)");
  }
  return b;
}

std::filesystem::path source_dir() {
  const char *s = std::getenv("PVPD_SOURCE_DIR");
  if (s == nullptr) {
    throw std::runtime_error("PVPD_SOURCE_DIR is not set (run through ctest)");
  }
  return s;
}

std::filesystem::path pvpd_binary() {
  return build_dir() / "bin" / "pvpd";
}

ProcessResult run_command(const std::vector<std::string> &argv, std::chrono::milliseconds timeout,
                          const std::map<std::string, std::string> &extra_env) {
  TempDir dir;
  auto out = dir.path() / "out";
  auto err = dir.path() / "err";
  pid_t pid = spawn(argv, extra_env, out, err);
  auto res = wait_pid(pid, timeout);
  if (!res) {
    ::kill(pid, SIGKILL);
    res = wait_pid(pid, std::chrono::seconds(5));
    if (res) {
      res->err += "\n[test harness: killed after timeout]";
    }
  }
  ProcessResult r = res.value_or(ProcessResult{});
  r.out = read_file(out);
  r.err += read_file(err);
  return r;
}

PvpdProcess::PvpdProcess(const std::filesystem::path &config, const std::filesystem::path &dir,
                         std::vector<std::string> extra_args,
                         std::map<std::string, std::string> extra_env)
    : out_path_(dir / "pvpd.stdout"), err_path_(dir / "pvpd.stderr") {
  std::vector<std::string> argv = {pvpd_binary().string(), "--config", config.string(),
                                   "--log-target", "stderr"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = spawn(argv, extra_env, out_path_, err_path_);
}

PvpdProcess::~PvpdProcess() {
  if (!result_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait_pid(pid_, std::chrono::seconds(5));
  }
}

std::string PvpdProcess::log() const {
  return read_file(err_path_);
}

bool PvpdProcess::wait_for_log(const std::string &needle, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (log().find(needle) != std::string::npos) {
      return true;
    }
    if (result_ || exited_nowait(pid_)) {
      return log().find(needle) != std::string::npos;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void PvpdProcess::signal(int signo) const {
  ::kill(pid_, signo);
}

std::optional<ProcessResult> PvpdProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (!result_) {
    result_ = wait_pid(pid_, timeout);
    if (result_) {
      result_->out = read_file(out_path_);
      result_->err = read_file(err_path_);
    }
  }
  return result_;
}

bool PvpdProcess::running() {
  if (result_) {
    return false;
  }
  return !exited_nowait(pid_);
}

LineClient::LineClient(const std::string &host, int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

LineClient::~LineClient() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool LineClient::send_line(const std::string &line) {
  std::string data = line + "\n";
  size_t off = 0;
  while (off < data.size()) {
    ssize_t w = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (w <= 0) {
      return false;
    }
    off += static_cast<size_t>(w);
  }
  return true;
}

std::optional<std::string> LineClient::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return std::nullopt;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return std::nullopt;
    }
    char chunk[4096];
    ssize_t r = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (r <= 0) {
      return std::nullopt;
    }
    buffer_.append(chunk, static_cast<size_t>(r));
  }
}

bool LineClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return false;
    }
    char chunk[4096];
    ssize_t r = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (r <= 0) {
      return true;
    }
    buffer_.append(chunk, static_cast<size_t>(r));
  }
}

std::string config_prelude(const TempDir &dir, const std::string &plugin_dir,
                           const std::string &daemon_extra) {
  return "version: 1\n"
         "daemon:\n"
         "  state_dir: " +
         (dir.path() / "state").string() + "\n  plugin_dirs: [" + plugin_dir + "]\n" +
         daemon_extra + "plugins:\n";
}

std::string websocket_plugin_yaml(const std::filesystem::path &port_file,
                                  const std::string &config_extra) {
  return "  - use: websocket\n"
         "    id: ws\n"
         "    config:\n"
         "      listen: [\"127.0.0.1:0\"]\n"
         "      port_file: \"" +
         port_file.string() + "\"\n" + config_extra;
}

std::filesystem::path write_echo_config(const TempDir &dir, const std::string &plugin_dir,
                                        const std::string &daemon_extra) {
  return dir.write("pvpd.yaml", config_prelude(dir, plugin_dir, daemon_extra) +
                                    "  - use: echo-transport\n"
                                    "    id: echo\n"
                                    "    config: {listen: \"127.0.0.1:0\", port_file: \"" +
                                    (dir.path() / "port").string() + "\"}\n");
}

int read_echo_port(const TempDir &dir) {
  const auto port_file = dir.path() / "port";
  if (!eventually([&] { return std::filesystem::exists(port_file); })) {
    return 0;
  }
  int port = 0;
  std::ifstream(port_file) >> port;
  return port;
}

bool eventually(const std::function<bool()> &pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace pvpd::testing
