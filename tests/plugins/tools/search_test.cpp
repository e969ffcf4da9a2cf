// The search tool (ripgrep-like) and its glob matcher.
#include <gtest/gtest.h>

#include "tool_test_util.h"
#include "tools/file_tools.h"
#include "tools/tool_runtime.h"

namespace pvpd::tools {
namespace {

using test::run_tool;
using test::write_file;

class Search : public ::testing::Test {
 protected:
  Search() : rt_(options()) {
    write_file(ws("src/main.cpp"), "int main() {\n  // TODO: parse args\n  return 0;\n}\n");
    write_file(ws("src/util.h"), "// TODO later\n#pragma once\n");
    write_file(ws("docs/readme.md"), "Nothing to do here.\nTODO: docs\n");
    write_file(ws(".git/HEAD"), "TODO in git metadata\n");
    write_file(ws("bin/blob.bin"), std::string("TODO\0binary", 11));
    test::make_symlink(dirs_.outside(), ws("out_link"));
    write_file(dirs_.outside() + "/x.txt", "TODO outside\n");
  }
  RuntimeOptions options() const {
    RuntimeOptions o;
    o.workspace = dirs_.ws();
    return o;
  }
  std::string ws(const std::string &rel) const { return dirs_.ws() + "/" + rel; }

  test::TempDirs dirs_;
  ToolRuntime rt_;
};

TEST_F(Search, ReportsPathLineText) {
  ToolResult r = run_tool(rt_, "search", R"({"pattern":"TODO"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output,
            "docs/readme.md:2:TODO: docs\n"
            "src/main.cpp:2:  // TODO: parse args\n"
            "src/util.h:1:// TODO later\n");
}

TEST_F(Search, PathGlobAndRegex) {
  ToolResult r = run_tool(rt_, "search", R"({"pattern":"TODO","path":"src","glob":"*.cpp"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "src/main.cpp:2:  // TODO: parse args\n");
  r = run_tool(rt_, "search", R"({"pattern":"^#pragma\\s+once$"})");
  EXPECT_EQ(r.output, "src/util.h:2:#pragma once\n");
  r = run_tool(rt_, "search", R"({"pattern":"return \\d;","path":"src/main.cpp"})");
  EXPECT_EQ(r.output, "src/main.cpp:3:  return 0;\n");
  r = run_tool(rt_, "search", R"({"pattern":"TODO","glob":"src/**/*.{h,hpp}"})");
  EXPECT_EQ(r.output, "src/util.h:1:// TODO later\n");
  r = run_tool(rt_, "search", R"({"pattern":"nothing matches this"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "no matches\n");
}

TEST_F(Search, MaxResultsTruncates) {
  ToolResult r = run_tool(rt_, "search", R"({"pattern":"TODO","max_results":2})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_TRUE(r.truncated);
  EXPECT_NE(r.output.find("search stopped after 2 matches"), std::string::npos) << r.output;
}

TEST_F(Search, BadPatternsAreErrors) {
  ToolResult r = run_tool(rt_, "search", R"({"pattern":"(unclosed"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("invalid regular expression"), std::string::npos) << r.error;
  r = run_tool(rt_, "search", R"({"pattern":"(a)\\1"})");  // back-references: refused
  EXPECT_FALSE(r.success);
  r = run_tool(rt_, "search", R"({"pattern":""})");
  EXPECT_FALSE(r.success);
}

TEST_F(Search, PathologicalPatternsFinish) {
  // Exponential for a backtracking engine; the polynomial executor handles it, and a very long
  // line does not exhaust the stack.
  write_file(ws("long.txt"), std::string(100000, 'a') + "\n" + std::string(40, 'a') + "!\n");
  ToolResult r = run_tool(rt_, "search", R"({"pattern":"^(a+)+$","path":"long.txt"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "no matches\n");
  r = run_tool(rt_, "search", R"({"pattern":"(a|aa)*b","path":"long.txt"})");
  ASSERT_TRUE(r.success) << r.error;
}

TEST(Glob, Matches) {
  EXPECT_TRUE(glob_match("*.cpp", "src/a/main.cpp"));
  EXPECT_FALSE(glob_match("*.cpp", "src/main.h"));
  EXPECT_TRUE(glob_match("src/*.cpp", "src/main.cpp"));
  EXPECT_FALSE(glob_match("src/*.cpp", "src/a/main.cpp"));
  EXPECT_TRUE(glob_match("src/**/*.cpp", "src/main.cpp"));
  EXPECT_TRUE(glob_match("src/**/*.cpp", "src/a/b/main.cpp"));
  EXPECT_TRUE(glob_match("**/test_*.py", "a/b/test_x.py"));
  EXPECT_TRUE(glob_match("*.{ts,tsx}", "app/x.tsx"));
  EXPECT_FALSE(glob_match("*.{ts,tsx}", "app/x.js"));
  EXPECT_TRUE(glob_match("file?.[ch]", "file1.c"));
  EXPECT_FALSE(glob_match("file?.[!ch]", "file1.c"));
  EXPECT_TRUE(glob_match("./src/*.h", "src/util.h"));
}

}  // namespace
}  // namespace pvpd::tools
