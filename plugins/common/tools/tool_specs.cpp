// The built-in tools as a model sees them: names, descriptions and JSON Schemas
// (docs/plugins/tool-runtime.md lists the same).
#include "tools/tool_runtime.h"

namespace pvpd::tools {

std::vector<agent::ToolSpec> ToolRuntime::tool_specs() const {
  std::vector<agent::ToolSpec> specs;
  specs.push_back(
      {"shell",
       "Run one program in the workspace and return its stdout and stderr (interleaved as they "
       "arrive). Prefer `argv`: the program and its arguments as a list, passed literally. No "
       "shell is involved, so quotes, globs, `|`, `>`, `&&`, `$VAR` and `$(...)` have no special "
       "meaning. `command` is accepted for a simple command line such as \"git log -n 5\": it "
       "is split into words the way a shell would (quotes, backslashes), but refused if it "
       "contains shell operators (| & ; < > ( ) newline), substitutions or variables. If you "
       "really need a shell, use argv [\"sh\", \"-c\", \"...\"]: it is allowed but always "
       "treated as critical risk. The program is looked up in PATH; it runs with a minimal "
       "environment, no standard input, a time limit and an output limit, and everything it "
       "started is killed when the call ends. Known secret values in the output appear as "
       "[REDACTED:NAME]. A human may have to approve the call first, depending on its risk.",
       R"({"type":"object","properties":{)"
       R"("argv":{"type":"array","items":{"type":"string"},"minItems":1,)"
       R"("description":"The program and its arguments, e.g. [\"git\", \"status\"]. Each element is passed as one literal argument."},)"
       R"("command":{"type":"string","description":"Instead of argv: a simple command line, e.g. \"ls -la src\". No pipes, redirects, &&, ;, $VAR or $(...)."},)"
       R"("cwd":{"type":"string","description":"Working directory, relative to the workspace root. Default: the workspace root."},)"
       R"("timeout_ms":{"type":"integer","minimum":1,"description":"Time limit in milliseconds (at most the runtime's own limit, which is also the default)."})"
       R"(},"additionalProperties":false})"});
  specs.push_back(
      {"file_read",
       "Read a text file of the workspace. `path` is relative to the workspace root. Returns "
       "the content exactly as stored (no line numbers). For large files pass `offset` (the "
       "first line to return, 1-based) and `limit` (how many lines). Binary files are refused; "
       "output beyond the size limit is cut, with a note saying where to continue.",
       R"({"type":"object","properties":{)"
       R"("path":{"type":"string","description":"File path relative to the workspace root, e.g. \"src/main.cpp\"."},)"
       R"("offset":{"type":"integer","minimum":1,"description":"First line to return (1-based). Default: 1."},)"
       R"("limit":{"type":"integer","minimum":1,"description":"Number of lines to return. Default: all."})"
       R"(},"required":["path"],"additionalProperties":false})"});
  specs.push_back(
      {"file_write",
       "Create a file or replace its whole content. Missing parent directories are created. The "
       "write is atomic (a temporary file renamed over the target) and keeps an existing file's "
       "permissions. For a small change to an existing file use file_edit instead.",
       R"({"type":"object","properties":{)"
       R"("path":{"type":"string","description":"File path relative to the workspace root."},)"
       R"("content":{"type":"string","description":"The complete new content of the file."})"
       R"(},"required":["path","content"],"additionalProperties":false})"});
  specs.push_back(
      {"file_edit",
       "Replace text in an existing file. `old_string` must match the file exactly (whitespace "
       "and indentation included) and occur exactly once; include enough surrounding lines to "
       "make it unique, or set `replace_all` to replace every occurrence. Fails without "
       "changing anything when `old_string` is not found or not unique.",
       R"({"type":"object","properties":{)"
       R"("path":{"type":"string","description":"File path relative to the workspace root."},)"
       R"("old_string":{"type":"string","description":"The exact text to replace (not empty)."},)"
       R"("new_string":{"type":"string","description":"The text to put in its place."},)"
       R"("replace_all":{"type":"boolean","description":"Replace every occurrence instead of requiring exactly one. Default: false."})"
       R"(},"required":["path","old_string","new_string"],"additionalProperties":false})"});
  specs.push_back(
      {"file_delete",
       "Delete a file, a symbolic link (not what it points to) or an empty directory. With "
       "`recursive` true, delete a directory and everything in it. Deleting is high risk and "
       "usually needs human approval.",
       R"({"type":"object","properties":{)"
       R"("path":{"type":"string","description":"Path relative to the workspace root."},)"
       R"("recursive":{"type":"boolean","description":"Delete a non-empty directory and all its contents. Default: false."})"
       R"(},"required":["path"],"additionalProperties":false})"});
  specs.push_back(
      {"list_dir",
       "List a directory of the workspace, sorted by name: one entry per line, directories end "
       "with `/`, symbolic links are shown as `name -> target`. `recursive` lists the whole "
       "tree with paths relative to the listed directory (not descending into .git).",
       R"({"type":"object","properties":{)"
       R"("path":{"type":"string","description":"Directory relative to the workspace root. Default: the root (\".\")."},)"
       R"("recursive":{"type":"boolean","description":"List subdirectories too. Default: false."})"
       R"(},"additionalProperties":false})"});
  specs.push_back(
      {"search",
       "Search file contents with a regular expression, like ripgrep: one `path:line:text` line "
       "per matching line, paths relative to the workspace root, files in name order. The "
       "pattern uses ECMAScript (JavaScript) syntax without back-references and is matched "
       "against each line. .git directories, binary files and symbolic links are skipped.",
       R"({"type":"object","properties":{)"
       R"("pattern":{"type":"string","description":"Regular expression, e.g. \"TODO|FIXME\" or \"class\\\\s+Foo\"."},)"
       R"("path":{"type":"string","description":"File or directory to search, relative to the workspace root. Default: the whole workspace."},)"
       R"("glob":{"type":"string","description":"Only files matching this glob, e.g. \"*.cpp\" (file name) or \"src/**/*.{ts,tsx}\" (path)."},)"
       R"("max_results":{"type":"integer","minimum":1,"maximum":1000,"description":"Stop after this many matching lines. Default: 100."})"
       R"(},"required":["pattern"],"additionalProperties":false})"});
  specs.push_back(
      {"git_commit",
       "Commit changes of the workspace to its git repository, with a commit message you "
       "write (a short summary line, a blank line, then details if useful). Without `paths` "
       "every change is committed (new, modified and deleted files; .gitignore is respected); "
       "with `paths` only those files or directories. The commit is recorded with the "
       "session's decisions (who asked, who approved, which tools ran) as git trailers. A human "
       "may have to approve the call first.",
       R"({"type":"object","properties":{)"
       R"("message":{"type":"string","description":"The commit message."},)"
       R"("paths":{"type":"array","items":{"type":"string"},"description":"Only commit these paths (relative to the workspace root). Default: every change."})"
       R"(},"required":["message"],"additionalProperties":false})"});
  return specs;
}

bool ToolRuntime::has_tool(std::string_view name) const {
  return name == "shell" || name == "file_read" || name == "file_write" || name == "file_edit" ||
         name == "file_delete" || name == "list_dir" || name == "search" || name == "git_commit";
}

}  // namespace pvpd::tools
