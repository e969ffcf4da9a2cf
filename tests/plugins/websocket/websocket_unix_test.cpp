// End-to-end: the websocket plugin's `unix:/path` listener (the local admin socket) with the real
// pvpd and pvpctl --socket (docs/plugins/websocket.md, docs/clients/pvpctl.md).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ws_daemon.h"

namespace pvpd::testing::ws {
namespace {

namespace fs = std::filesystem;

// Leaves a socket file nobody listens on, as a crashed daemon would.
bool make_stale_socket(const fs::path &path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == 0;
  if (fd >= 0) {
    ::close(fd);
  }
  return ok;
}

std::string config_for(const TempDir &dir, const std::string &listen_extra,
                       const fs::path &port_file) {
  return config_prelude(dir, (build_dir() / "lib/pvpd/plugins").string()) +
         "  - use: websocket\n"
         "    id: ws\n"
         "    config:\n"
         "      listen: [\"127.0.0.1:0\"" +
         listen_extra +
         "]\n"
         "      port_file: \"" +
         port_file.string() + "\"\n";
}

ProcessResult pvpctl(std::vector<std::string> args) {
  args.insert(args.begin(), (build_dir() / "bin/pvpctl").string());
  return run_command(args, std::chrono::seconds(30));
}

class WebsocketUnixTest : public ::testing::Test {
 protected:
  // Starts pvpd with a TCP listener and `unix:<sock_>`; the TCP port is in port_.
  void start() {
    auto cfg =
        dir_.write("pvpd.yaml", config_for(dir_, ", \"unix:" + sock_.string() + "\"", port_file_));
    pvpd_ = std::make_unique<PvpdProcess>(cfg, dir_.path());
    ASSERT_TRUE(pvpd_->wait_for_log("running: 1 plugin instance(s)")) << pvpd_->log();
    ASSERT_TRUE(eventually([&] { return fs::exists(port_file_); }));
    std::ifstream(port_file_) >> port_;
    ASSERT_GT(port_, 0);
  }

  TempDir dir_;
  fs::path sock_ = dir_.path() / "admin.sock";
  fs::path port_file_ = dir_.path() / "port";
  std::unique_ptr<PvpdProcess> pvpd_;
  int port_ = 0;
};

TEST_F(WebsocketUnixTest, AdminSocketIsPrivateServesPvpctlAndIsRemovedAtStop) {
  ASSERT_TRUE(make_stale_socket(sock_));
  ASSERT_TRUE(fs::is_socket(sock_));
  start();

  // The stale file was replaced by a live socket only its owner may connect to.
  struct stat st {};
  ASSERT_EQ(::lstat(sock_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  // A participant on TCP sees what pvpctl sends through the socket. The daemon runs in auth
  // mode open, which refuses non-local connections: pvpctl's join succeeding shows the unix
  // connection counts as local.
  ClientOptions o;
  o.port = port_;
  WsClient alice(o);
  ASSERT_TRUE(alice.wait_open());
  ASSERT_TRUE(join(alice, "unix1", "alice"));
  ProcessResult r =
      pvpctl({"send", "unix1", "context.add",
              R"({"key":"notes","content_type":"text","content":"via the admin socket"})",
              "--socket", sock_.string(), "--as", "bob"});
  ASSERT_EQ(r.exit_code, 0) << r.err << pvpd_->log();
  auto seen = alice.wait_for(
      [](const Message &m) {
        return type_of(m) == "context.add" && content_of(m) == "via the admin socket";
      },
      std::chrono::seconds(5));
  ASSERT_TRUE(seen);
  EXPECT_NE(seen->data.find("via the admin socket"), std::string::npos) << seen->data;
  EXPECT_NE(seen->data.find("\"bob\""), std::string::npos) << seen->data;

  r = pvpctl({"gates", "unix1", "--socket", sock_.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no open gates"), std::string::npos) << r.out;
  r = pvpctl({"watch", "unix1", "--count", "1", "--json", "--url", "ws+unix://" + sock_.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"session\":\"unix1\""), std::string::npos) << r.out;

  // Usage: --socket and --url together; nobody listening on a path: cannot connect (69).
  EXPECT_EQ(
      pvpctl({"gates", "unix1", "--socket", sock_.string(), "--url", "ws://127.0.0.1:1"}).exit_code,
      64);
  r = pvpctl(
      {"gates", "unix1", "--socket", (dir_.path() / "nobody.sock").string(), "--timeout", "2"});
  EXPECT_EQ(r.exit_code, 69) << r.err;

  pvpd_->signal(SIGTERM);
  auto exit = pvpd_->wait_exit();
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exit_code, 0) << pvpd_->log();
  EXPECT_FALSE(fs::exists(fs::symlink_status(sock_))) << "the socket file outlived pvpd";
}

TEST_F(WebsocketUnixTest, ALiveSocketOrAnotherFileIsNeverTakenOver) {
  start();
  // A second daemon on the same path must not unlink the first one's socket.
  TempDir other;
  auto cfg = other.write(
      "pvpd.yaml", config_for(other, ", \"unix:" + sock_.string() + "\"", other.path() / "port"));
  PvpdProcess second(cfg, other.path());
  auto r = second.wait_exit();
  ASSERT_TRUE(r);
  EXPECT_NE(r->exit_code, 0);
  EXPECT_NE(second.log().find("another server is listening"), std::string::npos) << second.log();
  EXPECT_TRUE(fs::is_socket(sock_));
  EXPECT_EQ(pvpctl({"gates", "s", "--socket", sock_.string()}).exit_code, 0);

  // A regular file at the path is left alone and is an error.
  TempDir third;
  auto file = third.write("not-a-socket", "keep me");
  cfg = third.write("pvpd.yaml",
                    config_for(third, ", \"unix:" + file.string() + "\"", third.path() / "port"));
  PvpdProcess refused(cfg, third.path());
  r = refused.wait_exit();
  ASSERT_TRUE(r);
  EXPECT_NE(r->exit_code, 0);
  EXPECT_NE(refused.log().find("is not a socket"), std::string::npos) << refused.log();
  std::ifstream in(file);
  std::string kept;
  std::getline(in, kept);
  EXPECT_EQ(kept, "keep me");
}

TEST_F(WebsocketUnixTest, MalformedUnixEntriesAreConfigErrors) {
  for (const std::string &bad :
       {std::string("unix:admin.sock"), "unix:/" + std::string(120, 'a'), std::string("unix:")}) {
    TempDir d;
    auto cfg = d.write("pvpd.yaml", config_for(d, ", \"" + bad + "\"", d.path() / "port"));
    auto r = run_command({pvpd_binary().string(), "--check-config", "--config", cfg.string()});
    EXPECT_EQ(r.exit_code, 78) << bad << "\n" << r.err;
    EXPECT_NE(r.err.find("unix:/absolute/path"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace pvpd::testing::ws
