#include <gtest/gtest.h>

#include "journal/journal_store.h"
#include "journal/recovery.h"
#include "journal_test_util.h"

namespace pvpd::journal {
namespace {

using testing::append_all;
using testing::read_file;
using testing::run_until;
using testing::TempDir;
using testing::write_file;

JournalOptions opts_in(const std::filesystem::path &dir) {
  JournalOptions o;
  o.dir = dir.string();
  o.fsync = FsyncMode::kNone;
  return o;
}

// Writes a journal with records 1..n for "s" and returns its bytes.
std::string make_journal(const std::filesystem::path &dir, uint64_t n) {
  asio::io_context io;
  JournalStore store(io, opts_in(dir));
  EXPECT_TRUE(store.start().is_ok());
  append_all(io, store, "s", 1, n);
  store.stop();
  return read_file(store.path_for("s"));
}

std::vector<std::string> split_lines(const std::string &bytes) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t nl = bytes.find('\n', pos);
    lines.push_back(bytes.substr(pos, nl - pos + 1));
    pos = nl + 1;
  }
  return lines;
}

std::string join(const std::vector<std::string> &lines) {
  std::string out;
  for (const auto &l : lines) {
    out += l;
  }
  return out;
}

// A crash can stop the last write at any byte: every prefix of the last record recovers to
// the previous record, with a note, and the chain continues.
TEST(JournalRecovery, TornLastRecordAtEveryOffset) {
  TempDir tmp;
  const std::string full = make_journal(tmp.path() / "orig", 4);
  const auto lines = split_lines(full);
  const size_t last_start = full.size() - lines.back().size();
  for (size_t len = last_start; len < full.size(); ++len) {
    SCOPED_TRACE("length " + std::to_string(len));
    const std::filesystem::path dir = tmp.path() / ("t" + std::to_string(len));
    std::filesystem::create_directories(dir);
    asio::io_context io;
    JournalStore store(io, opts_in(dir));
    write_file(store.path_for("s"), full.substr(0, len));
    ASSERT_TRUE(store.start().is_ok());
    auto rec = store.recover();
    ASSERT_EQ(rec.size(), 1u);
    ASSERT_TRUE(rec[0].status.is_ok()) << rec[0].status.message();
    ASSERT_EQ(rec[0].records.size(), 3u);
    EXPECT_EQ(rec[0].records.back().seq, 3u);
    if (len == last_start) {
      EXPECT_TRUE(rec[0].notes.empty());
    } else {
      ASSERT_EQ(rec[0].notes.size(), 1u);
      EXPECT_NE(rec[0].notes[0].find("torn last record"), std::string::npos) << rec[0].notes[0];
    }
    EXPECT_EQ(std::filesystem::file_size(store.path_for("s")), last_start);
    append_all(io, store, "s", 4, 5);
    VerifyReport rep = verify_journal(store.path_for("s"));
    EXPECT_TRUE(rep.ok) << rep.problem;
    EXPECT_FALSE(rep.torn_tail);
    EXPECT_EQ(rep.records, 5u);
  }
}

// A complete last line whose hash does not match (e.g. a page of garbage after power loss) is
// a torn tail too; verify reports it as a note, not as tampering.
TEST(JournalRecovery, GarbledLastLineIsTorn) {
  TempDir tmp;
  std::string bytes = make_journal(tmp.path() / "j", 3);
  bytes[bytes.size() - 10] ^= 0x01;
  const std::filesystem::path dir = tmp.path() / "j";
  asio::io_context io;
  JournalStore store(io, opts_in(dir));
  write_file(store.path_for("s"), bytes);
  VerifyReport rep = verify_journal(store.path_for("s"));
  EXPECT_TRUE(rep.ok);
  EXPECT_TRUE(rep.torn_tail);
  EXPECT_EQ(rep.records, 2u);
  auto rec = store.recover();
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_TRUE(rec[0].status.is_ok());
  EXPECT_EQ(rec[0].records.size(), 2u);
  EXPECT_EQ(rec[0].notes.size(), 1u);
}

struct Tampered {
  std::string bytes;
  uint64_t bad_seq;
  std::string problem;
};

class JournalTamper : public ::testing::TestWithParam<int> {};

