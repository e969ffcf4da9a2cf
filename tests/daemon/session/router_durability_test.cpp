// Durability through the router: nothing is delivered before its record is committed, and a
// new router restores sessions (participants, context, open gates, seq) from the journal.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "journal/journal_store.h"
#include "router_test_util.h"
#include "util/asio.h"

namespace pvpd::testing {
namespace {

using H = ProtocolHarness;

class RouterDurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pvpd-durability-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    opts_.dir = dir_.string();
    opts_.fsync = journal::FsyncMode::kBatch;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<journal::JournalStore> open_store() {
    auto store = std::make_unique<journal::JournalStore>(io_, opts_);
    EXPECT_TRUE(store->start().is_ok());
    return store;
  }
  // A fresh store that has scanned its directory, as the daemon does before any frame.
  std::unique_ptr<journal::JournalStore> open_recovered_store() {
    auto store = open_store();
    store->recover();
    return store;
  }
  // Runs journal callbacks until the writer has been idle for a while (bounded).
  void run_io() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    int idle = 0;
    while (idle < 50 && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      idle = io_.poll() > 0 ? 0 : idle + 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  asio::io_context io_;
  journal::JournalOptions opts_;
  std::filesystem::path dir_;
};

TEST_F(RouterDurabilityTest, DeliveryWaitsForTheCommit) {
  auto store = open_recovered_store();
  H h;
  h.router().set_journal(store.get());
  auto a = h.connect();
  h.send(a, H::create("s1", "a"));
  h.send(a, H::join("s1", "a", "human", R"(["driver"])"));
  EXPECT_TRUE(h.take(a).empty()) << "nothing may be seen before it is durable";
  run_io();
  EXPECT_EQ(h.types(a), (std::vector<std::string>{"session.create", "session.join", "context.add",
                                                  "participant.announce"}));
  auto records = store->read("s1");
  ASSERT_TRUE(records.is_ok());
  ASSERT_EQ(records.value().size(), 2u);
  EXPECT_NE(records.value()[1].message.find("\"session.join\""), std::string::npos);
  h.router().set_journal(nullptr);
  store->stop();
}

TEST_F(RouterDurabilityTest, RestartRestoresParticipantsContextGatesAndSeq) {
  uint64_t seq_before = 0;
  {
    auto store = open_recovered_store();
    H h;
    h.router().set_journal(store.get());
    auto a = h.connect();
    h.send(
        a,
        H::create(
            "s1", "a",
            R"({"require_approval_for":["shell_execute"],"default_gate_quorum":{"type":"any","count":1},)"
            R"("allow_forks":true,"max_participants":10,"ordering_mode":"total",)"
            R"("on_participant_timeout":"wait","heartbeat_interval_seconds":3600,)"
            R"("idle_timeout_seconds":3600,"away_timeout_seconds":7200})"));
    h.send(a, H::join("s1", "a", "human", R"(["driver","approver"])"));
    auto agent = h.connect();
    h.send(agent, H::join("s1", "agent", "agent", R"(["navigator"])"));
    h.send(a,
           H::frame(
               "context.add", "s1", "a",
               R"({"key":"k","content_type":"text","content":"private","visible_to":["agent"]})"));
    h.send(a, H::frame("secret.share", "s1", "a",
                       R"({"key":"db","scope":["agent"],"value_ref":"TOPSECRET"})"));
    h.send(agent,
           H::frame(
               "tool.propose", "s1", "agent",
               R"({"tool_name":"bash","arguments":{"cmd":"ls"},"agent":"agent","risk_level":"low",)"
               R"("description":"d","requires_approval":false,"category":"shell_execute"})",
               R"(,"id":"p1")"));
    run_io();
    seq_before = h.router().last_seq("s1");
    h.router().set_journal(nullptr);
    store->stop();
  }
  // The process is gone; a new one starts from the journal alone.
  for (const auto &entry : std::filesystem::directory_iterator(dir_)) {
    std::ifstream in(entry.path());
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(all.find("TOPSECRET"), std::string::npos) << "secret in clear in " << entry.path();
  }
  auto store = open_store();
  H h;
  auto report = h.router().restore(store->recover());
  ASSERT_EQ(report.size(), 1u);
  EXPECT_NE(report[0].find("restored"), std::string::npos) << report[0];
  EXPECT_NE(report[0].find("1 open gate(s)"), std::string::npos) << report[0];
  h.router().set_journal(store.get());
  const auto *s = h.router().find_session("s1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->seq, seq_before);
  EXPECT_EQ(s->participants.size(), 2u);
  EXPECT_EQ(s->participants[0].presence, "disconnected");
  EXPECT_EQ(s->config.require_approval_for, std::vector<std::string>{"shell_execute"});
  EXPECT_EQ(s->context.count("k"), 1u);

  // The approver comes back, sees the open gate and approves it: the agent's tool runs.
  auto a = h.connect();
  h.send(a, H::join("s1", "a", "human", R"(["driver","approver"])"));
  auto agent = h.connect();
  h.send(agent, H::join("s1", "agent", "agent", R"(["navigator"])"));
  run_io();
  bool saw_private = false;
  for (auto &f : h.take(a)) {
    saw_private = saw_private || f.json.find("private") != std::string::npos;
  }
  EXPECT_FALSE(saw_private) << "visibility survives the restart";
  h.clear_all();
  h.send(a, H::frame("gate.approve", "s1", "a", R"({"gate":"p1","approver":"a"})"));
  run_io();
  auto got = h.take(agent);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].type(), "tool.execute");
  EXPECT_GT(got[1].doc["seq"].GetUint64(), seq_before) << "seq continues after the restart";
  h.router().set_journal(nullptr);
  store->stop();
}

TEST_F(RouterDurabilityTest, HeldContextSurvivesARestartAndIsAppliedOnceApproved) {
  const std::string config =
      R"({"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},)"
      R"("allow_forks":true,"max_participants":10,"ordering_mode":"total",)"
      R"("on_participant_timeout":"wait","heartbeat_interval_seconds":3600,)"
      R"("idle_timeout_seconds":3600,"away_timeout_seconds":7200})";
  {
    auto store = open_recovered_store();
    H h;
    h.router().set_journal(store.get());
    auto a = h.connect();
    h.send(a, H::create("s1", "a", config));
    h.send(a, H::join("s1", "a", "human", R"(["driver","approver"])"));
    auto b = h.connect();
    h.send(b, H::join("s1", "b", "human", R"(["approver"])"));
    h.send(a, H::frame("context.add", "s1", "a",
                       R"({"key":"t","content_type":"audio_transcript","content":"held words",)"
                       R"("requires_approval":true})",
                       R"(,"id":"c1")"));
    run_io();
    h.router().set_journal(nullptr);
    store->stop();
  }
  auto store = open_store();
  H h;
  auto report = h.router().restore(store->recover());
  ASSERT_EQ(report.size(), 1u);
  EXPECT_NE(report[0].find("1 open gate(s)"), std::string::npos) << report[0];
  h.router().set_journal(store.get());
  const auto *s = h.router().find_session("s1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->context.count("t"), 0u) << "a held change is not applied by the restore";
  auto a = h.connect();
  h.send(a, H::join("s1", "a", "human", R"(["driver","approver"])"));
  auto b = h.connect();
  h.send(b, H::join("s1", "b", "human", R"(["approver"])"));
  run_io();
  // The proposer still cannot approve its own change after the restart.
  h.clear_all();
  h.send(a, H::frame("gate.approve", "s1", "a", R"({"gate":"c1","approver":"x"})"));
  run_io();
  EXPECT_EQ(h.take(a).back().str("code"), "UNAUTHORIZED");
  h.send(b, H::frame("gate.approve", "s1", "b", R"({"gate":"c1","approver":"x"})"));
  run_io();
  auto got = h.take(a);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].type(), "context.add");
  EXPECT_EQ(got[1].str("content"), "held words");
  EXPECT_EQ(s->context.count("t"), 1u);
  h.router().set_journal(nullptr);
  store->stop();
  // A second restart replays the approved change as applied, with no open gate.
  auto store2 = open_store();
  H h2;
  auto report2 = h2.router().restore(store2->recover());
  ASSERT_EQ(report2.size(), 1u);
  EXPECT_NE(report2[0].find(" 0 open gate(s)"), std::string::npos) << report2[0];
  EXPECT_EQ(h2.router().find_session("s1")->context.count("t"), 1u);
  EXPECT_TRUE(h2.router().find_session("s1")->held_context.empty());
  store2->stop();
}

}  // namespace
}  // namespace pvpd::testing
