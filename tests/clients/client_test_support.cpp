// Client test support (see client_test_support.h).
#include "client_test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

extern char **environ;

namespace pvpd::testing::clients {

namespace {

std::string slurp(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

std::filesystem::path client_binary(const std::string &name) {
  return build_dir() / "bin" / name;
}

ClientDaemon::ClientDaemon(const std::string &daemon_extra, const std::string &plugins_extra,
                           const std::string &ws_extra)
    : port_(free_port()) {
  config_ = dir_.write("pvpd.yaml",
                       "version: 1\n"
                       "daemon:\n"
                       "  state_dir: " +
                           (dir_.path() / "state").string() +
                           "\n"
                           "  plugin_dirs: [" +
                           (build_dir() / "lib/pvpd/plugins").string() +
                           "]\n"
                           "  journal: {fsync: batch}\n"
                           "  shutdown_grace: 2s\n" +
                           daemon_extra +
                           "plugins:\n"
                           "  - use: websocket\n"
                           "    id: ws\n"
                           "    config:\n"
                           "      listen: [\"127.0.0.1:" +
                           std::to_string(port_) + "\"]\n" + ws_extra + plugins_extra);
}

bool ClientDaemon::start() {
  const auto run_dir = dir_.path() / ("run" + std::to_string(++runs_));
  std::filesystem::create_directories(run_dir);
  pvpd_ = std::make_unique<PvpdProcess>(config_, run_dir);
  if (!pvpd_->wait_for_log(" plugin instance(s)", 15s)) {
    return false;
  }
  // Listening is logged before "running", but wait for an accepting socket all the same.
  return eventually([&] {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
  });
}

bool ClientDaemon::stop() {
  if (!pvpd_) {
    return true;
  }
  pvpd_->signal(SIGTERM);
  auto r = pvpd_->wait_exit(20s);
  pvpd_.reset();
  return r.has_value() && r->exit_code == 0;
}

Background::Background(const std::vector<std::string> &argv, const std::filesystem::path &dir) {
  static int n = 0;
  ++n;
  out_ = dir / ("bg" + std::to_string(n) + ".out");
  err_ = dir / ("bg" + std::to_string(n) + ".err");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char *> cargv;
  for (const auto &a : argv) {
    cargv.push_back(const_cast<char *>(a.c_str()));
  }
  cargv.push_back(nullptr);
  if (posix_spawn(&pid_, cargv[0], &fa, nullptr, cargv.data(), environ) != 0) {
    pid_ = -1;
  }
  posix_spawn_file_actions_destroy(&fa);
}

Background::~Background() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
}

std::string Background::out() const {
  return slurp(out_);
}

std::string Background::err() const {
  return slurp(err_);
}

bool Background::wait_output(const std::string &needle, std::chrono::milliseconds timeout) const {
  return eventually([&] { return out().find(needle) != std::string::npos; }, timeout);
}

void Background::signal(int signo) const {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, signo);
  }
}

std::optional<int> Background::wait(std::chrono::milliseconds timeout) {
  if (status_) {
    return status_;
  }
  const bool done = eventually(
      [&] {
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
          status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
          return true;
        }
        return r < 0;
      },
      timeout);
  return done ? status_ : std::nullopt;
}

TestAgent::TestAgent(int port, std::string session, std::string id)
    : session_(std::move(session)), id_(std::move(id)) {
  ws::ClientOptions o;
  o.port = port;
  client_ = std::make_unique<ws::WsClient>(o);
  // Display name "Claude" (capitalised id) so screens show names, not ids.
  std::string name = id_;
  if (!name.empty() && name[0] >= 'a' && name[0] <= 'z') {
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
  }
  joined_ = client_->wait_open() &&
            client_->send_text(R"({"v":1,"type":"session.join","session":")" + session_ +
                               R"(","sender":")" + id_ + R"(","payload":{"participant":{"id":")" +
                               id_ + R"(","name":")" + name +
                               R"(","type":"agent","roles":["driver"],"transport":"websocket"},)"
                               R"("supported_versions":[1]}})") &&
            client_
                ->wait_for([&](const ws::Message &m) {
                  return ws::type_of(m) == "participant.announce" &&
                         m.data.find(R"("sender":")" + id_ + R"(")") != std::string::npos;
                })
                .has_value();
}

std::string TestAgent::send(const std::string &type, const std::string &payload_json) {
  const std::string id =
      "agent-" + id_ + "-" + std::to_string(++counter_) + "-" + std::to_string(::getpid());
  client_->send_text(R"({"v":1,"id":")" + id + R"(","type":")" + type + R"(","session":")" +
                     session_ + R"(","sender":")" + id_ + R"(","payload":)" + payload_json + "}");
  return id;
}

std::optional<rapidjson::Document> TestAgent::wait_for(const std::string &type,
                                                       const std::string &needle,
                                                       std::chrono::milliseconds timeout) {
  auto m = client_->wait_for(
      [&](const ws::Message &msg) {
        return ws::type_of(msg) == type &&
               (needle.empty() || msg.data.find(needle) != std::string::npos);
      },
      timeout);
  if (!m) {
    return std::nullopt;
  }
  return ws::parse(m->data);
}

}  // namespace pvpd::testing::clients
