#include "config/loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_plugins.h"

namespace pvpd::config {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pvpd-config-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path &path() const { return path_; }
  void write(const std::string &rel, const std::string &text) const {
    fs::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel) << text;
  }

 private:
  fs::path path_;
};

std::vector<std::string> lines(const LoadResult &r) {
  std::vector<std::string> out;
  for (const auto &d : r.diagnostics) {
    out.push_back(d.format());
  }
  return out;
}

LoadResult load(const std::string &yaml, LoadOptions opts = {}) {
  testing::TestPlugins plugins;
  return load_string(yaml, "t.yaml", plugins, testing::fixture_env(), opts);
}

TEST(ConfigLoader, DefaultsFromEmptyConfig) {
  auto r = load("");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r));
  const DaemonConfig &d = r.config->daemon;
  EXPECT_EQ(r.config->version, 1);
  EXPECT_EQ(d.state_dir, "/var/lib/pvpd");
  EXPECT_EQ(d.plugin_dirs, default_plugin_dirs());
  EXPECT_EQ(d.shutdown_grace_ms, 10000u);
  EXPECT_EQ(d.max_message_bytes, 1048576u);
  EXPECT_TRUE(r.config->plugins.empty());
  EXPECT_EQ(r.config->files, std::vector<std::string>{"t.yaml"});
}

