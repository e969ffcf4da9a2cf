// ToolRuntime: argument parsing, dispatch to the tools, the shell tool's environment and
// process, and the result (tool_runtime.h). Nothing escapes run() as an exception.
#include "tools/tool_runtime.h"

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>

#include "tools/command_lexer.h"
#include "tools/file_tools.h"
#include "tools/git_commit_tool.h"
#include "tools/path_confinement.h"
#include "tools/process_runner.h"
#include "tools/redactor.h"
#include "tools/tool_args.h"

extern char **environ;  // NOLINT: POSIX

namespace pvpd::tools {

struct ToolRuntime::State {
  Workspace workspace;
  Redactor redactor;
  std::string init_error;
};

namespace {

using Clock = std::chrono::steady_clock;

uint64_t elapsed_ms(Clock::time_point start) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

std::string signal_text(int sig) {
  const char *name = sigabbrev_np(sig);
  return std::to_string(sig) + (name != nullptr ? std::string(" (SIG") + name + ")" : "");
}

void append_note(std::string *output, const std::string &note) {
  if (!output->empty() && output->back() != '\n') {
    output->push_back('\n');
  }
  *output += "[" + note + "]\n";
}

}  // namespace

ToolRuntime::ToolRuntime(RuntimeOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  state_->redactor = Redactor(options_.secrets);
  state_->workspace.open(options_.workspace, &state_->init_error);
}

ToolRuntime::~ToolRuntime() = default;

bool ToolRuntime::ok() const {
  return state_->workspace.is_open();
}
const std::string &ToolRuntime::init_error() const {
  return state_->init_error;
}

std::string ToolRuntime::redact(std::string_view text) const {
  return state_->redactor.redact(text);
}

namespace {

bool build_env(const RuntimeOptions &options, const std::vector<std::string> &secrets_for_call,
               const std::string &cwd, std::vector<std::string> *env, std::string *error) {
  std::map<std::string, std::string> vars;
  for (const std::string &name : options.env_allow) {
    if (!name.empty() && name.back() == '*') {  // "LC_*": every variable with that prefix
      std::string_view prefix(name.data(), name.size() - 1);
      for (char **e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view entry(*e);
        size_t eq = entry.find('=');
        if (eq != std::string_view::npos && entry.substr(0, prefix.size()) == prefix) {
          vars[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
        }
      }
    } else if (const char *value = ::getenv(name.c_str())) {
      vars[name] = value;
    }
  }
  for (const std::string &name : secrets_for_call) {
    auto it = options.secrets.find(name);
    if (it == options.secrets.end()) {
      *error = "unknown secret `" + name + "`: it is not configured for this agent";
      return false;
    }
    vars[name] = it->second;
  }
  vars["PWD"] = cwd;
  env->clear();
  for (const auto &[name, value] : vars) {
    env->push_back(name + "=" + value);
  }
  return true;
}

}  // namespace

ToolResult ToolRuntime::run(std::string_view tool_name, std::string_view input_json,
                            const OutputFn &on_output, const CancelToken &cancel,
                            const std::vector<std::string> &secrets_for_call) {
  const Clock::time_point start = Clock::now();
  ToolResult r;
  const Redactor &redactor = state_->redactor;
  auto fail = [&](const std::string &error) {
    r.success = false;
    r.error = redactor.redact(error);
    r.duration_ms = elapsed_ms(start);
    return r;
  };
  try {
    if (!state_->workspace.is_open()) {
      return fail("the workspace is not available: " + state_->init_error);
    }
    const uint64_t timeout_ms = options_.timeout_ms;
    const Clock::time_point deadline =
        timeout_ms > 0 ? start + std::chrono::milliseconds(timeout_ms) : Clock::time_point::max();
    std::string error;

    if (tool_name == "shell") {
      ShellArgs args;
      if (!parse_shell_args(input_json, &args, &error)) {
        return fail("invalid arguments: " + error);
      }
      std::vector<std::string> argv = args.argv;
      if (args.has_command && !split_command_words(args.command, &argv, &error)) {
        return fail(error);
      }
      ResolvedPath dir;
      if (!state_->workspace.resolve(args.cwd.empty() ? "." : args.cwd, true, &dir, &error)) {
        return fail("cwd: " + error);
      }
      std::string cwd = state_->workspace.absolute(dir);
      struct stat st {};
      if (!dir.exists || ::stat(cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return fail("cwd: `" + args.cwd + "` is not a directory of the workspace");
      }
      std::vector<std::string> env;
      if (!build_env(options_, secrets_for_call, cwd, &env, &error)) {
        return fail(error);
      }
      std::string path_env;
      for (const std::string &e : env) {
        if (e.rfind("PATH=", 0) == 0) {
          path_env = e.substr(5);
        }
      }
      std::string program = find_program(argv.front(), path_env, cwd, &error);
      if (program.empty()) {
        return fail(error);
      }
      uint64_t call_timeout = options_.timeout_ms;
      if (args.timeout_ms > 0 && (call_timeout == 0 || args.timeout_ms < call_timeout)) {
        call_timeout = args.timeout_ms;
      }
      OutputCollector out(redactor, options_.output_cap, &on_output);
      SpawnSpec spec;
      spec.program = program;
      spec.argv = argv;
      spec.env = std::move(env);
      spec.cwd = cwd;
      spec.timeout_ms = call_timeout;
      spec.cancel = &cancel;
      spec.on_output = [&out](int stream, std::string_view bytes) { out.add(stream, bytes); };
      SpawnResult sr = run_process(spec);
      if (!sr.started) {
        return fail(sr.error);
      }
      out.finish(true);
      r.output = out.take_output();
      r.truncated = out.truncated();
      if (r.truncated) {
        append_note(&r.output, "output truncated: " + std::to_string(out.omitted()) +
                                   " more bytes were not kept");
      }
      r.timed_out = sr.timed_out;
      r.canceled = sr.canceled;
      r.exit_code = sr.exited ? sr.exit_code : -1;
      r.success = sr.exited && sr.exit_code == 0 && !sr.timed_out && !sr.canceled;
      if (sr.timed_out) {
        error =
            "timed out after " + std::to_string(call_timeout) + " ms; the process group was killed";
      } else if (sr.canceled) {
        error = "canceled; the process group was killed";
      } else if (!sr.exited && sr.signal == 0) {
        error = sr.error;
      } else if (!sr.exited) {
        error = "killed by signal " + signal_text(sr.signal);
      } else if (sr.exit_code != 0) {
        error = "exited with status " + std::to_string(sr.exit_code);
      }
      r.error = redactor.redact(error);
      r.duration_ms = elapsed_ms(start);
      return r;
    }

    OutputCollector out(redactor, options_.output_cap, nullptr);
    ToolContext ctx{state_->workspace, out, cancel, deadline};
    ToolOutcome o;
    if (tool_name == "file_read") {
      FileReadArgs args;
      if (!parse_file_read_args(input_json, &args, &error)) {
        return fail("invalid arguments: " + error);
      }
      o = file_read(ctx, args);
    } else if (tool_name == "file_write") {
      FileWriteArgs args;
      if (!parse_file_write_args(input_json, &args, &error)) {
        return fail("invalid arguments: " + error);
      }
      o = file_write(ctx, args);
    } else if (tool_name == "file_edit") {
      FileEditArgs args;
      if (!parse_file_edit_args(input_json, &args, &error)) {
        return fail("invalid arguments: " + error);
      }
      o = file_edit(ctx, args);
    } else if (tool_name == "file_delete") {
      FileDeleteArgs args;
      if (!parse_file_delete_args(input_json, &args, &error)) {
        return fail("invalid arguments: " + error);
      }
      o = file_delete(ctx, args);
    } else if (tool_name == "list_dir") {
      ListDirArgs args;
      if (!parse_list_dir_args(input_json, &args, &error)) {
        return fail("invalid arguments: " + error);
      }
      o = list_dir(ctx, args);
    } else if (tool_name == "search") {
      SearchArgs args;
      if (!parse_search_args(input_json, &args, &error)) {
        return fail("invalid arguments: " + error);
      }
      o = search(ctx, args);
    } else if (tool_name == "git_commit") {
      GitCommitArgs args;
      if (!parse_git_commit_args(input_json, &args, &error)) {
        return fail("invalid arguments: " + error);
      }
      o = git_commit(ctx, args);
    } else {
      return fail("unknown tool `" + std::string(tool_name.substr(0, 80)) + "`");
    }
    r.success = o.success;
    r.exit_code = o.success ? 0 : -1;
    r.output = out.take_output();
    r.truncated = out.truncated() || o.truncated;
    if (r.truncated) {
      append_note(&r.output, o.note.empty() ? "output truncated at " +
                                                  std::to_string(options_.output_cap) + " bytes"
                                            : o.note);
    }
    r.canceled = o.canceled;
    r.timed_out = o.timed_out;
    r.error = redactor.redact(o.error);
    r.duration_ms = elapsed_ms(start);
    return r;
  } catch (const std::exception &e) {
    return fail(std::string("internal error: ") + e.what());
  } catch (...) {
    return fail("internal error");
  }
}

}  // namespace pvpd::tools
