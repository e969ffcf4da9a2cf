// End-to-end tests of pvpd-mcp-stdio through the real pvpd: unix-socket MCP clients (the bytes
// pvp-mcp would forward), many participants at once, a client vanishing mid-call, malformed
// and oversized input, socket permissions, token auth through the bridge's join line, and the
// pvp-mcp binary's exit behaviour. The SDK-client scenario with WebSocket humans is
// tests/node/mcp_e2e.mjs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pvpd_process.h"

namespace pvpd::testing {
namespace {

using namespace std::chrono_literals;

class McpClient {
 public:
  explicit McpClient(const std::string &path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    if (::connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~McpClient() { close(); }
  void close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  bool ok() const { return fd_ >= 0; }
  bool send(const std::string &line) {
    std::string data = line + "\n";
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t w = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (w <= 0) {
        return false;
      }
      off += static_cast<std::size_t>(w);
    }
    return true;
  }
  std::optional<std::string> line(std::chrono::milliseconds timeout = 10s) {
    auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string l = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return l;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return std::nullopt;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        continue;
      }
      char chunk[65536];
      ssize_t r = ::read(fd_, chunk, sizeof chunk);
      if (r <= 0) {
        return std::nullopt;
      }
      buf_.append(chunk, static_cast<std::size_t>(r));
    }
  }
  // The reply with this id (skipping notifications), parsed.
  rapidjson::Document reply(const std::string &id, std::chrono::milliseconds timeout = 10s) {
    rapidjson::Document d;
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      auto l = line(std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now()));
      if (!l) {
        break;
      }
      d.Parse(l->c_str());
      if (d.IsObject() && d.HasMember("id") &&
          ((d["id"].IsString() && id == std::string("\"") + d["id"].GetString() + "\"") ||
           (d["id"].IsInt() && id == std::to_string(d["id"].GetInt())) ||
           (d["id"].IsNull() && id == "null"))) {
        return d;
      }
    }
    d.SetNull();
    return d;
  }
  rapidjson::Document call(const std::string &id, const std::string &tool, const std::string &args,
                           std::chrono::milliseconds timeout = 10s) {
    send(R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":"tools/call","params":{"name":")" + tool +
         R"(","arguments":)" + args + "}}");
    return reply(id, timeout);
  }
  bool initialize() {
    send(
        R"({"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"it","version":"1"}}})");
    auto r = reply("\"init\"");
    send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    return r.IsObject() && r.HasMember("result");
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

std::string text_of(const rapidjson::Document &r) {
  if (!r.IsObject() || !r.HasMember("result") || !r["result"].HasMember("content")) {
    return "";
  }
  return r["result"]["content"][0]["text"].GetString();
}

rapidjson::Document parse(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

class McpDaemon {
 public:
  explicit McpDaemon(const std::string &daemon_extra = "", const std::string &plugin_extra = "",
                     bool precreate_stale_socket = false) {
    socket_ = (dir_.path() / "mcp.sock").string();
    if (precreate_stale_socket) {
      int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::memcpy(addr.sun_path, socket_.c_str(), socket_.size());
      ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
      ::close(fd);  // the file stays: what a crash leaves behind
    }
    auto cfg = dir_.write("pvpd.yaml",
                          "version: 1\n"
                          "daemon:\n"
                          "  state_dir: " +
                              (dir_.path() / "state").string() +
                              "\n"
                              "  plugin_dirs: [" +
                              (build_dir() / "lib/pvpd/plugins").string() + "]\n" + daemon_extra +
                              "plugins:\n"
                              "  - use: mcp-stdio\n"
                              "    id: mcp\n"
                              "    config:\n"
                              "      socket: \"" +
                              socket_ + "\"\n" + plugin_extra);
    pvpd_ = std::make_unique<PvpdProcess>(cfg, dir_.path());
    started_ = pvpd_->wait_for_log("running: 1 plugin instance(s)") &&
               eventually([&] { return McpClient(socket_).ok(); });
  }
  bool started() const { return started_; }
  const std::string &socket() const { return socket_; }
  PvpdProcess &process() { return *pvpd_; }

 private:
  TempDir dir_;
  std::string socket_;
  std::unique_ptr<PvpdProcess> pvpd_;
  bool started_ = false;
};

std::string join_args(const std::string &session, const std::string &id,
                      const std::string &extra = "") {
  return R"({"session":")" + session + R"(","participant_id":")" + id + R"(","name":")" + id +
         "\"" + extra + "}";
}

