// Golden-file tests (research c.6, ClickHouse ".reference" style). Every case is discovered at
// run time, so adding a fixture needs no code change:
//
//   tests/fixtures/configs/invalid/<name>.yaml        must fail; <name>.expected = the exact
//   tests/fixtures/configs/invalid/<dir>/<name>.yaml  diagnostics, one formatted line each
//                                                     (<dir>/conf.d/ holds that case's drop-ins)
//   tests/fixtures/configs/valid/<name>.yaml          must load; optional <name>.expected for
//   tests/fixtures/configs/valid/<dir>/<name>.yaml    warnings, <name>.dump.expected for dump_yaml
//
// Files are loaded with the fixtures directory as the working directory, so diagnostics name
// them relatively ("invalid/bad_unit.yaml:3:5: ...") and the goldens are portable. In dumps the
// absolute fixtures path and the default plugin directory are replaced by placeholders.
//
// PVPD_UPDATE_GOLDEN=1 rewrites the expected files instead of comparing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "pvpd_build_info.h"
#include "test_plugins.h"

namespace pvpd::config {
namespace {

namespace fs = std::filesystem;

fs::path fixtures_dir() {
  if (const char *src = std::getenv("PVPD_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return fs::path(src) / "tests/fixtures/configs";
  }
  return PVPD_CONFIG_FIXTURES_DIR;
}

bool updating() {
  const char *v = std::getenv("PVPD_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::string read_text(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path &p, const std::string &text) {
  std::ofstream(p, std::ios::binary) << text;
}

void replace_all(std::string &s, const std::string &from, const std::string &to) {
  if (from.empty()) {
    return;
  }
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

// <kind>/*.yaml and <kind>/<dir>/*.yaml (never conf.d drop-ins), relative, sorted.
std::vector<std::string> cases(const std::string &kind) {
  std::vector<std::string> out;
  auto add_yaml_in = [&out](const fs::path &dir, const std::string &rel_dir) {
    for (const auto &e : fs::directory_iterator(dir)) {
      std::string name = e.path().filename().string();
      if (e.is_regular_file() && name.size() > 5 && name.ends_with(".yaml")) {
        out.push_back(rel_dir + "/" + name);
      }
    }
  };
  const fs::path root = fixtures_dir() / kind;
  add_yaml_in(root, kind);
  for (const auto &e : fs::directory_iterator(root)) {
    if (e.is_directory() && e.path().filename() != "conf.d") {
      add_yaml_in(e.path(), kind + "/" + e.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string stem_of(const std::string &rel) {
  return rel.substr(0, rel.size() - 5);
}

std::string format_all(const LoadResult &r) {
  std::string out;
  for (const auto &d : r.diagnostics) {
    out += d.format() + "\n";
  }
  return out;
}

// Compares with (or rewrites) a golden file. An absent golden equals "".
void golden(const fs::path &expected_path, const std::string &actual, bool keep_empty) {
  if (updating()) {
    if (!actual.empty() || keep_empty) {
      write_text(expected_path, actual);
    } else if (fs::exists(expected_path)) {
      fs::remove(expected_path);
    }
    return;
  }
  std::string expected = fs::exists(expected_path) ? read_text(expected_path) : "";
  EXPECT_EQ(actual, expected) << "golden mismatch for " << expected_path.string()
                              << " (rerun with PVPD_UPDATE_GOLDEN=1 to accept)";
}

class ConfigGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    old_cwd_ = fs::current_path();
    fs::current_path(fixtures_dir());
  }
  void TearDown() override { fs::current_path(old_cwd_); }

 private:
  fs::path old_cwd_;
};

TEST_F(ConfigGolden, InvalidFixturesFailWithExactDiagnostics) {
  auto all = cases("invalid");
  EXPECT_GE(all.size(), 15u);
  for (const auto &rel : all) {
    SCOPED_TRACE(rel);
    testing::TestPlugins plugins;
    LoadResult r = load_file(rel, plugins, testing::fixture_env());
    EXPECT_FALSE(r.ok()) << rel << " loaded without errors";
    golden(stem_of(rel) + ".expected", format_all(r), true);
  }
}

TEST_F(ConfigGolden, ValidFixturesLoadAndDump) {
  auto all = cases("valid");
  EXPECT_GE(all.size(), 1u);
  const std::string abs = fs::current_path().string();
  for (const auto &rel : all) {
    SCOPED_TRACE(rel);
    testing::TestPlugins plugins;
    LoadResult r = load_file(rel, plugins, testing::fixture_env());
    ASSERT_TRUE(r.ok()) << format_all(r);
    golden(stem_of(rel) + ".expected", format_all(r), false);
    std::string dump = dump_yaml(*r.config, plugins);
    // The dump loads back to the same effective config.
    LoadResult again = load_string(dump, "dump-of-" + rel, plugins, testing::fixture_env());
    ASSERT_TRUE(again.ok()) << format_all(again) << dump;
    EXPECT_EQ(dump_yaml(*again.config, plugins), dump);
    replace_all(dump, abs, "<fixtures>");
    replace_all(dump, PVPD_DEFAULT_PLUGIN_DIR, "<default-plugin-dir>");
    fs::path dump_golden = stem_of(rel) + ".dump.expected";
    if (updating() || fs::exists(dump_golden)) {
      golden(dump_golden, dump, true);
    }
  }
}

}  // namespace
}  // namespace pvpd::config
