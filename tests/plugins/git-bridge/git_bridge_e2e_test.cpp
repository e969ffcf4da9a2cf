// End to end through the real daemon: pvpd with pvpd-websocket.so and pvpd-git-bridge.so, a
// human and an agent WebSocket client in a session, a prompt, a gated tool.propose approved
// through the gate, then a real `git commit` (the git CLI as the outside peer) in the session's
// workspace: the installed hook adds the PVP trailers and the post-commit note records the
// approver. Then a fork becomes a branch and its merge lands.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>

#include "git_test_util.h"
#include "pvpd_process.h"
#include "ws_test_client.h"

namespace pvpd::testing {
namespace {

using git::git;
using ws::ClientOptions;
using ws::Message;
using ws::WsClient;
using namespace std::chrono_literals;

rapidjson::Document parse(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str(), s.size());
  return d;
}

std::string field(const rapidjson::Value &v, const char *k) {
  if (!v.IsObject() || !v.HasMember(k) || !v[k].IsString()) {
    return "";
  }
  return v[k].GetString();
}

std::string type_of(const Message &m) {
  return field(parse(m.data), "type");
}

int read_port(const std::filesystem::path &file) {
  int port = 0;
  if (eventually([&] { return std::filesystem::exists(file); })) {
    std::ifstream(file) >> port;
  }
  return port;
}

class Daemon {
 public:
  Daemon() {
    auto cfg = dir_.write("pvpd.yaml",
                          "version: 1\n"
                          "daemon:\n"
                          "  state_dir: " +
                              (dir_.path() / "state").string() +
                              "\n"
                              "  plugin_dirs: [" +
                              (build_dir() / "lib/pvpd/plugins").string() +
                              "]\n"
                              "plugins:\n"
                              "  - use: websocket\n"
                              "    id: ws\n"
                              "    config:\n"
                              "      listen: [\"127.0.0.1:0\"]\n"
                              "      port_file: \"" +
                              (dir_.path() / "ws_port").string() +
                              "\"\n"
                              "  - use: git-bridge\n"
                              "    id: git\n"
                              "    config:\n"
                              "      listen: \"127.0.0.1:0\"\n"
                              "      port_file: \"" +
                              (dir_.path() / "git_port").string() + "\"\n");
    pvpd_ = std::make_unique<PvpdProcess>(cfg, dir_.path());
    if (pvpd_->wait_for_log("running: 2 plugin instance(s)")) {
      ws_port_ = read_port(dir_.path() / "ws_port");
      git_port_ = read_port(dir_.path() / "git_port");
    }
  }
  int ws_port() const { return ws_port_; }
  int git_port() const { return git_port_; }
  std::filesystem::path workspace(const std::string &sid) const {
    return dir_.path() / "state/workspaces" / sid;
  }
  PvpdProcess &process() { return *pvpd_; }

  // GET on the bridge API; "" on failure.
  std::string get(const std::string &target) const {
    try {
      Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(git_port_));
      s.setTimeout(Poco::Timespan(5, 0));
      Poco::Net::HTTPRequest req("GET", target, Poco::Net::HTTPMessage::HTTP_1_1);
      s.sendRequest(req);
      Poco::Net::HTTPResponse resp;
      std::istream &in = s.receiveResponse(resp);
      std::ostringstream ss;
      Poco::StreamCopier::copyStream(in, ss);
      return ss.str();
    } catch (const Poco::Exception &) {
      return "";
    }
  }

 private:
  TempDir dir_;
  std::unique_ptr<PvpdProcess> pvpd_;
  int ws_port_ = 0;
  int git_port_ = 0;
};

std::string env(const std::string &sid, const std::string &sender, const std::string &type,
                const std::string &payload, const std::string &id = "") {
  return R"({"v":1,)" + (id.empty() ? std::string() : R"("id":")" + id + R"(",)") +
         R"("session":")" + sid + R"(","sender":")" + sender + R"(","type":")" + type +
         R"(","payload":)" + payload + "}";
}

