// End to end through the example transport plugin (plugin-api/examples/echo-transport):
// bytes in over TCP, a message routed by the core, bytes out to every session member.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <fstream>
#include <string>

#include "pvpd_process.h"

namespace pvpd::testing {
namespace {

class EchoTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_file_ = dir_.path() / "port";
    cfg_ = dir_.write("pvpd.yaml",
                      "version: 1\n"
                      "daemon:\n"
                      "  state_dir: " + (dir_.path() / "state").string() + "\n"
                      "  plugin_dirs: [" PVPD_TEST_PLUGIN_DIR "]\n"
                      "plugins:\n"
                      "  - use: echo-transport\n"
                      "    id: echo\n"
                      "    config: {listen: \"127.0.0.1:0\", port_file: \"" +
                          port_file_.string() + "\"}\n");
    pvpd_ = std::make_unique<PvpdProcess>(cfg_, dir_.path());
    ASSERT_TRUE(pvpd_->wait_for_log("running: 1 plugin instance(s)")) << pvpd_->log();
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(port_file_); }));
    std::ifstream(port_file_) >> port_;
    ASSERT_GT(port_, 0);
  }

  TempDir dir_;
  std::filesystem::path port_file_;
  std::filesystem::path cfg_;
  std::unique_ptr<PvpdProcess> pvpd_;
  int port_ = 0;
};

rapidjson::Document parse(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

TEST_F(EchoTransportTest, MessageIsRoutedToEverySessionMember) {
  LineClient alice("127.0.0.1", port_), bob("127.0.0.1", port_);
  ASSERT_TRUE(alice.connected());
  ASSERT_TRUE(bob.connected());
  ASSERT_TRUE(bob.send_line(R"({"v":1,"type":"presence.update","session":"s1","sender":"bob"})"));
  auto bob_first = bob.read_line();
  ASSERT_TRUE(bob_first.has_value());
  ASSERT_TRUE(alice.send_line(
      R"({"v":1,"type":"prompt.submit","session":"s1","sender":"alice","payload":{"content":"hi"}})"));
  auto to_alice = alice.read_line();
  auto to_bob = bob.read_line();
  ASSERT_TRUE(to_alice.has_value());
  ASSERT_TRUE(to_bob.has_value());
  EXPECT_EQ(*to_alice, *to_bob) << "one serialization for every receiver";
  auto doc = parse(*to_bob);
  ASSERT_TRUE(doc.IsObject()) << *to_bob;
  EXPECT_STREQ(doc["type"].GetString(), "prompt.submit");
  EXPECT_STREQ(doc["sender"].GetString(), "alice");
  EXPECT_EQ(doc["seq"].GetUint64(), 2u);
  EXPECT_STREQ(doc["payload"]["content"].GetString(), "hi");
}

TEST_F(EchoTransportTest, MalformedFrameGetsAPreciseErrorAndTheDaemonLives) {
  LineClient c("127.0.0.1", port_);
  ASSERT_TRUE(c.send_line("{not json"));
  auto line = c.read_line();
  ASSERT_TRUE(line.has_value());
  auto doc = parse(*line);
  EXPECT_STREQ(doc["type"].GetString(), "error");
  EXPECT_STREQ(doc["payload"]["code"].GetString(), "INVALID_MESSAGE");
  EXPECT_NE(std::string(doc["payload"]["message"].GetString()).find("malformed JSON at offset 1"),
            std::string::npos);
  ASSERT_TRUE(c.send_line(R"({"type":"x","session":"s"})"));
  EXPECT_TRUE(c.read_line().has_value());
  EXPECT_TRUE(pvpd_->running());
}

TEST_F(EchoTransportTest, DisconnectedPeerStopsReceivingAndShutdownClosesConnections) {
  {
    LineClient gone("127.0.0.1", port_);
    ASSERT_TRUE(gone.send_line(R"({"type":"x","session":"s"})"));
    ASSERT_TRUE(gone.read_line().has_value());
  }
  LineClient stays("127.0.0.1", port_);
  ASSERT_TRUE(stays.send_line(R"({"type":"x","session":"s"})"));
  auto line = stays.read_line();
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(parse(*line)["seq"].GetUint64(), 2u);
  pvpd_->signal(SIGTERM);
  EXPECT_TRUE(stays.wait_closed());
  auto r = pvpd_->wait_exit();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0) << r->err;
}

}  // namespace
}  // namespace pvpd::testing
