// pvpctl end to end: journals written by the library, read by build/bin/pvpctl.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <cstdio>
#include <cstdlib>

#include "journal/journal_store.h"
#include "journal/redact.h"
#include "journal_test_util.h"

namespace pvpd::journal {
namespace {

using testing::read_file;
using testing::run_until;
using testing::TempDir;
using testing::write_file;

std::string pvpctl_path() {
  const char *build = std::getenv("PVPD_BUILD_DIR");
  return (std::filesystem::path(build != nullptr ? build : PVPD_TEST_BUILD_DIR) / "bin" / "pvpctl")
      .string();
}

struct CliRun {
  int code = -1;
  std::string out, err;
};

CliRun pvpctl(const TempDir &tmp, const std::string &args) {
  const auto out = tmp.path() / "stdout.txt";
  const auto err = tmp.path() / "stderr.txt";
  const std::string cmd =
      "'" + pvpctl_path() + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int rc = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

std::string env(uint64_t seq, const std::string &sender, const std::string &type,
                const std::string &payload, const std::string &id = "") {
  return R"({"v":1,"id":")" + (id.empty() ? "m" + std::to_string(seq) : id) +
         R"(","ts":"2025-03-01T10:00:)" + (seq < 10 ? "0" : "") + std::to_string(seq) +
         R"(Z","session":"demo","sender":")" + sender + R"(","type":")" + type + R"(","seq":)" +
         std::to_string(seq) + R"(,"payload":)" + payload + "}";
}

class JournalPvpctl : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = tmp_.path() / "state";
    JournalOptions o;
    o.dir = (state_ / "journal").string();
    o.fsync = FsyncMode::kNone;
    asio::io_context io;
    JournalStore store(io, o);
    ASSERT_TRUE(store.start().is_ok());
    const std::vector<std::string> msgs = {
        env(1, "alice", "session.join",
            R"({"participant":{"id":"alice","name":"Alice","type":"human","roles":["driver","admin"]}})"),
        env(2, "alice", "prompt.submit",
            R"({"content":"Fix the failing test\nin parser.cpp","target_agent":"claude","contributors":["alice","bob"],"context_keys":[]})"),
        env(3, "claude", "thinking.start", R"({})"),
        env(4, "claude", "thinking.chunk", R"({"text":"The parser drops "})"),
        env(5, "claude", "thinking.chunk", R"({"text":"the last token."})"),
        env(6, "claude", "thinking.end", R"({})"),
        env(7, "system", "gate.request",
            R"({"action_type":"tool","action_ref":"prop-1","quorum":{"type":"any"},"timeout_seconds":300,"message":"claude wants to execute shell"})",
            "gate-1"),
        env(8, "claude", "tool.propose",
            R"({"tool_name":"shell","arguments":{"command":"make test"},"agent":"claude","risk_level":"medium","description":"run the tests","requires_approval":true,"category":"shell_execute"})",
            "prop-1"),
        env(9, "bob", "gate.approve", R"({"gate":"prop-1","approver":"bob","comment":"go ahead"})"),
        env(10, "system", "tool.execute", R"({"tool_proposal":"prop-1","approved_by":["bob"]})"),
        env(11, "claude", "tool.result",
            R"({"tool_proposal":"prop-1","success":true,"result":"3 passed","duration_ms":812})"),
        env(12, "claude", "tool.propose",
            R"({"tool_name":"file_write","arguments":{"path":"/etc/passwd"},"agent":"claude","risk_level":"critical","description":"overwrite passwd","requires_approval":true,"category":"file_write"})",
            "prop-2"),
        env(13, "alice", "gate.reject",
            R"({"gate":"prop-2","rejector":"alice","reason":"no way"})"),
        env(14, "bob", "interrupt.raise", R"({"urgency":"high","message":"stop touching /etc"})"),
        env(15, "alice", "fork.create",
            R"({"name":"experiment","from_point":"m8","reason":"try another fix","participants":["alice"],"copy_context":true})"),
        env(16, "alice", "context.add",
            R"({"key":"spec","content_type":"text","content":"the grammar"})"),
        redact_secret_share(
            env(17, "alice", "secret.share", R"({"key":"TOKEN","scope":[],"value":"hunter2"})")),
        env(18, "claude", "weird.future_type", R"({"x":1})"),
    };
    size_t done = 0;
    for (size_t i = 0; i < msgs.size(); ++i) {
      store.append("demo", i + 1, bus::BufferRef::copy_of(msgs[i]), [&](Status st) {
        EXPECT_TRUE(st.is_ok()) << st.message();
        ++done;
      });
    }
    size_t other = 0;
    store.append("other session", 1, bus::BufferRef::copy_of(env(1, "zed", "prompt.submit", "{}")),
                 [&](Status) { ++other; });
    ASSERT_TRUE(run_until(io, [&] { return done == msgs.size() && other == 1; }));
    store.mark_ended("other session");
    store.stop();
    journal_ = store.path_for("demo");
  }

  std::string sd() const { return "--state-dir '" + state_.string() + "' "; }

  TempDir tmp_;
  std::filesystem::path state_;
  std::filesystem::path journal_;
};

