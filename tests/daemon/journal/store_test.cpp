#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <set>

#include "journal/journal_store.h"
#include "journal/recovery.h"
#include "journal_test_util.h"

namespace pvpd::journal {
namespace {

using testing::append_all;
using testing::message;
using testing::run_until;
using testing::TempDir;

JournalOptions opts_for(const TempDir &tmp, FsyncMode mode) {
  JournalOptions o;
  o.dir = (tmp.path() / "journal").string();
  o.fsync = mode;
  return o;
}

class StoreModes : public ::testing::TestWithParam<FsyncMode> {};

// Every callback runs in append order, and when it runs its record is already in the file.
TEST_P(StoreModes, CommitsInOrderAfterTheWrite) {
  TempDir tmp;
  asio::io_context io;
  JournalStore store(io, opts_for(tmp, GetParam()));
  ASSERT_TRUE(store.start().is_ok());
  std::vector<uint64_t> order;
  constexpr uint64_t kN = 50;
  for (uint64_t seq = 1; seq <= kN; ++seq) {
    store.append("s1", seq, bus::BufferRef::copy_of(message("s1", seq)), [&, seq](Status st) {
      ASSERT_TRUE(st.is_ok()) << st.message();
      order.push_back(seq);
      ScanResult scan = scan_journal(store.path_for("s1"));
      EXPECT_TRUE(scan.status.is_ok());
      EXPECT_GE(scan.last_seq, seq) << "callback before the record was written";
    });
  }
  ASSERT_TRUE(run_until(io, [&] { return order.size() == kN; }));
  for (uint64_t i = 0; i < kN; ++i) {
    EXPECT_EQ(order[i], i + 1);
  }
  auto records = store.read("s1");
  ASSERT_TRUE(records.is_ok());
  ASSERT_EQ(records->size(), kN);
  EXPECT_EQ(records->front().message, message("s1", 1));
  VerifyReport rep = verify_journal(store.path_for("s1"));
  EXPECT_TRUE(rep.ok) << rep.problem;
  EXPECT_EQ(rep.records, kN);
  EXPECT_EQ(rep.session, "s1");
}

INSTANTIATE_TEST_SUITE_P(JournalModes, StoreModes,
                         ::testing::Values(FsyncMode::kAlways, FsyncMode::kBatch, FsyncMode::kNone),
                         [](const auto &param_info) {
                           return std::string(fsync_mode_name(param_info.param));
                         });

// Fault injection for the flush (JournalOptions::flush_fn is a plain function pointer, so the
// knobs are globals; every test resets them).
std::atomic<int> g_flushes{0};
std::atomic<bool> g_flush_fails{false};
std::mutex g_gate_mu;
std::condition_variable g_gate_cv;
bool g_gate_closed = false;
bool g_flush_waiting = false;

int counting_flush(int fd) {
  {
    std::unique_lock lk(g_gate_mu);
    g_flush_waiting = true;
    g_gate_cv.notify_all();
    g_gate_cv.wait(lk, [] { return !g_gate_closed; });
    g_flush_waiting = false;
  }
  ++g_flushes;
  if (g_flush_fails) {
    errno = EIO;
    return -1;
  }
  return ::fdatasync(fd);
}

void reset_flush_faults(bool gate_closed = false) {
  g_flushes = 0;
  g_flush_fails = false;
  std::lock_guard lk(g_gate_mu);
  g_gate_closed = gate_closed;
  g_flush_waiting = false;
}

void open_gate() {
  std::lock_guard lk(g_gate_mu);
  g_gate_closed = false;
  g_gate_cv.notify_all();
}

bool wait_for_flush_in_progress() {
  std::unique_lock lk(g_gate_mu);
  return g_gate_cv.wait_for(lk, std::chrono::seconds(10), [] { return g_flush_waiting; });
}

// fsync: always is a group commit: while one fdatasync runs, the records that arrive queue up
// and share the next one; no callback runs before the flush that covers its record.
TEST(JournalStore, AlwaysGroupCommitsWhatArrivesDuringAFlush) {
  TempDir tmp;
  asio::io_context io;
  reset_flush_faults(/*gate_closed=*/true);
  JournalOptions o = opts_for(tmp, FsyncMode::kAlways);
  o.flush_fn = &counting_flush;
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  std::vector<uint64_t> done;
  auto cb = [&](uint64_t seq) {
    return [&, seq](Status st) {
      EXPECT_TRUE(st.is_ok()) << st.message();
      done.push_back(seq);
    };
  };
  store.append("g", 1, bus::BufferRef::copy_of(message("g", 1)), cb(1));
  ASSERT_TRUE(wait_for_flush_in_progress());  // record 1 written, its flush held
  for (uint64_t seq = 2; seq <= 10; ++seq) {
    store.append("g", seq, bus::BufferRef::copy_of(message("g", seq)), cb(seq));
  }
  EXPECT_FALSE(run_until(
      io, [&] { return !done.empty(); }, std::chrono::milliseconds(100)))
      << "a callback ran before its record was flushed";
  EXPECT_TRUE(store.read("g")->empty()) << "read() exposed unflushed records";
  open_gate();
  ASSERT_TRUE(run_until(io, [&] { return done.size() == 10; }));
  EXPECT_EQ(done, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(g_flushes.load(), 2) << "records 2..10 should share one flush";
  EXPECT_EQ(store.read("g")->size(), 10u);
}

// fsync: batch delivers once the record is written; the flush follows in the background, and
// stop() flushes what is still pending.
TEST(JournalStore, BatchCommitsBeforeTheFlushAndStopFlushes) {
  TempDir tmp;
  asio::io_context io;
  reset_flush_faults();
  JournalOptions o = opts_for(tmp, FsyncMode::kBatch);
  o.batch_interval_ms = 60'000;
  o.flush_fn = &counting_flush;
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  std::vector<uint64_t> done;
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    store.append("g", seq, bus::BufferRef::copy_of(message("g", seq)), [&, seq](Status st) {
      EXPECT_TRUE(st.is_ok()) << st.message();
      done.push_back(seq);
    });
  }
  ASSERT_TRUE(run_until(io, [&] { return done.size() == 3; }));
  EXPECT_EQ(store.read("g")->size(), 3u);
  EXPECT_EQ(g_flushes.load(), 0) << "the flush is due in a minute";
  EXPECT_EQ(store.flush_stats().pending, 1u);
  store.stop();
  EXPECT_EQ(g_flushes.load(), 1);
  EXPECT_EQ(store.flush_stats().flushes, 1u);
  EXPECT_EQ(store.flush_stats().pending, 0u);
}

TEST(JournalStore, BatchFlushesWithinTheInterval) {
  TempDir tmp;
  asio::io_context io;
  reset_flush_faults();
  JournalOptions o = opts_for(tmp, FsyncMode::kBatch);
  o.batch_interval_ms = 20;
  o.flush_fn = &counting_flush;
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  int done = 0;
  store.append("g", 1, bus::BufferRef::copy_of(message("g", 1)), [&](Status st) {
    EXPECT_TRUE(st.is_ok());
    ++done;
  });
  EXPECT_TRUE(run_until(io, [&] { return done == 1 && store.flush_stats().flushes == 1; }));
  EXPECT_EQ(store.flush_stats().pending, 0u);
}

// A failed background flush may have lost delivered records to a power loss; the session then
// refuses new messages (until a restart) instead of accepting more it cannot keep. Other
// sessions are not affected until their own flush fails.
TEST(JournalStore, BatchFlushFailureRefusesFurtherAppends) {
  TempDir tmp;
  asio::io_context io;
  reset_flush_faults();
  JournalOptions o = opts_for(tmp, FsyncMode::kBatch);
  o.batch_interval_ms = 1;
  o.flush_fn = &counting_flush;
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  g_flush_fails = true;
  Status first;
  bool called = false;
  store.append("f", 1, bus::BufferRef::copy_of(message("f", 1)), [&](Status st) {
    first = st;
    called = true;
  });
  ASSERT_TRUE(run_until(io, [&] { return called && store.flush_stats().failures >= 1; }));
  EXPECT_TRUE(first.is_ok()) << "the record was written before the flush failed";
  Status second;
  called = false;
  store.append("f", 2, bus::BufferRef::copy_of(message("f", 2)), [&](Status st) {
    second = st;
    called = true;
  });
  ASSERT_TRUE(run_until(io, [&] { return called; }));
  EXPECT_EQ(second.code(), PVPD_E_IO);
  EXPECT_NE(second.message().find("journal flush failed"), std::string::npos) << second.message();
  g_flush_fails = false;
  called = false;
  Status other;
  store.append("ok", 1, bus::BufferRef::copy_of(message("ok", 1)), [&](Status st) {
    other = st;
    called = true;
  });
  ASSERT_TRUE(run_until(io, [&] { return called; }));
  EXPECT_TRUE(other.is_ok()) << other.message();
  store.stop();
  VerifyReport rep = verify_journal(store.path_for("f"));
  EXPECT_TRUE(rep.ok) << rep.problem;
  EXPECT_EQ(rep.records, 1u) << "the written record is kept, the refused one is not";
}

// fsync: always: a failed fdatasync fails the callbacks of its group and rolls the file back,
// so nothing unacknowledged stays in the journal; the next flush that works commits again.
TEST(JournalStore, AlwaysFlushFailureRollsBackTheGroup) {
  TempDir tmp;
  asio::io_context io;
  reset_flush_faults();
  JournalOptions o = opts_for(tmp, FsyncMode::kAlways);
  o.flush_fn = &counting_flush;
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  auto append_one = [&](uint64_t seq) {
    Status got;
    bool called = false;
    store.append("a", seq, bus::BufferRef::copy_of(message("a", seq)), [&](Status st) {
      got = st;
      called = true;
    });
    EXPECT_TRUE(run_until(io, [&] { return called; }));
    return got;
  };
  ASSERT_TRUE(append_one(1).is_ok());
  g_flush_fails = true;
  Status failed = append_one(2);
  EXPECT_EQ(failed.code(), PVPD_E_IO);
  EXPECT_NE(failed.message().find("fdatasync"), std::string::npos) << failed.message();
  g_flush_fails = false;
  ASSERT_TRUE(append_one(2).is_ok()) << "seq 2 was rolled back, so it may be used again";
  store.stop();
  VerifyReport rep = verify_journal(store.path_for("a"));
  EXPECT_TRUE(rep.ok) << rep.problem;
  EXPECT_EQ(rep.records, 2u);
}

// batch/none write small records on the caller's thread when nothing is queued, and queue the
// rest (blobs here); mixing the two paths keeps every callback in append order and every
// chain intact, and no callback runs inside append() itself.
TEST_P(StoreModes, InlineAndQueuedAppendsKeepAppendOrder) {
  TempDir tmp;
  asio::io_context io;
  JournalOptions o = opts_for(tmp, GetParam());
  o.blob_threshold_bytes = 200;
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  std::vector<std::pair<std::string, uint64_t>> order;
  std::vector<std::pair<std::string, uint64_t>> expected;
  bool inside_append = false;
  constexpr uint64_t kN = 200;
  for (uint64_t seq = 1; seq <= kN; ++seq) {
    for (const std::string session : {"a", "b"}) {
      // Every seventh message is large: journaled through the blob store, off the caller.
      const std::string text = seq % 7 == 0 ? std::string(300, 'x') : "small";
      expected.emplace_back(session, seq);
      inside_append = true;
      store.append(session, seq, bus::BufferRef::copy_of(message(session, seq, text)),
                   [&, session, seq](Status st) {
                     EXPECT_FALSE(inside_append) << "callback ran inside append()";
                     EXPECT_TRUE(st.is_ok()) << st.message();
                     order.emplace_back(session, seq);
                   });
      inside_append = false;
    }
  }
  ASSERT_TRUE(run_until(io, [&] { return order.size() == expected.size(); }));
  EXPECT_EQ(order, expected);
  if (GetParam() == FsyncMode::kAlways) {
    EXPECT_EQ(store.inline_appends(), 0u) << "always must flush off the caller's thread";
  } else {
    EXPECT_GT(store.inline_appends(), 0u);
    EXPECT_LT(store.inline_appends(), 2 * kN) << "blob records must take the writer thread";
  }
  for (const char *session : {"a", "b"}) {
    VerifyReport rep = verify_journal(store.path_for(session));
    EXPECT_TRUE(rep.ok) << rep.problem;
    EXPECT_EQ(rep.records, kN);
  }
}

TEST(JournalStore, StopCommitsEverythingQueued) {
  TempDir tmp;
  asio::io_context io;
  JournalOptions o = opts_for(tmp, FsyncMode::kBatch);
  o.batch_interval_ms = 60'000;
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  int ok = 0;
  for (uint64_t seq = 1; seq <= 10; ++seq) {
    store.append("s", seq, bus::BufferRef::copy_of(message("s", seq)),
                 [&](Status st) { ok += st.is_ok() ? 1 : 0; });
  }
  store.stop();
  io.run();
  EXPECT_EQ(ok, 10);
  EXPECT_EQ(verify_journal(store.path_for("s")).records, 10u);
  // After stop, appends fail cleanly.
  Status late;
  store.append("s", 11, bus::BufferRef::copy_of(message("s", 11)), [&](Status st) { late = st; });
  io.restart();
  io.run();
  EXPECT_EQ(late.code(), PVPD_E_STATE);
}

TEST(JournalStore, RecoverAfterCleanStopAndContinueTheChain) {
  TempDir tmp;
  const JournalOptions o = opts_for(tmp, FsyncMode::kBatch);
  {
    asio::io_context io;
    JournalStore store(io, o);
    ASSERT_TRUE(store.start().is_ok());
    append_all(io, store, "alpha", 1, 5);
    append_all(io, store, "beta", 1, 3);
    append_all(io, store, "gone", 1, 2);
    store.mark_ended("gone");
    store.stop();
  }
  asio::io_context io;
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  auto rec = store.recover();
  ASSERT_EQ(rec.size(), 3u);
  std::map<std::string, const JournalStore::Recovered *> by_id;
  for (const auto &r : rec) {
    by_id[r.session] = &r;
    EXPECT_TRUE(r.status.is_ok()) << r.session << ": " << r.status.message();
    EXPECT_TRUE(r.notes.empty());
  }
  ASSERT_EQ(by_id.count("alpha"), 1u);
  EXPECT_FALSE(by_id["alpha"]->ended);
  ASSERT_EQ(by_id["alpha"]->records.size(), 5u);
  EXPECT_EQ(by_id["alpha"]->records[4].seq, 5u);
  EXPECT_EQ(by_id["alpha"]->records[4].message, message("alpha", 5, "text 5"));
  EXPECT_EQ(by_id["beta"]->records.size(), 3u);
  EXPECT_TRUE(by_id["gone"]->ended);
  EXPECT_TRUE(by_id["gone"]->records.empty());
  // The chain continues from the recovered tail.
  append_all(io, store, "alpha", 6, 8);
  Status bad_seq;
  bool called = false;
  store.append("alpha", 8, bus::BufferRef::copy_of(message("alpha", 8)), [&](Status st) {
    bad_seq = st;
    called = true;
  });
  ASSERT_TRUE(run_until(io, [&] { return called; }));
  EXPECT_EQ(bad_seq.code(), PVPD_E_INVAL);
  VerifyReport rep = verify_journal(store.path_for("alpha"));
  EXPECT_TRUE(rep.ok) << rep.problem;
  EXPECT_EQ(rep.records, 8u);
  auto from = store.read("alpha", 7);
  ASSERT_TRUE(from.is_ok());
  ASSERT_EQ(from->size(), 2u);
  EXPECT_EQ(from->front().seq, 7u);
  // Appending to an ended session reopens it.
  append_all(io, store, "gone", 3, 3);
  store.stop();
  asio::io_context io2;
  JournalStore again(io2, o);
  for (const auto &r : again.recover()) {
    if (r.session == "gone") {
      EXPECT_FALSE(r.ended);
      EXPECT_EQ(r.records.size(), 3u);
    }
  }
}

TEST(JournalStore, HostileSessionIdsStayInsideTheDirectory) {
  TempDir tmp;
  asio::io_context io;
  const JournalOptions o = opts_for(tmp, FsyncMode::kNone);
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  const std::vector<std::string> ids = {"../x",
                                        "a/b",
                                        "/etc/passwd",
                                        "..",
                                        ".",
                                        std::string(1000, 'L'),
                                        "\xe3\x82\xbb\xe3\x83\x83\xf0\x9f\x8e\x89",
                                        "nul\\u0000",
                                        "sp ace\ttab"};
  for (const auto &id : ids) {
    append_all(io, store, id, 1, 2);
  }
  std::set<std::string> names;
  for (const auto &e : std::filesystem::recursive_directory_iterator(tmp.path())) {
    if (e.is_regular_file()) {
      EXPECT_EQ(e.path().parent_path(), std::filesystem::path(o.dir)) << e.path();
      names.insert(e.path().filename().string());
    }
  }
  EXPECT_EQ(names.size(), ids.size());
  for (const auto &id : ids) {
    auto recs = store.read(id);
    ASSERT_TRUE(recs.is_ok()) << recs.status().message();
    EXPECT_EQ(recs->size(), 2u);
  }
  store.stop();
  asio::io_context io2;
  JournalStore again(io2, o);
  std::set<std::string> recovered;
  for (const auto &r : again.recover()) {
    EXPECT_TRUE(r.status.is_ok()) << r.status.message();
    recovered.insert(r.session);
  }
  EXPECT_EQ(recovered, std::set<std::string>(ids.begin(), ids.end()));
}

TEST(JournalStore, RejectsInvalidInput) {
  TempDir tmp;
  asio::io_context io;
  JournalStore store(io, opts_for(tmp, FsyncMode::kNone));
  ASSERT_TRUE(store.start().is_ok());
  std::vector<Status> got;
  auto cb = [&](Status st) { got.push_back(st); };
  store.append("", 1, bus::BufferRef::copy_of("{}"), cb);
  store.append("bad\xff", 1, bus::BufferRef::copy_of("{}"), cb);
  store.append("s", 1, bus::BufferRef::copy_of("{\"x\":\"\xc3\"}"), cb);
  store.append("s", 1, bus::BufferRef(), cb);
  ASSERT_TRUE(run_until(io, [&] { return got.size() == 4; }));
  for (const auto &st : got) {
    EXPECT_EQ(st.code(), PVPD_E_INVAL) << st.message();
  }
}

TEST(JournalStore, ReadUnknownSessionIsNoent) {
  TempDir tmp;
  asio::io_context io;
  JournalStore store(io, opts_for(tmp, FsyncMode::kNone));
  ASSERT_TRUE(store.start().is_ok());
  EXPECT_EQ(store.read("nope").status().code(), PVPD_E_NOENT);
}

TEST(JournalStore, RetentionArchivesOldEndedSessions) {
  TempDir tmp;
  asio::io_context io;
  JournalStore store(io, opts_for(tmp, FsyncMode::kNone));
  ASSERT_TRUE(store.start().is_ok());
  append_all(io, store, "old", 1, 1);
  append_all(io, store, "live", 1, 1);
  store.mark_ended("old");
  store.stop();
  auto none = store.apply_retention(std::chrono::hours(1), true);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none.value(), 0u);
  auto n = store.apply_retention(std::chrono::seconds(0), true);
  ASSERT_TRUE(n.is_ok()) << n.status().message();
  EXPECT_EQ(n.value(), 1u);
  EXPECT_FALSE(std::filesystem::exists(store.path_for("old")));
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(store.options().dir) / "archive" /
                                      store.path_for("old").filename()));
  EXPECT_TRUE(std::filesystem::exists(store.path_for("live")));
}

}  // namespace
}  // namespace pvpd::journal
