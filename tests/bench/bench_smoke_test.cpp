// Smoke test of the benchmark tools (docs/benchmarks.md): pvp-bench runs each scenario once at
// tiny sizes against a real pvpd (websocket plugin; for t140 also the t140 plugin) and against
// pvp-bare-broadcaster, and must exit 0 with a final JSON line that reports every message
// delivered exactly once, in order.
// No timing is asserted: this only proves the tools work, the numbers come from scripts/bench.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "pvpd_process.h"

namespace pvpd::testing {
namespace {

std::filesystem::path bin(const std::string &name) {
  return build_dir() / "bin" / name;
}

// The last non-empty line of `out`, parsed.
rapidjson::Document last_json(const std::string &out) {
  std::istringstream in(out);
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      last = line;
    }
  }
  rapidjson::Document d;
  d.Parse(last.c_str(), last.size());
  return d;
}

int read_port(const std::filesystem::path &file) {
  int port = 0;
  eventually([&] { return std::filesystem::exists(file); });
  std::ifstream(file) >> port;
  return port;
}

class BenchSmoke : public ::testing::Test {
 protected:
  // Runs pvp-bench and checks the summary line. Returns the parsed line for extra checks.
  rapidjson::Document bench(const std::vector<std::string> &args, int port, pid_t pid) {
    std::vector<std::string> argv = {bin("pvp-bench").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--port", std::to_string(port), "--server-pid", std::to_string(pid),
                             "--timeout", "20"});
    ProcessResult r = run_command(argv, std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    rapidjson::Document d = last_json(r.out);
    EXPECT_TRUE(d.IsObject()) << r.out;
    if (!d.IsObject()) {
      return d;
    }
    EXPECT_TRUE(d["ok"].GetBool()) << r.out;
    EXPECT_EQ(d["lost"].GetDouble(), 0) << r.out;
    EXPECT_EQ(d["duplicated"].GetDouble(), 0) << r.out;
    EXPECT_EQ(d["reordered"].GetDouble(), 0) << r.out;
    EXPECT_EQ(d["errors"].GetDouble(), 0) << r.out;
    EXPECT_EQ(d["delivered"].GetDouble(), d["expected"].GetDouble()) << r.out;
    return d;
  }
};

TEST_F(BenchSmoke, PvpdScenarios) {
  TempDir dir;
  auto port_file = dir.path() / "port";
  auto cfg = dir.write(
      "pvpd.yaml", config_prelude(dir, (build_dir() / "lib/pvpd/plugins").string()) +
                       websocket_plugin_yaml(port_file, "      max_connections_per_ip: 1000\n"));
  PvpdProcess pvpd(cfg, dir.path());
  ASSERT_TRUE(pvpd.wait_for_log("running: 1 plugin instance(s)")) << pvpd.log();
  const int port = read_port(port_file);
  ASSERT_GT(port, 0);

  auto d =
      bench({"fanout", "--receivers", "3", "--messages", "200", "--size", "64"}, port, pvpd.pid());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["delivered"].GetDouble(), 600);
  EXPECT_TRUE(d.HasMember("latency_us"));
  EXPECT_GT(d["server_peak_rss_kib"].GetDouble(), 0);
  // Open loop at a fixed rate, 1 KiB chunks.
  d = bench({"fanout", "--receivers", "2", "--messages", "50", "--size", "1024", "--rate", "500"},
            port, pvpd.pid());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["delivered"].GetDouble(), 100);
  d = bench(
      {"sessions", "--sessions", "3", "--participants", "3", "--rate", "50", "--duration", "0.5"},
      port, pvpd.pid());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["delivered"].GetDouble(), 3 * 2 * 25);
  d = bench({"connect", "--connections", "30", "--group", "5"}, port, pvpd.pid());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["delivered"].GetDouble(), 30);
  d = bench({"idle", "--connections", "20", "--hold", "0.2"}, port, pvpd.pid());
  ASSERT_TRUE(d.IsObject());
  EXPECT_TRUE(d.HasMember("server_kib_per_connection"));
  d = bench({"gates", "--messages", "20", "--window", "2"}, port, pvpd.pid());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["delivered"].GetDouble(), 20);
}

// pvpd with the websocket plugin and the t140 plugin: one UDP listener with the settings
// scripts/bench uses (no rate limit, sentence_settle 0) plus `extra` listener lines.
struct T140Daemon {
  TempDir dir;
  std::unique_ptr<PvpdProcess> pvpd;
  int port = 0;
  std::string t140_port;

