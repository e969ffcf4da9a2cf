// logging::init per target, level handling, and the readable line format of stderr/file output.
#include "util/logging.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <spdlog/spdlog.h>

#include "daemon/systemd/test_env.h"
#include "systemd/journal_stream.h"

namespace pvpd::logging {
namespace {

using testing::ScopedEnv;
using testing::StderrCapture;
using testing::TempDir;

// Tests share spdlog's process-wide default logger; each leaves it on plain stderr.
class LoggingTest : public ::testing::Test {
 protected:
  void TearDown() override {
    Options opts;
    opts.target = "stderr";
    ASSERT_TRUE(init(opts).is_ok());
  }
};

std::vector<std::string> lines(const std::string &text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    out.push_back(text.substr(pos, end - pos));
    if (end == std::string::npos) {
      break;
    }
    pos = end + 1;
  }
  return out;
}

// The line after its "YYYY-MM-DDTHH:MM:SS.mmmZ " timestamp, or "<bad timestamp>: line". (No
// std::regex: g++ 12 reports maybe-uninitialized inside it under sanitizers.)
std::string after_timestamp(const std::string &line) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ ";
  bool ok = line.size() >= kShape.size();
  for (size_t i = 0; ok && i < kShape.size(); ++i) {
    const char c = line[i];
    ok = kShape[i] == 'd' ? (c >= '0' && c <= '9') : c == kShape[i];
  }
  return ok ? line.substr(kShape.size()) : "<bad timestamp>: " + line;
}

TEST(ParseLevel, AcceptsNamesAndAliases) {
  using spdlog::level::level_enum;
  EXPECT_EQ(parse_level("trace"), level_enum::trace);
  EXPECT_EQ(parse_level("debug"), level_enum::debug);
  EXPECT_EQ(parse_level("info"), level_enum::info);
  EXPECT_EQ(parse_level("warn"), level_enum::warn);
  EXPECT_EQ(parse_level("warning"), level_enum::warn);
  EXPECT_EQ(parse_level("error"), level_enum::err);
  EXPECT_EQ(parse_level("err"), level_enum::err);
  EXPECT_EQ(parse_level("critical"), level_enum::critical);
  EXPECT_EQ(parse_level("off"), level_enum::off);
  EXPECT_EQ(parse_level("INFO"), std::nullopt);
  EXPECT_EQ(parse_level(""), std::nullopt);
  EXPECT_EQ(parse_level("verbose"), std::nullopt);
}

TEST_F(LoggingTest, RejectsBadOptionsAndKeepsPreviousConfig) {
  TempDir dir;
  Options good;
  good.target = "file";
  good.file = (dir.path() / "a.log").string();
  ASSERT_TRUE(init(good).is_ok());

  Options bad_level;
  bad_level.level = "loud";
  EXPECT_EQ(init(bad_level).code(), PVPD_E_INVAL);
  Options bad_target;
  bad_target.target = "syslog";
  EXPECT_EQ(init(bad_target).code(), PVPD_E_INVAL);
  Options no_file;
  no_file.target = "file";
  EXPECT_EQ(init(no_file).code(), PVPD_E_INVAL);
  Options unopenable;
  unopenable.target = "file";
  unopenable.file = (dir.path() / "missing-dir" / "x.log").string();
  const Status st = init(unopenable);
  EXPECT_EQ(st.code(), PVPD_E_IO);
  EXPECT_NE(st.message().find("missing-dir"), std::string::npos) << st.message();
  EXPECT_EQ(set_level("loud").code(), PVPD_E_INVAL);

  EXPECT_EQ(current_target(), Target::kFile);
  spdlog::info("still here");
  EXPECT_NE(testing::read_file(good.file).find("still here"), std::string::npos);
}

