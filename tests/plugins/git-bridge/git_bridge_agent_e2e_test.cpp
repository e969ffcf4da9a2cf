// End to end with the scripted agent: the real pvpd with pvpd-websocket.so,
// pvpd-agent-scripted.so and pvpd-git-bridge.so. A human prompts, the agent proposes a
// file_write and then a git_commit, the human approves both gates, and the commit the agent's
// git_commit tool made (through the bridge's /agent-commit) carries the PVP trailers that
// `git interpret-trailers --parse` reads back, its PVP-Journal anchor is the chain hash the
// session journal holds for that seq (and `pvpctl verify` accepts the journal), and the note
// under refs/notes/pvp agrees. Also: the bridge announces a configured repository as the
// session's working directory to joiners, and its decision state survives kill -9.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "agent_session.h"
#include "git_test_util.h"
#include "pvpd_process.h"

namespace pvpd::testing {
namespace {

using agent::create_frame;
using agent::human_join_frame;
using agent::prompt_frame;
using agent::session_config_json;
using agent::str;
using agent::vote_frame;
using agent::wait_type;
using git::git;
using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path &p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string hex(const std::string &s) {
  static const char *digits = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// The journal record's hash for `seq` ("" when absent), read from the file as an auditor would.
std::string journal_hash_at(const std::filesystem::path &state, const std::string &session,
                            uint64_t seq) {
  std::ifstream in(state / "journal" / ("s-" + hex(session) + ".journal"));
  std::string line;
  while (std::getline(in, line)) {
    rapidjson::Document d;
    d.Parse(line.c_str(), line.size());
    if (d.IsObject() && d.HasMember("seq") && d["seq"].IsUint64() && d["seq"].GetUint64() == seq &&
        d.HasMember("hash") && d["hash"].IsString()) {
      return d["hash"].GetString();
    }
  }
  return "";
}

std::map<std::string, std::string> parse_trailers_cli(const std::filesystem::path &repo,
                                                      const std::string &sha) {
  auto msg = git(repo, {"log", "-1", "--format=%B", sha});
  std::string msg_file = (repo / ".git/pvpd-e2e-msg").string();
  std::ofstream(msg_file) << msg.out;
  auto parsed = git(repo, {"interpret-trailers", "--parse", msg_file});
  std::map<std::string, std::string> out;
  std::istringstream lines(parsed.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto colon = line.find(": ");
    if (colon != std::string::npos) {
      out[line.substr(0, colon)] = line.substr(colon + 2);
    }
  }
  return out;
}

const char *kRules =
    R"([{match: "^write", respond: "writing", tools: [{name: file_write, input: {path: "hello.txt", content: "hi\n"}}], after_tools: "wrote it", after_refusal: "refused"},)"
    R"({match: "^commit", respond: "committing", tools: [{name: git_commit, input: {message: "feat: hello from the agent"}}], after_tools: "committed: {results}", after_refusal: "commit refused: {results}"}])";

std::unique_ptr<ws::WsDaemon> start(const TempDir &tmp, const std::string &git_extra = "") {
  std::string extra =
      "  - use: agent-scripted\n    id: claude\n    config: {auto_join: true, pace: 0ms, "
      "chunk_chars: 64, tools: [file_write, git_commit], rules: " +
      std::string(kRules) +
      "}\n"
      "  - use: git-bridge\n    id: git\n    config:\n      listen: \"127.0.0.1:0\"\n"
      "      port_file: \"" +
      (tmp.path() / "git_port").string() + "\"\n" + git_extra;
  return std::make_unique<ws::WsDaemon>("", extra, 3);
}

// Alice creates `sid` (one approval needed), joins, and sees the agent join.
void open_session(ws::WsDaemon &d, ws::WsClient &alice, const std::string &sid) {
  ASSERT_TRUE(alice.wait_open());
  ASSERT_TRUE(alice.send_text(create_frame(sid, "alice", session_config_json(1))));
  ASSERT_TRUE(alice.send_text(human_join_frame(sid, "alice", {"driver", "approver"})));
  auto frames = agent::collect_until(alice, "participant.announce");
  bool agent_joined = false;
  std::string seen;
  for (const auto &f : frames) {
    seen += " " + str(f, "type");
    agent_joined = agent_joined || (str(f, "type") == "participant.announce" &&
                                    str(f["payload"], "id") == "claude");
  }
  if (!agent_joined) {
    agent_joined = wait_type(alice, "participant.announce", [](const rapidjson::Document &f) {
                     return str(f["payload"], "id") == "claude";
                   }).has_value();
  }
  ASSERT_TRUE(agent_joined) << "received:" << seen << "\n" << d.process().log();
}

// Prompts `text`, approves the one proposal it leads to, and returns its tool.result payload
// (as JSON text; "" when something did not arrive).
std::string prompt_and_approve(ws::WsDaemon &d, ws::WsClient &alice, const std::string &sid,
                               const std::string &text, const std::string &tool) {
  EXPECT_TRUE(alice.send_text(prompt_frame(sid, "alice", "claude", text)));
  auto proposal = wait_type(alice, "tool.propose");
  if (!proposal) {
    ADD_FAILURE() << "no proposal for " << text << "\n" << d.process().log();
    return "";
  }
  EXPECT_EQ(str((*proposal)["payload"], "tool_name"), tool);
  EXPECT_EQ(str((*proposal)["payload"], "category"), "file_write");
  EXPECT_TRUE((*proposal)["payload"]["requires_approval"].GetBool());
  std::string gate = str(*proposal, "id");
  EXPECT_TRUE(alice.send_text(vote_frame(sid, "alice", gate, true)));
  auto result = wait_type(alice, "tool.result", [&](const rapidjson::Document &f) {
    return str(f["payload"], "tool_proposal") == gate;
  });
  if (!result) {
    ADD_FAILURE() << "no tool.result for " << tool << "\n" << d.process().log();
    return "";
  }
  EXPECT_TRUE(agent::collect_until(alice, "response.end").size() > 0);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  (*result)["payload"].Accept(w);
  return buf.GetString();
}

TEST(GitBridgeAgentE2E, AgentCommitCarriesTrailersJournalAnchorAndNote) {
  TempDir tmp;
  auto d = start(tmp);
  ASSERT_TRUE(d->started()) << d->process().log();
  const std::string sid = "ses-agent-1";
  ws::WsClient alice(d->options());
  open_session(*d, alice, sid);
  const auto state = d->dir().path() / "state";
  const auto repo = state / "workspaces" / sid;
  // The bridge adopted the workspace and named itself in the repository for the tool.
  ASSERT_TRUE(eventually([&] {
    return git(repo, {"config", "--get", "pvp.bridgeurl"}).out.rfind("http://127.0.0.1:", 0) == 0;
  })) << d->process().log();

  std::string wrote = prompt_and_approve(*d, alice, sid, "write hello", "file_write");
  ASSERT_NE(wrote.find("\"success\":true"), std::string::npos) << wrote;
  ASSERT_EQ(read_file(repo / "hello.txt"), "hi\n");
  std::string committed = prompt_and_approve(*d, alice, sid, "commit it", "git_commit");
  ASSERT_NE(committed.find("\"success\":true"), std::string::npos)
      << committed << d->process().log();

  const std::string sha = git(repo, {"rev-parse", "HEAD"}).out.substr(0, 40);
  ASSERT_EQ(sha.size(), 40u);
  EXPECT_NE(committed.find(sha), std::string::npos) << "the tool reports the commit";
  EXPECT_EQ(git(repo, {"log", "-1", "--format=%s"}).out, "feat: hello from the agent\n");
  EXPECT_EQ(git(repo, {"show", "HEAD:hello.txt"}).out, "hi\n");

  auto t = parse_trailers_cli(repo, sha);
  EXPECT_EQ(t["PVP-Session"], sid);
  EXPECT_EQ(t["PVP-Approvers"], "alice");
  EXPECT_EQ(t["PVP-Tools"], "file_write:1,git_commit:1");
  EXPECT_EQ(t["Decision-By"], "human:alice,ai:claude");
  EXPECT_FALSE(t["PVP-Messages"].empty());
  std::smatch m;
  const std::string anchor = t["PVP-Journal"];
  ASSERT_TRUE(std::regex_match(anchor, m, std::regex("([0-9]+):([0-9a-f]{64})"))) << anchor;
  const uint64_t seq = std::stoull(m[1].str());
  const std::string hash = m[2].str();
  EXPECT_GT(seq, 3u) << "anchored after the prompts and votes, not at the session's start";
  EXPECT_EQ(journal_hash_at(state, sid, seq), hash) << "the anchor is that record's chain hash";

  auto note = git(repo, {"notes", "--ref=pvp", "show", sha});
  ASSERT_EQ(note.exit_code, 0) << note.err;
  rapidjson::Document n;
  n.Parse(note.out.c_str());
  ASSERT_TRUE(n.IsObject()) << note.out;
  EXPECT_EQ(str(n, "session_id"), sid);
  EXPECT_EQ(str(n, "journal_hash"), hash);
  ASSERT_TRUE(n["journal_seq"].IsUint64());
  EXPECT_EQ(n["journal_seq"].GetUint64(), seq);
  ASSERT_TRUE(n["approvers"].IsArray() && n["approvers"].Size() == 1);
  EXPECT_STREQ(n["approvers"][0].GetString(), "alice");
  ASSERT_TRUE(n["gates"].IsArray());
  EXPECT_EQ(n["gates"].Size(), 2u) << note.out;

  // The whole journal verifies with pvpctl, so the anchored hash is part of an intact chain.
  d->process().signal(SIGTERM);
  ASSERT_TRUE(d->process().wait_exit());
  auto verify = run_command(
      {(build_dir() / "bin/pvpctl").string(), "--state-dir", state.string(), "verify", sid});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

  // pvpctl git log checks the same anchor against the journal, and catches a forged one.
  const std::string pvpctl = (build_dir() / "bin/pvpctl").string();
  auto log = run_command({pvpctl, "git", "log", repo.string(), "--state-dir", state.string()});
  EXPECT_EQ(log.exit_code, 0) << log.out << log.err;
  EXPECT_NE(log.out.find("feat: hello from the agent"), std::string::npos) << log.out;
  EXPECT_NE(log.out.find("approvers alice"), std::string::npos) << log.out;
  EXPECT_NE(log.out.find("verified"), std::string::npos) << log.out;
  auto unchecked = run_command({pvpctl, "git", "log", repo.string()});
  EXPECT_EQ(unchecked.exit_code, 0);
  EXPECT_NE(unchecked.out.find("not checked"), std::string::npos) << unchecked.out;
  auto forged =
      git(repo, {"commit", "-q", "--allow-empty", "--no-verify", "-m",
                 "forged\n\nPVP-Session: " + sid + "\nPVP-Journal: " + std::to_string(seq) + ":" +
                     std::string(64, '0')});
  ASSERT_EQ(forged.exit_code, 0) << forged.err;
  auto bad = run_command(
      {pvpctl, "git", "log", repo.string(), "--state-dir", state.string(), "--json", "-n", "2"});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  rapidjson::Document j;
  j.Parse(bad.out.c_str());
  ASSERT_TRUE(j.IsArray() && j.Size() == 2) << bad.out;
  EXPECT_EQ(str(j[0], "subject"), "forged");
  EXPECT_EQ(str(j[0], "journal"), "mismatch");
  EXPECT_EQ(str(j[1], "journal"), "verified");
  EXPECT_TRUE(j[1]["note"].GetBool());
}

TEST(GitBridgeAgentE2E, PvpctlInstallsAndUninstallsHooks) {
  TempDir tmp;
  const auto repo = tmp.path() / "r";
  ASSERT_EQ(git(tmp.path(), {"init", "-q", repo.string()}).exit_code, 0);
  const std::string pvpctl = (build_dir() / "bin/pvpctl").string();
  std::filesystem::create_directories(repo / "sub");
  auto in = run_command(
      {pvpctl, "git", "install-hooks", (repo / "sub").string(), "--url", "http://127.0.0.1:1"});
  ASSERT_EQ(in.exit_code, 0) << in.err;
  for (const char *h : {"prepare-commit-msg", "commit-msg", "post-commit", "pre-push"}) {
    EXPECT_NE(read_file(repo / ".git/hooks" / h).find("http://127.0.0.1:1"), std::string::npos)
        << h;
  }
  // Idempotent; the bridge down: a commit still succeeds, with the hooks' warning.
  EXPECT_EQ(
      run_command({pvpctl, "git", "install-hooks", repo.string(), "--url", "http://127.0.0.1:1"})
          .exit_code,
      0);
  auto c = git(repo, {"commit", "-q", "--allow-empty", "-m", "x"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(c.err.find("bridge not reachable"), std::string::npos) << c.err;
  // A foreign hook: refused without --force, nothing written; --force keeps it aside.
  auto un = run_command({pvpctl, "git", "uninstall-hooks", repo.string()});
  ASSERT_EQ(un.exit_code, 0) << un.err;
  EXPECT_FALSE(std::filesystem::exists(repo / ".git/hooks/post-commit"));
  tmp.write("r/.git/hooks/pre-push", "#!/bin/sh\nexit 0\n");
  auto refused = run_command({pvpctl, "git", "install-hooks", repo.string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("pre-push"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(repo / ".git/hooks/post-commit"));
  auto forced = run_command({pvpctl, "git", "install-hooks", repo.string(), "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(read_file(repo / ".git/hooks/pre-push.pre-pvpd"), "#!/bin/sh\nexit 0\n");
  EXPECT_EQ(run_command({pvpctl, "git", "uninstall-hooks", repo.string()}).exit_code, 0);
  EXPECT_EQ(read_file(repo / ".git/hooks/pre-push"), "#!/bin/sh\nexit 0\n");
  // Usage and failure exit codes.
  EXPECT_EQ(run_command({pvpctl, "git", "frobnicate"}).exit_code, 64);
  EXPECT_EQ(run_command({pvpctl, "git", "uninstall-hooks", "--force"}).exit_code, 64);
  EXPECT_EQ(run_command({pvpctl, "git", "log", tmp.path().string()}).exit_code, 1);
}

// A pvpd that can be killed and started again on the same config and state directory.
class RestartableDaemon {
 public:
  RestartableDaemon() {
    config_ = dir_.write(
        "pvpd.yaml",
        "version: 1\ndaemon:\n  state_dir: " + (dir_.path() / "state").string() +
            "\n  plugin_dirs: [" + (build_dir() / "lib/pvpd/plugins").string() +
            "]\nplugins:\n  - use: websocket\n    id: ws\n    config:\n"
            "      listen: [\"127.0.0.1:0\"]\n      port_file: \"" +
            (dir_.path() / "ws_port").string() +
            "\"\n  - use: agent-scripted\n    id: claude\n    config: {auto_join: true, pace: "
            "0ms, chunk_chars: 64, tools: [file_write, git_commit], rules: " +
            kRules +
            "}\n  - use: git-bridge\n    id: git\n    config:\n      listen: \"127.0.0.1:0\"\n"
            "      port_file: \"" +
            (dir_.path() / "git_port").string() + "\"\n");
  }
  bool start() {
    std::filesystem::remove(dir_.path() / "ws_port");
    std::filesystem::remove(dir_.path() / "git_port");
    pvpd_ = std::make_unique<PvpdProcess>(config_, dir_.path());
    if (!pvpd_->wait_for_log("running: 3 plugin instance(s)", 20s) ||
        !eventually([&] { return std::filesystem::exists(dir_.path() / "ws_port"); })) {
      return false;
    }
    std::ifstream(dir_.path() / "ws_port") >> ws_port_;
    return ws_port_ > 0;
  }
  void kill9() {
    pvpd_->signal(SIGKILL);
    pvpd_->wait_exit();
  }
  ws::ClientOptions options() const {
    ws::ClientOptions o;
    o.port = ws_port_;
    return o;
  }
  std::filesystem::path state() const { return dir_.path() / "state"; }
  PvpdProcess &process() { return *pvpd_; }

 private:
  TempDir dir_;
  std::filesystem::path config_;
  std::unique_ptr<PvpdProcess> pvpd_;
  int ws_port_ = 0;
};

TEST(GitBridgeAgentE2E, DecisionsSurviveKill9) {
  RestartableDaemon d;
  ASSERT_TRUE(d.start()) << d.process().log();
  const std::string sid = "ses-kill-1";
  const auto repo = d.state() / "workspaces" / sid;
  const auto state_file = d.state() / "plugins/git/decisions.json";
  std::string gate;
  {
    ws::WsClient alice(d.options());
    ASSERT_TRUE(alice.wait_open());
    ASSERT_TRUE(alice.send_text(create_frame(sid, "alice", session_config_json(1))));
    ASSERT_TRUE(alice.send_text(human_join_frame(sid, "alice", {"driver", "approver"})));
    ASSERT_TRUE(wait_type(alice, "participant.announce", [](const rapidjson::Document &f) {
      return str(f["payload"], "id") == "claude";
    })) << d.process().log();
    ASSERT_TRUE(
        eventually([&] { return std::filesystem::exists(repo / ".git/hooks/post-commit"); }));
    ASSERT_TRUE(alice.send_text(prompt_frame(sid, "alice", "claude", "write hello")));
    auto proposal = wait_type(alice, "tool.propose");
    ASSERT_TRUE(proposal) << d.process().log();
    gate = str(*proposal, "id");
    ASSERT_TRUE(alice.send_text(vote_frame(sid, "alice", gate, true)));
    ASSERT_TRUE(wait_type(alice, "tool.result"));
  }
  // The decisions are on disk (the worker writes them moments after each frame) ...
  ASSERT_TRUE(eventually([&] {
    std::string st = read_file(state_file);
    return st.find(gate) != std::string::npos && st.find("\"succeeded\"") != std::string::npos;
  })) << read_file(state_file);
  // ... so kill -9 loses none of them.
  d.kill9();
  const std::string old_hook = read_file(repo / ".git/hooks/prepare-commit-msg");
  ASSERT_TRUE(d.start()) << d.process().log();
  EXPECT_NE(d.process().log().find("decision state restored"), std::string::npos)
      << d.process().log();
  // The restarted bridge (a new ephemeral port) re-adopted the workspace: the hooks call it.
  ASSERT_TRUE(eventually([&] {
    std::string h = read_file(repo / ".git/hooks/prepare-commit-msg");
    return !h.empty() && h != old_hook;
  })) << d.process().log();
  ASSERT_EQ(git(repo, {"add", "hello.txt"}).exit_code, 0);
  auto c = git(repo, {"commit", "-q", "-m", "after the crash"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(c.err, "") << "the hooks reached the restarted bridge";
  auto t = parse_trailers_cli(repo, "HEAD");
  EXPECT_EQ(t["PVP-Session"], sid);
  EXPECT_EQ(t["PVP-Approvers"], "alice");
  EXPECT_EQ(t["PVP-Tools"], "file_write:1");
  EXPECT_EQ(t["Decision-By"], "human:alice,ai:claude");
  EXPECT_NE(t["PVP-Messages"].find(gate), std::string::npos) << t["PVP-Messages"];
  d.kill9();
}

TEST(GitBridgeAgentE2E, ConfiguredRepositoryIsAnnouncedAsWorkingDirectory) {
  TempDir tmp;
  const auto repo = tmp.path() / "proj";
  auto d = start(
      tmp, "      repositories: [{session: \"ses-proj-*\", path: \"" + repo.string() + "\"}]\n");
  ASSERT_TRUE(d->started()) << d->process().log();
  const std::string sid = "ses-proj-1";
  ws::WsClient alice(d->options());
  open_session(*d, alice, sid);
  ASSERT_TRUE(eventually([&] {
    return git(repo, {"config", "--get", "pvp.bridgeurl"}).exit_code == 0;
  })) << d->process().log();
  // The bridge tells the core on the core thread (a post): a joiner after that gets the
  // repository, not the daemon's own workspace. Later joiners retry until the post has run.
  std::string announced;
  for (int i = 0; i < 20 && announced != repo.string(); ++i) {
    ws::WsClient bob(d->options());
    ASSERT_TRUE(bob.wait_open());
    std::string id = "bob" + std::to_string(i);
    ASSERT_TRUE(bob.send_text(human_join_frame(sid, id, {"approver"})));
    auto wd = wait_type(bob, "context.add", [](const rapidjson::Document &f) {
      return str(f["payload"], "key") == "session:working_directory";
    });
    ASSERT_TRUE(wd) << d->process().log();
    announced = str((*wd)["payload"], "content");
    if (announced != repo.string()) {
      std::this_thread::sleep_for(100ms);
    }
  }
  EXPECT_EQ(announced, repo.string()) << d->process().log();
}

}  // namespace
}  // namespace pvpd::testing
