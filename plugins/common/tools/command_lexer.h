// Shell command lexer: turns a command string into the simple commands a POSIX shell (bash)
// would run, without running or expanding anything.
//
// Used twice: by the risk classifier (every segment of a pipeline, `&&`/`||`/`;` chain,
// `$(...)`/backtick/`<(...)` substitution and here-document counts) and by the shell tool to split
// a `command` string into argv with shell-word rules (quotes, backslashes) while refusing
// anything that would need a shell to interpret (operators, redirects, substitutions, variables).
//
// The lexer is total: any byte string gives a ShellScript (possibly with `error` set), in time
// linear in the input times the nesting depth, which is bounded (kMaxShellNesting).
// THREAD: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::tools {

inline constexpr int kMaxShellNesting = 16;            // substitutions inside substitutions
inline constexpr size_t kMaxShellSource = 256 * 1024;  // longer commands are not analysed

// One word after quote removal. Substitutions and expansions stay in `text` as their source
// (`$(ls)`, `$HOME`), with `dynamic` set: the shell would compute the real value at run time.
struct ShellWord {
  std::string text;
  bool quoted = false;   // some part was quoted or escaped
  bool dynamic = false;  // contains $var, ${...}, $(...), `...`, $((...)), <(...) or >(...)
  bool glob = false;     // unquoted * ? [
  bool tilde = false;    // unquoted ~ at the start (home directory)
};

struct ShellRedirect {
  int fd = -1;       // explicit descriptor number (`2>`), -1 when none
  std::string op;    // ">", ">>", ">|", "<", "<>", "<<", "<<-", "<<<", ">&", "<&", "&>", "&>>"
  ShellWord target;  // file, descriptor number, or here-document delimiter
};

struct ShellCommand {
  std::vector<ShellWord> words;  // assignments (`FOO=1`) included, in order
  std::vector<ShellRedirect> redirects;
  std::string terminator;        // what ended it: "|", "|&", "&&", "||", ";", "&", "\n", ...
  size_t pipeline = 0;           // commands joined by `|`/`|&` share a number
  bool stdin_from_pipe = false;  // an earlier pipeline stage feeds it
  bool function_def = false;     // `name ( )`: the start of a function definition
};

struct ShellScript {
  std::vector<ShellCommand> commands;
  // $(...), `...`, <(...), >(...) bodies, and here-documents' substitutions, in source order.
  std::vector<ShellScript> substitutions;
  std::vector<std::string> operators;  // every control or redirect operator seen, in order
  bool has_expansion = false;          // $var, ${...}, $((...)) anywhere outside single quotes
  bool has_comment = false;
  std::string error;  // non-empty: the source is not a complete shell command (unterminated quote,
                      // substitution, ...) or too long / too deeply nested to analyse
};

ShellScript parse_shell(std::string_view source);

// Splits `command` into argv with shell-word rules for the shell tool. Fails (false, `error` set
// to a sentence for the model) when the command would need a shell: operators (| & ; < > ( )
// newline), substitutions, variable expansions, leading NAME=value assignments, or a parse
// error. Globs, braces and `~` are passed literally.
bool split_command_words(std::string_view command, std::vector<std::string> *argv,
                         std::string *error);

// Quotes `word` for display in a reason or a log line (single quotes when needed).
std::string shell_quote(std::string_view word);

}  // namespace pvpd::tools
