// The daemon's lifecycle through signals: start, reload (good and bad), graceful stop, and
// plugins that fail at create.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "pvpd_process.h"

namespace pvpd::testing {
namespace {

std::string config_with(const TempDir &dir, const std::string &plugin_dir,
                        const std::string &plugins) {
  return "version: 1\n"
         "daemon:\n"
         "  state_dir: " +
         (dir.path() / "state").string() +
         "\n"
         "  plugin_dirs: [" +
         plugin_dir +
         "]\n"
         "  log: {level: debug}\n"
         "plugins: " +
         plugins + "\n";
}

TEST(DaemonLifecycleTest, StartsAndStopsGracefullyOnSigterm) {
  TempDir dir;
  auto cfg = dir.write("pvpd.yaml", config_with(dir, PVPD_FIXTURE_PLUGIN_DIR, "[]"));
  PvpdProcess pvpd(cfg, dir.path());
  ASSERT_TRUE(pvpd.wait_for_log("running: 0 plugin instance(s)")) << pvpd.log();
  pvpd.signal(SIGTERM);
  auto r = pvpd.wait_exit();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_NE(r->err.find("received SIGTERM, shutting down"), std::string::npos);
}

TEST(DaemonLifecycleTest, SigintAlsoStops) {
  TempDir dir;
  auto cfg = dir.write("pvpd.yaml", config_with(dir, PVPD_FIXTURE_PLUGIN_DIR, "[]"));
  PvpdProcess pvpd(cfg, dir.path());
  ASSERT_TRUE(pvpd.wait_for_log("running:"));
  pvpd.signal(SIGINT);
  auto r = pvpd.wait_exit();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0);
}

TEST(DaemonLifecycleTest, BadReloadKeepsRunningConfigAndGoodReloadAppliesDiff) {
  TempDir dir;
  std::string fixtures = PVPD_FIXTURE_PLUGIN_DIR;
  const std::string g1 = "{use: good, id: g1, config: {label: one}}";
  auto cfg = dir.write("pvpd.yaml", config_with(dir, fixtures, "[" + g1 + "]"));
  PvpdProcess pvpd(cfg, dir.path());
  ASSERT_TRUE(pvpd.wait_for_log("running: 1 plugin instance(s)")) << pvpd.log();

  dir.write("pvpd.yaml", "version: 1\ndaemon: {bogus_key: 1}\n");
  pvpd.signal(SIGHUP);
  ASSERT_TRUE(pvpd.wait_for_log("reload failed: 1 error(s)")) << pvpd.log();
  EXPECT_NE(pvpd.log().find("pvpd.yaml:2:10: error: daemon.bogus_key"), std::string::npos)
      << pvpd.log();
  EXPECT_TRUE(pvpd.running());

  dir.write("pvpd.yaml",
            config_with(dir, fixtures, "[" + g1 + ", {use: good, id: g2, config: {label: two}}]"));
  pvpd.signal(SIGHUP);
  ASSERT_TRUE(
      pvpd.wait_for_log("reloaded: 1 unchanged, 0 reloaded, 0 re-created, 1 added, 0 removed"))
      << pvpd.log();

  // g1 removed; g2's config changed: the fixture cannot reload in place, so it is re-created.
  dir.write("pvpd.yaml", config_with(dir, fixtures, "[{use: good, id: g2, config: {label: 2}}]"));
  pvpd.signal(SIGHUP);
  ASSERT_TRUE(pvpd.wait_for_log("0 unchanged, 0 reloaded, 1 re-created, 0 added, 1 removed"))
      << pvpd.log();

  pvpd.signal(SIGTERM);
  auto r = pvpd.wait_exit();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0) << r->err;
}

TEST(DaemonLifecycleTest, ExceptionInPluginCreateIsAnErrorNotACrash) {
  for (const char *plugin : {"throws-in-create", "raw-throws-in-create"}) {
    TempDir dir;
    auto cfg = dir.write("pvpd.yaml", config_with(dir, PVPD_FIXTURE_PLUGIN_DIR,
                                                  std::string("[{use: ") + plugin + "}]"));
    auto r = run_command({pvpd_binary().string(), "-c", cfg.string(), "--log-target", "stderr"});
    EXPECT_EQ(r.exit_code, 1) << plugin << "\n" << r.err;
    EXPECT_EQ(r.signal, 0) << plugin;
    EXPECT_NE(r.err.find("failed to create"), std::string::npos) << r.err;
  }
}

TEST(DaemonLifecycleTest, OldMinorPluginLoadsAndRuns) {
  TempDir dir;
  auto cfg =
      dir.write("pvpd.yaml", config_with(dir, PVPD_FIXTURE_PLUGIN_DIR, "[{use: old-minor}]"));
  PvpdProcess pvpd(cfg, dir.path());
  ASSERT_TRUE(pvpd.wait_for_log("running: 1 plugin instance(s)")) << pvpd.log();
  pvpd.signal(SIGTERM);
  auto r = pvpd.wait_exit();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0);
}

}  // namespace
}  // namespace pvpd::testing
