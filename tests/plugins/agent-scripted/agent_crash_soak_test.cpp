// Crash soak (label `soak`): the real pvpd with the websocket transport and the scripted agent,
// killed with SIGKILL at random moments while a human prompts, the agent streams and proposes
// gated file writes, and the human approves. After every restart:
//  - every recorded frame the human received before the crash is in the session's history, in
//    order, exactly once (pvpd journals before it delivers);
//  - no gate the human saw decided comes back as pending;
//  - a second human resuming from the last seq he received gets exactly the recorded frames
//    after it (no gap, nothing twice);
// and at the end the journal's hash chain verifies with pvpctl.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "agent_session.h"

namespace pvpd::testing::agent {
namespace {

using namespace std::chrono_literals;

class Restartable {
 public:
  Restartable() {
    cfg_ = dir_.write(
        "pvpd.yaml",
        "version: 1\n"
        "daemon:\n"
        "  state_dir: " +
            (dir_.path() / "state").string() +
            "\n"
            "  plugin_dirs: [" +
            (build_dir() / "lib/pvpd/plugins").string() +
            "]\n"
            "  journal: {fsync: batch}\n"
            "plugins:\n"
            "  - use: websocket\n"
            "    id: ws\n"
            "    config:\n"
            "      listen: [\"127.0.0.1:0\"]\n"
            "      port_file: \"" +
            (dir_.path() / "port").string() +
            "\"\n"
            "  - use: agent-scripted\n"
            "    id: demo\n"
            "    config: {auto_join: true, pace: 1ms, chunk_chars: 4, rules: [{match: \".*\", "
            "think: [\"thinking about it\"], respond: \"writing the file for {prompt}\", "
            "tools: [{name: file_write, input: {path: \"soak.txt\", content: \"x\"}}], "
            "after_tools: \"done\", after_refusal: \"refused\"}]}\n");
  }
  int start() {
    std::filesystem::remove(dir_.path() / "port");
    pvpd_ = std::make_unique<PvpdProcess>(cfg_, dir_.path());
    if (!pvpd_->wait_for_log("running: 2 plugin instance(s)")) {
      return 0;
    }
    if (!eventually([&] { return std::filesystem::exists(dir_.path() / "port"); })) {
      return 0;
    }
    int port = 0;
    std::ifstream(dir_.path() / "port") >> port;
    return port;
  }
  void crash() {
    pvpd_->signal(SIGKILL);
    auto r = pvpd_->wait_exit();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->signal, SIGKILL);
  }
  PvpdProcess &process() { return *pvpd_; }
  const TempDir &dir() const { return dir_; }

