// The file tools' semantics: file_read (offset/limit, binary, cap), file_write (parents,
// atomic, mode kept), file_edit (unique / replace_all / not found), file_delete, list_dir, and
// the tool specs.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "tool_test_util.h"
#include "tools/tool_runtime.h"

namespace pvpd::tools {
namespace {

using test::exists;
using test::read_file;
using test::run_tool;
using test::write_file;

class FileTools : public ::testing::Test {
 protected:
  FileTools() : rt_(options()) {}
  RuntimeOptions options() const {
    RuntimeOptions o;
    o.workspace = dirs_.ws();
    return o;
  }
  std::string ws(const std::string &rel) const { return dirs_.ws() + "/" + rel; }

  test::TempDirs dirs_;
  ToolRuntime rt_;
};

TEST_F(FileTools, ReadWholeFileAndLineRanges) {
  write_file(ws("f.txt"), "one\ntwo\nthree\nfour\n");
  ToolResult r = run_tool(rt_, "file_read", R"({"path":"f.txt"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "one\ntwo\nthree\nfour\n");
  EXPECT_FALSE(r.truncated);
  r = run_tool(rt_, "file_read", R"({"path":"f.txt","offset":2,"limit":2})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "two\nthree\n");
  r = run_tool(rt_, "file_read", R"({"path":"f.txt","offset":4})");
  EXPECT_EQ(r.output, "four\n");
  r = run_tool(rt_, "file_read", R"({"path":"f.txt","offset":9})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("past the end"), std::string::npos) << r.error;
}

TEST_F(FileTools, ReadRefusesWhatIsNotText) {
  write_file(ws("bin.dat"), std::string("ab\0cd", 5));
  ToolResult r = run_tool(rt_, "file_read", R"({"path":"bin.dat"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("binary"), std::string::npos) << r.error;
  std::filesystem::create_directories(ws("d"));
  r = run_tool(rt_, "file_read", R"({"path":"d"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("list_dir"), std::string::npos) << r.error;
  r = run_tool(rt_, "file_read", R"({"path":"missing.txt"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("does not exist"), std::string::npos) << r.error;
  ASSERT_EQ(::mkfifo(ws("fifo").c_str(), 0600), 0);
  r = run_tool(rt_, "file_read", R"({"path":"fifo"})");  // must not block
  EXPECT_FALSE(r.success);
}

TEST_F(FileTools, ReadStopsAtTheCapWithANote) {
  RuntimeOptions o = options();
  o.output_cap = 100;
  ToolRuntime rt(o);
  std::string big;
  for (int i = 1; i <= 100; ++i) {
    big += "line " + std::to_string(i) + "\n";
  }
  write_file(ws("big.txt"), big);
  ToolResult r = run_tool(rt, "file_read", R"({"path":"big.txt"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.output.substr(0, 100), big.substr(0, 100));
  EXPECT_NE(r.output.find("offset="), std::string::npos) << r.output;
}

TEST_F(FileTools, WriteCreatesParentsAndReplacesAtomically) {
  ToolResult r = run_tool(rt_, "file_write", R"({"path":"a/b/c.txt","content":"hello\n"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(read_file(ws("a/b/c.txt")), "hello\n");
  EXPECT_NE(r.output.find("created"), std::string::npos);
  ::chmod(ws("a/b/c.txt").c_str(), 0750);
  r = run_tool(rt_, "file_write", R"({"path":"a/b/c.txt","content":""})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(read_file(ws("a/b/c.txt")), "");
  struct stat st {};
  ASSERT_EQ(::stat(ws("a/b/c.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  // No temporary file is left behind.
  for (const auto &e : std::filesystem::directory_iterator(ws("a/b"))) {
    EXPECT_EQ(e.path().filename(), "c.txt");
  }
  std::filesystem::create_directories(ws("dir"));
  r = run_tool(rt_, "file_write", R"({"path":"dir","content":"x"})");
  EXPECT_FALSE(r.success);
  r = run_tool(rt_, "file_write", R"({"path":".","content":"x"})");
  EXPECT_FALSE(r.success);
  write_file(ws("plain"), "x");
  r = run_tool(rt_, "file_write", R"({"path":"plain/child.txt","content":"x"})");
  EXPECT_FALSE(r.success);
}

TEST_F(FileTools, EditReplacesExactlyOnceOrAll) {
  write_file(ws("e.txt"), "alpha beta\ngamma beta\n");
  ToolResult r =
      run_tool(rt_, "file_edit", R"({"path":"e.txt","old_string":"alpha","new_string":"ALPHA"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(read_file(ws("e.txt")), "ALPHA beta\ngamma beta\n");

  r = run_tool(rt_, "file_edit", R"({"path":"e.txt","old_string":"beta","new_string":"B"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("2 times"), std::string::npos) << r.error;
  EXPECT_EQ(read_file(ws("e.txt")), "ALPHA beta\ngamma beta\n");

  r = run_tool(rt_, "file_edit",
               R"({"path":"e.txt","old_string":"beta","new_string":"B","replace_all":true})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(read_file(ws("e.txt")), "ALPHA B\ngamma B\n");

  r = run_tool(rt_, "file_edit", R"({"path":"e.txt","old_string":"zeta","new_string":"Z"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("not found"), std::string::npos) << r.error;
  r = run_tool(rt_, "file_edit", R"({"path":"e.txt","old_string":"","new_string":"Z"})");
  EXPECT_FALSE(r.success);
  r = run_tool(rt_, "file_edit", R"({"path":"nope.txt","old_string":"a","new_string":"b"})");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(read_file(ws("e.txt")), "ALPHA B\ngamma B\n");
}

TEST_F(FileTools, DeleteFilesAndDirectories) {
  write_file(ws("gone.txt"), "x");
  ToolResult r = run_tool(rt_, "file_delete", R"({"path":"gone.txt"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_FALSE(exists(ws("gone.txt")));

  std::filesystem::create_directories(ws("empty"));
  r = run_tool(rt_, "file_delete", R"({"path":"empty"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_FALSE(exists(ws("empty")));

  write_file(ws("tree/a/b.txt"), "x");
  write_file(ws("tree/c.txt"), "x");
  test::make_symlink(dirs_.outside(), ws("tree/link_out"));
  write_file(dirs_.outside() + "/keep.txt", "keep");
  r = run_tool(rt_, "file_delete", R"({"path":"tree"})");
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.error.find("recursive"), std::string::npos) << r.error;
  r = run_tool(rt_, "file_delete", R"({"path":"tree","recursive":true})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_FALSE(exists(ws("tree")));
  EXPECT_EQ(read_file(dirs_.outside() + "/keep.txt"), "keep");  // the link was not followed

  r = run_tool(rt_, "file_delete", R"({"path":"."})");
  EXPECT_FALSE(r.success);
  r = run_tool(rt_, "file_delete", R"({"path":"missing"})");
  EXPECT_FALSE(r.success);
  EXPECT_TRUE(exists(dirs_.ws()));
}

TEST_F(FileTools, ListDirSortedWithMarkers) {
  write_file(ws("b.txt"), "");
  write_file(ws("a/x.txt"), "");
  write_file(ws(".git/config"), "");
  test::make_symlink("b.txt", ws("c_link"));
  ToolResult r = run_tool(rt_, "list_dir", "{}");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, ".git/\na/\nb.txt\nc_link -> b.txt\n");
  r = run_tool(rt_, "list_dir", R"({"recursive":true})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, ".git/\na/\na/x.txt\nb.txt\nc_link -> b.txt\n");
  r = run_tool(rt_, "list_dir", R"({"path":"a"})");
  EXPECT_EQ(r.output, "x.txt\n");
  std::filesystem::create_directories(ws("none"));
  r = run_tool(rt_, "list_dir", R"({"path":"none"})");
  EXPECT_EQ(r.output, "(empty directory)\n");
}

TEST_F(FileTools, BadArgumentsAreErrorsNotExceptions) {
  for (auto [tool, json] : std::vector<std::pair<std::string, std::string>>{
           {"file_read", "{"},
           {"file_read", "{}"},
           {"file_read", R"({"path":1})"},
           {"file_read", R"({"path":"a","offset":-1})"},
           {"file_write", R"({"path":"a"})"},
           {"file_edit", R"({"path":"a","old_string":"x"})"},
           {"list_dir", R"({"path":"a","bogus":true})"},
           {"search", R"({"pattern":"("})"},
           {"no_such_tool", "{}"}}) {
    ToolResult r = run_tool(rt_, tool, json);
    EXPECT_FALSE(r.success) << tool << " " << json;
    EXPECT_FALSE(r.error.empty()) << tool << " " << json;
  }
}

TEST_F(FileTools, SpecsDescribeEveryTool) {
  std::vector<agent::ToolSpec> specs = rt_.tool_specs();
  std::set<std::string> names;
  for (const agent::ToolSpec &s : specs) {
    names.insert(s.name);
    EXPECT_TRUE(rt_.has_tool(s.name));
    EXPECT_GT(s.description.size(), 80u) << s.name;
    rapidjson::Document d;
    d.Parse(s.input_schema_json.c_str());
    ASSERT_FALSE(d.HasParseError()) << s.name << ": " << s.input_schema_json;
    ASSERT_TRUE(d.IsObject());
    EXPECT_STREQ(d["type"].GetString(), "object");
    EXPECT_TRUE(d["properties"].IsObject()) << s.name;
    EXPECT_FALSE(d["additionalProperties"].GetBool()) << s.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"shell", "file_read", "file_write", "file_edit",
                                          "file_delete", "list_dir", "search", "git_commit"}));
  EXPECT_FALSE(rt_.has_tool("rm"));
}

}  // namespace
}  // namespace pvpd::tools
