// The agents' git_commit tool (plugins/common/tools/git_commit_tool.h) against the real bridge
// API on a loopback port, without a daemon: the tool finds the bridge through the workspace
// repository's pvp.bridgeurl and the commit carries the session's trailers; without a bridge,
// with a non-loopback URL, with paths outside the workspace or nothing to commit it fails and
// commits nothing. Also its classification (gated like a file_write).
#include <git2.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "bridge_api.h"
#include "bridge_servers.h"
#include "commit_metadata.h"
#include "decision_state.h"
#include "git_test_util.h"
#include "repo.h"
#include "tools/git_commit_tool.h"
#include "tools/tool_runtime.h"

namespace pvpd::git_bridge {
namespace {

using pvpd::testing::TempDir;
using pvpd::testing::git::frame;
using pvpd::testing::git::git;

tools::ToolResult run(tools::ToolRuntime &rt, const std::string &json) {
  tools::CancelToken cancel;
  return rt.run("git_commit", json, nullptr, cancel);
}

class GitCommitTool : public ::testing::Test {
 protected:
  void SetUp() override {
    git_libgit2_init();
    repo_ = std::filesystem::canonical(dir_.path()) / "ws";
    ASSERT_TRUE(ensure_repository(repo_.string(), true).ok);
    api_ = std::make_unique<BridgeApi>(&tracker_, ApiConfig{});
    ServerConfig sc;
    sc.port = 0;
    servers_ = std::make_unique<BridgeServers>(api_.get(), sc);
    ASSERT_EQ(servers_->start(), "");
    url_ = "http://127.0.0.1:" + std::to_string(servers_->http_port());
    tracker_.observe(frame("ses-t", "participant.announce", "claude", "a1",
                           R"({"id":"claude","name":"Claude","type":"agent","roles":[]})"));
    tracker_.observe(frame("ses-t", "prompt.submit", "alice", "p1", R"({"content":"commit"})"));
    tracker_.observe(frame("ses-t", "tool.propose", "claude", "tp1",
                           R"({"tool_name":"git_commit","arguments":{}})"));
    tracker_.observe(frame("ses-t", "gate.approve", "alice", "g1", R"({"gate":"tp1"})"));
    tracker_.set_repository("ses-t", repo_.string());
    tools::RuntimeOptions o;
    o.workspace = repo_.string();
    rt_ = std::make_unique<tools::ToolRuntime>(o);
  }
  void TearDown() override {
    servers_->stop();
    git_libgit2_shutdown();
  }

  TempDir dir_;
  std::filesystem::path repo_;
  DecisionTracker tracker_;
  std::unique_ptr<BridgeApi> api_;
  std::unique_ptr<BridgeServers> servers_;
  std::string url_;
  std::unique_ptr<tools::ToolRuntime> rt_;
};

TEST_F(GitCommitTool, CommitsThroughTheBridgeWithTrailers) {
  ASSERT_TRUE(set_repo_config(repo_.string(), "pvp.bridgeurl", url_).ok);
  dir_.write("ws/a.txt", "a\n");
  dir_.write("ws/b.txt", "b\n");
  tools::ToolResult r = run(*rt_, R"({"message":"feat: a only","paths":["a.txt"]})");
  ASSERT_TRUE(r.success) << r.error;
  std::string sha = git(repo_, {"rev-parse", "HEAD"}).out.substr(0, 40);
  EXPECT_EQ(r.output, "committed " + sha + "\n");
  EXPECT_EQ(git(repo_, {"show", "--name-only", "--format=", "HEAD"}).out, "a.txt\n");
  auto msg = commit_message(repo_.string(), sha);
  ASSERT_TRUE(msg);
  Trailers t = parse_trailers(*msg);
  ASSERT_GE(t.size(), 2u);
  EXPECT_EQ(t[0], (std::pair<std::string, std::string>{"PVP-Session", "ses-t"}));
  EXPECT_TRUE(read_note(repo_.string(), "refs/notes/pvp", sha));
  // The rest, then nothing left: the bridge's "nothing to commit" reaches the model.
  ASSERT_TRUE(run(*rt_, R"({"message":"feat: b"})").success);
  tools::ToolResult none = run(*rt_, R"({"message":"again"})");
  EXPECT_FALSE(none.success);
  EXPECT_NE(none.error.find("nothing to commit"), std::string::npos) << none.error;
}

TEST_F(GitCommitTool, RefusesWithoutABridgeOrOutsideTheWorkspace) {
  dir_.write("ws/a.txt", "a\n");
  tools::ToolResult r = run(*rt_, R"({"message":"x"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("no git bridge"), std::string::npos) << r.error;
  ASSERT_TRUE(set_repo_config(repo_.string(), "pvp.bridgeurl", "http://example.com:80").ok);
  r = run(*rt_, R"({"message":"x"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("not a loopback"), std::string::npos) << r.error;
  ASSERT_TRUE(set_repo_config(repo_.string(), "pvp.bridgeurl", url_).ok);
  for (const char *bad :
       {R"({"message":"x","paths":["../out"]})", R"({"message":"x","paths":["/etc/passwd"]})",
        R"({"message":"x","paths":[".git/config"]})", R"({"message":"x","paths":["."]})",
        R"({"message":"  "})", R"({"message":"x","paths":"a.txt"})", R"({"message":"x","extra":1})",
        R"({})", "[1"}) {
    r = run(*rt_, bad);
    EXPECT_FALSE(r.success) << bad;
  }
  EXPECT_EQ(git(repo_, {"rev-parse", "-q", "--verify", "HEAD"}).exit_code, 1)
      << "nothing was committed";
  // The bridge is down: a clear error, no hang.
  servers_->stop();
  r = run(*rt_, R"({"message":"x"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("cannot reach the git bridge"), std::string::npos) << r.error;
}

TEST(GitCommitToolClassification, GatedLikeAWrite) {
  auto c = tools::classify("git_commit", R"({"message":"m"})");
  EXPECT_EQ(c.category, "file_write");
  EXPECT_EQ(c.risk, tools::Risk::kMedium);
  c = tools::classify("git_commit", R"({"message":"m","paths":["../x"]})");
  EXPECT_EQ(c.risk, tools::Risk::kHigh);
  c = tools::classify("git_commit", R"({"paths":[]})");
  EXPECT_EQ(c.risk, tools::Risk::kCritical);
  EXPECT_TRUE(tools::is_loopback_http_url("http://127.0.0.1:9847"));
  EXPECT_TRUE(tools::is_loopback_http_url("http://[::1]:1/"));
  for (const char *bad :
       {"http://127.0.0.1.evil.com:80", "https://127.0.0.1:1",
        "http://127.0.0.1:", "http://127.0.0.1:1/x", "http://localhost:123456", "file:///x"}) {
    EXPECT_FALSE(tools::is_loopback_http_url(bad)) << bad;
  }
  tools::RuntimeOptions o;
  o.workspace = "/tmp";
  tools::ToolRuntime rt(o);
  EXPECT_TRUE(rt.has_tool("git_commit"));
}

}  // namespace
}  // namespace pvpd::git_bridge
