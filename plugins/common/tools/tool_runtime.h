// ToolRuntime: runs an agent's tools (shell, file_read, file_write, file_edit, file_delete,
// list_dir, search) confined to one session workspace, and classifies what a call would do.
//
// Every agent plugin links this (plugins/common/tools). It is the only code in pvpd that runs
// commands or touches files on an agent's behalf, so it is deliberately strict:
//  - paths: relative to the workspace; absolute paths, `..` escapes and symlinks resolving
//    outside it are refused (checked on the resolved path, at the moment of use);
//  - commands: posix_spawn with an argv array, never a shell; a new process group; a scrubbed
//    environment (allow-list) plus only the secrets the call needs; a timeout and an output
//    cap; the whole process group killed on timeout or cancel;
//  - output: every known secret value is replaced with [REDACTED:<name>] before the caller
//    sees a byte (streamed chunks and the final result alike).
// classify() parses a command the way an attacker would write it: every segment of a pipeline,
// `&&`/`||`/`;` chain, `$(...)`/backtick substitution, `find -exec`, `xargs`, interpreter `-c`
// and package manager counts; the highest risk wins.
//
// THREAD: classify() is pure and thread-safe. A ToolRuntime may run calls from several threads
// at once (each call is independent); run() blocks its calling thread until the call ends.
// OWNERSHIP: the runtime copies its options; callbacks are borrowed for the duration of run().
// LIFETIME: destroying a ToolRuntime while a run() is in progress is a bug; cancel first.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/brain.h"

namespace pvpd::tools {

enum class Risk { kLow = 0, kMedium = 1, kHigh = 2, kCritical = 3 };
const char *risk_name(Risk r);  // "low" | "medium" | "high" | "critical" (PVP RiskLevel)
bool parse_risk(std::string_view name, Risk *out);

// What a call would do, for tool.propose: `category` is a PVP ToolCategory ("file_read",
// "file_write", "file_delete", "shell_execute", "network_request", "deploy", "database",
// "secret_access", "external_api"); `reason` is one human-readable sentence naming what
// decided the risk (e.g. "pipeline segment `rm -rf x` deletes files recursively").
struct Classification {
  std::string category;
  Risk risk = Risk::kLow;
  std::string reason;
};

// Classifies a tool call from its name and arguments (a JSON object text). Unknown tools are
// "external_api"/high. Malformed arguments classify as critical (never as low).
Classification classify(std::string_view tool_name, std::string_view input_json);

struct RuntimeOptions {
  std::string workspace;  // absolute; created if missing
  std::vector<std::string> env_allow{"PATH", "HOME", "LANG", "LC_ALL", "TERM", "TZ"};
  std::map<std::string, std::string> secrets;  // name -> value; redacted from all output
  uint64_t timeout_ms = 120000;
  size_t output_cap = 1 << 20;  // bytes kept per call; the rest is counted, not kept
};

struct ToolResult {
  bool success = false;
  int exit_code = -1;  // shell: the process's exit status; -1 when it did not exit
  std::string output;  // redacted; for file_read the content, for shell stdout+stderr
  std::string error;   // why it failed, human-readable, redacted
  bool timed_out = false;
  bool canceled = false;
  bool truncated = false;  // output_cap reached
  uint64_t duration_ms = 0;
};

// Cancels a run from another thread: the process group gets SIGTERM then SIGKILL.
class CancelToken {
 public:
  void cancel() { canceled_.store(true, std::memory_order_release); }
  bool canceled() const { return canceled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> canceled_{false};
};

// Streams redacted output while a call runs: stream is "stdout" or "stderr".
using OutputFn = std::function<void(std::string_view stream, std::string_view chunk)>;

class ToolRuntime {
 public:
  explicit ToolRuntime(RuntimeOptions options);
  ~ToolRuntime();

  // The built-in tools, described for a model (names, descriptions, JSON Schemas).
  std::vector<agent::ToolSpec> tool_specs() const;
  bool has_tool(std::string_view name) const;

  // Runs one call to completion (blocking). `secrets_for_call` names secrets from options to
  // inject into the child's environment (as NAME=value), for shell calls that need them.
  ToolResult run(std::string_view tool_name, std::string_view input_json, const OutputFn &on_output,
                 const CancelToken &cancel, const std::vector<std::string> &secrets_for_call = {});

  // Replaces every known secret value in `text` with [REDACTED:<name>].
  std::string redact(std::string_view text) const;

  const RuntimeOptions &options() const { return options_; }

  // False when the workspace could not be created or opened; every run() then fails with
  // init_error() (the constructor never throws).
  bool ok() const;
  const std::string &init_error() const;

 private:
  struct State;  // the opened workspace and the redactor (tool_runtime.cpp)

  RuntimeOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace pvpd::tools
