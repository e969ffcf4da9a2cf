// The journal sink's entries (captured through an injected send function) and the
// JOURNAL_STREAM detection.
#include "systemd/journal_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <syslog.h>

#include <spdlog/logger.h>

#include "daemon/systemd/test_env.h"
#include "systemd/journal_stream.h"
#include "systemd/message_ids.h"
#include "util/logging.h"

namespace pvpd::systemd {
namespace {

using Entries = std::vector<std::vector<std::string>>;

std::shared_ptr<JournalSink> capturing_sink(Entries &entries, int rc = 0) {
  return std::make_shared<JournalSink>([&entries, rc](const struct iovec *iov, int n) {
    std::vector<std::string> fields;
    for (int i = 0; i < n; ++i) {
      fields.emplace_back(static_cast<const char *>(iov[i].iov_base), iov[i].iov_len);
    }
    entries.push_back(std::move(fields));
    return rc;
  });
}

TEST(JournalSink, PlainMessage) {
  Entries entries;
  spdlog::logger logger("t", capturing_sink(entries));
  logger.warn("disk {} almost full", "/var");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0], (std::vector<std::string>{"MESSAGE=disk /var almost full", "PRIORITY=4",
                                                  "SYSLOG_IDENTIFIER=pvpd"}));
}

TEST(JournalSink, StructuredFields) {
  Entries entries;
  spdlog::logger logger("t", capturing_sink(entries));
  logging::Fields fields{.plugin = "websocket",
                         .instance = "ws1",
                         .session = "s-42",
                         .conn = 7,
                         .message_id = message_ids::kPluginRefused};
  {
    logging::ScopedFields scope(&fields);
    logger.error("refused\nsecond line");
  }
  logger.info("after scope");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0],
            (std::vector<std::string>{"MESSAGE=refused\nsecond line", "PRIORITY=3",
                                      "SYSLOG_IDENTIFIER=pvpd", "PVPD_PLUGIN=websocket",
                                      "PVPD_INSTANCE=ws1", "PVPD_SESSION=s-42", "PVPD_CONN=7",
                                      "MESSAGE_ID=" + std::string(message_ids::kPluginRefused)}));
  EXPECT_EQ(entries[1].size(), 3u);
}

TEST(JournalSink, OnlySetFieldsAreSent) {
  Entries entries;
  spdlog::logger logger("t", capturing_sink(entries));
  logging::Fields fields{.session = "abc"};
  logging::ScopedFields scope(&fields);
  logger.debug("x");  // below the logger's default level (info): not sent
  logger.info("y");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0], (std::vector<std::string>{"MESSAGE=y", "PRIORITY=6",
                                                  "SYSLOG_IDENTIFIER=pvpd", "PVPD_SESSION=abc"}));
}

TEST(JournalSink, SourceLocationBecomesCodeFields) {
  Entries entries;
  spdlog::logger logger("t", capturing_sink(entries));
  logger.log(spdlog::source_loc{"x.cpp", 12, "fn"}, spdlog::level::critical, "boom");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0],
            (std::vector<std::string>{"MESSAGE=boom", "PRIORITY=2", "SYSLOG_IDENTIFIER=pvpd",
                                      "CODE_FILE=x.cpp", "CODE_LINE=12", "CODE_FUNC=fn"}));
}

TEST(JournalSink, FailedSendFallsBackToStderrWithoutThrowing) {
  Entries entries;
  auto sink = capturing_sink(entries, -EIO);
  spdlog::logger logger("t", sink);
  testing::StderrCapture capture;
  EXPECT_NO_THROW(logger.error("lost?\nno"));
  EXPECT_EQ(sink->failures(), 1u);
  EXPECT_EQ(capture.text(), "<3>lost? no\n");
}

TEST(JournalSink, ThrowingSendDoesNotEscape) {
  auto sink = std::make_shared<JournalSink>(
      [](const struct iovec *, int) -> int { throw std::runtime_error("boom"); });
  spdlog::logger logger("t", sink);
  testing::StderrCapture capture;
  EXPECT_NO_THROW(logger.info("m"));
  EXPECT_EQ(sink->failures(), 1u);
  EXPECT_EQ(capture.text(), "<6>m\n");
}

TEST(JournalSink, PriorityMapping) {
  EXPECT_EQ(syslog_priority(spdlog::level::trace), LOG_DEBUG);
  EXPECT_EQ(syslog_priority(spdlog::level::debug), LOG_DEBUG);
  EXPECT_EQ(syslog_priority(spdlog::level::info), LOG_INFO);
  EXPECT_EQ(syslog_priority(spdlog::level::warn), LOG_WARNING);
  EXPECT_EQ(syslog_priority(spdlog::level::err), LOG_ERR);
  EXPECT_EQ(syslog_priority(spdlog::level::critical), LOG_CRIT);
}

TEST(JournalStream, MatchesDeviceAndInode) {
  testing::TempDir dir;
  const auto path = dir.path() / "f";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  const std::string dev = std::to_string(st.st_dev);
  const std::string ino = std::to_string(st.st_ino);
  EXPECT_TRUE(fd_is_journal_stream(fd, dev + ":" + ino));
  EXPECT_FALSE(fd_is_journal_stream(fd, dev + ":" + std::to_string(st.st_ino + 1)));
  EXPECT_FALSE(fd_is_journal_stream(fd, dev + ":"));
  EXPECT_FALSE(fd_is_journal_stream(fd, ":" + ino));
  EXPECT_FALSE(fd_is_journal_stream(fd, dev + ":" + ino + "x"));
  EXPECT_FALSE(fd_is_journal_stream(fd, ""));
  EXPECT_FALSE(fd_is_journal_stream(-1, dev + ":" + ino));
  ::close(fd);
}

TEST(JournalStream, SocketProbe) {
  testing::TempDir dir;
  EXPECT_FALSE(journal_socket_available((dir.path() / "missing").string()));
  EXPECT_FALSE(journal_socket_available(dir.path().string()));
}

}  // namespace
}  // namespace pvpd::systemd