std::string join(const std::string &sid, const std::string &id, const std::string &type,
                 const std::string &roles, const std::string &caps) {
  return env(sid, id, "session.join",
             R"({"participant":{"id":")" + id + R"(","name":")" + id + R"(","type":")" + type +
                 R"(","roles":)" + roles + R"(,"capabilities":)" + caps +
                 R"(,"transport":"websocket"},"supported_versions":[1]})");
}

std::optional<Message> wait_type(WsClient &c, const std::string &type,
                                 std::chrono::milliseconds timeout = 10s) {
  return c.wait_for([&](const Message &m) { return type_of(m) == type; }, timeout);
}

TEST(GitBridgeEndToEnd, GatedToolThenGitCommitCarriesTrailersAndNote) {
  Daemon d;
  ASSERT_GT(d.ws_port(), 0) << d.process().log();
  ASSERT_GT(d.git_port(), 0) << d.process().log();
  const std::string sid = "ses-e2e-1";
  ClientOptions o;
  o.port = d.ws_port();
  WsClient alice(o);
  WsClient claude(o);
  ASSERT_TRUE(alice.wait_open());
  ASSERT_TRUE(claude.wait_open());
  ASSERT_TRUE(alice.send_text(env(sid, "alice", "session.create", R"({"name":"E2E"})")));
  ASSERT_TRUE(alice.send_text(join(sid, "alice", "human", R"(["driver","approver"])",
                                   R"(["prompt","approve","fork","add_context"])")));
  ASSERT_TRUE(wait_type(alice, "participant.announce"));
  ASSERT_TRUE(claude.send_text(join(sid, "claude", "agent", R"(["navigator"])", "[]")));
  ASSERT_TRUE(claude.wait_for([](const Message &m) {
    return type_of(m) == "participant.announce" &&
           field(parse(m.data)["payload"], "id") == "claude";
  }));

  // The bridge made the daemon's workspace a repository with the hooks installed.
  const auto repo = d.workspace(sid);
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(repo / ".git/hooks/post-commit"); }))
      << d.process().log();

  ASSERT_TRUE(alice.send_text(
      env(sid, "alice", "prompt.submit",
          R"({"content":"Write hello.txt","target_agent":"claude","contributors":["alice"],)"
          R"("context_keys":[]})",
          "prompt-1")));
  // Like a real agent, claude acts on the prompt once it has it.
  ASSERT_TRUE(wait_type(claude, "prompt.submit"));
  ASSERT_TRUE(claude.send_text(
      env(sid, "claude", "tool.propose",
          R"({"tool_name":"file_write","arguments":{"path":"hello.txt","content":"hi\n"},)"
          R"("agent":"claude","risk_level":"low","description":"write hello.txt",)"
          R"("requires_approval":true,"category":"file_write"})",
          "tool-1")));
  auto request = wait_type(alice, "gate.request");
  ASSERT_TRUE(request);
  ASSERT_TRUE(alice.send_text(
      env(sid, "alice", "gate.approve", R"({"gate":"tool-1","approver":"alice"})", "vote-1")));
  auto execute = wait_type(claude, "tool.execute");
  ASSERT_TRUE(execute) << d.process().log();
  // The agent runs the tool: the file lands in the session workspace.
  std::ofstream(repo / "hello.txt") << "hi\n";
  ASSERT_TRUE(claude.send_text(env(sid, "claude", "tool.result",
                                   R"({"tool_proposal":"tool-1","success":true,"duration_ms":3})",
                                   "result-1")));
  ASSERT_TRUE(eventually([&] {
    auto ctx = parse(d.get("/commit-context?session=" + sid));
    return ctx.IsObject() && ctx.HasMember("tool_executions") &&
           field(ctx, "tool_executions") == "file_write:1" && ctx["approvals_count"].GetUint() == 1;
  })) << d.get("/commit-context?session=" + sid);

  // The outside peer commits with the plain git CLI.
  ASSERT_EQ(git(repo, {"add", "hello.txt"}).exit_code, 0);
  auto commit = git(repo, {"commit", "-q", "-m", "feat: hello"});
  ASSERT_EQ(commit.exit_code, 0) << commit.err;
  EXPECT_EQ(commit.err, "");
  const std::string sha = git(repo, {"rev-parse", "HEAD"}).out.substr(0, 40);

  auto msg = git(repo, {"log", "-1", "--format=%B"});
  std::string msg_file = (repo / ".git/pvpd-e2e-msg").string();
  std::ofstream(msg_file) << msg.out;
  auto trailers = git(repo, {"interpret-trailers", "--parse", msg_file});
  // PVP-Journal last: the session journal's chain head when the hook ran (seq:hash).
  EXPECT_TRUE(std::regex_match(trailers.out, std::regex("PVP-Session: ses-e2e-1\n"
                                                        "PVP-Messages: prompt-1,tool-1,vote-1\n"
                                                        "PVP-Approvers: alice\n"
                                                        "PVP-Tools: file_write:1\n"
                                                        "Decision-By: human:alice,ai:claude\n"
                                                        "PVP-Journal: [0-9]+:[0-9a-f]{64}\n")))
      << trailers.out;

  auto note = git(repo, {"notes", "--ref=pvp", "show", sha});
  ASSERT_EQ(note.exit_code, 0) << note.err << d.process().log();
  auto n = parse(note.out);
  ASSERT_TRUE(n.IsObject()) << note.out;
  EXPECT_EQ(field(n, "session_id"), sid);
  EXPECT_EQ(field(n, "commit"), sha);
  ASSERT_TRUE(n["approvers"].IsArray());
  ASSERT_EQ(n["approvers"].Size(), 1u);
  EXPECT_STREQ(n["approvers"][0].GetString(), "alice");
  ASSERT_EQ(n["gates"].Size(), 1u);
  EXPECT_EQ(field(n["gates"][0], "status"), "approved");
  EXPECT_EQ(field(n["gates"][0], "digest"), field(parse(request->data)["payload"], "digest"));
  EXPECT_EQ(field(n["tool_executions"][0], "status"), "succeeded");

  // The bridge recorded the commit, reset the session's counters and told the session.
  EXPECT_NE(d.get("/commits").find(sha), std::string::npos);
  auto ctx = parse(d.get("/commit-context?session=" + sid));
  EXPECT_EQ(field(ctx, "last_commit"), sha);
  EXPECT_EQ(ctx["prompts_count"].GetUint(), 0u);
  EXPECT_TRUE(alice.wait_for([&](const Message &m) {
    return type_of(m) == "context.add" &&
           field(parse(m.data)["payload"], "key") == "git:commit:" + sha;
  }));

  // A fork becomes a branch at the fork point; its merge lands on the main line.
  ASSERT_TRUE(alice.send_text(env(sid, "alice", "fork.create",
                                  R"({"name":"alt","from_point":"prompt-1","reason":"try",)"
                                  R"("participants":["alice"],"copy_context":false})")));
  auto fork = wait_type(alice, "fork.create");
  ASSERT_TRUE(fork);
  const std::string fork_id = field(parse(fork->data)["payload"], "fork_id");
  ASSERT_FALSE(fork_id.empty());
  const std::string branch = "pvp/fork/" + fork_id;
  ASSERT_TRUE(eventually([&] {
    return git(repo, {"rev-parse", "--verify", "-q", "refs/heads/" + branch}).out.substr(0, 40) ==
           sha;
  })) << d.process().log();
  const std::string main_branch = git(repo, {"symbolic-ref", "--short", "HEAD"}).out;
  ASSERT_EQ(git(repo, {"checkout", "-q", branch}).exit_code, 0);
  std::ofstream(repo / "fork.txt") << "from the fork\n";
  ASSERT_EQ(git(repo, {"add", "fork.txt"}).exit_code, 0);
  ASSERT_EQ(git(repo, {"commit", "-q", "-m", "fork work"}).exit_code, 0);
  const std::string fork_sha = git(repo, {"rev-parse", "HEAD"}).out.substr(0, 40);
  ASSERT_EQ(git(repo, {"checkout", "-q", main_branch.substr(0, main_branch.size() - 1)}).exit_code,
            0);
  ASSERT_TRUE(alice.send_text(env(sid, "alice", "merge.propose",
                                  R"({"source_fork":")" + fork_id +
                                      R"(","target_fork":"main","strategy":"append",)"
                                      R"("summary":"take it"})",
                                  "merge-1")));
  ASSERT_TRUE(wait_type(alice, "merge.propose"));
  ASSERT_TRUE(
      alice.send_text(env(sid, "alice", "merge.execute", R"({"merge_proposal":"merge-1"})")));
  ASSERT_TRUE(eventually([&] {
    return git(repo, {"rev-parse", "HEAD"}).out.substr(0, 40) == fork_sha;
  })) << d.process().log();
  EXPECT_TRUE(std::filesystem::exists(repo / "fork.txt"));
  auto merged = alice.wait_for([&](const Message &m) {
    return type_of(m) == "context.add" &&
           field(parse(m.data)["payload"], "key") == "git:merge:merge-1";
  });
  ASSERT_TRUE(merged);
  EXPECT_EQ(field(parse(merged->data)["payload"]["content"], "result"), "fast_forward");
}

