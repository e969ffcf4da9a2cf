// End to end through the example transport plugin (plugin-api/examples/echo-transport):
// bytes in over TCP, a message routed by the core, bytes out to every session member.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <fstream>
#include <string>
#include <vector>

#include "pvpd_process.h"

namespace pvpd::testing {
namespace {

class EchoTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = write_echo_config(dir_, PVPD_TEST_PLUGIN_DIR);
    pvpd_ = std::make_unique<PvpdProcess>(cfg_, dir_.path());
    ASSERT_TRUE(pvpd_->wait_for_log("running: 1 plugin instance(s)")) << pvpd_->log();
    port_ = read_echo_port(dir_);
    ASSERT_GT(port_, 0);
  }

  TempDir dir_;
  std::filesystem::path cfg_;
  std::unique_ptr<PvpdProcess> pvpd_;
  int port_ = 0;
};

rapidjson::Document parse(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

// Sends a join and reads the reply sequence up to and including the joiner's own announce.
std::vector<std::string> join(LineClient &c, const std::string &id, const std::string &type,
                              const std::string &roles) {
  EXPECT_TRUE(c.send_line(R"({"v":1,"type":"session.join","session":"s1","sender":")" + id +
                          R"(","payload":{"participant":{"id":")" + id + R"(","name":")" + id +
                          R"(","type":")" + type + R"(","roles":)" + roles +
                          R"(,"transport":"websocket"},"supported_versions":[1]}})"));
  std::vector<std::string> got;
  while (auto line = c.read_line()) {
    got.push_back(*line);
    auto d = parse(*line);
    if (d.IsObject() && std::string(d["type"].GetString()) == "participant.announce" &&
        std::string(d["sender"].GetString()) == id) {
      break;
    }
  }
  return got;
}

TEST_F(EchoTransportTest, MessageIsRoutedToEverySessionMember) {
  LineClient alice("127.0.0.1", port_), bob("127.0.0.1", port_);
  ASSERT_TRUE(alice.connected());
  ASSERT_TRUE(bob.connected());
  auto a = join(alice, "alice", "human", R"(["driver"])");
  ASSERT_EQ(a.size(), 3u) << "history (own join), working directory, own announce";
  auto b = join(bob, "bob", "agent", R"(["navigator"])");
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(std::string(parse(b[0])["sender"].GetString()), "alice")
      << "existing participant first";
  ASSERT_TRUE(alice.read_line().has_value());  // bob's announce
  ASSERT_TRUE(alice.send_line(
      R"({"v":1,"type":"prompt.submit","session":"s1","sender":"alice","payload":{"content":"hi",)"
      R"("target_agent":"bob","contributors":[],"context_keys":[]}})"));
  auto to_alice = alice.read_line();
  auto to_bob = bob.read_line();
  ASSERT_TRUE(to_alice.has_value());
  ASSERT_TRUE(to_bob.has_value());
  EXPECT_EQ(*to_alice, *to_bob) << "one serialization for every receiver";
  auto doc = parse(*to_bob);
  ASSERT_TRUE(doc.IsObject()) << *to_bob;
  EXPECT_STREQ(doc["type"].GetString(), "prompt.submit");
  EXPECT_STREQ(doc["sender"].GetString(), "alice");
  EXPECT_EQ(doc["seq"].GetUint64(), 3u);
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
  EXPECT_EQ(join(c, "carol", "human", R"(["driver"])").size(), 3u) << "still usable";
  EXPECT_TRUE(pvpd_->running());
}

TEST_F(EchoTransportTest, DisconnectIsAnnouncedAndShutdownEndsSessionsBeforeClosing) {
  LineClient stays("127.0.0.1", port_);
  join(stays, "alice", "human", R"(["driver"])");
  {
    LineClient gone("127.0.0.1", port_);
    join(gone, "bob", "human", R"(["driver"])");
    ASSERT_TRUE(stays.read_line().has_value());  // bob's announce
  }
  auto leave = stays.read_line();
  ASSERT_TRUE(leave.has_value());
  EXPECT_STREQ(parse(*leave)["type"].GetString(), "session.leave");
  EXPECT_STREQ(parse(*leave)["sender"].GetString(), "bob");
  auto presence = stays.read_line();
  ASSERT_TRUE(presence.has_value());
  EXPECT_STREQ(parse(*presence)["payload"]["status"].GetString(), "disconnected");
  pvpd_->signal(SIGTERM);
  auto end = stays.read_line();
  ASSERT_TRUE(end.has_value()) << "session.end must arrive before the socket closes";
  EXPECT_STREQ(parse(*end)["type"].GetString(), "session.end");
  EXPECT_STREQ(parse(*end)["payload"]["reason"].GetString(), "Server shutdown");
  EXPECT_TRUE(stays.wait_closed());
  auto r = pvpd_->wait_exit();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0) << r->err;
}

}  // namespace
}  // namespace pvpd::testing
