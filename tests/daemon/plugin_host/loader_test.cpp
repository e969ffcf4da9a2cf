// Loader verdicts, one fixture plugin per test (each gtest case runs in its own process under
// ctest, so nothing relies on unloading between tests).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "loader_fake_host.h"
#include "loader_test_util.h"
#include "plugin_host/plugin_library.h"

namespace pvpd::plugin_host {
namespace {

using testing::fixture;
using ::testing::HasSubstr;
using testing::is_mapped;
using testing::LoaderFakeHost;
using ::testing::StartsWith;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr fs::perms kSafe = fs::perms::owner_read | fs::perms::owner_write | fs::perms::owner_exec |
                            fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec;

TEST(LoaderVerdictName, EveryVerdictHasItsName) {
  EXPECT_EQ(verdict_name(Verdict::kOk), "ok");
  EXPECT_EQ(verdict_name(Verdict::kNotFound), "not found");
  EXPECT_EQ(verdict_name(Verdict::kUnsafeFile), "unsafe file");
  EXPECT_EQ(verdict_name(Verdict::kLoadFailed), "load failed");
  EXPECT_EQ(verdict_name(Verdict::kNoEntry), "no entry symbol");
  EXPECT_EQ(verdict_name(Verdict::kWrongMajor), "wrong ABI major");
  EXPECT_EQ(verdict_name(Verdict::kNeedsNewerHost), "needs newer pvpd");
  EXPECT_EQ(verdict_name(Verdict::kBadDescriptor), "bad descriptor");
}

TEST(Loader, GoodPluginLoadsWithItsDescriptor) {
  LoadOutcome o = load_plugin_library(fixture("good"));
  ASSERT_EQ(o.verdict, Verdict::kOk) << o.message;
  EXPECT_TRUE(o.message.empty());
  ASSERT_TRUE(o.library);
  EXPECT_EQ(o.library->name(), "good");
  EXPECT_EQ(o.library->path(), fixture("good"));
  const pvpd_plugin_descriptor_v1 &d = o.library->descriptor();
  EXPECT_EQ(d.abi_major, 1u);
  EXPECT_EQ(d.kinds, PVPD_KIND_TRANSPORT);
  ASSERT_EQ(d.option_count, 9u);
  EXPECT_STREQ(option_at(d, 0).key, "listen");
  EXPECT_STREQ(option_at(d, 8).key, "allow");
}

TEST(Loader, GoodPluginRunsAgainstAHostTable) {
  LoadOutcome o = load_plugin_library(fixture("good"));
  ASSERT_EQ(o.verdict, Verdict::kOk) << o.message;
  const pvpd_plugin_vtable_v1 &vt = *o.library->descriptor().vtable;
  LoaderFakeHost host;
  void *self = nullptr;
  ASSERT_EQ(vt.create(host.ctx(), host.api(), pvpd_str{"{}", 2}, &self), PVPD_OK);
  ASSERT_EQ(vt.start(self), PVPD_OK);
  pvpd_buf *out = nullptr;
  ASSERT_EQ(vt.status_json(self, &out), PVPD_OK);
  pvpd_str view = host.api()->buf_view(out);
  EXPECT_EQ(std::string(view.ptr, view.len), "{\"delivered\":0}");
  host.api()->buf_unref(out);
  vt.stop(self);
  vt.destroy(self);
  EXPECT_THAT(host.joined(), HasSubstr("good started"));
  EXPECT_THAT(host.joined(), HasSubstr("good stopped"));
}

TEST(Loader, OldMinorPluginBuiltAgainstFrozenHeaderLoadsAndRuns) {
  LoadOutcome o = load_plugin_library(fixture("old-minor"));
  ASSERT_EQ(o.verdict, Verdict::kOk) << o.message;
  const pvpd_plugin_descriptor_v1 &d = o.library->descriptor();
  EXPECT_EQ(d.abi_minor_built, 0u);
  EXPECT_EQ(d.min_host_minor, 0u);
  LoaderFakeHost host;
  void *self = nullptr;
  ASSERT_EQ(d.vtable->create(host.ctx(), host.api(), pvpd_str{"{}", 2}, &self), PVPD_OK);
  ASSERT_EQ(d.vtable->start(self), PVPD_OK);
  d.vtable->stop(self);
  d.vtable->destroy(self);
  EXPECT_THAT(host.joined(), HasSubstr("old-minor started (built against ABI 1.0)"));
}

TEST(Loader, WrongMajorInDescriptorIsRefused) {
  LoadOutcome o = load_plugin_library(fixture("wrong-major"));
  EXPECT_EQ(o.verdict, Verdict::kWrongMajor);
  EXPECT_EQ(o.message, "built for plugin ABI v2 (descriptor abi_major); this pvpd supports v1");
  EXPECT_FALSE(o.library);
}

TEST(Loader, FutureEntrySymbolIsRefusedWithoutLoading) {
  LoadOutcome o = load_plugin_library(fixture("future-entry"));
  EXPECT_EQ(o.verdict, Verdict::kWrongMajor);
  EXPECT_EQ(o.message, "built for plugin ABI v2; this pvpd supports v1");
  EXPECT_FALSE(o.library);
  EXPECT_FALSE(is_mapped(fixture("future-entry"))) << "the symbol scan must not dlopen";
}

TEST(Loader, NeedsNewerHostIsRefused) {
  LoadOutcome o = load_plugin_library(fixture("needs-newer-host"));
  EXPECT_EQ(o.verdict, Verdict::kNeedsNewerHost);
  const std::string want = "needs a newer pvpd (plugin ABI >= 1." +
                           std::to_string(PVPD_ABI_MINOR + 1) + "); this pvpd has 1." +
                           std::to_string(PVPD_ABI_MINOR);
  EXPECT_EQ(o.message, want);
}

TEST(Loader, MissingEntryIsNotAPlugin) {
  LoadOutcome o = load_plugin_library(fixture("missing-entry"));
  EXPECT_EQ(o.verdict, Verdict::kNoEntry);
  EXPECT_EQ(o.message, "not a pvpd plugin: no pvpd_plugin_entry_v1 symbol");
  EXPECT_FALSE(is_mapped(fixture("missing-entry")));
}

TEST(Loader, UnresolvedSymbolReportsDlerrorText) {
  LoadOutcome o = load_plugin_library(fixture("unresolved-symbol"));
  EXPECT_EQ(o.verdict, Verdict::kLoadFailed);
  EXPECT_THAT(o.message, StartsWith("dlopen failed: "));
  EXPECT_THAT(o.message, HasSubstr("undefined symbol"));
  EXPECT_THAT(o.message, HasSubstr("pvpd_fixture_missing_fn"));
}

TEST(Loader, TransportWithoutDeliverIsABadDescriptor) {
  LoadOutcome o = load_plugin_library(fixture("bad-descriptor"));
  EXPECT_EQ(o.verdict, Verdict::kBadDescriptor);
  EXPECT_EQ(o.message,
            "the vtable lacks required hooks: deliver (a transport needs deliver and close_conn)");
}

TEST(Loader, WrapperCreateExceptionBecomesInternalErrorAndIsLogged) {
  LoadOutcome o = load_plugin_library(fixture("throws-in-create"));
  ASSERT_EQ(o.verdict, Verdict::kOk) << o.message;
  LoaderFakeHost host;
  void *self = nullptr;
  EXPECT_EQ(
      o.library->descriptor().vtable->create(host.ctx(), host.api(), pvpd_str{"{}", 2}, &self),
      PVPD_E_INTERNAL);
  EXPECT_THAT(host.joined(), HasSubstr("exception in create: boom from create"));
}

// A raw plugin that breaks the no-unwinding rule: the exception reaches the caller as an
// ordinary C++ exception (same libstdc++ runtime), which the host's call guard in
// PluginInstance catches. Here we only prove it is catchable, not a crash.
TEST(Loader, RawCreateExceptionIsCatchableByTheHost) {
  LoadOutcome o = load_plugin_library(fixture("raw-throws-in-create"));
  ASSERT_EQ(o.verdict, Verdict::kOk) << o.message;
  LoaderFakeHost host;
  void *self = nullptr;
  try {
    (void)o.library->descriptor().vtable->create(host.ctx(), host.api(), pvpd_str{"{}", 2}, &self);
    FAIL() << "expected the raw create to throw";
  } catch (const std::runtime_error &e) {
    EXPECT_STREQ(e.what(), "boom from raw create");
  }
}

TEST(Loader, MissingFileIsNotFound) {
  LoadOutcome o = load_plugin_library(testing::fixture_dir() / "pvpd-does-not-exist.so");
  EXPECT_EQ(o.verdict, Verdict::kNotFound);
  EXPECT_EQ(o.message, "no such file");
}

TEST(Loader, WorldWritableCopyIsRefused) {
  TempDir tmp;
  fs::path p = tmp.copy_fixture("good", "pvpd-good.so", kSafe | fs::perms::others_write);
  LoadOutcome o = load_plugin_library(p);
  EXPECT_EQ(o.verdict, Verdict::kUnsafeFile);
  EXPECT_EQ(o.message, "the file is group- or world-writable (mode 0757); fix with chmod go-w");
  EXPECT_FALSE(is_mapped(p));
}

TEST(Loader, GroupWritableCopyIsRefused) {
  TempDir tmp;
  fs::path p = tmp.copy_fixture("good", "pvpd-good.so", kSafe | fs::perms::group_write);
  LoadOutcome o = load_plugin_library(p);
  EXPECT_EQ(o.verdict, Verdict::kUnsafeFile);
  EXPECT_THAT(o.message, HasSubstr("mode 0775"));
}

TEST(Loader, SafeCopyLoads) {
  TempDir tmp;
  fs::path p = tmp.copy_fixture("good", "pvpd-good.so", kSafe);
  LoadOutcome o = load_plugin_library(p);
  EXPECT_EQ(o.verdict, Verdict::kOk) << o.message;
}

TEST(Loader, FileOwnedBySomeoneElseIsRefused) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to chown the copy";
  }
  TempDir tmp;
  fs::path p = tmp.copy_fixture("good", "pvpd-good.so", kSafe);
  ASSERT_EQ(::chown(p.c_str(), 4242, 4242), 0);
  LoadOutcome o = load_plugin_library(p);
  EXPECT_EQ(o.verdict, Verdict::kUnsafeFile);
  EXPECT_EQ(o.message,
            "the file is owned by uid 4242, which is neither root nor the uid pvpd runs as (0)");
}

