// Durability through the real daemon: a client's session survives `kill -9` at random moments.
// Every frame the client received before the crash is in the session's history after the
// restart, in the same order, without duplicates, and the journal's hash chain verifies.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "pvpd_process.h"

namespace pvpd::testing {
namespace {

rapidjson::Document parse(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

class CrashRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = write_echo_config(dir_, PVPD_TEST_PLUGIN_DIR, "  journal: {fsync: batch}\n");
  }

  // Starts pvpd and returns the echo transport's port.
  int start() {
    std::filesystem::remove(dir_.path() / "port");
    pvpd_ = std::make_unique<PvpdProcess>(cfg_, dir_.path());
    EXPECT_TRUE(pvpd_->wait_for_log("running: 1 plugin instance(s)")) << pvpd_->log();
    int port = read_echo_port(dir_);
    return port;
  }

  // Joins as alice and returns the seq-stamped frames replayed from history.
  std::vector<std::pair<uint64_t, std::string>> join(LineClient &c) {
    EXPECT_TRUE(c.send_line(
        R"({"v":1,"type":"session.join","session":"crash","sender":"alice","payload":)"
        R"({"participant":{"id":"alice","name":"Alice","type":"human","roles":["driver"],)"
        R"("transport":"websocket"},"supported_versions":[1]}})"));
    std::vector<std::pair<uint64_t, std::string>> history;
    // A re-join first gets the stale announce of alice's own earlier entry (as the reference
    // sends it); the sequence ends with the announce after the working-directory context.
    bool saw_working_directory = false;
    while (auto line = c.read_line(std::chrono::seconds(10))) {
      auto d = parse(*line);
      if (!d.IsObject()) {
        break;
      }
      std::string type = d["type"].GetString();
      if (type == "context.add" && std::string(d["sender"].GetString()) == "system") {
        saw_working_directory = true;
      }
      if (saw_working_directory && type == "participant.announce" &&
          std::string(d["sender"].GetString()) == "alice") {
        break;
      }
      if (d.HasMember("seq")) {
        history.emplace_back(d["seq"].GetUint64(), d["id"].GetString());
      }
    }
    return history;
  }

  TempDir dir_;
  std::filesystem::path cfg_;
  std::unique_ptr<PvpdProcess> pvpd_;
};

TEST_F(CrashRecoveryTest, AcknowledgedFramesSurviveKillDashNine) {
  std::mt19937 rng(20261122);
  std::vector<std::pair<uint64_t, std::string>> seen_live;  // (seq, id) the client received
  constexpr int kIterations = 10;
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    int port = start();
    ASSERT_GT(port, 0);
    LineClient alice("127.0.0.1", port);
    ASSERT_TRUE(alice.connected());
    auto history = join(alice);
    // Everything seen live before the crash is in the history, in order, exactly once.
    std::set<std::string> replayed_ids;
    uint64_t last_seq = 0;
    for (const auto &[seq, id] : history) {
      EXPECT_GT(seq, last_seq) << "history out of order or duplicated at seq " << seq;
      last_seq = seq;
      replayed_ids.insert(id);
    }
    for (const auto &[seq, id] : seen_live) {
      EXPECT_EQ(replayed_ids.count(id), 1u)
          << "iteration " << iteration << ": frame seq " << seq << " (" << id
          << ") was delivered before the crash but is missing after the restart";
    }
    // Drive traffic, then crash at a random moment with frames in flight.
    int sends = std::uniform_int_distribution<int>(1, 30)(rng);
    for (int i = 0; i < sends; ++i) {
      ASSERT_TRUE(alice.send_line(
          R"({"v":1,"type":"prompt.draft","session":"crash","sender":"alice","payload":)"
          R"({"content":"draft )" +
          std::to_string(iteration) + "-" + std::to_string(i) + R"(","contributors":[]}})"));
    }
    int to_read = std::uniform_int_distribution<int>(0, sends)(rng);
    for (int i = 0; i < to_read; ++i) {
      auto line = alice.read_line(std::chrono::seconds(10));
      ASSERT_TRUE(line.has_value());
      auto d = parse(*line);
      if (d.IsObject() && d.HasMember("seq")) {
        seen_live.emplace_back(d["seq"].GetUint64(), d["id"].GetString());
      }
    }
    pvpd_->signal(SIGKILL);
    auto r = pvpd_->wait_exit();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->signal, SIGKILL);
  }
  // The journal verifies with the offline tool.
  auto verify = run_command({(build_dir() / "bin" / "pvpctl").string(), "--state-dir",
                             (dir_.path() / "state").string(), "verify", "--all"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace pvpd::testing
