#include "config/dump.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "test_plugins.h"

namespace pvpd::config {
namespace {

TEST(ConfigDump, RedactsSecretsEverywhere) {
  testing::TestPlugins plugins;
  auto r = load_string(
      "plugins:\n  - use: testplug\n    config:\n      listen: x\n      token: hunter2\n"
      "      tls: {key: sekrit-key, cert: /c.pem}\n      listeners:\n"
      "        - {port: 80, password: pw-in-list}\n",
      "t.yaml", plugins, testing::fixture_env());
  ASSERT_TRUE(r.ok());
  std::string out = dump_yaml(*r.config, plugins);
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
  EXPECT_EQ(out.find("sekrit-key"), std::string::npos) << out;
  EXPECT_EQ(out.find("pw-in-list"), std::string::npos) << out;
  EXPECT_NE(out.find("token: <redacted>"), std::string::npos) << out;
  EXPECT_NE(out.find("/c.pem"), std::string::npos) << out;
}

TEST(ConfigDump, UnknownDescriptorRedactsEverything) {
  testing::TestPlugins plugins;
  Config cfg;
  PluginInstanceConfig p;
  p.use = "vanished";
  p.id = "v";
  p.config_json = R"({"api_key":"sk-123","nested":{"n":1}})";
  cfg.plugins.push_back(p);
  std::string out = dump_yaml(cfg, plugins);
  EXPECT_EQ(out.find("sk-123"), std::string::npos) << out;
  EXPECT_NE(out.find("api_key: <redacted>"), std::string::npos) << out;
}

TEST(ConfigDump, RoundTripsThroughTheLoader) {
  testing::TestPlugins plugins;
  auto r = load_string(
      "daemon: {shutdown_grace: 90s, core: {max_message: 2MiB}}\n"
      "plugins:\n  - use: testplug\n    config:\n      listen: '8080'\n      extra: {a: 'true', "
      "b: [1, 2.5, null]}\n      tags: [x, 'y z']\n",
      "t.yaml", plugins, testing::fixture_env());
  ASSERT_TRUE(r.ok());
  std::string once = dump_yaml(*r.config, plugins);
  auto again = load_string(once, "dump.yaml", plugins, testing::fixture_env());
  ASSERT_TRUE(again.ok()) << once;
  EXPECT_EQ(again.config->plugins[0].config_json, r.config->plugins[0].config_json);
  EXPECT_EQ(dump_yaml(*again.config, plugins), once);
  EXPECT_NE(once.find("shutdown_grace: 90s"), std::string::npos) << once;
  EXPECT_NE(once.find("max_message: 2MiB"), std::string::npos) << once;
}

}  // namespace
}  // namespace pvpd::config