TEST_F(JournalPvpctl, VerifyOkAndTampered) {
  CliRun r = pvpctl(tmp_, sd() + "verify demo");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("OK    demo  18 records"), std::string::npos) << r.out;
  r = pvpctl(tmp_, sd() + "verify --all");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 journals, 0 failed"), std::string::npos) << r.out;

  std::string bytes = read_file(journal_);
  bytes[bytes.find("run the tests") + 2] ^= 0x01;  // record seq 8
  write_file(journal_, bytes);
  r = pvpctl(tmp_, sd() + "verify demo");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("first bad record: seq 8"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hash does not match its content"), std::string::npos) << r.out;
  r = pvpctl(tmp_, sd() + "verify --all");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("2 journals, 1 failed"), std::string::npos) << r.out;
  // Other commands refuse a corrupt journal.
  r = pvpctl(tmp_, sd() + "replay demo");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("record seq 8"), std::string::npos) << r.err;
  r = pvpctl(tmp_, sd() + "sessions");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("CORRUPT"), std::string::npos) << r.out;
}

TEST_F(JournalPvpctl, SessionsAndShow) {
  CliRun r = pvpctl(tmp_, sd() + "sessions");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("demo"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("other session"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ended"), std::string::npos) << r.out;
  // demo: 18 messages, 4 distinct senders (alice, claude, system, bob).
  EXPECT_NE(r.out.find("open           18            4  2025-03-01T10:00:18Z"), std::string::npos)
      << r.out;
  r = pvpctl(tmp_, sd() + "show demo");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("chain:        ok (18 records)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bob (2 messages)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tool.propose 2"), std::string::npos) << r.out;
}

TEST_F(JournalPvpctl, Replay) {
  CliRun r = pvpctl(tmp_, sd() + "replay demo --from 16");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("#15"), std::string::npos);
  EXPECT_NE(r.out.find("#16  2025-03-01T10:00:16Z  alice  context.add  context.add spec"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("#17  2025-03-01T10:00:17Z  alice  secret.share  secret shared: TOKEN"),
            std::string::npos)
      << r.out;
  r = pvpctl(tmp_, sd() + "replay demo --json --from 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(
      r.out.substr(0, r.out.find('\n')),
      env(2, "alice", "prompt.submit",
          R"({"content":"Fix the failing test\nin parser.cpp","target_agent":"claude","contributors":["alice","bob"],"context_keys":[]})"));
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 17);
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos);
  // --follow prints records appended later and stops cleanly on Ctrl-C (SIGINT).
  const auto out = tmp_.path() / "follow.txt";
  const auto pid_file = tmp_.path() / "follow.pid";
  const std::string cmd = "'" + pvpctl_path() + "' " + sd() + "replay demo --from 18 --follow >'" +
                          out.string() + "' 2>&1 & echo $! >'" + pid_file.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto wait_for = [&](const std::string &what) {
    for (int i = 0; i < 500 && read_file(out).find(what) == std::string::npos; ++i) {
      ::usleep(10'000);
    }
    return read_file(out).find(what) != std::string::npos;
  };
  EXPECT_TRUE(wait_for("#18")) << read_file(out);
  {
    asio::io_context io;
    JournalOptions o;
    o.dir = (state_ / "journal").string();
    JournalStore store(io, o);
    ASSERT_TRUE(store.start().is_ok());
    store.recover();
    bool done = false;
    store.append(
        "demo", 19,
        bus::BufferRef::copy_of(env(19, "alice", "prompt.submit", R"({"content":"later"})")),
        [&](Status st) {
          EXPECT_TRUE(st.is_ok());
          done = true;
        });
    ASSERT_TRUE(run_until(io, [&] { return done; }));
  }
  EXPECT_TRUE(wait_for("#19  2025-03-01T10:00:19Z  alice  prompt.submit  prompt: later"))
      << read_file(out);
  const pid_t pid = static_cast<pid_t>(std::stol(read_file(pid_file)));
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = ::kill(pid, 0) != 0;
    ::usleep(10'000);
  }
  EXPECT_TRUE(gone) << "pvpctl replay --follow did not stop on SIGINT";
}

