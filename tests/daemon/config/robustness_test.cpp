// load_string must survive arbitrary bytes (the config fuzz target relies on it): no crash, no
// exception, and a config only when there are no errors.
#include <gtest/gtest.h>

#include <random>

#include "config/loader.h"
#include "test_plugins.h"

namespace pvpd::config {
namespace {

void check(const std::string &text) {
  testing::TestPlugins plugins;
  LoadResult r;
  ASSERT_NO_THROW(r = load_string(text, "fuzz.yaml", plugins, testing::fixture_env()));
  bool has_error = false;
  for (const auto &d : r.diagnostics) {
    has_error |= d.severity == Severity::kError;
  }
  EXPECT_EQ(r.ok(), !has_error);
  if (r.ok()) {
    ASSERT_NO_THROW(dump_yaml(*r.config, plugins));
  }
}

TEST(ConfigRobustness, HandPickedNastyInputs) {
  const char *cases[] = {
      "",
      "\0",
      "---",
      "...",
      "[",
      "{",
      "]",
      "}",
      ":",
      "- - - -",
      "? ",
      "!!binary x",
      "&a *a",
      "a: &a [*a]",
      "a: *unknown",
      "%YAML 1.2\n---\n",
      "\t\t",
      "version: [1]",
      "version: 99999999999999999999",
      "daemon: 5",
      "daemon: [1]",
      "plugins: {a: 1}",
      "plugins: [1, [2], {use: [x]}]",
      "plugins: [{use: testplug, config: [1]}]",
      "plugins: [{use: testplug, config: {listeners: 5}}]",
      "plugins: [{use: testplug, config: {listeners: [5, {port: [1]}], tags: [[1]]}}]",
      "plugins: [{use: testplug, id: '', config: {listen: x}}]",
      "plugins: [{use: '', id: x}]",
      "daemon: {plugin_dirs: [[1]]}",
      "${",
      "a: ${",
      "a: ${X",
      "a: b: c",
      "\xff\xfe\x00\x01",
      "a: \"\\x00\"",
      "daemon: {core: {max_message: 1e400}}",
  };
  for (const char *c : cases) {
    SCOPED_TRACE(c);
    check(c);
  }
  check(std::string("a: b\0c: d", 9));
}

TEST(ConfigRobustness, DeepNesting) {
  check(std::string(100000, '['));
  check(std::string(5000, '[') + std::string(5000, ']'));
  std::string deep;
  for (int i = 0; i < 1500; ++i) {
    deep += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  }
  check(deep);
}

TEST(ConfigRobustness, RandomBytesAndMutations) {
  std::mt19937 rng(12345);
  const std::string seed =
      "version: 1\ndaemon:\n  log: {level: info}\n  core: {max_message: 1MiB}\nplugins:\n"
      "  - use: testplug\n    id: a\n    config:\n      listen: ${PVPD_TEST_HOST}\n"
      "      listeners: [{port: 1}]\n      extra: &x {a: [1, 2]}\n      tls: {enabled: true}\n";
  const std::string alphabet = "{}[]:,-?&*!|>'\"#%@`$ \n\t\\abcxyz019.";
  for (int i = 0; i < 2000; ++i) {
    std::string s = seed;
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % (s.size() + 1);
      switch (rng() % 3) {
        case 0: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
        case 1:
          if (pos < s.size()) {
            s.erase(pos, 1);
          }
          break;
        default:
          if (pos < s.size()) {
            s[pos] = static_cast<char>(rng() % 256);
          }
          break;
      }
    }
    check(s);
  }
  for (int i = 0; i < 300; ++i) {
    std::string s(rng() % 200, '\0');
    for (auto &c : s) {
      c = static_cast<char>(rng() % 256);
    }
    check(s);
  }
}

}  // namespace
}  // namespace pvpd::config
