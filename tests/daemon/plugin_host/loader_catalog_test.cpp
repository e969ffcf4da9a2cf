// PluginCatalog: one load per file, scans, the PluginSchemaSource seam, and the CLI text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "loader_test_util.h"
#include "plugin_host/plugin_catalog.h"

namespace pvpd::plugin_host {
namespace {

using testing::fixture;
using testing::fixture_dir;
using ::testing::HasSubstr;
using testing::TempDir;
namespace fs = std::filesystem;

const std::vector<std::string> kDirs = {fixture_dir().string()};

TEST(LoaderCatalog, EachFileIsLoadedOnce) {
  PluginCatalog catalog;
  const LoadOutcome &a = catalog.get("good", "", kDirs);
  const LoadOutcome &b = catalog.get("good", "", kDirs);
  const LoadOutcome &c = catalog.get("anything", fixture("good").string(), {});
  ASSERT_EQ(a.verdict, Verdict::kOk) << a.message;
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a, &c) << "an explicit path to the same file shares the outcome";
  EXPECT_EQ(catalog.load_count(), 1u);
}

TEST(LoaderCatalog, SymlinkResolvesToTheSameLoad) {
  TempDir tmp;
  fs::create_symlink(fixture("good"), tmp.path() / "pvpd-good.so");
  PluginCatalog catalog;
  const LoadOutcome &a = catalog.get("good", "", {tmp.path().string()});
  const LoadOutcome &b = catalog.get("good", "", kDirs);
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(catalog.load_count(), 1u);
}

TEST(LoaderCatalog, FailuresAreCachedToo) {
  PluginCatalog catalog;
  const LoadOutcome &a = catalog.get("wrong-major", "", kDirs);
  const LoadOutcome &b = catalog.get("wrong-major", "", kDirs);
  EXPECT_EQ(a.verdict, Verdict::kWrongMajor);
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(catalog.load_count(), 1u);
}

TEST(LoaderCatalog, NotFoundNamesTheSearchedDirectories) {
  PluginCatalog catalog;
  const LoadOutcome &o = catalog.get("nope", "", {"/a", "/b"});
  EXPECT_EQ(o.verdict, Verdict::kNotFound);
  EXPECT_EQ(o.message, "plugin 'nope' not found: no pvpd-nope.so in /a, /b");
  EXPECT_EQ(catalog.load_count(), 0u);
}

TEST(LoaderCatalog, ScanListsEveryFixtureSortedAndLoadsEachOnce) {
  PluginCatalog catalog;
  std::vector<LoadOutcome> all = catalog.scan(kDirs);
  std::vector<std::string> names;
  for (const LoadOutcome &o : all) {
    names.push_back(plugin_name_from_file(o.path));
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"bad-descriptor", "future-entry", "good", "missing-entry",
                                      "needs-newer-host", "old-minor", "raw-throws-in-create",
                                      "throws-in-create", "unresolved-symbol", "wrong-major"}));
  const std::size_t loads = catalog.load_count();
  EXPECT_EQ(loads, all.size());
  (void)catalog.scan(kDirs);
  (void)catalog.get("good", "", kDirs);
  EXPECT_EQ(catalog.load_count(), loads);
}

TEST(LoaderCatalog, SchemaSourceFindsDescriptorsAndExplainsFailures) {
  PluginCatalog catalog;
  config::PluginSchemaSource &source = catalog;
  std::string error;
  const pvpd_plugin_descriptor_v1 *d = source.find("good", "", kDirs, &error);
  ASSERT_NE(d, nullptr) << error;
  EXPECT_STREQ(d->name, "good");

  EXPECT_EQ(source.find("nope", "", {"/a"}, &error), nullptr);
  EXPECT_EQ(error, "plugin 'nope' not found: no pvpd-nope.so in /a");

  EXPECT_EQ(source.find("needs-newer-host", "", kDirs, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("pvpd-needs-newer-host.so: needs newer pvpd: needs a newer pvpd"));

  EXPECT_EQ(source.find("websocket", fixture("good").string(), {}, &error), nullptr);
  EXPECT_THAT(error, HasSubstr("the plugin is named 'good', not 'websocket'"));
}

TEST(LoaderCatalog, PluginListTableShowsVerdictsAndMessages) {
  PluginCatalog catalog;
  std::vector<LoadOutcome> rows;
  rows.push_back(catalog.get("good", "", kDirs));
  rows.push_back(catalog.get("needs-newer-host", "", kDirs));
  const std::string text = format_plugin_list(rows);
  EXPECT_THAT(text, HasSubstr("NAME"));
  EXPECT_THAT(text, HasSubstr("VERDICT"));
  EXPECT_THAT(text, HasSubstr("good"));
  EXPECT_THAT(text, HasSubstr("1.2.3"));
  EXPECT_THAT(text, HasSubstr("transport"));
  EXPECT_THAT(text, HasSubstr("needs newer pvpd"));
  EXPECT_THAT(text, HasSubstr("\n    needs a newer pvpd (plugin ABI >= 1."));
  // Header, one row for good, one row plus its message line for the refused plugin.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
}

TEST(LoaderCatalog, DescribePluginShowsIdentityAndOptions) {
  PluginCatalog catalog;
  const LoadOutcome &o = catalog.get("good", "", kDirs);
  ASSERT_EQ(o.verdict, Verdict::kOk);
  const std::string text = describe_plugin(o.library->descriptor());
  EXPECT_THAT(text, HasSubstr("name:        good\n"));
  EXPECT_THAT(text, HasSubstr("version:     1.2.3\n"));
  EXPECT_THAT(text, HasSubstr("license:     MIT\n"));
  EXPECT_THAT(text, HasSubstr("kinds:       transport\n"));
  EXPECT_THAT(text, HasSubstr("ABI:         built against " + std::to_string(PVPD_ABI_MAJOR) + "." +
                              std::to_string(PVPD_ABI_MINOR) + ", needs host >= 1.0\n"));
  EXPECT_THAT(text, HasSubstr("max_connections"));
  EXPECT_THAT(text, HasSubstr("1..10000"));
  EXPECT_THAT(text, HasSubstr("required"));
  EXPECT_THAT(text, HasSubstr("reloadable"));
  EXPECT_THAT(text, HasSubstr("secret"));
  EXPECT_THAT(text, HasSubstr("plain|tls|invalid"));
  EXPECT_THAT(text, HasSubstr("string-list"));
  EXPECT_THAT(text, HasSubstr("Connection limit."));
}

TEST(LoaderCatalog, KindsAndTypeNames) {
  EXPECT_EQ(kinds_string(PVPD_KIND_TRANSPORT | PVPD_KIND_BRIDGE), "transport,bridge");
  EXPECT_EQ(kinds_string(0x10), "0x10");
  EXPECT_EQ(kinds_string(0), "-");
  EXPECT_EQ(option_type_name(PVPD_OPT_DURATION), "duration");
  EXPECT_EQ(option_type_name(99), "unknown");
}

}  // namespace
}  // namespace pvpd::plugin_host
