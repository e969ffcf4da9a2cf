// McpClient against real MCP servers from npm (@modelcontextprotocol/server-everything, run by
// node from tests/node/node_modules) and against peers that are not MCP servers at all.
#include <gtest/gtest.h>
#include <signal.h>

#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/mcp_client.h"
#include "agent/mcp_tools.h"

namespace pvpd::agent {
namespace {

using namespace std::chrono_literals;

std::filesystem::path everything_js() {
  const char *src = std::getenv("PVPD_SOURCE_DIR");
  return std::filesystem::path(src == nullptr ? "." : src) /
         "tests/node/node_modules/@modelcontextprotocol/server-everything/dist/index.js";
}

McpServerConfig everything(const std::string &name = "every") {
  McpServerConfig c;
  c.name = name;
  c.command = {"node", everything_js().string(), "stdio"};
  c.startup_timeout_ms = 20000;
  c.call_timeout_ms = 20000;
  return c;
}

class McpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(everything_js())) {
      GTEST_SKIP() << "server-everything missing: run scripts/install-deps";
    }
  }
};

TEST_F(McpClientTest, NegotiatesListsAndCallsTools) {
  McpClient c(everything(), nullptr);
  ASSERT_EQ(c.connect(), "");
  EXPECT_EQ(c.protocol_version(), "2025-11-25");
  auto tools = c.tools();
  auto echo =
      std::find_if(tools.begin(), tools.end(), [](const McpTool &t) { return t.name == "echo"; });
  ASSERT_NE(echo, tools.end());
  EXPECT_NE(echo->input_schema_json.find("\"message\""), std::string::npos);
  tools::CancelToken none;
  McpCallResult r = c.call("echo", R"({"message":"hello pvpd"})", none);
  EXPECT_TRUE(r.success) << r.text;
  EXPECT_NE(r.text.find("hello pvpd"), std::string::npos) << r.text;
}

TEST_F(McpClientTest, IsErrorResultsAreFailures) {
  McpClient c(everything(), nullptr);
  ASSERT_EQ(c.connect(), "");
  tools::CancelToken none;
  McpCallResult bad = c.call("get-sum", R"({"a":"not a number"})", none);
  EXPECT_FALSE(bad.success) << "isError must not look like success";
  EXPECT_FALSE(bad.text.empty());
  McpCallResult unknown = c.call("no-such-tool", "{}", none);
  EXPECT_FALSE(unknown.success);
}

TEST_F(McpClientTest, CancelStopsAWaitingCallPromptly) {
  McpClient c(everything(), nullptr);
  ASSERT_EQ(c.connect(), "");
  tools::CancelToken cancel;
  std::thread canceler([&] {
    std::this_thread::sleep_for(300ms);
    cancel.cancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  McpCallResult r =
      c.call("trigger-long-running-operation", R"({"duration":30,"steps":30})", cancel);
  auto took = std::chrono::steady_clock::now() - t0;
  canceler.join();
  EXPECT_FALSE(r.success);
  EXPECT_TRUE(r.canceled);
  EXPECT_LT(took, 10s) << "a 30 s operation was not waited for";
  // The client is still usable after a cancellation.
  tools::CancelToken none;
  EXPECT_TRUE(c.call("echo", R"({"message":"after"})", none).success);
}

TEST_F(McpClientTest, CrashedServerIsRestartedOnTheNextCall) {
  McpClient c(everything(), nullptr);
  ASSERT_EQ(c.connect(), "");
  EXPECT_EQ(c.starts(), 1u);
  // Kill the server's whole process group behind the client's back.
  std::string out;
  tools::CancelToken none;
  ASSERT_TRUE(c.call("echo", R"({"message":"x"})", none).success);
  // The process group id is the server's pid; find it through /proc of our children.
  bool killed = false;
  for (const auto &e : std::filesystem::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream stat(e.path() / "stat");
    std::string line;
    std::getline(stat, line);
    auto rp = line.rfind(')');
    if (rp == std::string::npos) {
      continue;
    }
    std::istringstream rest(line.substr(rp + 2));
    char state;
    int ppid;
    rest >> state >> ppid;
    if (ppid == ::getpid()) {
      ::kill(std::stoi(name), SIGKILL);
      killed = true;
    }
  }
  ASSERT_TRUE(killed);
  for (int i = 0; i < 200 && c.alive(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(c.alive());
  McpCallResult r = c.call("echo", R"({"message":"back"})", none);
  EXPECT_TRUE(r.success) << r.text;
  EXPECT_EQ(c.starts(), 2u);
}

TEST_F(McpClientTest, ToolCatalogueOffersClassifiesAndRunsNamespacedTools) {
  McpServerConfig cfg = everything("every");
  cfg.tool_risk["get-sum"] = "critical";
  McpTools tools({cfg}, nullptr);
  tools.start();
  for (int i = 0; i < 400 && !tools.has("mcp__every__echo"); ++i) {
    tools.specs();  // rebuilds the catalogue once the server is up
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(tools.has("mcp__every__echo"));
  auto specs = tools.specs();
  auto echo = std::find_if(specs.begin(), specs.end(),
                           [](const ToolSpec &s) { return s.name == "mcp__every__echo"; });
  ASSERT_NE(echo, specs.end());
  EXPECT_FALSE(echo->description.empty());
  EXPECT_EQ(tools::risk_name(tools.classify("mcp__every__get-sum").risk), std::string("critical"));
  EXPECT_EQ(tools.classify("mcp__every__echo").category, "external_api");
  tools::CancelToken none;
  tools::ToolResult r = tools.run("mcp__every__echo", R"({"message":"cat"})", none);
  EXPECT_TRUE(r.success) << r.error;
  EXPECT_NE(r.output.find("cat"), std::string::npos);
  tools.stop();
}

TEST(McpClientPeers, NonMcpPeersFailInitializeClearly) {
  McpServerConfig missing;
  missing.name = "missing";
  missing.command = {"pvpd-no-such-program"};
  McpClient a(missing, nullptr);
  EXPECT_EQ(a.connect(), "'pvpd-no-such-program' was not found in PATH");

  McpServerConfig cat;  // echoes our own requests back: not a server
  cat.name = "cat";
  cat.command = {"cat"};
  cat.startup_timeout_ms = 3000;
  McpClient b(cat, nullptr);
  std::string err = b.connect();
  EXPECT_EQ(err.rfind("initialize failed", 0), 0u) << err;

  McpServerConfig silent;  // never answers
  silent.name = "silent";
  silent.command = {"sleep", "30"};
  silent.startup_timeout_ms = 500;
  McpClient d(silent, nullptr);
  EXPECT_EQ(d.connect(), "initialize failed: timed out after 500 ms");
}

TEST(McpToolNames, AreSanitisedAndCapped) {
  EXPECT_EQ(McpTools::exposed_name("fs", "read_file"), "mcp__fs__read_file");
  EXPECT_EQ(McpTools::exposed_name("my.server", "a/b c"), "mcp__my_server__a_b_c");
  std::string longname = McpTools::exposed_name("s", std::string(100, 'x'));
  EXPECT_EQ(longname.size(), 64u);
  EXPECT_NE(longname, McpTools::exposed_name("s", std::string(101, 'x')));
}

}  // namespace
}  // namespace pvpd::agent