TEST(McpStdioIntegration, ManyParticipantsAndAClientVanishingMidCall) {
  McpDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  struct stat st {};
  ASSERT_EQ(::stat(d.socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the default socket mode keeps other users out";

  McpClient human(d.socket());
  ASSERT_TRUE(human.initialize());
  auto hj = human.call("1", "pvp_join",
                       join_args("many", "hana", R"(,"type":"human","roles":["approver"])"));
  ASSERT_NE(text_of(hj).find("Joined"), std::string::npos) << text_of(hj);

  // 9 agents fill "many" (max_participants 10 with the human); 18 more share two others.
  constexpr int kPerSession = 9;
  constexpr int kAgents = 27;
  std::vector<std::unique_ptr<McpClient>> agents;
  for (int i = 0; i < kAgents; ++i) {
    agents.push_back(std::make_unique<McpClient>(d.socket()));
    ASSERT_TRUE(agents.back()->initialize()) << i;
    std::string session = i < kPerSession ? "many" : "many-" + std::to_string(i / kPerSession);
    auto r = agents.back()->call("1", "pvp_join", join_args(session, "agent" + std::to_string(i)));
    ASSERT_NE(text_of(r).find("Joined"), std::string::npos) << i << ": " << text_of(r);
  }
  auto status = parse(text_of(human.call("2", "pvp_session_status", "{}")));
  ASSERT_TRUE(status.IsObject());
  EXPECT_EQ(status["participants"].Size(), static_cast<unsigned>(kPerSession + 1));
  McpClient late(d.socket());
  ASSERT_TRUE(late.initialize());
  EXPECT_NE(text_of(late.call("1", "pvp_join", join_args("many", "late"))).find("is full"),
            std::string::npos);

  // agent0 asks, then vanishes while waiting: its participant disconnects, the daemon lives on.
  agents[0]->send(
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"pvp_permission","arguments":{"tool_name":"Bash","input":{"command":"make"}}}})");
  auto gate = parse(text_of(
      human.call("3", "pvp_read_messages", R"({"wait_seconds":10,"types":["gate.request"]})")));
  ASSERT_EQ(gate["messages"].Size(), 1u);
  agents[0]->close();
  auto left = parse(text_of(
      human.call("4", "pvp_read_messages", R"({"wait_seconds":10,"types":["session.leave"]})")));
  ASSERT_EQ(left["messages"].Size(), 1u);
  EXPECT_EQ(std::string(left["messages"][0]["message"]["sender"].GetString()), "agent0");

  // Another agent's permission is approved by the human through MCP as well.
  agents[1]->send(
      R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"pvp_permission","arguments":{"tool_name":"Read","input":{"file_path":"/tmp/x"}}}})");
  auto g2 = parse(text_of(
      human.call("5", "pvp_read_messages", R"({"wait_seconds":10,"types":["gate.request"]})")));
  ASSERT_EQ(g2["messages"].Size(), 1u);
  std::string gate_id = g2["messages"][0]["message"]["payload"]["action_ref"].GetString();
  auto vote = human.call("6", "pvp_vote_gate",
                         R"({"gate":")" + gate_id + R"(","decision":"approve","comment":"ok"})");
  EXPECT_NE(text_of(vote).find("Approved"), std::string::npos) << text_of(vote);
  auto verdict = parse(text_of(agents[1]->reply("6")));
  ASSERT_TRUE(verdict.IsObject());
  EXPECT_EQ(std::string(verdict["behavior"].GetString()), "allow");
  EXPECT_EQ(std::string(verdict["updatedInput"]["file_path"].GetString()), "/tmp/x");

  // Malformed and oversized input get JSON-RPC errors; the connection survives.
  agents[2]->send("{not json");
  EXPECT_EQ(agents[2]->reply("null")["error"]["code"].GetInt(), -32700);
  agents[2]->send(std::string(2 << 20, 'x'));
  EXPECT_EQ(agents[2]->reply("null")["error"]["code"].GetInt(), -32600);
  agents[2]->send(R"({"jsonrpc":"2.0","id":77,"method":"ping"})");
  EXPECT_TRUE(agents[2]->reply("77").HasMember("result"));
}