// Two sessions, two workspaces: each commit gets its own session's trailers. Then pvpd stops
// and a commit still succeeds with a warning.
TEST(GitBridgeEndToEnd, ConcurrentSessionsKeepTheirOwnTrailers) {
  Daemon d;
  ASSERT_GT(d.git_port(), 0) << d.process().log();
  ClientOptions o;
  o.port = d.ws_port();
  WsClient a(o);
  WsClient b(o);
  ASSERT_TRUE(a.wait_open() && b.wait_open());
  ASSERT_TRUE(a.send_text(join("ses-a", "ann", "human", R"(["driver"])", R"(["prompt"])")));
  ASSERT_TRUE(b.send_text(join("ses-b", "ben", "human", R"(["driver"])", R"(["prompt"])")));
  ASSERT_TRUE(wait_type(a, "participant.announce"));
  ASSERT_TRUE(wait_type(b, "participant.announce"));
  for (const char *sid : {"ses-a", "ses-b"}) {
    ASSERT_TRUE(eventually([&] {
      return std::filesystem::exists(d.workspace(sid) / ".git/hooks/prepare-commit-msg");
    })) << d.process().log();
  }
  for (const auto &[sid, who] : {std::pair{"ses-a", "ann"}, std::pair{"ses-b", "ben"}}) {
    auto repo = d.workspace(sid);
    std::ofstream(repo / "f.txt") << sid << "\n";
    ASSERT_EQ(git(repo, {"add", "f.txt"}).exit_code, 0);
    auto c = git(repo, {"commit", "-q", "-m", std::string("work in ") + sid});
    ASSERT_EQ(c.exit_code, 0) << c.err;
    auto t = git(repo, {"log", "-1", "--format=%(trailers:key=PVP-Session,valueonly)"});
    EXPECT_EQ(t.out, std::string(sid) + "\n\n");
    (void)who;
  }

  // pvpd stopped: the hooks give up within their timeouts and the commit still happens.
  d.process().signal(SIGTERM);
  ASSERT_TRUE(d.process().wait_exit());
  auto repo = d.workspace("ses-a");
  std::ofstream(repo / "g.txt") << "offline\n";
  ASSERT_EQ(git(repo, {"add", "g.txt"}).exit_code, 0);
  auto c = git(repo, {"commit", "-q", "-m", "offline work"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(c.err.find("bridge not reachable"), std::string::npos) << c.err;
  EXPECT_EQ(git(repo, {"log", "-1", "--format=%s"}).out, "offline work\n");
}

}  // namespace
}  // namespace pvpd::testing