TEST_F(LoggingTest, FileTargetWritesLinesWithFieldPrefix) {
  TempDir dir;
  Options opts;
  opts.level = "debug";
  opts.target = "file";
  opts.file = (dir.path() / "pvpd.log").string();
  ASSERT_TRUE(init(opts).is_ok());
  EXPECT_EQ(current_target(), Target::kFile);

  log(spdlog::level::info, {.plugin = "websocket", .instance = "ws1", .session = "s1", .conn = 7},
      "hello\nforged line");
  log(spdlog::level::warn, {.plugin = "git-bridge"}, "only plugin");
  log(spdlog::level::err, {.session = "s2"}, "only session");
  spdlog::debug("plain {}", 42);
  spdlog::trace("filtered out");
  flush();

  struct stat st {};
  ASSERT_EQ(::stat(opts.file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0037, 0u);  // 0640 at most: the umask may only narrow it
  const auto got = lines(testing::read_file(opts.file));
  ASSERT_EQ(got.size(), 4u) << testing::read_file(opts.file);
  EXPECT_EQ(after_timestamp(got[0]),
            R"(info [websocket/ws1 session=s1 conn=7] hello\nforged line)");
  EXPECT_EQ(after_timestamp(got[1]), "warning [git-bridge] only plugin");
  EXPECT_EQ(after_timestamp(got[2]), "error [session=s2] only session");
  EXPECT_EQ(after_timestamp(got[3]), "debug plain 42");
}

TEST_F(LoggingTest, ReinitSwitchesFileAndLevel) {
  TempDir dir;
  Options first;
  first.target = "file";
  first.file = (dir.path() / "1.log").string();
  ASSERT_TRUE(init(first).is_ok());
  spdlog::info("one");
  spdlog::debug("hidden");

  Options second = first;
  second.level = "debug";
  second.file = (dir.path() / "2.log").string();
  ASSERT_TRUE(init(second).is_ok());
  spdlog::debug("two");

  ASSERT_TRUE(set_level("error").is_ok());
  spdlog::warn("dropped");
  spdlog::error("three");

  const auto a = lines(testing::read_file(first.file));
  const auto b = lines(testing::read_file(second.file));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].find(" info one"), std::string::npos);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_NE(b[0].find(" debug two"), std::string::npos);
  EXPECT_NE(b[1].find(" error three"), std::string::npos);
}

TEST_F(LoggingTest, FileAppendsAcrossInits) {
  TempDir dir;
  Options opts;
  opts.target = "file";
  opts.file = (dir.path() / "x.log").string();
  ASSERT_TRUE(init(opts).is_ok());
  spdlog::info("a");
  ASSERT_TRUE(init(opts).is_ok());
  spdlog::info("b");
  EXPECT_EQ(lines(testing::read_file(opts.file)).size(), 2u);
}

