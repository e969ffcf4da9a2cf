// pvpd's command line as an operator meets it: exit codes, diagnostics, plugin listing.
#include <gtest/gtest.h>
#include <pvpd/plugin_abi.h>

#include <string>

#include "pvpd_process.h"

namespace pvpd::testing {
namespace {

std::string minimal_config(const TempDir &dir, const std::string &plugin_dir,
                           const std::string &plugins = "[]") {
  return "version: 1\n"
         "daemon:\n"
         "  state_dir: " +
         (dir.path() / "state").string() +
         "\n"
         "  plugin_dirs: [" +
         plugin_dir +
         "]\n"
         "plugins: " +
         plugins + "\n";
}

TEST(DaemonCliTest, VersionNamesAbiAndProtocol) {
  auto r = run_command({pvpd_binary().string(), "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("plugin ABI " + std::to_string(PVPD_ABI_MAJOR) + "." +
                       std::to_string(PVPD_ABI_MINOR)),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("PVP protocol v1"), std::string::npos);
  EXPECT_NE(r.out.find("yaml-cpp"), std::string::npos);
}

TEST(DaemonCliTest, UsageErrorsExit64) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"--bogus"}, {"-c"}, {"--log-level", "loud"}, {"-t", "--list-plugins"}, {"extra"}}) {
    args.insert(args.begin(), pvpd_binary().string());
    auto r = run_command(args);
    EXPECT_EQ(r.exit_code, 64) << args[1];
    EXPECT_NE(r.err.find("Try 'pvpd --help'"), std::string::npos) << r.err;
  }
}

TEST(DaemonCliTest, HelpListsEveryOption) {
  auto r = run_command({pvpd_binary().string(), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char *opt : {"--config", "--check-config", "--dump-config", "--list-plugins",
                          "--describe-plugin", "--version", "--log-level"}) {
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
  }
}

TEST(DaemonCliTest, CheckConfigAcceptsValidConfig) {
  TempDir dir;
  auto cfg = dir.write("pvpd.yaml", minimal_config(dir, PVPD_FIXTURE_PLUGIN_DIR));
  auto r = run_command({pvpd_binary().string(), "-t", "-c", cfg.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("is valid"), std::string::npos);
  auto quiet = run_command({pvpd_binary().string(), "-t", "-q", "-c", cfg.string()});
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_TRUE(quiet.out.empty()) << quiet.out;
}

TEST(DaemonCliTest, CheckConfigReportsEveryErrorWithFileLineColAndExits78) {
  TempDir dir;
  auto cfg = dir.write("pvpd.yaml",
                       "version: 1\n"
                       "daemon:\n"
                       "  log:\n"
                       "    levle: info\n"
                       "  core:\n"
                       "    max_message: lots\n"
                       "plugins:\n"
                       "  - use: no-such-plugin\n");
  auto r = run_command({pvpd_binary().string(), "--check-config", "--config", cfg.string()});
  EXPECT_EQ(r.exit_code, 78);
  std::string f = cfg.string();
  EXPECT_NE(r.err.find(f + ":4:5: error: daemon.log.levle"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'level'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(f + ":6:18: error: daemon.core.max_message"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(f + ":8:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no-such-plugin"), std::string::npos) << r.err;
}

TEST(DaemonCliTest, StartingWithBrokenConfigExits78) {
  TempDir dir;
  auto cfg = dir.write("pvpd.yaml", "version: 2\n");
  auto r = run_command({pvpd_binary().string(), "-c", cfg.string()});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find(cfg.string() + ":1:"), std::string::npos) << r.err;
}

TEST(DaemonCliTest, MissingConfigFileIsAConfigError) {
  auto r = run_command({pvpd_binary().string(), "-t", "-c", "/nonexistent/pvpd.yaml"});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("/nonexistent/pvpd.yaml"), std::string::npos) << r.err;
}

TEST(DaemonCliTest, ListPluginsShowsEveryFixtureWithItsVerdict) {
  TempDir dir;
  auto cfg = dir.write("pvpd.yaml", minimal_config(dir, PVPD_FIXTURE_PLUGIN_DIR));
  auto r = run_command({pvpd_binary().string(), "--list-plugins", "-c", cfg.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char *expected : {"good", "wrong ABI major", "needs newer pvpd", "no entry symbol",
                               "load failed", "undefined symbol"}) {
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
  }
}

TEST(DaemonCliTest, DescribePluginPrintsOptionTable) {
  TempDir dir;
  auto cfg = dir.write("pvpd.yaml", minimal_config(dir, PVPD_FIXTURE_PLUGIN_DIR));
  auto r = run_command({pvpd_binary().string(), "--describe-plugin", "good", "-c", cfg.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("good"), std::string::npos);
  auto missing =
      run_command({pvpd_binary().string(), "--describe-plugin", "nope", "-c", cfg.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("plugin 'nope'"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace pvpd::testing