  explicit T140Daemon(const std::string &extra = "") {
    auto ws_port_file = dir.path() / "port";
    auto t140_port_file = dir.path() / "t140-port";
    std::string yaml = config_prelude(dir, (build_dir() / "lib/pvpd/plugins").string()) +
                       websocket_plugin_yaml(ws_port_file) +
                       "  - use: t140\n"
                       "    id: rtt\n"
                       "    config:\n"
                       "      listeners:\n"
                       "        - name: bench\n"
                       "          port: 0\n"
                       "          port_file: \"" +
                       t140_port_file.string() +
                       "\"\n"
                       "          session: bench-t140\n"
                       "          rate_limit: {per_second: 0, burst: 0}\n"
                       "          sentence_settle: 0s\n" +
                       extra;
    pvpd = std::make_unique<PvpdProcess>(dir.write("pvpd.yaml", yaml), dir.path());
    if (pvpd->wait_for_log("running: 2 plugin instance(s)")) {
      port = read_port(ws_port_file);
      t140_port = std::to_string(read_port(t140_port_file));
    }
  }
};

// t140: RTP streams into the t140 plugin, transcripts counted by WebSocket observers; plain RTP
// in a closed loop, then RED at a fixed rate. Every packet's text must arrive intact, once, in
// order, at every observer.
TEST_F(BenchSmoke, T140) {
  T140Daemon d140(
      "          session_config: {require_approval_for: [],\n"
      "            default_gate_quorum: {type: any, count: 1},\n"
      "            allow_forks: true, max_participants: 100,\n"
      "            ordering_mode: causal, on_participant_timeout: wait,\n"
      "            heartbeat_interval_seconds: 3600, idle_timeout_seconds: 86400,\n"
      "            away_timeout_seconds: 86400}\n");
  ASSERT_GT(d140.port, 0) << d140.pvpd->log();
  const std::string &up = d140.t140_port;
  const pid_t pid = d140.pvpd->pid();

  // Closed loop: 2 streams x (20 packets + the warm-up) to 2 observers.
  auto d = bench({"t140", "--t140-port", up, "--streams", "2", "--receivers", "2", "--messages",
                  "20", "--window", "4", "--size", "64"},
                 d140.port, pid);
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["sent"].GetDouble(), 42);
  EXPECT_EQ(d["delivered"].GetDouble(), 84);
  EXPECT_EQ(d["garbled"].GetDouble(), 0);
  EXPECT_EQ(d["lost_chars"].GetDouble(), 0);
  EXPECT_TRUE(d.HasMember("latency_us"));
  EXPECT_TRUE(d.HasMember("server_cpu_us_per_packet"));
  // Open loop with two RED generations (the same session: the first run's streams are still
  // in it and are told apart by SSRC).
  d = bench({"t140", "--t140-port", up, "--streams", "2", "--rate", "50", "--duration", "0.4",
             "--size", "40", "--red", "2"},
            d140.port, pid);
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(d["delivered"].GetDouble(), 2 * 21);
  EXPECT_EQ(d["garbled"].GetDouble(), 0);
  EXPECT_EQ(d["lost_chars"].GetDouble(), 0);
}

// The comparison is not vacuous: a listener that cuts every 64-byte sentence in two (max_chunk
// 32) makes pvp-bench fail with the garbled transcript as its first error.
TEST_F(BenchSmoke, T140DetectsGarbledText) {
  T140Daemon d140("          max_chunk: 32\n");
  ASSERT_GT(d140.port, 0) << d140.pvpd->log();
  ProcessResult r = run_command(
      {bin("pvp-bench").string(), "t140", "--port", std::to_string(d140.port), "--t140-port",
       d140.t140_port, "--messages", "5", "--size", "64", "--timeout", "10"},
      std::chrono::seconds(30));
  EXPECT_NE(r.exit_code, 0) << r.out;
  rapidjson::Document d = last_json(r.out);
  ASSERT_TRUE(d.IsObject()) << r.out;
  EXPECT_FALSE(d["ok"].GetBool());
  EXPECT_GT(d["errors"].GetDouble(), 0);
  ASSERT_TRUE(d.HasMember("first_error")) << r.out;
  EXPECT_NE(std::string(d["first_error"].GetString()).find("text differs"), std::string::npos)
      << r.out;
}

TEST_F(BenchSmoke, BareBroadcaster) {
  TempDir dir;
  auto port_file = dir.path() / "port";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string b = bin("pvp-bare-broadcaster").string();
    std::string pf = port_file.string();
    execl(b.c_str(), b.c_str(), "--port", "0", "--port-file", pf.c_str(),
          static_cast<char *>(nullptr));
    _exit(127);
  }
  const int port = read_port(port_file);
  EXPECT_GT(port, 0);
  if (port > 0) {
    auto d =
        bench({"fanout", "--target", "bare", "--receivers", "3", "--messages", "200"}, port, pid);
    ASSERT_TRUE(d.IsObject());
    EXPECT_EQ(d["delivered"].GetDouble(), 600);
    bench({"connect", "--target", "bare", "--connections", "20"}, port, pid);
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// A wrong invocation is a usage error, not a silent pass.
TEST(BenchSmokeUsage, RejectsBadArguments) {
  ProcessResult r = run_command({bin("pvp-bench").string(), "fanout"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_command({bin("pvp-bench").string(), "nonsense", "--port", "1"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_command({bin("pvp-bench").string(), "t140", "--port", "1"});  // no --t140-port
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace pvpd::testing