// The reload path: init() swaps sinks while other threads keep logging (run under TSan too).
TEST_F(LoggingTest, ReinitWhileOtherThreadsLog) {
  TempDir dir;
  // The first init() installs pvpd's logger; like the daemon, do it before any thread logs
  // (replacing spdlog's default logger is not safe against concurrent use). Re-inits are.
  Options first;
  first.target = "file";
  first.file = (dir.path() / "r0.log").string();
  ASSERT_TRUE(init(first).is_ok());
  std::atomic<bool> stop{false};
  std::vector<std::thread> loggers;
  for (int t = 0; t < 2; ++t) {
    loggers.emplace_back([&stop, t] {
      const std::string instance = "i" + std::to_string(t);
      while (!stop.load()) {
        log(spdlog::level::info, {.plugin = "p", .instance = instance}, "tick");
        spdlog::info("plain");
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    Options opts;
    opts.target = "file";
    opts.file = (dir.path() / ("r" + std::to_string(i % 2) + ".log")).string();
    ASSERT_TRUE(init(opts).is_ok());
    ASSERT_TRUE(set_level(i % 3 == 0 ? "debug" : "info").is_ok());
  }
  stop = true;
  for (auto &t : loggers) {
    t.join();
  }
  for (const char *name : {"r0.log", "r1.log"}) {
    for (const auto &line : lines(testing::read_file(dir.path() / name))) {
      const std::string rest = after_timestamp(line);
      EXPECT_TRUE(rest == "info plain" || rest == "info [p/i0] tick" || rest == "info [p/i1] tick")
          << line;
    }
  }
}

TEST_F(LoggingTest, StderrTarget) {
  StderrCapture capture;
  Options opts;
  opts.target = "stderr";
  ASSERT_TRUE(init(opts).is_ok());
  EXPECT_EQ(current_target(), Target::kStderr);
  log(spdlog::level::info, {.plugin = "t140", .instance = "main"}, "ready");
  const auto got = lines(capture.text());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(after_timestamp(got[0]), "info [t140/main] ready");
}

TEST_F(LoggingTest, AutoWithoutJournalStreamIsPlainStderr) {
  ScopedEnv env("JOURNAL_STREAM", std::nullopt);
  StderrCapture capture;
  ASSERT_TRUE(init(Options{}).is_ok());
  EXPECT_EQ(current_target(), Target::kStderr);
}

TEST_F(LoggingTest, AutoIgnoresJournalStreamOfAnotherFile) {
  StderrCapture capture;
  ScopedEnv env("JOURNAL_STREAM", "1:1");
  ASSERT_TRUE(init(Options{}).is_ok());
  EXPECT_EQ(current_target(), Target::kStderr);
}

TEST_F(LoggingTest, AutoWithJournalStream) {
  StderrCapture capture;  // stderr is now a file whose dev:ino we advertise
  struct stat st {};
  ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
  ScopedEnv env("JOURNAL_STREAM", std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino));
  ASSERT_TRUE(init(Options{}).is_ok());
  if (systemd::journal_socket_available()) {
    EXPECT_EQ(current_target(), Target::kJournal);
    return;
  }
  // No journald here (the usual container case): <N> lines for journald's stream parser.
  EXPECT_EQ(current_target(), Target::kStderrSyslogPrefix);
  log(spdlog::level::warn, {.plugin = "websocket", .instance = "ws"}, "slow\nclient");
  spdlog::error("plain");
  EXPECT_EQ(capture.text(), "<4>[websocket/ws] slow\\nclient\n<3>plain\n");
}

TEST_F(LoggingTest, JournalTargetNeverThrows) {
  StderrCapture capture;
  Options opts;
  opts.target = "journal";
  ASSERT_TRUE(init(opts).is_ok());
  EXPECT_EQ(current_target(), Target::kJournal);
  EXPECT_NO_THROW(log(spdlog::level::info, {.plugin = "p"}, "to the journal or stderr"));
  // Without journald libsystemd drops the entry silently (ENOENT counts as success), which is
  // why "auto" probes the socket before choosing the journal.
  (void)capture;
}

TEST_F(LoggingTest, LevelOffSilencesEverything) {
  StderrCapture capture;
  Options opts;
  opts.target = "stderr";
  opts.level = "off";
  ASSERT_TRUE(init(opts).is_ok());
  spdlog::critical("x");
  log(spdlog::level::critical, {}, "y");
  EXPECT_EQ(capture.text(), "");
}

TEST(FieldPrefix, Formats) {
  auto prefix = [](const Fields &f) {
    std::string out;
    append_field_prefix(&f, out);
    return out;
  };
  EXPECT_EQ(prefix({}), "");
  EXPECT_EQ(prefix({.plugin = "p"}), "[p] ");
  EXPECT_EQ(prefix({.plugin = "p", .instance = "i"}), "[p/i] ");
  EXPECT_EQ(prefix({.instance = "i"}), "[i] ");
  EXPECT_EQ(prefix({.conn = 3}), "[conn=3] ");
  EXPECT_EQ(prefix({.session = "a]\nb"}), "[session=a]\\nb] ");
  EXPECT_EQ(prefix({.message_id = "0123"}), "");
  std::string none;
  append_field_prefix(nullptr, none);
  EXPECT_EQ(none, "");
}

TEST(ScopedFieldsTest, Nests) {
  EXPECT_EQ(current_fields(), nullptr);
  Fields a{.plugin = "a"};
  Fields b{.plugin = "b"};
  {
    ScopedFields sa(&a);
    EXPECT_EQ(current_fields(), &a);
    {
      ScopedFields sb(&b);
      EXPECT_EQ(current_fields(), &b);
    }
    EXPECT_EQ(current_fields(), &a);
  }
  EXPECT_EQ(current_fields(), nullptr);
}

}  // namespace
}  // namespace pvpd::logging
