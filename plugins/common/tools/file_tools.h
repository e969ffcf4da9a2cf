// The file tools (file_read, file_write, file_edit, file_delete, list_dir) and the search tool,
// each confined to the workspace (path_confinement.h). Output goes through an OutputCollector
// (redaction, cap); errors are sentences for the model (redacted by the caller).
// THREAD: each call is independent.
#pragma once

#include <chrono>
#include <string>

#include "tools/path_confinement.h"
#include "tools/redactor.h"
#include "tools/tool_args.h"

namespace pvpd::tools {

class CancelToken;

inline constexpr size_t kMaxEditFileBytes = 64 * 1024 * 1024;    // file_edit reads it whole
inline constexpr size_t kMaxSearchFileBytes = 16 * 1024 * 1024;  // larger files are skipped
inline constexpr size_t kMaxSearchLineBytes = 4096;  // longer lines: only this much is matched
inline constexpr size_t kMaxSearchShownBytes = 400;  // of a matching line, in the output
inline constexpr size_t kMaxListEntries = 10000;
inline constexpr size_t kMaxPatternBytes = 2000;
inline constexpr size_t kBinarySniffBytes = 8192;

struct ToolContext {
  const Workspace &ws;
  OutputCollector &out;
  const CancelToken &cancel;
  std::chrono::steady_clock::time_point deadline;
};

struct ToolOutcome {
  bool success = false;
  std::string error;       // when !success
  std::string note;        // appended to the output when it was truncated (how to get the rest)
  bool truncated = false;  // stopped early for a reason other than the output cap
  bool canceled = false;
  bool timed_out = false;
};

ToolOutcome file_read(const ToolContext &ctx, const FileReadArgs &args);
ToolOutcome file_write(const ToolContext &ctx, const FileWriteArgs &args);
ToolOutcome file_edit(const ToolContext &ctx, const FileEditArgs &args);
ToolOutcome file_delete(const ToolContext &ctx, const FileDeleteArgs &args);
ToolOutcome list_dir(const ToolContext &ctx, const ListDirArgs &args);
ToolOutcome search(const ToolContext &ctx, const SearchArgs &args);

// Glob matching for `search`: `*` and `?` stay inside one path component, `**` crosses them,
// `[...]` classes, `{a,b}` alternatives. A pattern without `/` matches the file name only.
bool glob_match(std::string_view pattern, std::string_view path);

}  // namespace pvpd::tools