 private:
  TempDir dir_;
  std::filesystem::path cfg_;
  std::unique_ptr<PvpdProcess> pvpd_;
};

std::string resuming_join_frame(const std::string &session, const std::string &id,
                                uint64_t resume_from) {
  return R"({"v":1,"type":"session.join","session":")" + session + R"(","sender":")" + id +
         R"(","payload":{"participant":{"id":")" + id + R"(","name":")" + id +
         R"(","type":"human","roles":["driver","approver"],"transport":"websocket",)"
         R"("capabilities":["prompt","approve"],"metadata":{"resume_from":)" +
         std::to_string(resume_from) + R"(}},"supported_versions":[1]}})";
}

bool recorded(const std::string &type) {
  return type != "thinking.chunk" && type != "response.chunk" && type != "tool.output" &&
         type != "heartbeat.ping" && type != "heartbeat.pong" && type != "error";
}

int iterations() {
  const char *env = std::getenv("PVPD_SOAK_ITERATIONS");
  return env != nullptr ? std::max(1, std::atoi(env)) : 50;
}

TEST(AgentCrashSoak, AcknowledgedFramesAndDecisionsSurviveRandomKills) {
  Restartable d;
  std::mt19937 rng(20261206);
  struct Seen {
    uint64_t seq;
    std::string id;
    std::string type;
    std::string gate;  // gate.request: the gate (= proposal) id
  };
  std::vector<Seen> seen;               // recorded frames received live
  std::set<std::string> decided_gates;  // executed or rejected, seen live
  uint64_t bob_cursor = 0;  // the last seq bob received: he resumes from it after each crash
  const int n = iterations();
  for (int it = 0; it < n; ++it) {
    int port = d.start();
    ASSERT_GT(port, 0) << d.process().log();
    ws::ClientOptions o;
    o.port = port;
    WsClient alice(o);
    ASSERT_TRUE(alice.wait_open());
    if (it == 0) {
      ASSERT_TRUE(alice.send_text(create_frame("soak", "alice", session_config_json(1))));
    }
    ASSERT_TRUE(alice.send_text(human_join_frame("soak", "alice", {"driver", "approver"})));
    // The join reply: history (with seq), the working-directory context, our own announce.
    std::map<std::string, uint64_t> history;  // id -> seq
    std::set<std::string> open_gates;         // gate.request resent for open gates
    std::set<std::string> decided_in_history;
    std::vector<uint64_t> order;
    bool after_context = false;
    bool agent_present = false;
    for (;;) {
      auto m = alice.next(15s);
      ASSERT_TRUE(m.has_value()) << "iteration " << it << ": join reply incomplete\n"
                                 << d.process().log();
      auto f = ws::parse(m->data);
      std::string type = str(f, "type");
      if (type == "context.add" && str(f, "sender") == "system") {
        after_context = true;
      }
      if ((type == "session.join" && str(f, "sender") == "demo") ||
          (type == "participant.announce" && str(f["payload"], "id") == "demo")) {
        agent_present = true;
      }
      if (type == "tool.execute") {
        decided_in_history.insert(str(f["payload"], "tool_proposal"));
      } else if (type == "gate.reject" || type == "gate.timeout") {
        decided_in_history.insert(str(f["payload"], "gate"));
      }
      if (type == "gate.request") {
        std::string ref = str(f["payload"], "action_ref");
        open_gates.insert(ref);
        EXPECT_EQ(decided_gates.count(ref), 0u)
            << "iteration " << it << ": gate " << ref << " was decided before the crash";
      }
      if (after_context && type == "participant.announce" && str(f["payload"], "id") == "alice") {
        break;
      }
      // gate.request is resent with its original seq; session.create is recorded, not replayed.
      if (f.HasMember("seq") && f["seq"].IsUint64() && type != "gate.request" &&
          type != "session.create") {
        uint64_t seq = f["seq"].GetUint64();
        EXPECT_EQ(history.count(str(f, "id")), 0u) << "duplicate in history: " << str(f, "id");
        history[str(f, "id")] = seq;
        order.push_back(seq);
      }
    }
    for (size_t i = 1; i < order.size(); ++i) {
      EXPECT_LT(order[i - 1], order[i]) << "iteration " << it << ": history out of order";
    }
    for (const Seen &f : seen) {
      if (f.type == "gate.request") {
        // Requests are not replayed as history: an open gate's request is resent, a decided
        // one's decision is in the history.
        EXPECT_TRUE(open_gates.count(f.gate) + decided_in_history.count(f.gate) == 1)
            << "iteration " << it << ": gate " << f.gate << " is neither open nor decided";
        continue;
      }
      auto h = history.find(f.id);
      ASSERT_NE(h, history.end()) << "iteration " << it << ": " << f.type << " " << f.id << " (seq "
                                  << f.seq << ") was delivered before the crash and is gone";
      EXPECT_EQ(h->second, f.seq);
    }
    // bob resumes from his cursor: exactly the recorded frames after it, no gap, no duplicate.
    WsClient bob(o);
    ASSERT_TRUE(bob.wait_open());
    ASSERT_TRUE(bob.send_text(resuming_join_frame("soak", "bob", bob_cursor)));
    {
      uint64_t alice_max = order.empty() ? 0 : order.back();
      std::set<uint64_t> replayed;
      bool bob_after_context = false;
      for (;;) {
        auto m = bob.next(15s);
        ASSERT_TRUE(m.has_value()) << "iteration " << it << ": bob's resume incomplete";
        auto f = ws::parse(m->data);
        std::string type = str(f, "type");
        if (type == "context.add" && str(f, "sender") == "system") {
          bob_after_context = true;
        }
        if (bob_after_context && type == "participant.announce" &&
            str(f["payload"], "id") == "bob") {
          break;
        }
        if (type == "gate.request" || !f.HasMember("seq") || !f["seq"].IsUint64()) {
          continue;
        }
        uint64_t seq = f["seq"].GetUint64();
        EXPECT_GT(seq, bob_cursor)
            << "iteration " << it << ": " << type << " replayed although bob had it (resume_from "
            << bob_cursor << ")";
        EXPECT_TRUE(replayed.insert(seq).second)
            << "iteration " << it << ": seq " << seq << " replayed twice";
      }
      for (const auto &[id, seq] : history) {
        if (seq > bob_cursor && seq <= alice_max) {
          EXPECT_EQ(replayed.count(seq), 1u)
              << "iteration " << it << ": resume from " << bob_cursor << " skipped seq " << seq;
        }
      }
      if (!replayed.empty()) {
        bob_cursor = std::max(bob_cursor, *replayed.rbegin());
      }
    }
    if (!agent_present) {  // first run: the agent joins as it sees the session appear
      ASSERT_TRUE(
          wait_type(alice, "participant.announce",
                    [](const rapidjson::Document &f) { return str(f["payload"], "id") == "demo"; })
              .has_value())
          << d.process().log();
    }
    // Traffic: a prompt makes the agent think, stream and propose; alice approves some.
    ASSERT_TRUE(alice.send_text(prompt_frame("soak", "alice", "demo", "p" + std::to_string(it))));
    int budget = std::uniform_int_distribution<int>(0, 60)(rng);
    for (int i = 0; i < budget; ++i) {
      auto m = alice.next(1500ms);  // quiet: the agent waits on a gate alice left open
      if (!m) {
        break;
      }
      auto f = ws::parse(m->data);
      std::string type = str(f, "type");
      if (f.HasMember("seq") && f["seq"].IsUint64() && recorded(type)) {
        seen.push_back(
            Seen{f["seq"].GetUint64(), str(f, "id"), type, str(f["payload"], "action_ref")});
      }
      if (type == "tool.propose" && std::uniform_int_distribution<int>(0, 3)(rng) != 0) {
        bool approve = std::uniform_int_distribution<int>(0, 2)(rng) != 0;
        alice.send_text(vote_frame("soak", "alice", str(f, "id"), approve, "soak says no"));
      }
      if (type == "tool.execute") {
        decided_gates.insert(str(f["payload"], "tool_proposal"));
      }
      if (type == "gate.reject") {
        decided_gates.insert(str(f["payload"], "gate"));
      }
    }
    // What bob received live moves his cursor (he may have received more than alice read).
    while (auto m = bob.next(200ms)) {
      auto f = ws::parse(m->data);
      if (str(f, "type") != "gate.request" && f.HasMember("seq") && f["seq"].IsUint64()) {
        bob_cursor = std::max(bob_cursor, f["seq"].GetUint64());
      }
    }
    d.crash();
  }
  EXPECT_GT(seen.size(), static_cast<size_t>(n)) << "the soak drove too little traffic";
  auto verify = run_command({(build_dir() / "bin" / "pvpctl").string(), "--state-dir",
                             (d.dir().path() / "state").string(), "verify", "--all"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace pvpd::testing::agent