TEST(Loader, DirectoryIsNotARegularFile) {
  TempDir tmp;
  fs::create_directory(tmp.path() / "pvpd-dir.so");
  LoadOutcome o = load_plugin_library(tmp.path() / "pvpd-dir.so");
  EXPECT_EQ(o.verdict, Verdict::kUnsafeFile);
  EXPECT_EQ(o.message, "not a regular file");
}

TEST(Loader, NonElfFileIsRefusedBeforeDlopen) {
  TempDir tmp;
  fs::path p = tmp.path() / "pvpd-text.so";
  std::ofstream(p) << "this is not an ELF file\n";
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  LoadOutcome o = load_plugin_library(p);
  EXPECT_EQ(o.verdict, Verdict::kLoadFailed);
  EXPECT_THAT(o.message, StartsWith("not a loadable ELF shared object"));
}

TEST(Loader, DescriptorNameMustMatchFileName) {
  TempDir tmp;
  fs::path p = tmp.copy_fixture("good", "pvpd-other.so", kSafe);
  LoadOutcome o = load_plugin_library(p);
  EXPECT_EQ(o.verdict, Verdict::kBadDescriptor);
  EXPECT_EQ(o.message,
            "the descriptor is named 'good' but the file is pvpd-other.so (expected name 'other')");
}

