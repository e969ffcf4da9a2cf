#include "config/env_expand.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "test_plugins.h"

namespace pvpd::config {
namespace {

std::string ok(std::string_view in) {
  std::string error;
  auto v = expand_env(in, testing::fixture_env(), &error);
  EXPECT_TRUE(v.has_value()) << in << ": " << error;
  return v.value_or("<error>");
}

std::string err(std::string_view in) {
  std::string error;
  auto v = expand_env(in, testing::fixture_env(), &error);
  EXPECT_FALSE(v.has_value()) << in;
  return error;
}

TEST(ConfigEnv, Expands) {
  EXPECT_EQ(ok("plain"), "plain");
  EXPECT_EQ(ok("${PVPD_TEST_HOST}"), "example.org");
  EXPECT_EQ(ok("https://${PVPD_TEST_HOST}:${PVPD_TEST_PORT}/x"), "https://example.org:9000/x");
  EXPECT_EQ(ok("${NOPE:-fallback}"), "fallback");
  EXPECT_EQ(ok("${NOPE:-}"), "");
  EXPECT_EQ(ok("${PVPD_TEST_HOST:-fallback}"), "example.org");
  // POSIX ":-": an empty value takes the default too.
  EXPECT_EQ(ok("${PVPD_TEST_EMPTY:-d}"), "d");
  EXPECT_EQ(ok("${PVPD_TEST_EMPTY}"), "");
  EXPECT_EQ(ok("${NOPE:-a:-b}"), "a:-b");
}

TEST(ConfigEnv, EscapesAndLiterals) {
  EXPECT_EQ(ok("$${HOME}"), "${HOME}");
  EXPECT_EQ(ok("cost: $5"), "cost: $5");
  EXPECT_EQ(ok("$"), "$");
  EXPECT_EQ(ok("$$"), "$$");
  EXPECT_EQ(ok("a$${b}${PVPD_TEST_PORT}"), "a${b}9000");
}

TEST(ConfigEnv, Errors) {
  EXPECT_EQ(err("${NOPE}"),
            "environment variable 'NOPE' is not set (use ${NOPE:-default} to give a default)");
  EXPECT_EQ(err("${unterminated"), "unterminated '${' (write '$${' for a literal '${')");
  EXPECT_EQ(err("${}"), "invalid variable reference '${}' (expected ${NAME} or ${NAME:-default})");
  EXPECT_EQ(err("${1X}"),
            "invalid variable reference '${1X}' (expected ${NAME} or ${NAME:-default})");
  EXPECT_EQ(err("${A-b}"),
            "invalid variable reference '${A-b}' (expected ${NAME} or ${NAME:-default})");
}

TEST(ConfigEnv, ProcessEnv) {
  ::setenv("PVPD_CONFIG_TEST_VAR", "v1", 1);
  ::unsetenv("PVPD_CONFIG_TEST_UNSET");
  EnvLookup env = process_env();
  EXPECT_EQ(env("PVPD_CONFIG_TEST_VAR"), "v1");
  EXPECT_EQ(env("PVPD_CONFIG_TEST_UNSET"), std::nullopt);
}

TEST(ConfigEnv, ValuesOnlyNeverKeys) {
  DiagnosticSink sink;
  auto root = parse_yaml("${PVPD_TEST_HOST}: ${PVPD_TEST_HOST}\nlist:\n  - ${PVPD_TEST_PORT}\n",
                         "t.yaml", sink);
  ASSERT_TRUE(root);
  expand_env_in_tree(*root, testing::fixture_env(), sink);
  EXPECT_EQ(sink.error_count(), 0u);
  ASSERT_EQ(root->entries.size(), 2u);
  EXPECT_EQ(root->entries[0].first.scalar, "${PVPD_TEST_HOST}");
  EXPECT_EQ(root->entries[0].second.scalar, "example.org");
  EXPECT_EQ(root->entries[1].second.items[0].scalar, "9000");
}

}  // namespace
}  // namespace pvpd::config
