// Confinement: absolute paths, `..` escapes and symlinks leading outside the workspace are
// refused by every tool (a ToolResult with an error, never an exception); symlinks that stay
// inside work.
#include <gtest/gtest.h>

#include "tool_test_util.h"
#include "tools/path_confinement.h"
#include "tools/tool_runtime.h"

namespace pvpd::tools {
namespace {

using test::exists;
using test::js;
using test::make_symlink;
using test::read_file;
using test::run_tool;
using test::write_file;

class Confinement : public ::testing::Test {
 protected:
  Confinement() : rt_(options()) {
    write_file(dirs_.outside() + "/secret.txt", "outside secret\n");
    write_file(dirs_.ws() + "/inside.txt", "inside\n");
  }
  RuntimeOptions options() const {
    RuntimeOptions o;
    o.workspace = dirs_.ws();
    return o;
  }
  void expect_refused(std::string_view tool, const std::string &json) {
    ToolResult r = run_tool(rt_, tool, json);
    EXPECT_FALSE(r.success) << tool << " " << json << " -> " << r.output;
    EXPECT_FALSE(r.error.empty()) << tool << " " << json;
    EXPECT_EQ(r.output.find("outside secret"), std::string::npos) << r.output;
  }

  test::TempDirs dirs_;
  ToolRuntime rt_;
};

TEST_F(Confinement, RefusesAbsolutePaths) {
  expect_refused("file_read", R"({"path":)" + js(dirs_.outside() + "/secret.txt") + "}");
  expect_refused("file_read", R"({"path":"/etc/passwd"})");
  expect_refused("file_write", R"({"path":"/tmp/pvpd-should-not-exist","content":"x"})");
  expect_refused("list_dir", R"({"path":"/"})");
  expect_refused("search", R"({"pattern":"secret","path":"/"})");
  expect_refused("file_read", R"({"path":"~/.bashrc"})");
  EXPECT_FALSE(exists("/tmp/pvpd-should-not-exist"));
  ToolResult r = run_tool(rt_, "file_read", R"({"path":"/etc/passwd"})");
  EXPECT_NE(r.error.find("absolute"), std::string::npos) << r.error;
}

TEST_F(Confinement, RefusesDotDotEscapes) {
  expect_refused("file_read", R"({"path":"../outside/secret.txt"})");
  expect_refused("file_read", R"({"path":"a/../../outside/secret.txt"})");
  expect_refused("file_read", R"({"path":"missing/../../outside/secret.txt"})");
  expect_refused("file_write", R"({"path":"../outside/new.txt","content":"x"})");
  expect_refused("file_edit", R"({"path":"../outside/secret.txt","old_string":"outside",)"
                              R"("new_string":"pwned"})");
  expect_refused("file_delete", R"({"path":"../outside/secret.txt"})");
  expect_refused("list_dir", R"({"path":".."})");
  expect_refused("search", R"({"pattern":"secret","path":"../outside"})");
  expect_refused("shell", R"({"argv":["ls"],"cwd":".."})");
  EXPECT_FALSE(exists(dirs_.outside() + "/new.txt"));
  EXPECT_EQ(read_file(dirs_.outside() + "/secret.txt"), "outside secret\n");
  ToolResult r = run_tool(rt_, "file_read", R"({"path":"../outside/secret.txt"})");
  EXPECT_NE(r.error.find("outside the workspace"), std::string::npos) << r.error;
}

TEST_F(Confinement, AllowsDotDotThatStaysInside) {
  write_file(dirs_.ws() + "/a/b.txt", "b\n");
  ToolResult r = run_tool(rt_, "file_read", R"({"path":"a/../a/./b.txt"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "b\n");
}

TEST_F(Confinement, RefusesSymlinkToOutside) {
  make_symlink(dirs_.outside() + "/secret.txt", dirs_.ws() + "/link_out");
  make_symlink("../outside/secret.txt", dirs_.ws() + "/rel_link_out");
  for (const char *link : {"link_out", "rel_link_out"}) {
    expect_refused("file_read", std::string(R"({"path":")") + link + "\"}");
    expect_refused("file_write", std::string(R"({"path":")") + link + R"(","content":"pwned"})");
    expect_refused("file_edit", std::string(R"({"path":")") + link +
                                    R"(","old_string":"outside","new_string":"pwned"})");
    expect_refused("search", std::string(R"({"pattern":"secret","path":")") + link + "\"}");
  }
  EXPECT_EQ(read_file(dirs_.outside() + "/secret.txt"), "outside secret\n");
  ToolResult r = run_tool(rt_, "file_read", R"({"path":"link_out"})");
  EXPECT_NE(r.error.find("symbolic link"), std::string::npos) << r.error;

  // Deleting the link removes the link, never its target.
  r = run_tool(rt_, "file_delete", R"({"path":"link_out"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_FALSE(exists(dirs_.ws() + "/link_out"));
  EXPECT_TRUE(exists(dirs_.outside() + "/secret.txt"));
}

TEST_F(Confinement, RefusesSymlinkedParentDirectory) {
  make_symlink(dirs_.outside(), dirs_.ws() + "/dir_out");
  expect_refused("file_read", R"({"path":"dir_out/secret.txt"})");
  expect_refused("file_write", R"({"path":"dir_out/new.txt","content":"x"})");
  expect_refused("file_write", R"({"path":"dir_out/deeper/new.txt","content":"x"})");
  expect_refused("file_delete", R"({"path":"dir_out/secret.txt"})");
  expect_refused("list_dir", R"({"path":"dir_out"})");
  expect_refused("shell", R"({"argv":["ls"],"cwd":"dir_out"})");
  EXPECT_FALSE(exists(dirs_.outside() + "/new.txt"));
  EXPECT_FALSE(exists(dirs_.outside() + "/deeper"));
  EXPECT_TRUE(exists(dirs_.outside() + "/secret.txt"));
}

TEST_F(Confinement, SymlinkChainsAreFollowedToTheEnd) {
  // inside -> inside -> outside: refused; inside -> inside -> inside: fine.
  make_symlink(dirs_.outside() + "/secret.txt", dirs_.ws() + "/hop2");
  make_symlink("hop2", dirs_.ws() + "/hop1");
  expect_refused("file_read", R"({"path":"hop1"})");
  make_symlink("inside.txt", dirs_.ws() + "/ok2");
  make_symlink("ok2", dirs_.ws() + "/ok1");
  ToolResult r = run_tool(rt_, "file_read", R"({"path":"ok1"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "inside\n");
  // A loop ends with an error, not a hang.
  make_symlink("loop_b", dirs_.ws() + "/loop_a");
  make_symlink("loop_a", dirs_.ws() + "/loop_b");
  expect_refused("file_read", R"({"path":"loop_a"})");
}

TEST_F(Confinement, SymlinksInsideWork) {
  write_file(dirs_.ws() + "/real/file.txt", "real\n");
  make_symlink("real/file.txt", dirs_.ws() + "/link_in");
  make_symlink("real", dirs_.ws() + "/dir_in");
  make_symlink(dirs_.ws() + "/real/file.txt", dirs_.ws() + "/abs_link_in");
  for (const char *path : {"link_in", "dir_in/file.txt", "abs_link_in"}) {
    ToolResult r = run_tool(rt_, "file_read", std::string(R"({"path":")") + path + "\"}");
    ASSERT_TRUE(r.success) << path << ": " << r.error;
    EXPECT_EQ(r.output, "real\n");
  }
  ToolResult r = run_tool(rt_, "file_write", R"({"path":"dir_in/new.txt","content":"new\n"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(read_file(dirs_.ws() + "/real/new.txt"), "new\n");
  r = run_tool(rt_, "file_edit", R"({"path":"link_in","old_string":"real","new_string":"edited"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(read_file(dirs_.ws() + "/real/file.txt"), "edited\n");
  r = run_tool(rt_, "shell", R"({"argv":["pwd"],"cwd":"dir_in"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_NE(r.output.find("/real"), std::string::npos) << r.output;
}

TEST_F(Confinement, WorkspaceResolveKeepsCanonicalComponents) {
  Workspace ws;
  std::string error;
  ASSERT_TRUE(ws.open(dirs_.ws(), &error)) << error;
  write_file(dirs_.ws() + "/x/y.txt", "y");
  make_symlink("x", dirs_.ws() + "/lx");
  ResolvedPath p;
  ASSERT_TRUE(ws.resolve("lx/./y.txt", true, &p, &error)) << error;
  EXPECT_EQ(p.rel(), "x/y.txt");
  EXPECT_TRUE(p.exists);
  ASSERT_TRUE(ws.resolve("lx", false, &p, &error)) << error;
  EXPECT_EQ(p.rel(), "lx");
  ASSERT_TRUE(ws.resolve("new/dir/file", true, &p, &error)) << error;
  EXPECT_FALSE(p.exists);
  EXPECT_EQ(p.rel(), "new/dir/file");
  ASSERT_TRUE(ws.resolve("", true, &p, &error)) << error;
  EXPECT_EQ(p.rel(), ".");
  EXPECT_FALSE(ws.resolve("x/y.txt/z", true, &p, &error));
}

TEST(ConfinementSetup, BadWorkspaceFailsEveryCall) {
  RuntimeOptions o;
  o.workspace = "relative/path";
  ToolRuntime rt(o);
  EXPECT_FALSE(rt.ok());
  EXPECT_FALSE(rt.init_error().empty());
  ToolResult r = run_tool(rt, "list_dir", "{}");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("workspace"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace pvpd::tools
