#include "config/diff.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "test_plugins.h"

namespace pvpd::config {
namespace {

Config must_load(const std::string &yaml) {
  testing::TestPlugins plugins;
  auto r = load_string(yaml, "t.yaml", plugins, testing::fixture_env());
  EXPECT_TRUE(r.ok());
  for (const auto &d : r.diagnostics) {
    ADD_FAILURE() << d.format();
  }
  return r.config.value_or(Config{});
}

TEST(ConfigDiff, PerInstance) {
  Config a = must_load(
      "plugins:\n"
      "  - {use: testplug, id: same, config: {listen: x}}\n"
      "  - {use: testplug, id: changed, config: {listen: x}}\n"
      "  - {use: testplug, id: gone, config: {listen: x}}\n"
      "  - {use: testplug, id: disabled-later, config: {listen: x}}\n");
  Config b = must_load(
      "plugins:\n"
      "  - {use: testplug, id: new, config: {listen: x}}\n"
      "  - {use: testplug, id: changed, config: {listen: y}}\n"
      "  - {use: testplug, id: same, config: {port: 8080, listen: x}}\n"  // default spelled out
      "  - {use: testplug, id: disabled-later, enabled: false, config: {listen: x}}\n");
  ConfigDiff d = diff(a, b);
  EXPECT_EQ(d.added, std::vector<std::string>{"new"});
  EXPECT_EQ(d.changed, std::vector<std::string>{"changed"});
  EXPECT_EQ(d.unchanged, std::vector<std::string>{"same"});
  EXPECT_EQ(d.removed, (std::vector<std::string>{"gone", "disabled-later"}));
  EXPECT_TRUE(d.restart_only_changes.empty());
}

TEST(ConfigDiff, PathChangeIsAChange) {
  Config a = must_load("plugins: [{use: testplug, config: {listen: x}}]\n");
  Config b =
      must_load("plugins: [{use: testplug, path: /x/pvpd-testplug.so, config: {listen: x}}]\n");
  EXPECT_EQ(diff(a, b).changed, std::vector<std::string>{"testplug"});
}

TEST(ConfigDiff, RestartOnlyDaemonKeys) {
  Config a = must_load("daemon: {log: {level: info}}\n");
  Config b = must_load(
      "daemon:\n  log: {level: debug}\n  shutdown_grace: 1s\n  plugin_dirs: [/x]\n"
      "  state_dir: /s\n  core: {max_message: 2MiB, blocking_threads: 3}\n");
  ConfigDiff d = diff(a, b);
  EXPECT_EQ(d.restart_only_changes,
            (std::vector<std::string>{"daemon.state_dir", "daemon.plugin_dirs",
                                      "daemon.core.blocking_threads"}));
  EXPECT_TRUE(diff(a, a).restart_only_changes.empty());
}

}  // namespace
}  // namespace pvpd::config
