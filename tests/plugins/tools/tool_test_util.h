// Shared helpers for the tool runtime tests: a temporary workspace (and a directory outside it)
// removed after each test, small file helpers, and a one-call run() wrapper.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tools/tool_runtime.h"

namespace pvpd::tools::test {

// mkdtemp-made directories: `root/ws` is the workspace, `root/outside` lies beside it.
class TempDirs {
 public:
  TempDirs();
  ~TempDirs();
  TempDirs(const TempDirs &) = delete;
  TempDirs &operator=(const TempDirs &) = delete;

  const std::string &root() const { return root_; }
  std::string ws() const { return root_ + "/ws"; }
  std::string outside() const { return root_ + "/outside"; }

 private:
  std::string root_;
};

void write_file(const std::string &path, std::string_view content);
std::string read_file(const std::string &path);
bool exists(const std::string &path);
void make_symlink(const std::string &target, const std::string &link);

// Quotes `s` as a JSON string.
std::string js(std::string_view s);

// Runs one call with no streaming callback and a fresh cancel token.
ToolResult run_tool(ToolRuntime &rt, std::string_view tool, std::string_view json,
                    const std::vector<std::string> &secrets = {});

// True while `pid` is a live (not zombie) process.
bool process_alive(int pid);

}  // namespace pvpd::tools::test