TEST(ConfigLoader, DaemonKeysAndUnits) {
  auto r = load(
      "version: 1\ndaemon:\n  log: {level: debug, target: file, file: /var/log/pvpd.log}\n"
      "  core: {stall_warn_ms: 50ms, inbound_queue_limit: 5, max_message: 64KiB, "
      "blocking_threads: 4}\n  shutdown_grace: 1.5s\n  plugin_dirs: /opt/p\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r));
  const DaemonConfig &d = r.config->daemon;
  EXPECT_EQ(d.log_level, "debug");
  EXPECT_EQ(d.log_target, "file");
  EXPECT_EQ(d.log_file, "/var/log/pvpd.log");
  EXPECT_EQ(d.stall_warn_ms, 50u);
  EXPECT_EQ(d.inbound_queue_limit, 5u);
  EXPECT_EQ(d.max_message_bytes, 65536u);
  EXPECT_EQ(d.blocking_threads, 4u);
  EXPECT_EQ(d.shutdown_grace_ms, 1500u);
  EXPECT_EQ(d.plugin_dirs, std::vector<std::string>{"/opt/p"});
}

TEST(ConfigLoader, PluginInstanceNormalized) {
  auto r = load(
      "plugins:\n  - use: testplug\n    id: a\n    config:\n      listen: ${PVPD_TEST_HOST}:1\n"
      "      port: ${PVPD_TEST_PORT}\n      timeout: 2s\n      tls: {enabled: false}\n"
      "daemon: {auth: {allow_open_remote: true}}\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r));
  ASSERT_EQ(r.config->plugins.size(), 1u);
  const auto &p = r.config->plugins[0];
  EXPECT_EQ(p.use, "testplug");
  EXPECT_EQ(p.id, "a");
  EXPECT_TRUE(p.enabled);
  EXPECT_EQ(p.mark.line, 2);
  EXPECT_EQ(p.config_json,
            R"({"listen":"example.org:1","max_message":1048576,"mode":"safe","port":9000,)"
            R"("ratio":0.5,"send_queue":{"high_water":256,"limit":1024},"tags":[],"timeout":2000,)"
            R"("tls":{"enabled":false},"verbose":false})");
  EXPECT_EQ(p.pointer_marks.at("/port").line, 6);
  EXPECT_EQ(p.pointer_marks.at("/tls/enabled").line, 8);
}

TEST(ConfigLoader, IdDefaultsToUse) {
  auto r = load("plugins:\n  - use: testplug\n    config: {listen: x}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->plugins[0].id, "testplug");
}

TEST(ConfigLoader, DisabledInstanceIsNotLookedUp) {
  testing::TestPlugins plugins;
  auto r = load_string("plugins:\n  - use: not-installed\n    enabled: false\n    config: {a: 1}\n",
                       "t.yaml", plugins, testing::fixture_env());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r));
  EXPECT_EQ(plugins.find_calls, 0);
  EXPECT_FALSE(r.config->plugins[0].enabled);
  EXPECT_EQ(r.config->plugins[0].config_json, R"({"a":1})");
}

TEST(ConfigLoader, Phase2SkippedWhenAskedOrPhase1Failed) {
  const char *busy =
      "daemon: {auth: {allow_open_remote: true}}\n"
      "plugins:\n  - use: testplug\n    config: {listen: 'busy:1'}\n";
  EXPECT_FALSE(load(busy).ok());
  LoadOptions no_validate;
  no_validate.run_plugin_validate = false;
  EXPECT_TRUE(load(busy, no_validate).ok());
  // A phase-1 error in the instance: validate() is not called, so only one error.
  auto r = load("plugins:\n  - use: testplug\n    config: {listen: 'busy:1', port: x}\n");
  EXPECT_EQ(lines(r), std::vector<std::string>{
                          "t.yaml:3:38: error: plugins[testplug].config.port: expected an "
                          "integer, got 'x'"});
}

TEST(ConfigLoader, DefensiveDescriptors) {
  auto r = load("plugins:\n  - use: oldvt\n  - use: tiny\n  - use: single\n");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(lines(r));
  EXPECT_FALSE(testing::oldvt_validate_called());
  auto f = load("plugins:\n  - use: failing\n");
  EXPECT_EQ(lines(f), std::vector<std::string>{
                          "t.yaml:2:5: error: plugins[failing].config: the plugin rejected this "
                          "config (validate() returned -1 without details)"});
}

TEST(ConfigLoader, MaxErrorsCapsAndSummarizes) {
  std::string yaml = "daemon:\n";
  for (int i = 0; i < 10; ++i) {
    yaml += "  bad" + std::to_string(i) + ": 1\n";
  }
  LoadOptions opts;
  opts.max_errors = 3;
  auto r = load(yaml, opts);
  ASSERT_EQ(r.diagnostics.size(), 4u);
  EXPECT_EQ(r.diagnostics[3].format(), "error: too many errors (10), showing the first 3");
  EXPECT_FALSE(r.ok());
}

TEST(ConfigLoader, MissingMainFile) {
  testing::TestPlugins plugins;
  auto r = load_file("/nonexistent/pvpd.yaml", plugins, testing::fixture_env());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(lines(r), std::vector<std::string>{"/nonexistent/pvpd.yaml: error: cannot read "
                                               "config file: No such file or directory"});
}

TEST(ConfigLoader, ConfDMergeOrderAndPluginsById) {
  TempDir dir;
  dir.write("pvpd.yaml",
            "version: 1\ndaemon:\n  log: {level: info, target: stderr}\n"
            "plugins:\n  - use: testplug\n    id: ws\n    config: {listen: a, port: 1000, "
            "send_queue: {high_water: 10, limit: 20}}\n");
  dir.write("conf.d/20-late.yaml", "daemon:\n  log: {level: error}\n");
  dir.write(
      "conf.d/10-early.yaml",
      "daemon:\n  log: {level: debug}\nplugins:\n  - id: ws\n    config: {port: 2000, "
      "send_queue: {limit: 30}}\n  - use: testplug\n    id: extra\n    config: {listen: b}\n");
  dir.write("conf.d/15-empty-daemon.yaml", "daemon:\nplugins:\n");  // null erases nothing
  dir.write("conf.d/notes.txt", "not yaml");
  dir.write("conf.d/.hidden.yaml", "garbage: [");
  dir.write("conf.d/30-old.yml", "daemon: {log: {level: trace}}\n");
  testing::TestPlugins plugins;
  std::string main = (dir.path() / "pvpd.yaml").string();
  auto r = load_file(main, plugins, testing::fixture_env());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r));
  const Config &c = *r.config;
  EXPECT_EQ(c.files,
            (std::vector<std::string>{main, (dir.path() / "conf.d/10-early.yaml").string(),
                                      (dir.path() / "conf.d/15-empty-daemon.yaml").string(),
                                      (dir.path() / "conf.d/20-late.yaml").string()}));
  EXPECT_EQ(c.daemon.log_level, "error");    // last drop-in wins
  EXPECT_EQ(c.daemon.log_target, "stderr");  // maps merge, untouched keys stay
  ASSERT_EQ(c.plugins.size(), 2u);
  EXPECT_EQ(c.plugins[0].id, "ws");
  EXPECT_EQ(c.plugins[0].use, "testplug");
  EXPECT_NE(c.plugins[0].config_json.find(R"("listen":"a")"), std::string::npos);
  EXPECT_NE(c.plugins[0].config_json.find(R"("port":2000)"), std::string::npos);
  EXPECT_NE(c.plugins[0].config_json.find(R"("send_queue":{"high_water":10,"limit":30})"),
            std::string::npos);
  EXPECT_EQ(c.plugins[0].pointer_marks.at("/port").file,
            (dir.path() / "conf.d/10-early.yaml").string());
  EXPECT_EQ(c.plugins[1].id, "extra");
  ASSERT_EQ(r.diagnostics.size(), 1u);  // the .yml warning
  EXPECT_EQ(r.diagnostics[0].severity, Severity::kWarning);
}