TEST(McpStdioIntegration, AStaleSocketFileIsReplaced) {
  McpDaemon d("", "", /*precreate_stale_socket=*/true);
  ASSERT_TRUE(d.started()) << d.process().log();
  McpClient c(d.socket());
  EXPECT_TRUE(c.initialize());
}

TEST(McpStdioIntegration, TokenModeThroughTheBridgeJoinLine) {
  const std::string auth =
      "  auth:\n"
      "    mode: token\n"
      "    tokens:\n"
      "      - sha256: \"3a55a566c19d299c768276994f32610012020ce0a04a37b47705757ff6677c9b\"\n"
      "        participant: claude\n";
  McpDaemon d(auth);
  ASSERT_TRUE(d.started()) << d.process().log();
  McpClient good(d.socket());
  good.send(R"({"pvp_mcp_bridge":1,"session":"tok","participant_id":"claude","token":"t-claude"})");
  ASSERT_TRUE(good.initialize());
  ASSERT_TRUE(eventually([&] {
    auto s = parse(text_of(good.call("\"s\"", "pvp_session_status", "{}")));
    return s.IsObject() && s["joined"].GetBool();
  })) << d.process().log();

  McpClient bad(d.socket());
  bad.send(R"({"pvp_mcp_bridge":1,"session":"tok","participant_id":"claude","token":"wrong"})");
  ASSERT_TRUE(bad.initialize());
  std::string why;
  ASSERT_TRUE(eventually([&] {
    auto s = parse(text_of(bad.call("\"s\"", "pvp_session_status", "{}")));
    why = s.IsObject() && s.HasMember("join_error") ? s["join_error"].GetString() : "";
    return !why.empty();
  }));
  EXPECT_NE(why.find("invalid token"), std::string::npos) << why;
  EXPECT_EQ(d.process().log().find("t-claude"), std::string::npos) << "a token reached the log";
}

TEST(McpStdioIntegration, TheBridgeExitsCleanlyWhenItsInputEndsAndFailsWithoutADaemon) {
  McpDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  auto bridge = (build_dir() / "bin/pvp-mcp").string();
  // stdin is /dev/null: EOF at once -> half-close -> the daemon closes -> exit 0.
  auto r = run_command({bridge, "--socket", d.socket(), "--session", "b", "--name", "B"}, 10s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << "nothing but MCP may reach stdout: " << r.out;
  auto missing = run_command({bridge, "--socket", d.socket() + ".nope"}, 10s);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot connect"), std::string::npos) << missing.err;
  auto usage = run_command({bridge}, 10s);
  EXPECT_EQ(usage.exit_code, 2);
}

TEST(McpStdioIntegration, TheBridgeExitsCleanlyWhenTheDaemonGoesAway) {
  McpDaemon d;
  ASSERT_TRUE(d.started()) << d.process().log();
  // The bridge's stdin stays open (a live MCP client); only the daemon side closes.
  int in[2];
  int out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  std::string bridge = (build_dir() / "bin/pvp-mcp").string();
  std::vector<char *> argv = {bridge.data(), const_cast<char *>("--socket"),
                              const_cast<char *>(d.socket().c_str()), nullptr};
  pid_t pid = -1;
  ASSERT_EQ(::posix_spawn(&pid, bridge.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);
  ::close(out[1]);
  std::string init =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}})"
      "\n";
  ASSERT_EQ(::write(in[1], init.data(), init.size()), static_cast<ssize_t>(init.size()));
  // Wait for the answer, so the bridge is surely connected before the daemon goes.
  std::string got;
  ASSERT_TRUE(eventually(
      [&] {
        pollfd p{out[0], POLLIN, 0};
        char buf[4096];
        if (::poll(&p, 1, 0) == 1) {
          ssize_t r = ::read(out[0], buf, sizeof buf);
          if (r > 0) {
            got.append(buf, static_cast<std::size_t>(r));
          }
        }
        return got.find('\n') != std::string::npos;
      },
      15s));
  EXPECT_NE(got.find("\"protocolVersion\""), std::string::npos) << got;
  d.process().signal(SIGTERM);
  int status = 0;
  bool exited = eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 15s);
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ::close(in[1]);
  ::close(out[0]);
  ASSERT_TRUE(exited) << "pvp-mcp kept running after the daemon closed the socket";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace pvpd::testing