TEST_F(JournalPvpctl, ExportMarkdownHasTheDecisions) {
  CliRun r = pvpctl(tmp_, sd() + "export demo --format markdown");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string &md = r.out;
  for (const char *want : {
           "# Session demo",
           "hash chain verified: 18 records",
           "| 8 | `shell` | claude | medium | approved | bob | bob (\"go ahead\") | success: 3 "
           "passed |",
           "| 12 | `file_write` | claude | critical | rejected | alice: no way |",
           "**Prompt** by alice \xe2\x86\x92 claude (contributors: alice, bob)",
           "> Fix the failing test\n> in parser.cpp",
           "claude thought (2 chunks, 32 bytes): The parser drops the last token.",
           "**Gate opened** for prop-1",
           "**Approved** by bob (gate prop-1): go ahead",
           "**Rejected** by alice (gate prop-2): no way",
           "**Tool result** for prop-1: success in 812 ms",
           "**Interrupt** by bob (high): stop touching /etc",
           "**fork.create** by alice",
           "**Context** add `spec` by alice (11 bytes): the grammar",
           "shared secret `TOKEN` (value not journaled)",
           "`weird.future_type` from claude",
       }) {
    EXPECT_NE(md.find(want), std::string::npos) << "missing: " << want << "\n" << md;
  }
  EXPECT_EQ(md.find("hunter2"), std::string::npos);
  r = pvpctl(tmp_, sd() + "export demo --format jsonl");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 18);
}

TEST_F(JournalPvpctl, ConfigFileGivesStateDir) {
  write_file(tmp_.path() / "pvpd.yaml", "version: 1\ndaemon:\n  state_dir: state\n");
  CliRun r = pvpctl(tmp_, "-c '" + (tmp_.path() / "pvpd.yaml").string() + "' verify demo");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST_F(JournalPvpctl, UsageAndErrors) {
  struct Case {
    std::string args;
    int code;
    std::string err;
  };
  const std::vector<Case> cases = {
      {"", 64, "no command given"},
      {sd() + "frobnicate", 64, "unknown command 'frobnicate'"},
      {sd() + "sessions --bogus", 64, "unknown option '--bogus'"},
      {sd() + "verify", 64, "verify takes SESSION or --all"},
      {sd() + "verify demo --all", 64, "verify takes SESSION or --all"},
      {sd() + "export demo", 64, "export needs --format jsonl|markdown"},
      {sd() + "export demo --format pdf", 64, "export needs --format"},
      {sd() + "replay demo --from x", 64, "--from needs a non-negative integer"},
      {sd() + "show demo --json", 64, "is not valid for 'show'"},
      {"verify demo", 64, "give --state-dir DIR or -c"},
      {sd() + "show nosuch", 1, "no journal for session 'nosuch'"},
      {"--state-dir /nonexistent/x sessions", 1, "no journal directory at /nonexistent/x/journal"},
  };
  for (const auto &c : cases) {
    CliRun r = pvpctl(tmp_, c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.err), std::string::npos) << c.args << "\n" << r.err;
    if (c.code == 64) {
      EXPECT_NE(r.err.find("usage: pvpctl"), std::string::npos) << c.args;
    }
  }
  CliRun help = pvpctl(tmp_, "--help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("usage: pvpctl"), std::string::npos);
}

}  // namespace
}  // namespace pvpd::journal