TEST(Loader, UnconventionalFileNameSkipsTheNameCheck) {
  TempDir tmp;
  fs::path p = tmp.copy_fixture("good", "custom.so", kSafe);
  LoadOutcome o = load_plugin_library(p);
  EXPECT_EQ(o.verdict, Verdict::kOk) << o.message;
}

TEST(LoaderFind, FirstDirectoryWins) {
  TempDir a;
  TempDir b;
  b.copy_fixture("good", "pvpd-good.so", kSafe);
  a.copy_fixture("good", "pvpd-good.so", kSafe);
  auto found = find_plugin_file("good", {"/nonexistent", a.path().string(), b.path().string()});
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, a.path() / "pvpd-good.so");
  EXPECT_FALSE(find_plugin_file("missing", {a.path().string()}));
  EXPECT_FALSE(find_plugin_file("../good", {a.path().string()}));
  EXPECT_FALSE(find_plugin_file("", {a.path().string()}));
}

TEST(LoaderFind, NameFromFile) {
  EXPECT_EQ(plugin_name_from_file("/x/pvpd-websocket.so"), "websocket");
  EXPECT_EQ(plugin_name_from_file("/x/libfoo.so"), "");
  EXPECT_EQ(plugin_name_from_file("/x/pvpd-.so"), "");
  EXPECT_EQ(plugin_name_from_file("/x/pvpd-a.so.1"), "");
}

}  // namespace
}  // namespace pvpd::plugin_host
