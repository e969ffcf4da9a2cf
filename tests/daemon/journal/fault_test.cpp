// Environment failures: disk full (RLIMIT_FSIZE in a forked child) and permission denied.
// Both run in a child process because they change process-wide state (a file size limit, the
// uid); the child reports failures on stderr and through its exit code.
#include <grp.h>
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <optional>

#include <csignal>
#include <cstdio>

#include "journal/journal_store.h"
#include "journal/recovery.h"
#include "journal_test_util.h"

namespace pvpd::journal {
namespace {

using testing::message;
using testing::run_until;
using testing::TempDir;

#define CHILD_CHECK(cond, ...)                                 \
  do {                                                         \
    if (!(cond)) {                                             \
      std::fprintf(stderr, "child check failed: %s: ", #cond); \
      std::fprintf(stderr, __VA_ARGS__);                       \
      std::fprintf(stderr, "\n");                              \
      return 1;                                                \
    }                                                          \
  } while (0)

int run_in_child(const std::function<int()> &body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    int rc = 1;
    try {
      rc = body();
    } catch (...) {
      rc = 2;
    }
    std::fflush(nullptr);
    ::_exit(rc);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

// Appends one record and runs the core until its callback: returns the status.
Status append_one(asio::io_context &io, JournalStore &store, const std::string &session,
                  uint64_t seq, const std::string &text) {
  Status got;
  bool called = false;
  store.append(session, seq, bus::BufferRef::copy_of(message(session, seq, text)), [&](Status st) {
    got = st;
    called = true;
  });
  if (!run_until(io, [&] { return called; })) {
    return Status(PVPD_E_INTERNAL, "no callback");
  }
  return got;
}

class DiskFull : public ::testing::TestWithParam<FsyncMode> {
 protected:
  // For the forked child: the journal options of the mode under test, with SIGXFSZ ignored
  // (without that, exceeding RLIMIT_FSIZE kills the process instead of failing the write).
  JournalOptions child_options() const {
    std::signal(SIGXFSZ, SIG_IGN);
    JournalOptions o;
    o.dir = (tmp_.path() / "journal").string();
    o.fsync = GetParam();
    o.batch_interval_ms = 1;
    return o;
  }
  // Lowers RLIMIT_FSIZE to `bytes`; returns the limit to restore, or nullopt on failure.
  static std::optional<rlimit> limit_file_size(uint64_t bytes) {
    rlimit lim{};
    ::getrlimit(RLIMIT_FSIZE, &lim);
    const rlimit small{static_cast<rlim_t>(bytes), lim.rlim_max};
    if (::setrlimit(RLIMIT_FSIZE, &small) != 0) {
      return std::nullopt;
    }
    return lim;
  }
  TempDir tmp_;
};

TEST_P(DiskFull, ErrorsWithoutCorruptionAndRecoversWhenSpaceReturns) {
  const int rc = run_in_child([&]() -> int {
    asio::io_context io;
    JournalStore store(io, child_options());
    CHILD_CHECK(store.start().is_ok(), "start");
    for (uint64_t seq = 1; seq <= 3; ++seq) {
      Status st = append_one(io, store, "s", seq, "before");
      CHILD_CHECK(st.is_ok(), "%s", st.message().c_str());
    }
    const auto path = store.path_for("s");
    const uint64_t size = std::filesystem::file_size(path);
    // Room for part of one more record only: the next append writes a partial line first.
    const auto lim = limit_file_size(size + 100);
    CHILD_CHECK(lim.has_value(), "setrlimit");
    const std::string big(400, 'x');
    uint64_t seq = 4;
    for (int i = 0; i < 3; ++i, ++seq) {
      Status st = append_one(io, store, "s", seq, big);
      CHILD_CHECK(!st.is_ok(), "append %d should fail", i);
      CHILD_CHECK(st.code() == PVPD_E_IO, "code %s", status_name(st.code()));
      CHILD_CHECK(st.message().find("disk full") != std::string::npos, "%s", st.message().c_str());
      CHILD_CHECK(std::filesystem::file_size(path) == size, "partial record left behind");
    }
    VerifyReport rep = verify_journal(path);
    CHILD_CHECK(rep.ok && !rep.torn_tail && rep.records == 3, "%s", rep.problem.c_str());
    // Space returns: the same session continues, chain intact.
    CHILD_CHECK(::setrlimit(RLIMIT_FSIZE, &*lim) == 0, "setrlimit restore");
    Status st = append_one(io, store, "s", seq, big);
    CHILD_CHECK(st.is_ok(), "after space returns: %s", st.message().c_str());
    rep = verify_journal(path);
    CHILD_CHECK(rep.ok && !rep.torn_tail && rep.records == 4, "%s", rep.problem.c_str());
    store.stop();
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

// batch/none write a burst of inline records with one write(): when the burst does not fit,
// every record of it fails (none was delivered), the file keeps only what was acknowledged,
// and the chain continues from there once space returns.
TEST_P(DiskFull, BurstThatDoesNotFitFailsWholeAndTheChainContinues) {
  const FsyncMode mode = GetParam();
  const int rc = run_in_child([&]() -> int {
    asio::io_context io;
    JournalStore store(io, child_options());
    CHILD_CHECK(store.start().is_ok(), "start");
    CHILD_CHECK(append_one(io, store, "s", 1, "before").is_ok(), "first");
    const auto path = store.path_for("s");
    const uint64_t size = std::filesystem::file_size(path);
    const auto lim = limit_file_size(size + 500);
    CHILD_CHECK(lim.has_value(), "setrlimit");
    // Three records of ~300 bytes queued before the core runs: together they exceed the limit.
    std::vector<Status> got(3);
    int called = 0;
    for (uint64_t seq = 2; seq <= 4; ++seq) {
      store.append("s", seq,
                   bus::BufferRef::copy_of(testing::message("s", seq, std::string(250, 'y'))),
                   [&, seq](Status st) {
                     got[seq - 2] = st;
                     ++called;
                   });
    }
    CHILD_CHECK(run_until(io, [&] { return called == 3; }), "callbacks");
    if (mode != FsyncMode::kAlways) {
      // One write for the burst: all three fail together.
      for (const Status &st : got) {
        CHILD_CHECK(st.code() == PVPD_E_IO, "code %s: %s", status_name(st.code()),
                    st.message().c_str());
      }
    } else {
      // Record by record through the writer thread: the last one cannot fit.
      CHILD_CHECK(got[2].code() == PVPD_E_IO, "always: %s", got[2].message().c_str());
    }
    const auto acknowledged = static_cast<uint64_t>(
        1 + std::count_if(got.begin(), got.end(), [](const Status &st) { return st.is_ok(); }));
    VerifyReport rep = verify_journal(path);
    CHILD_CHECK(rep.ok && !rep.torn_tail, "%s", rep.problem.c_str());
    const uint64_t kept = rep.records;
    CHILD_CHECK(kept == acknowledged, "file holds %llu records, %llu acknowledged",
                static_cast<unsigned long long>(kept),
                static_cast<unsigned long long>(acknowledged));
    CHILD_CHECK(::setrlimit(RLIMIT_FSIZE, &*lim) == 0, "setrlimit restore");
    CHILD_CHECK(append_one(io, store, "s", 5, "after").is_ok(), "after space returns");
    rep = verify_journal(path);
    CHILD_CHECK(rep.ok && rep.records == kept + 1, "%s (records %llu)", rep.problem.c_str(),
                static_cast<unsigned long long>(rep.records));
    store.stop();
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

INSTANTIATE_TEST_SUITE_P(JournalModes, DiskFull,
                         ::testing::Values(FsyncMode::kAlways, FsyncMode::kBatch, FsyncMode::kNone),
                         [](const auto &param_info) {
                           return std::string(fsync_mode_name(param_info.param));
                         });

// Drops root so permission bits apply (the test suite may run as root).
bool drop_privileges() {
  if (::geteuid() != 0) {
    return true;
  }
  const gid_t nogroup = 65534;
  const uid_t nobody = 65534;
  return ::setgroups(0, nullptr) == 0 && ::setgid(nogroup) == 0 && ::setuid(nobody) == 0;
}

TEST(JournalPermissions, ReadOnlyDirectoryFailsStartWithPerm) {
  TempDir tmp;
  std::filesystem::permissions(tmp.path(), std::filesystem::perms::owner_all |
                                               std::filesystem::perms::group_exec |
                                               std::filesystem::perms::others_exec);
  const std::filesystem::path ro = tmp.path() / "ro";
  std::filesystem::create_directory(ro);
  std::filesystem::permissions(
      ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec |
              std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
              std::filesystem::perms::others_read | std::filesystem::perms::others_exec);
  const int rc = run_in_child([&]() -> int {
    CHILD_CHECK(drop_privileges(), "drop privileges");
    asio::io_context io;
    {
      JournalOptions o;
      o.dir = ro.string();  // exists, not writable
      JournalStore store(io, o);
      Status st = store.start();
      CHILD_CHECK(st.code() == PVPD_E_PERM, "%s %s", status_name(st.code()), st.message().c_str());
      CHILD_CHECK(st.message().find(ro.string()) != std::string::npos, "%s", st.message().c_str());
    }
    {
      JournalOptions o;
      o.dir = (ro / "journal").string();  // cannot be created
      JournalStore store(io, o);
      Status st = store.start();
      CHILD_CHECK(st.code() == PVPD_E_PERM, "%s %s", status_name(st.code()), st.message().c_str());
      CHILD_CHECK(st.message().find("permission denied") != std::string::npos, "%s",
                  st.message().c_str());
    }
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

TEST(JournalPermissions, UnwritableDirectoryFailsNewSessionAppendWithPerm) {
  TempDir tmp;
  std::filesystem::permissions(tmp.path(), std::filesystem::perms::owner_all |
                                               std::filesystem::perms::others_exec |
                                               std::filesystem::perms::group_exec);
  const std::filesystem::path state = tmp.path() / "state";
  std::filesystem::create_directory(state);
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(state.c_str(), 65534, 65534), 0);
  }
  const std::filesystem::path dir = state / "journal";
  const int rc = run_in_child([&]() -> int {
    CHILD_CHECK(drop_privileges(), "drop privileges");
    asio::io_context io;
    JournalOptions o;
    o.dir = dir.string();
    o.fsync = FsyncMode::kAlways;
    JournalStore store(io, o);
    CHILD_CHECK(store.start().is_ok(), "start");
    CHILD_CHECK(append_one(io, store, "s", 1, "ok").is_ok(), "first append");
    // The directory turns read-only (an operator mistake, a remount): a new session cannot get
    // a journal, so its append fails with PERM; the open one keeps working.
    std::filesystem::permissions(dir, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::remove);
    Status st = append_one(io, store, "t", 1, "new session");
    CHILD_CHECK(st.code() == PVPD_E_PERM, "%s %s", status_name(st.code()), st.message().c_str());
    CHILD_CHECK(st.message().find("permission denied") != std::string::npos, "%s",
                st.message().c_str());
    CHILD_CHECK(append_one(io, store, "s", 2, "still ok").is_ok(), "open session append");
    // Permission comes back: the new session works then.
    std::filesystem::permissions(dir, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    CHILD_CHECK(append_one(io, store, "t", 1, "new session").is_ok(), "after chmod");
    store.stop();
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace pvpd::journal
