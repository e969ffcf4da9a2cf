// The shell command lexer: segments, quoting, substitutions, and the shell tool's command
// splitting (which refuses anything a shell would have to interpret).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tools/command_lexer.h"

namespace pvpd::tools {
namespace {

std::vector<std::string> words_of(const ShellCommand &c) {
  std::vector<std::string> out;
  for (const ShellWord &w : c.words) {
    out.push_back(w.text);
  }
  return out;
}

using Words = std::vector<std::string>;

TEST(CommandLexer, SplitsListsAndPipelines) {
  ShellScript s = parse_shell("a 1 && b | c; d & e || f\ng");
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.commands.size(), 7u);
  EXPECT_EQ(words_of(s.commands[0]), (Words{"a", "1"}));
  EXPECT_EQ(s.commands[0].terminator, "&&");
  EXPECT_EQ(s.commands[1].terminator, "|");
  EXPECT_TRUE(s.commands[2].stdin_from_pipe);
  EXPECT_EQ(s.commands[1].pipeline, s.commands[2].pipeline);
  EXPECT_NE(s.commands[2].pipeline, s.commands[3].pipeline);
  EXPECT_EQ(words_of(s.commands[6]), (Words{"g"}));
}

TEST(CommandLexer, QuotesAndEscapes) {
  ShellScript s = parse_shell(R"(echo 'a && b' "c | d" e\;f "g\"h" 'it'\''s' $'x\ty\x41')");
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.commands.size(), 1u);
  EXPECT_EQ(words_of(s.commands[0]),
            (Words{"echo", "a && b", "c | d", "e;f", "g\"h", "it's", "x\tyA"}));
  EXPECT_TRUE(s.operators.empty());
}

TEST(CommandLexer, FindsSubstitutionsEverywhere) {
  ShellScript s = parse_shell(
      "echo $(a) \"$(b)\" `c` <(d) >(e) ${X:-$(f)} $(( $(g) + 1 ))\ncat <<EOF\n$(h)\nEOF\n"
      "cat <<'EOF'\n$(not_this)\nEOF");
  ASSERT_TRUE(s.error.empty()) << s.error;
  std::vector<std::string> found;
  for (const ShellScript &sub : s.substitutions) {
    ASSERT_EQ(sub.commands.size(), 1u);
    found.push_back(sub.commands[0].words[0].text);
  }
  EXPECT_EQ(found, (Words{"a", "b", "c", "d", "e", "f", "g", "h"}));
}

TEST(CommandLexer, RedirectsAndDescriptors) {
  ShellScript s = parse_shell("cmd 2>&1 >out.txt <in.txt 2>>err &>/dev/null");
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.commands.size(), 1u);
  const ShellCommand &c = s.commands[0];
  EXPECT_EQ(words_of(c), (Words{"cmd"}));
  ASSERT_EQ(c.redirects.size(), 5u);
  EXPECT_EQ(c.redirects[0].fd, 2);
  EXPECT_EQ(c.redirects[0].op, ">&");
  EXPECT_EQ(c.redirects[0].target.text, "1");
  EXPECT_EQ(c.redirects[1].op, ">");
  EXPECT_EQ(c.redirects[1].target.text, "out.txt");
  EXPECT_EQ(c.redirects[2].op, "<");
  EXPECT_EQ(c.redirects[3].op, ">>");
  EXPECT_EQ(c.redirects[4].op, "&>");
}

TEST(CommandLexer, CommentsAndContinuations) {
  ShellScript s = parse_shell("ls \\\n  -la # rm -rf /\n");
  ASSERT_TRUE(s.error.empty()) << s.error;
  ASSERT_EQ(s.commands.size(), 1u);
  EXPECT_EQ(words_of(s.commands[0]), (Words{"ls", "-la"}));
  EXPECT_TRUE(s.has_comment);
}

TEST(CommandLexer, ReportsIncompleteInput) {
  for (std::string_view bad : {"echo 'x", "echo \"x", "echo $(x", "echo `x", "echo ${x",
                               "echo $((1", "cat >", "echo $'x"}) {
    EXPECT_FALSE(parse_shell(bad).error.empty()) << bad;
  }
}

TEST(CommandLexer, BoundsNesting) {
  std::string deep;
  for (int i = 0; i < 100; ++i) {
    deep += "$(";
  }
  deep += "x";
  for (int i = 0; i < 100; ++i) {
    deep += ")";
  }
  EXPECT_FALSE(parse_shell(deep).error.empty());
  std::string ok = "$($($(x)))";
  EXPECT_TRUE(parse_shell(ok).error.empty());
}

TEST(SplitCommandWords, SplitsLikeAShell) {
  std::vector<std::string> argv;
  std::string error;
  ASSERT_TRUE(split_command_words(R"(git commit -m "fix: it's done" --author='A B' *.c ~/x)", &argv,
                                  &error))
      << error;
  EXPECT_EQ(argv, (Words{"git", "commit", "-m", "fix: it's done", "--author=A B", "*.c", "~/x"}));
  ASSERT_TRUE(split_command_words("echo a\\ b \"a && b\"", &argv, &error)) << error;
  EXPECT_EQ(argv, (Words{"echo", "a b", "a && b"}));
}

TEST(SplitCommandWords, RefusesWhatNeedsAShell) {
  for (std::string_view command : {"ls | wc", "a && b", "a; b", "a & b", "echo x > f", "cat < f",
                                   "a\nb", "echo $(x)", "echo `x`", "echo $HOME", "echo \"${X}\"",
                                   "FOO=1 ls", "(ls)", "cat <<EOF\nx\nEOF", "echo 'x", ""}) {
    std::vector<std::string> argv;
    std::string error;
    EXPECT_FALSE(split_command_words(command, &argv, &error)) << command;
    EXPECT_FALSE(error.empty()) << command;
  }
  std::vector<std::string> argv;
  std::string error;
  ASSERT_FALSE(split_command_words("ls | wc -l", &argv, &error));
  EXPECT_NE(error.find("argv"), std::string::npos) << error;
  EXPECT_NE(error.find("`|`"), std::string::npos) << error;
}

TEST(ShellQuote, QuotesWhenNeeded) {
  EXPECT_EQ(shell_quote("abc-1.txt"), "abc-1.txt");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

}  // namespace
}  // namespace pvpd::tools