Tampered tamper(const std::string &full, int kind) {
  auto lines = split_lines(full);  // lines[0] is the header, lines[k] is seq k
  switch (kind) {
    case 0: {  // flip one byte inside record 5's message
      std::string &l = lines[5];
      l[l.find("text 5") + 1] ^= 0x20;
      return {join(lines), 5, "record seq 5 (line 6): hash does not match its content"};
    }
    case 1:  // delete record 17
      lines.erase(lines.begin() + 17);
      return {join(lines), 18, "record seq 18 (line 18): prev hash does not match record seq 16"};
    case 2:  // swap records 10 and 11
      std::swap(lines[10], lines[11]);
      return {join(lines), 11, "record seq 11 (line 11): prev hash does not match record seq 9"};
    case 3: {  // break the JSON of record 7
      std::string &l = lines[7];
      l[l.find("\"prev\"")] = 'X';
      return {join(lines), 7, "record seq 7 (line 8, after record seq 6): not valid JSON"};
    }
    case 4: {  // renumber record 12 (its hash covers the seq)
      std::string &l = lines[12];
      l.replace(l.find("\"seq\":12"), 8, "\"seq\":13");
      return {join(lines), 13, "record seq 13 (line 13): hash does not match its content"};
    }
    default: {  // delete the first record: chain to genesis broken
      lines.erase(lines.begin() + 1);
      return {join(lines), 2,
              "record seq 2 (line 2): prev hash does not match the session's genesis"};
    }
  }
}

TEST_P(JournalTamper, DetectedByVerifyAndRecover) {
  TempDir tmp;
  const std::string full = make_journal(tmp.path() / "orig", 20);
  const Tampered t = tamper(full, GetParam());
  const std::filesystem::path dir = tmp.path() / "j";
  std::filesystem::create_directories(dir);
  asio::io_context io;
  JournalStore store(io, opts_in(dir));
  write_file(store.path_for("s"), t.bytes);

  VerifyReport rep = verify_journal(store.path_for("s"));
  EXPECT_FALSE(rep.ok);
  ASSERT_TRUE(rep.first_bad_seq.has_value());
  EXPECT_EQ(*rep.first_bad_seq, t.bad_seq);
  EXPECT_NE(rep.problem.find(t.problem), std::string::npos) << rep.problem;

  ASSERT_TRUE(store.start().is_ok());
  auto rec = store.recover();
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec[0].session, "s");
  EXPECT_FALSE(rec[0].status.is_ok());
  EXPECT_NE(rec[0].status.message().find(t.problem), std::string::npos) << rec[0].status.message();
  EXPECT_TRUE(rec[0].records.empty());
  // The file is left as found (evidence), and appends to the session fail.
  EXPECT_EQ(read_file(store.path_for("s")), t.bytes);
  Status got;
  bool called = false;
  store.append("s", 21, bus::BufferRef::copy_of("{}"), [&](Status st) {
    got = st;
    called = true;
  });
  ASSERT_TRUE(run_until(io, [&] { return called; }));
  EXPECT_FALSE(got.is_ok());
  EXPECT_NE(got.message().find("corrupt"), std::string::npos) << got.message();
  EXPECT_FALSE(store.read("s").is_ok());
}

INSTANTIATE_TEST_SUITE_P(JournalKinds, JournalTamper, ::testing::Range(0, 6));

TEST(JournalRecovery, BadHeaderIsReported) {
  TempDir tmp;
  asio::io_context io;
  JournalStore store(io, opts_in(tmp.path()));
  std::string bytes = make_journal(tmp.path(), 2);
  // Claim another session id: the genesis no longer matches.
  const size_t at = bytes.find("\"session\":\"s\"");
  bytes.replace(at, 13, "\"session\":\"t\"");
  write_file(store.path_for("s"), bytes);
  VerifyReport rep = verify_journal(store.path_for("s"));
  EXPECT_FALSE(rep.ok);
  EXPECT_NE(rep.problem.find("genesis"), std::string::npos) << rep.problem;
  auto rec = store.recover();
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_FALSE(rec[0].status.is_ok());
}

}  // namespace
}  // namespace pvpd::journal
