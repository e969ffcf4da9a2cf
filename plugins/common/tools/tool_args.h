// The built-in tools' arguments, parsed from a call's input_json (a JSON object). Shared by
// classify() and ToolRuntime::run() so both read a call the same way. Unknown keys, wrong types
// and missing required keys are errors (a sentence for the model).
// THREAD: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::tools {

struct ShellArgs {
  std::vector<std::string> argv;  // from "argv"
  std::string command;            // from "command" (when has_command)
  bool has_command = false;
  std::string cwd;          // relative to the workspace; "" = the workspace
  uint64_t timeout_ms = 0;  // 0 = the runtime's default
};

struct FileReadArgs {
  std::string path;
  uint64_t offset = 0;  // first line to return, 1-based; 0 = from the start
  uint64_t limit = 0;   // lines to return; 0 = all (up to the output cap)
};

struct FileWriteArgs {
  std::string path;
  std::string content;
};

struct FileEditArgs {
  std::string path;
  std::string old_string;
  std::string new_string;
  bool replace_all = false;
};

struct FileDeleteArgs {
  std::string path;
  bool recursive = false;
};

struct ListDirArgs {
  std::string path = ".";
  bool recursive = false;
};

struct SearchArgs {
  std::string pattern;
  std::string path = ".";
  std::string glob;
  uint64_t max_results = 0;  // 0 = the default (kDefaultSearchResults)
};

struct GitCommitArgs {
  std::string message;
  std::vector<std::string> paths;  // empty = every change in the workspace
};

inline constexpr uint64_t kDefaultSearchResults = 100;
inline constexpr uint64_t kMaxSearchResults = 1000;

bool parse_shell_args(std::string_view json, ShellArgs *out, std::string *error);
bool parse_file_read_args(std::string_view json, FileReadArgs *out, std::string *error);
bool parse_file_write_args(std::string_view json, FileWriteArgs *out, std::string *error);
bool parse_file_edit_args(std::string_view json, FileEditArgs *out, std::string *error);
bool parse_file_delete_args(std::string_view json, FileDeleteArgs *out, std::string *error);
bool parse_list_dir_args(std::string_view json, ListDirArgs *out, std::string *error);
bool parse_search_args(std::string_view json, SearchArgs *out, std::string *error);
bool parse_git_commit_args(std::string_view json, GitCommitArgs *out, std::string *error);

}  // namespace pvpd::tools
