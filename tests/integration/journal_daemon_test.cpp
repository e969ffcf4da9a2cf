// The journal's remaining duties through the real daemon (docs/journal.md): large content is
// journaled by reference to a blob and comes back unchanged after a restart; secret.share values
// are journaled as HMACs under the journal key; daemon.journal.retention archives or deletes
// ended sessions (and is validated with file:line:col diagnostics); a full disk (here a file
// size limit set on the running pvpd with prlimit, which needs no privileges) rejects new frames
// with an error, corrupts nothing, and frames are accepted again once space returns.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "pvpd_process.h"

namespace pvpd::testing {
namespace {

rapidjson::Document parse(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

std::string slurp(const std::filesystem::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string hex_name(const std::string &session) {
  static const char *kHex = "0123456789abcdef";
  std::string out = "s-";
  for (char ch : session) {
    const auto c = static_cast<unsigned char>(ch);
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

class JournalDaemonTest : public ::testing::Test {
 protected:
  void configure(const std::string &journal_yaml) {
    cfg_ = write_echo_config(dir_, PVPD_TEST_PLUGIN_DIR, journal_yaml);
  }
  int start() {
    std::filesystem::remove(dir_.path() / "port");
    pvpd_ = std::make_unique<PvpdProcess>(cfg_, dir_.path());
    EXPECT_TRUE(pvpd_->wait_for_log("running: 1 plugin instance(s)")) << pvpd_->log();
    return read_echo_port(dir_);
  }
  void stop() {
    pvpd_->signal(SIGTERM);
    auto r = pvpd_->wait_exit();
    ASSERT_TRUE(r.has_value());
    pvpd_.reset();
  }
  std::filesystem::path journal_dir() const { return dir_.path() / "state" / "journal"; }
  std::filesystem::path journal_of(const std::string &session) const {
    return journal_dir() / (hex_name(session) + ".journal");
  }

  // Joins `session` as `who`; returns every line received up to and including the joiner's
  // own announce (the history replay comes before it).
  static std::vector<std::string> join(LineClient &c, const std::string &session,
                                       const std::string &who) {
    EXPECT_TRUE(c.send_line(R"({"v":1,"type":"session.join","session":")" + session +
                            R"(","sender":")" + who + R"(","payload":{"participant":{"id":")" +
                            who + R"(","name":")" + who +
                            R"(","type":"human","roles":["driver","admin"],)"
                            R"("transport":"websocket"},"supported_versions":[1]}})"));
    std::vector<std::string> lines;
    bool saw_working_directory = false;
    while (auto line = c.read_line(std::chrono::seconds(10))) {
      lines.push_back(*line);
      auto d = parse(*line);
      if (!d.IsObject() || !d.HasMember("type")) {
        break;
      }
      const std::string type = d["type"].GetString();
      if (type == "context.add" && std::string(d["sender"].GetString()) == "system") {
        saw_working_directory = true;
      }
      if (saw_working_directory && type == "participant.announce" &&
          std::string(d["sender"].GetString()) == who) {
        break;
      }
    }
    return lines;
  }
  // The next line of `type` (skipping others); empty on timeout.
  static std::string next_of(LineClient &c, const std::string &type) {
    while (auto line = c.read_line(std::chrono::seconds(10))) {
      auto d = parse(*line);
      if (d.IsObject() && d.HasMember("type") && type == d["type"].GetString()) {
        return *line;
      }
    }
    return {};
  }
  ProcessResult pvpctl(const std::vector<std::string> &args) {
    std::vector<std::string> argv{(build_dir() / "bin" / "pvpctl").string(), "--state-dir",
                                  (dir_.path() / "state").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
  }

  TempDir dir_;
  std::filesystem::path cfg_;
  std::unique_ptr<PvpdProcess> pvpd_;
};

TEST_F(JournalDaemonTest, LargeContextIsJournaledAsBlobAndReplayedUnchanged) {
  configure("  journal: {fsync: batch, blob_threshold: 4KiB}\n");
  int port = start();
  ASSERT_GT(port, 0);
  const std::string big(20000, 'B');
  std::string live;
  {
    LineClient alice("127.0.0.1", port);
    ASSERT_TRUE(alice.connected());
    join(alice, "blobs", "alice");
    ASSERT_TRUE(alice.send_line(
        R"({"v":1,"type":"context.add","session":"blobs","sender":"alice","payload":)"
        R"({"key":"big","content_type":"text","content":")" +
        big + R"("}})"));
    live = next_of(alice, "context.add");
    ASSERT_FALSE(live.empty());
  }
  // The journal holds a reference; the blob holds the frame.
  const std::string journal = slurp(journal_of("blobs"));
  EXPECT_EQ(journal.find(big), std::string::npos);
  EXPECT_NE(journal.find("pvpd_blob"), std::string::npos);
  size_t blobs = 0;
  for (const auto &e : std::filesystem::directory_iterator(journal_dir() / "blobs")) {
    EXPECT_EQ(e.path().filename().string().size(), 64u);
    EXPECT_EQ(slurp(e.path()), live);  // exactly the delivered bytes
    ++blobs;
  }
  EXPECT_EQ(blobs, 1u);
  stop();

  // After a restart the history replays the same frame; export and verify see it too.
  port = start();
  {
    LineClient alice("127.0.0.1", port);
    ASSERT_TRUE(alice.connected());
    auto history = join(alice, "blobs", "alice");
    EXPECT_NE(std::find(history.begin(), history.end(), live), history.end())
        << "the large frame is missing from the replayed history";
  }
  stop();
  auto exported = pvpctl({"export", "blobs", "--format", "jsonl"});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find(big), std::string::npos);
  auto ok = pvpctl({"verify", "--all"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  // A missing blob is a verification failure.
  for (const auto &e : std::filesystem::directory_iterator(journal_dir() / "blobs")) {
    std::filesystem::remove(e.path());
  }
  auto bad = pvpctl({"verify", "blobs"});
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE((bad.out + bad.err).find("blob"), std::string::npos) << bad.out << bad.err;
}

TEST_F(JournalDaemonTest, BlobFramesSurviveKillDashNine) {
  configure("  journal: {fsync: batch, blob_threshold: 1KiB}\n");
  std::vector<std::string> seen;  // large frames a client received before a crash
  for (int round = 0; round < 5; ++round) {
    int port = start();
    ASSERT_GT(port, 0);
    LineClient alice("127.0.0.1", port);
    ASSERT_TRUE(alice.connected());
    auto history = join(alice, "crashblobs", "alice");
    for (const auto &frame : seen) {
      EXPECT_NE(std::find(history.begin(), history.end(), frame), history.end())
          << "round " << round << ": a delivered large frame is missing after kill -9";
    }
    // Several large frames in flight; read some, then crash.
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(alice.send_line(
          R"({"v":1,"type":"context.add","session":"crashblobs","sender":"alice","payload":)"
          R"({"key":"k)" +
          std::to_string(round) + "-" + std::to_string(i) +
          R"(","content_type":"text","content":")" +
          std::string(3000 + static_cast<size_t>(round * 4 + i), 'c') + R"("}})"));
    }
    for (int i = 0; i < round % 4; ++i) {
      const std::string frame = next_of(alice, "context.add");
      ASSERT_FALSE(frame.empty());
      seen.push_back(frame);
    }
    pvpd_->signal(SIGKILL);
    ASSERT_TRUE(pvpd_->wait_exit().has_value());
    pvpd_.reset();
  }
  auto ok = pvpctl({"verify", "--all"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

TEST_F(JournalDaemonTest, SecretShareIsJournaledAsHmacUnderTheJournalKey) {
  configure("  journal: {fsync: batch}\n");
  int port = start();
  ASSERT_GT(port, 0);
  const std::string value = "inline-secret-hunter2";
  {
    LineClient alice("127.0.0.1", port);
    ASSERT_TRUE(alice.connected());
    join(alice, "sec", "alice");
    ASSERT_TRUE(alice.send_line(
        R"({"v":1,"type":"secret.share","session":"sec","sender":"alice","payload":)"
        R"({"key":"API","scope":["alice"],"value_ref":")" +
        value + R"("}})"));
    ASSERT_FALSE(next_of(alice, "secret.share").empty());
  }
  stop();
  const auto key_file = journal_dir() / "hmac.key";
  ASSERT_TRUE(std::filesystem::exists(key_file));
  EXPECT_EQ(std::filesystem::status(key_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // The documented auditor check, with python3's standard library only.
  auto digest =
      run_command({"/usr/bin/env", "python3", "-c",
                   "import hashlib,hmac,sys\n"
                   "key=open(sys.argv[1],'rb').read().rstrip(b'\\n')\n"
                   "v=sys.argv[2].encode()\n"
                   "print(hashlib.sha256(v).hexdigest())\n"
                   "print('hmac-sha256:'+hmac.new(key,hashlib.sha256(v).hexdigest().encode(),"
                   "'sha256').hexdigest())\n",
                   key_file.string(), value});
  ASSERT_EQ(digest.exit_code, 0) << digest.err;
  std::istringstream lines(digest.out);
  std::string plain_hash, expected;
  std::getline(lines, plain_hash);
  std::getline(lines, expected);
  const std::string journal = slurp(journal_of("sec"));
  EXPECT_EQ(journal.find(value), std::string::npos);
  EXPECT_EQ(journal.find(plain_hash), std::string::npos) << "a plain SHA-256 is brute-forceable";
  EXPECT_NE(journal.find(expected), std::string::npos) << journal;
  auto ok = pvpctl({"verify", "sec"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

TEST_F(JournalDaemonTest, SecretKeyComesFromTheNamedCredential) {
  configure("  journal: {secret_key_credential: journal-hmac}\n");
  // Named but unreadable: pvpd refuses to start rather than fall back silently.
  auto refused =
      run_command({pvpd_binary().string(), "-c", cfg_.string()}, std::chrono::seconds(30),
                  {{"CREDENTIALS_DIRECTORY", (dir_.path() / "creds").string()}});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("journal secret key credential"), std::string::npos) << refused.err;

  dir_.write("creds/journal-hmac", "credential-key\n");
  std::filesystem::remove(dir_.path() / "port");
  pvpd_ = std::make_unique<PvpdProcess>(
      cfg_, dir_.path(), std::vector<std::string>{},
      std::map<std::string, std::string>{
          {"CREDENTIALS_DIRECTORY", (dir_.path() / "creds").string()}});
  ASSERT_TRUE(pvpd_->wait_for_log("running: 1 plugin instance(s)")) << pvpd_->log();
  int port = read_echo_port(dir_);
  ASSERT_GT(port, 0);
  {
    LineClient alice("127.0.0.1", port);
    ASSERT_TRUE(alice.connected());
    join(alice, "cred", "alice");
    ASSERT_TRUE(alice.send_line(
        R"({"v":1,"type":"secret.share","session":"cred","sender":"alice","payload":)"
        R"({"key":"API","scope":["alice"],"value_ref":"v4lue"}})"));
    ASSERT_FALSE(next_of(alice, "secret.share").empty());
  }
  stop();
  EXPECT_FALSE(std::filesystem::exists(journal_dir() / "hmac.key"));
  auto digest =
      run_command({"/usr/bin/env", "python3", "-c",
                   "import hashlib,hmac\n"
                   "print('hmac-sha256:'+hmac.new(b'credential-key',"
                   "hashlib.sha256(b'v4lue').hexdigest().encode(),'sha256').hexdigest())\n"});
  ASSERT_EQ(digest.exit_code, 0) << digest.err;
  const std::string expected = digest.out.substr(0, digest.out.find('\n'));
  EXPECT_NE(slurp(journal_of("cred")).find(expected), std::string::npos);
}

TEST_F(JournalDaemonTest, RetentionDeletesEndedSessionsOnly) {
  configure("  journal: {fsync: batch, retention: {ended_after: 1s, action: delete}}\n");
  int port = start();
  ASSERT_GT(port, 0);
  LineClient alice("127.0.0.1", port);
  ASSERT_TRUE(alice.connected());
  join(alice, "short", "alice");
  LineClient bob("127.0.0.1", port);
  ASSERT_TRUE(bob.connected());
  join(bob, "kept", "bob");
  ASSERT_TRUE(
      alice.send_line(R"({"v":1,"type":"session.end","session":"short","sender":"alice","payload":)"
                      R"({"reason":"done","final_state":"completed"}})"));
  ASSERT_FALSE(next_of(alice, "session.end").empty());
  // The journal goes first, then its end marker (a crash in between leaves only a harmless
  // marker, never a journal without one): wait for both.
  ASSERT_TRUE(eventually(
      [&] {
        return !std::filesystem::exists(journal_of("short")) &&
               !std::filesystem::exists(journal_dir() / (hex_name("short") + ".ended"));
      },
      std::chrono::seconds(20)))
      << "ended session not deleted; log:\n"
      << pvpd_->log();
  EXPECT_TRUE(std::filesystem::exists(journal_of("kept")));
  EXPECT_TRUE(pvpd_->wait_for_log("retention deleted 1 ended session(s)")) << pvpd_->log();
  stop();
}

TEST_F(JournalDaemonTest, RetentionArchivesAtStart) {
  configure("  journal: {fsync: batch}\n");
  int port = start();
  ASSERT_GT(port, 0);
  {
    LineClient alice("127.0.0.1", port);
    ASSERT_TRUE(alice.connected());
    join(alice, "old", "alice");
    ASSERT_TRUE(
        alice.send_line(R"({"v":1,"type":"session.end","session":"old","sender":"alice","payload":)"
                        R"({"reason":"done","final_state":"completed"}})"));
    ASSERT_FALSE(next_of(alice, "session.end").empty());
  }
  ASSERT_TRUE(eventually(
      [&] { return std::filesystem::exists(journal_dir() / (hex_name("old") + ".ended")); }));
  stop();
  std::filesystem::last_write_time(
      journal_of("old"), std::filesystem::file_time_type::clock::now() - std::chrono::hours(49));
  configure("  journal: {fsync: batch, retention: {ended_after: 2d, action: archive}}\n");
  start();
  const auto archived = journal_dir() / "archive" / (hex_name("old") + ".journal");
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(archived); })) << pvpd_->log();
  EXPECT_FALSE(std::filesystem::exists(journal_of("old")));
  stop();
}

TEST_F(JournalDaemonTest, RetentionConfigIsValidatedWithPositions) {
  configure("  journal:\n    retention:\n      action: shred\n");
  auto r = run_command({pvpd_binary().string(), "--check-config", "--config", cfg_.string()});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find(cfg_.string() + ":7:15: error: daemon.journal.retention.action"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("ended_after"), std::string::npos) << r.err;
  configure("  journal:\n    retention: {ended_after: soon}\n    secret_key_credential: ../k\n");
  r = run_command({pvpd_binary().string(), "--check-config", "--config", cfg_.string()});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find(":6:30: error: daemon.journal.retention.ended_after"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(":7:28: error: daemon.journal.secret_key_credential"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("missing required key"), std::string::npos) << r.err;
  configure("  journal:\n    retention: {ended_after: 30d, action: delete}\n");
  r = run_command({pvpd_binary().string(), "--check-config", "--config", cfg_.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(JournalDaemonTest, DiskFullRejectsFramesAndRecoversWhenSpaceReturns) {
  // Every record inline, each durable before delivery.
  configure("  journal: {fsync: always, blob_threshold: 0}\n");
  int port = start();
  ASSERT_GT(port, 0);
  LineClient alice("127.0.0.1", port);
  ASSERT_TRUE(alice.connected());
  join(alice, "full", "alice");
  auto draft = [&](const std::string &text) {
    return alice.send_line(
        R"({"v":1,"type":"prompt.draft","session":"full","sender":"alice","payload":)"
        R"({"content":")" +
        text + R"(","contributors":[]}})");
  };
  // Make the journal larger than pvpd's log will ever get, so the limit hits the journal only.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(draft(std::string(20000, static_cast<char>('a' + i))));
    ASSERT_FALSE(next_of(alice, "prompt.draft").empty());
  }
  const auto journal = journal_of("full");
  const auto size_before = std::filesystem::file_size(journal);
  ASSERT_GT(size_before, 80000u);
  // "The disk is full": the running pvpd may not grow any file past its current journal size
  // plus a little (SIGXFSZ is ignored by pvpd, so writes fail with EFBIG).
  struct rlimit full {
    size_before + 200, RLIM_INFINITY
  };
  ASSERT_EQ(::prlimit(pvpd_->pid(), RLIMIT_FSIZE, &full, nullptr), 0) << std::strerror(errno);
  ASSERT_TRUE(alice.send_line(
      R"({"v":1,"id":"lost-1","type":"prompt.draft","session":"full","sender":"alice",)"
      R"("payload":{"content":")" +
      std::string(3000, 'X') + R"(","contributors":[]}})"));
  const std::string err = next_of(alice, "error");
  ASSERT_FALSE(err.empty());
  auto e = parse(err);
  EXPECT_STREQ(e["payload"]["code"].GetString(), "INTERNAL_ERROR");
  ASSERT_TRUE(e["payload"].HasMember("related_to"));
  EXPECT_STREQ(e["payload"]["related_to"].GetString(), "lost-1") << "names the lost frame";
  const std::string detail = e["payload"]["message"].GetString();
  EXPECT_NE(detail.find("could not be recorded"), std::string::npos) << detail;
  EXPECT_NE(detail.find("disk full"), std::string::npos) << detail;
  EXPECT_EQ(detail.find(dir_.path().string()), std::string::npos) << "server path leaked";
  EXPECT_EQ(std::filesystem::file_size(journal), size_before) << "partial record left behind";
  auto verify_full = pvpctl({"verify", "full"});
  EXPECT_EQ(verify_full.exit_code, 0) << verify_full.out << verify_full.err;
  // Space returns: the next frame is recorded and delivered.
  struct rlimit unlimited {
    RLIM_INFINITY, RLIM_INFINITY
  };
  ASSERT_EQ(::prlimit(pvpd_->pid(), RLIMIT_FSIZE, &unlimited, nullptr), 0);
  ASSERT_TRUE(draft("after the disk had room again"));
  const std::string after = next_of(alice, "prompt.draft");
  ASSERT_FALSE(after.empty());
  EXPECT_NE(after.find("after the disk had room again"), std::string::npos);
  stop();
  auto verify = pvpctl({"verify", "full"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const std::string text = slurp(journal);
  EXPECT_EQ(text.find(std::string(3000, 'X')), std::string::npos) << "rejected frame journaled";
  EXPECT_NE(text.find("after the disk had room again"), std::string::npos);
}

}  // namespace
}  // namespace pvpd::testing