TEST(ConfigLoader, RelativePathsResolveAgainstTheirFile) {
  TempDir dir;
  dir.write("etc/pvpd.yaml", "daemon:\n  state_dir: ../var\n  plugin_dirs: [plugins, /abs]\n");
  dir.write("etc/conf.d/10.yaml",
            "daemon:\n  log: {target: file, file: logs/pvpd.log}\nplugins:\n  - use: testplug\n"
            "    path: ../lib/pvpd-testplug.so\n    config: {listen: x}\n");
  testing::TestPlugins plugins;
  // A relative main path: resolution must not depend on it being absolute.
  std::string cwd = fs::current_path().string();
  fs::current_path(dir.path());
  auto r = load_file("etc/pvpd.yaml", plugins, testing::fixture_env());
  fs::current_path(cwd);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r));
  const fs::path root = fs::canonical(dir.path());
  EXPECT_EQ(r.config->daemon.state_dir, (root / "var").string());
  EXPECT_EQ(r.config->daemon.plugin_dirs,
            (std::vector<std::string>{(root / "etc/plugins").string(), "/abs"}));
  EXPECT_EQ(r.config->daemon.log_file, (root / "etc/conf.d/logs/pvpd.log").string());
  EXPECT_EQ(r.config->plugins[0].path, (root / "etc/lib/pvpd-testplug.so").string());
}

TEST(ConfigLoader, DiagnosticsSortedByFileThenPosition) {
  TempDir dir;
  dir.write("pvpd.yaml", "daemon:\n  zzz: 1\n  aaa: 2\n");
  dir.write("conf.d/10.yaml", "daemon:\n  bbb: 1\n");
  testing::TestPlugins plugins;
  std::string main = (dir.path() / "pvpd.yaml").string();
  auto r = load_file(main, plugins, testing::fixture_env());
  ASSERT_EQ(r.diagnostics.size(), 3u);
  EXPECT_EQ(r.diagnostics[0].mark.line, 2);
  EXPECT_EQ(r.diagnostics[1].mark.line, 3);
  EXPECT_EQ(r.diagnostics[2].mark.file, (dir.path() / "conf.d/10.yaml").string());
}

}  // namespace
}  // namespace pvpd::config

namespace pvpd::config {
namespace {

// The repository's own config/pvpd.yaml must stay valid against this schema. Plugins it names
// are not known to the test source, so "not found" is the only error allowed.
TEST(ConfigLoader, RepositoryDefaultConfigIsValid) {
  const char *src = std::getenv("PVPD_SOURCE_DIR");
  if (src == nullptr) {
    GTEST_SKIP() << "PVPD_SOURCE_DIR not set";
  }
  fs::path file = fs::path(src) / "config/pvpd.yaml";
  if (!fs::exists(file)) {
    GTEST_SKIP() << file << " does not exist";
  }
  testing::TestPlugins plugins;
  auto r = load_file(file.string(), plugins, process_env());
  for (const auto &d : r.diagnostics) {
    if (d.severity == Severity::kError) {
      EXPECT_NE(d.message.find("not found"), std::string::npos) << d.format();
    }
  }
}

}  // namespace
}  // namespace pvpd::config

namespace pvpd::config {
namespace {

TEST(ConfigLoader, EndlessFileIsBounded) {
  testing::TestPlugins plugins;
  auto r = load_file("/dev/zero", plugins, testing::fixture_env());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(lines(r), std::vector<std::string>{
                          "/dev/zero: error: config file is too large (limit 16777216 bytes)"});
}

TEST(ConfigLoader, DirectoryAsMainFile) {
  testing::TestPlugins plugins;
  auto r = load_file("/tmp", plugins, testing::fixture_env());
  EXPECT_EQ(lines(r),
            std::vector<std::string>{"/tmp: error: cannot read config file: is a directory"});
}

}  // namespace
}  // namespace pvpd::config
