#include "tool_test_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pvpd::tools::test {

TempDirs::TempDirs() {
  std::string templ = std::filesystem::temp_directory_path().string() + "/pvpd-tools-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  root_ = templ;
  std::filesystem::create_directories(ws());
  std::filesystem::create_directories(outside());
}

TempDirs::~TempDirs() {
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);  // does not follow symlinks
}

void write_file(const std::string &path, std::string_view content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool exists(const std::string &path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void make_symlink(const std::string &target, const std::string &link) {
  std::filesystem::create_directories(std::filesystem::path(link).parent_path());
  if (::symlink(target.c_str(), link.c_str()) != 0) {
    throw std::runtime_error("symlink failed: " + link);
  }
}

std::string js(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out.push_back(c);
    }
  }
  return out + "\"";
}

ToolResult run_tool(ToolRuntime &rt, std::string_view tool, std::string_view json,
                    const std::vector<std::string> &secrets) {
  CancelToken cancel;
  return rt.run(tool, json, OutputFn(), cancel, secrets);
}

bool process_alive(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) {
    return false;
  }
  std::string line;
  std::getline(in, line);
  size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) {
    return false;
  }
  char state = line[close + 2];
  return state != 'Z' && state != 'X';
}

}  // namespace pvpd::tools::test
