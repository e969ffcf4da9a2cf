// classify(): what a tool call would do and how risky it is (tool_runtime.h).
//
// Shell commands are parsed (command_lexer.h) and every simple command counts: each segment of a
// pipeline or `&&`/`||`/`;`/`&`/newline list, each `$(...)`/backtick/`<(...)` body, each
// here-document substitution, each command behind a wrapper (`env`, `sudo`, `nice`, `timeout`,
// `xargs`, `nohup`, ...) or run by another program (`find -exec`, `watch`, `sh -c`). Each is
// classified from a table of programs (and their subcommands and options); the highest risk
// wins, the earliest segment among equals decides, and the reason names it.
#include <algorithm>
#include <cctype>
#include <span>
#include <unordered_map>
#include <utility>

#include "tools/command_lexer.h"
#include "tools/tool_args.h"
#include "tools/tool_runtime.h"

namespace pvpd::tools {

const char *risk_name(Risk r) {
  switch (r) {
    case Risk::kLow: return "low";
    case Risk::kMedium: return "medium";
    case Risk::kHigh: return "high";
    case Risk::kCritical: return "critical";
  }
  return "critical";
}

bool parse_risk(std::string_view name, Risk *out) {
  static constexpr std::pair<std::string_view, Risk> kNames[] = {{"low", Risk::kLow},
                                                                 {"medium", Risk::kMedium},
                                                                 {"high", Risk::kHigh},
                                                                 {"critical", Risk::kCritical}};
  for (const auto &[n, r] : kNames) {
    if (n == name) {
      *out = r;
      return true;
    }
  }
  return false;
}

namespace {

constexpr const char *kShellCat = "shell_execute";
constexpr const char *kDeleteCat = "file_delete";
constexpr const char *kNetworkCat = "network_request";
constexpr const char *kDeployCat = "deploy";
constexpr const char *kDatabaseCat = "database";
constexpr const char *kSecretCat = "secret_access";
constexpr const char *kExternalCat = "external_api";

constexpr Risk kLow = Risk::kLow;
constexpr Risk kMedium = Risk::kMedium;
constexpr Risk kHigh = Risk::kHigh;
constexpr Risk kCritical = Risk::kCritical;

constexpr size_t kMaxSegmentText = 120;
constexpr int kMaxWrapperHops = 64;

// ---------------------------------------------------------------------------------------------
// Verdicts

struct Verdict {
  Risk risk = kLow;
  std::string category = kShellCat;
  std::string what;     // "deletes files recursively"
  std::string segment;  // the deciding simple command, as text
  std::string where;    // "segment", "command substitution", "pipeline", ... ("" = the command)
};

Verdict verdict(Risk risk, const char *category, std::string what) {
  Verdict v;
  v.risk = risk;
  v.category = category;
  v.what = std::move(what);
  return v;
}

// Keeps the first verdict among equals: the earliest segment that reached the top risk decides.
void raise(Verdict &best, Verdict v) {
  if (v.risk > best.risk || (best.what.empty() && !v.what.empty() && v.risk == best.risk)) {
    best = std::move(v);
  }
}

// What the pipeline check needs to know about one stage.
struct Facts {
  bool network_fetch = false;  // prints what it downloads (curl, wget, nc, ...)
  bool stdin_code = false;     // runs code read from standard input (sh, python, ...)
};

struct Ctx {
  int depth = 0;
};

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
bool contains(std::string_view s, std::string_view p) {
  return s.find(p) != std::string_view::npos;
}
template <typename List>
bool in(std::string_view s, const List &list) {
  return std::find(std::begin(list), std::end(list), s) != std::end(list);
}

std::string clip(std::string s) {
  if (s.size() > kMaxSegmentText) {
    s.resize(kMaxSegmentText - 3);
    s += "...";
  }
  for (char &c : s) {
    if (c == '\n' || c == '\r' || c == '\t') {
      c = ' ';
    } else if (c == '`') {
      c = '\'';
    }
  }
  return s;
}

std::string words_text(std::span<const ShellWord> words) {
  std::string out;
  for (const ShellWord &w : words) {
    if (!out.empty()) {
      out.push_back(' ');
    }
    out += (w.dynamic || w.glob) ? w.text : shell_quote(w.text);
    if (out.size() > kMaxSegmentText) {
      break;
    }
  }
  return clip(out);
}

std::string command_text(const ShellCommand &c) {
  std::string out = words_text(c.words);
  for (const ShellRedirect &r : c.redirects) {
    if (out.size() > kMaxSegmentText) {
      break;
    }
    out += (out.empty() ? "" : " ") + (r.fd >= 0 ? std::to_string(r.fd) : std::string()) + r.op +
           (r.op == "<<" || r.op == "<<-" ? r.target.text : shell_quote(r.target.text));
  }
  return clip(out);
}

std::string basename_of(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') {
    p.remove_suffix(1);
  }
  size_t slash = p.rfind('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

// ---------------------------------------------------------------------------------------------
// Paths

enum class Scope { kSink, kWorkspace, kOutside, kDynamic, kSystem };

bool is_sink(std::string_view p) {
  static constexpr std::string_view kSinks[] = {
      "/dev/null", "/dev/zero", "/dev/stdout", "/dev/stderr",  "/dev/stdin",
      "/dev/tty",  "/dev/full", "/dev/random", "/dev/urandom", "/dev/ptmx"};
  return in(p, kSinks) || starts_with(p, "/dev/fd/") || starts_with(p, "/proc/self/fd/") ||
         starts_with(p, "/dev/pts/");
}

std::vector<std::string> split_path(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t slash = p.find('/', i);
    if (slash == std::string_view::npos) {
      slash = p.size();
    }
    std::string_view c = p.substr(i, slash - i);
    if (!c.empty() && c != ".") {
      if (c == ".." && !out.empty() && out.back() != "..") {
        out.pop_back();
      } else {
        out.emplace_back(c);
      }
    }
    i = slash + 1;
  }
  return out;
}

Scope home_scope(std::string_view rest) {
  // `~`, `~/`, `~/*`, dotfiles (`~/.bashrc`, `~/.ssh`) and `~user`: the user's own account.
  if (rest.empty() || rest == "/" || rest == "/*" || starts_with(rest, "/.") || rest[0] != '/') {
    return Scope::kSystem;
  }
  return Scope::kOutside;
}

Scope path_scope(const ShellWord &w) {
  std::string_view t = w.text;
  if (t.empty()) {
    return Scope::kWorkspace;
  }
  if (t[0] == '~') {
    return home_scope(t.substr(1));
  }
  if (w.dynamic) {
    for (std::string_view home : {"$HOME", "${HOME}"}) {
      if (starts_with(t, home)) {
        return home_scope(t.substr(home.size()));
      }
    }
    return Scope::kDynamic;
  }
  if (t[0] == '/') {
    if (is_sink(t)) {
      return Scope::kSink;
    }
    std::vector<std::string> parts = split_path(t);
    while (!parts.empty() && parts.front() == "..") {
      parts.erase(parts.begin());
    }
    if (parts.size() <= 1) {  // `/`, `/*`, `/etc`, `/anything`: the root and its entries
      return parts.empty() || parts.front() != "tmp" ? Scope::kSystem : Scope::kOutside;
    }
    static constexpr std::string_view kScratch[] = {"tmp", "dev/shm", "var/tmp"};
    std::string first2 = parts[0] + "/" + parts[1];
    if (parts[0] == "tmp" || in(first2, kScratch)) {
      return Scope::kOutside;
    }
    static constexpr std::string_view kSystemDirs[] = {
        "etc", "usr",  "bin",   "sbin",  "lib",    "lib32",   "lib64",        "libx32",  "boot",
        "dev", "proc", "sys",   "var",   "root",   "home",    "opt",          "srv",     "snap",
        "run", "mnt",  "media", "Users", "System", "Library", "Applications", "private", "Volumes"};
    return in(parts[0], kSystemDirs) ? Scope::kSystem : Scope::kOutside;
  }
  int depth = 0;
  size_t i = 0;
  while (i <= t.size()) {
    size_t slash = t.find('/', i);
    if (slash == std::string_view::npos) {
      slash = t.size();
    }
    std::string_view c = t.substr(i, slash - i);
    if (c == "..") {
      if (--depth < 0) {
        return Scope::kOutside;
      }
    } else if (!c.empty() && c != ".") {
      ++depth;
    }
    i = slash + 1;
  }
  return Scope::kWorkspace;
}

enum class Secrecy { kNone, kLocal, kPrivate };

// kPrivate: credentials of the machine's accounts; kLocal: secret-looking project files.
Secrecy secrecy(std::string_view t) {
  static constexpr std::string_view kPrivate[] = {".ssh/",
                                                  "id_rsa",
                                                  "id_dsa",
                                                  "id_ecdsa",
                                                  "id_ed25519",
                                                  ".aws/credentials",
                                                  ".aws/config",
                                                  ".netrc",
                                                  ".pgpass",
                                                  ".git-credentials",
                                                  ".docker/config.json",
                                                  ".kube/config",
                                                  ".gnupg",
                                                  "/etc/shadow",
                                                  "/etc/gshadow",
                                                  "/etc/sudoers",
                                                  "/etc/ssh/",
                                                  "/environ",
                                                  ".npmrc",
                                                  ".pypirc",
                                                  ".config/gh/",
                                                  ".vault-token",
                                                  "/run/secrets",
                                                  ".password-store"};
  for (std::string_view p : kPrivate) {
    if (contains(t, p)) {
      return Secrecy::kPrivate;
    }
  }
  if (ends_with(t, ".ssh") || ends_with(t, ".aws") || ends_with(t, ".gnupg")) {
    return Secrecy::kPrivate;
  }
  std::string base = basename_of(t);
  static constexpr std::string_view kTemplates[] = {".env.example", ".env.sample", ".env.template",
                                                    ".env.dist"};
  if ((base == ".env" || starts_with(base, ".env.")) && !in(base, kTemplates)) {
    return Secrecy::kLocal;
  }
  static constexpr std::string_view kKeyExt[] = {".pem", ".key",      ".p12",  ".pfx",
                                                 ".jks", ".keystore", ".kdbx", ".ppk"};
  for (std::string_view ext : kKeyExt) {
    if (ends_with(base, ext)) {
      return Secrecy::kLocal;
    }
  }
  static constexpr std::string_view kSecretFiles[] = {
      "credentials.json", "secrets.json",         "secrets.yaml", "secrets.yml",
      ".htpasswd",        "service-account.json", "credentials"};
  return in(base, kSecretFiles) ? Secrecy::kLocal : Secrecy::kNone;
}

// Why writing this workspace path deserves a closer look ("" when it does not).
std::string sensitive_write(std::string_view path) {
  std::vector<std::string> parts = split_path(path);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string &c = parts[i];
    if (c == ".git") {
      return "inside .git/, whose hooks and config can run code";
    }
    if (c == ".ssh" || c == ".aws" || c == ".gnupg") {
      return "in a credentials directory";
    }
    if (c == ".github" && i + 1 < parts.size() &&
        (parts[i + 1] == "workflows" || parts[i + 1] == "actions")) {
      return "a CI workflow";
    }
    static constexpr std::string_view kCiDirs[] = {".circleci", ".buildkite",  ".husky",
                                                   ".gitlab",   ".woodpecker", ".githooks"};
    if (in(c, kCiDirs)) {
      return "CI or hook configuration";
    }
  }
  std::string base = parts.empty() ? std::string() : parts.back();
  static constexpr std::string_view kCiFiles[] = {
      ".gitlab-ci.yml",      ".travis.yml",  "Jenkinsfile",
      "azure-pipelines.yml", ".drone.yml",   "bitbucket-pipelines.yml",
      "cloudbuild.yaml",     "appveyor.yml", ".pre-commit-config.yaml",
      ".gitmodules",         ".envrc"};
  if (in(base, kCiFiles)) {
    return "CI, hook or shell-environment configuration";
  }
  static constexpr std::string_view kCredFiles[] = {".npmrc", ".pypirc", ".netrc", ".pgpass"};
  if (in(base, kCredFiles) || secrecy(path) != Secrecy::kNone) {
    return "a secret, key or credentials file";
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Options

bool is_option(std::string_view t) {
  return t.size() > 1 && t[0] == '-';
}

// Index of the first operand in args[from..]: options are skipped (short clusters whose letter
// in `value_short` takes the next word when nothing follows it in the cluster; long options in
// `value_long` written without `=` take the next word); `--` ends the options.
size_t first_operand(std::span<const ShellWord> a, size_t from, std::string_view value_short,
                     std::initializer_list<std::string_view> value_long = {}) {
  size_t i = from;
  while (i < a.size()) {
    std::string_view t = a[i].text;
    if (t == "--") {
      return i + 1;
    }
    if (!is_option(t)) {
      return i;
    }
    if (t[1] == '-') {
      i += (t.find('=') == std::string_view::npos && in(t, value_long)) ? size_t{2} : size_t{1};
      continue;
    }
    size_t advance = 1;
    for (size_t k = 1; k < t.size(); ++k) {
      if (value_short.find(t[k]) != std::string_view::npos) {
        advance = k + 1 == t.size() ? size_t{2} : size_t{1};
        break;
      }
    }
    i += advance;
  }
  return a.size();
}

// Every operand (non-option word), GNU style: options may follow operands; after `--` all
// words are operands.
std::vector<size_t> operands(std::span<const ShellWord> a, std::string_view value_short,
                             std::initializer_list<std::string_view> value_long = {}) {
  std::vector<size_t> out;
  bool only_operands = false;
  size_t i = 0;
  while (i < a.size()) {
    std::string_view t = a[i].text;
    if (only_operands || !is_option(t)) {
      out.push_back(i++);
      continue;
    }
    if (t == "--") {
      only_operands = true;
      ++i;
      continue;
    }
    if (t[1] == '-') {
      i += (t.find('=') == std::string_view::npos && in(t, value_long)) ? size_t{2} : size_t{1};
      continue;
    }
    size_t advance = 1;
    for (size_t k = 1; k < t.size(); ++k) {
      if (value_short.find(t[k]) != std::string_view::npos) {
        advance = k + 1 == t.size() ? size_t{2} : size_t{1};
        break;
      }
    }
    i += advance;
  }
  return out;
}

// True when an option before `--` is one of `longs` (before any `=`) or a short cluster holds
// one of `shorts`.
bool has_flag(std::span<const ShellWord> a, std::string_view shorts,
              std::initializer_list<std::string_view> longs = {}) {
  for (const ShellWord &w : a) {
    std::string_view t = w.text;
    if (t == "--") {
      break;
    }
    if (!is_option(t)) {
      continue;
    }
    if (t[1] == '-') {
      if (in(t.substr(0, t.find('=')), longs)) {
        return true;
      }
      continue;
    }
    if (t.substr(1).find_first_of(shorts) != std::string_view::npos && !shorts.empty()) {
      return true;
    }
  }
  return false;
}

// The value of option `name` (`-o FILE`, `-oFILE`, `--output FILE`, `--output=FILE`).
std::vector<ShellWord> option_values(std::span<const ShellWord> a, char short_name,
                                     std::initializer_list<std::string_view> longs) {
  std::vector<ShellWord> out;
  for (size_t i = 0; i < a.size(); ++i) {
    std::string_view t = a[i].text;
    if (t == "--") {
      break;
    }
    if (!is_option(t)) {
      continue;
    }
    if (t[1] == '-') {
      size_t eq = t.find('=');
      if (in(t.substr(0, eq), longs)) {
        if (eq != std::string_view::npos) {
          ShellWord w = a[i];
          w.text = std::string(t.substr(eq + 1));
          out.push_back(std::move(w));
        } else if (i + 1 < a.size()) {
          out.push_back(a[i + 1]);
        }
      }
      continue;
    }
    if (short_name != 0 && t[1] == short_name) {
      if (t.size() > 2) {
        ShellWord w = a[i];
        w.text = std::string(t.substr(2));
        out.push_back(std::move(w));
      } else if (i + 1 < a.size()) {
        out.push_back(a[i + 1]);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Programs

struct Call {
  std::string prog;
  std::span<const ShellWord> args;
  Ctx ctx;
  Facts *facts;
};

Verdict classify_words(std::vector<ShellWord> words, Ctx ctx, Facts *facts);
Verdict classify_script(const ShellScript &s, int depth);

Verdict classify_string(std::string_view source, int depth, const char *what_if_bad) {
  if (depth > kMaxShellNesting) {
    return verdict(kCritical, kShellCat, "nests commands too deeply to analyse");
  }
  ShellScript s = parse_shell(source);
  if (!s.error.empty()) {
    return verdict(kCritical, kShellCat, std::string(what_if_bad) + " (" + s.error + ")");
  }
  return classify_script(s, depth);
}

std::vector<ShellWord> slice(std::span<const ShellWord> a, size_t from) {
  if (from >= a.size()) {
    return {};
  }
  return std::vector<ShellWord>(a.begin() + static_cast<std::ptrdiff_t>(from), a.end());
}

using Handler = Verdict (*)(const Call &);

enum class Writes { kNone, kAll, kLast };

struct Rule {
  Risk risk = kMedium;
  const char *category = kShellCat;
  const char *what = "";
  Writes writes = Writes::kNone;
  const char *value_opts = "";  // short options taking a value, to find the operands
  Handler handler = nullptr;
};

// Wrappers run another command: they return false when there is none (`xargs` alone, `env`),
// else put the wrapped command's words in `next`; `floor` is their own contribution.
using Wrapper = bool (*)(const Call &, std::vector<ShellWord> *next, Verdict *floor);

// ---- handlers ----

Verdict h_rm(const Call &c) {
  bool recursive = has_flag(c.args, "rR", {"--recursive"});
  bool no_preserve = has_flag(c.args, "", {"--no-preserve-root"});
  Verdict v = verdict(kHigh, kDeleteCat, recursive ? "deletes files recursively" : "deletes files");
  if (no_preserve) {
    return verdict(kCritical, kDeleteCat, "deletes with --no-preserve-root");
  }
  for (size_t i : operands(c.args, "")) {
    Scope s = path_scope(c.args[i]);
    if (s == Scope::kSystem) {
      return verdict(kCritical, kDeleteCat,
                     "deletes `" + clip(c.args[i].text) + "`, outside the workspace" +
                         (recursive ? " (recursively)" : ""));
    }
    if (s == Scope::kOutside) {
      v.what = "deletes `" + clip(c.args[i].text) + "`, outside the workspace";
    }
  }
  return v;
}

Verdict h_find(const Call &c) {
  Verdict best = verdict(kLow, kShellCat, "only searches for files");
  bool deletes = false;
  for (size_t i = 0; i < c.args.size(); ++i) {
    std::string_view t = c.args[i].text;
    if (t == "-exec" || t == "-execdir" || t == "-ok" || t == "-okdir") {
      size_t j = i + 1;
      while (j < c.args.size() && c.args[j].text != ";" && c.args[j].text != "+") {
        ++j;
      }
      Ctx inner = c.ctx;
      ++inner.depth;
      Facts ignored;
      Verdict v = classify_words(slice(c.args.subspan(0, j), i + 1), inner, &ignored);
      if (v.risk < kMedium) {
        v = verdict(kMedium, kShellCat, "runs a command for each file found");
      }
      v.what += " (via find " + std::string(t) + ")";
      raise(best, std::move(v));
      i = j;
    } else if (t == "-delete") {
      deletes = true;
      raise(best, verdict(kHigh, kDeleteCat, "deletes the files it finds"));
    } else if (t == "-fprint" || t == "-fprint0" || t == "-fprintf" || t == "-fls") {
      raise(best, verdict(kMedium, kShellCat, "writes a file list"));
    }
  }
  if (deletes) {
    for (const ShellWord &w : c.args) {
      if (is_option(w.text) || w.text == "(" || w.text == "!") {
        break;
      }
      if (path_scope(w) == Scope::kSystem) {
        raise(best, verdict(kCritical, kDeleteCat,
                            "deletes files under `" + clip(w.text) + "`, outside the workspace"));
      }
    }
  }
  return best;
}

Verdict h_sed(const Call &c) {
  // -i (in place) may carry a suffix in the same word (`-i.bak`, `-ni`).
  bool in_place = false;
  std::vector<std::string> scripts;
  std::vector<size_t> files;
  bool script_from_option = false;
  for (size_t i = 0; i < c.args.size(); ++i) {
    std::string_view t = c.args[i].text;
    if (t == "--") {
      for (size_t k = i + 1; k < c.args.size(); ++k) {
        files.push_back(k);
      }
      break;
    }
    if (is_option(t) && t[1] == '-') {
      if (starts_with(t, "--in-place")) {
        in_place = true;
      } else if (starts_with(t, "--expression")) {
        script_from_option = true;
        if (t.find('=') != std::string_view::npos) {
          scripts.emplace_back(t.substr(t.find('=') + 1));
        } else if (i + 1 < c.args.size()) {
          scripts.push_back(c.args[++i].text);
        }
      } else if (t == "--file" || t == "--line-length") {
        ++i;
      }
      continue;
    }
    if (is_option(t)) {
      for (size_t k = 1; k < t.size(); ++k) {
        if (t[k] == 'i') {
          in_place = true;
          break;
        }
        if (t[k] == 'e' || t[k] == 'f' || t[k] == 'l') {
          if (t[k] == 'e') {
            script_from_option = true;
            if (k + 1 < t.size()) {
              scripts.emplace_back(t.substr(k + 1));
            } else if (i + 1 < c.args.size()) {
              scripts.push_back(c.args[i + 1].text);
            }
          }
          if (k + 1 == t.size()) {
            ++i;
          }
          break;
        }
      }
      continue;
    }
    if (!script_from_option && scripts.empty()) {
      scripts.push_back(c.args[i].text);
    } else {
      files.push_back(i);
    }
  }
  // The `e` command / `s///e` flag runs commands; `w` / `s///w` writes files.
  int danger = 0;  // 1 writes, 2 executes
  for (const std::string &script : scripts) {
    size_t i = 0;
    while (i < script.size()) {
      size_t end = script.find_first_of(";\n", i);
      std::string_view piece = std::string_view(script).substr(
          i, end == std::string::npos ? std::string::npos : end - i);
      i = end == std::string::npos ? script.size() : end + 1;
      size_t k = 0;
      while (k < piece.size()) {  // skip the address
        char ch = piece[k];
        if (std::isdigit(static_cast<unsigned char>(ch)) || ch == ',' || ch == '$' || ch == '!' ||
            ch == '~' || ch == '+' || ch == ' ' || ch == '\t' || ch == '{' || ch == '}') {
          ++k;
        } else if (ch == '/' || ch == '\\') {
          char delim = ch == '\\' && k + 1 < piece.size() ? piece[++k] : '/';
          ++k;
          while (k < piece.size() && piece[k] != delim) {
            k += piece[k] == '\\' ? size_t{2} : size_t{1};
          }
          ++k;
        } else {
          break;
        }
      }
      if (k >= piece.size()) {
        continue;
      }
      char cmd = piece[k];
      if (cmd == 'e') {
        danger = 2;
      } else if (cmd == 'w' || cmd == 'W') {
        danger = std::max(danger, 1);
      } else if (cmd == 's' && k + 1 < piece.size()) {
        char delim = piece[k + 1];
        size_t p = k + 2;
        for (int parts = 0; parts < 2 && p <= piece.size(); ++parts) {
          while (p < piece.size() && piece[p] != delim) {
            p += piece[p] == '\\' ? size_t{2} : size_t{1};
          }
          ++p;
        }
        std::string_view flags = p < piece.size() ? piece.substr(p) : std::string_view();
        if (contains(flags, "e")) {
          danger = 2;
        } else if (contains(flags, "w")) {
          danger = std::max(danger, 1);
        }
      }
    }
  }
  if (danger == 2) {
    return verdict(kHigh, kShellCat, "runs commands from a sed script (`e`)");
  }
  Verdict v = in_place ? verdict(kMedium, kShellCat, "edits files in place")
                       : verdict(kLow, kShellCat, "only reads and prints text");
  if (danger == 1) {
    raise(v, verdict(kMedium, kShellCat, "writes files from a sed script (`w`)"));
  }
  if (in_place) {
    for (size_t i : files) {
      Scope s = path_scope(c.args[i]);
      if (s == Scope::kSystem) {
        return verdict(kCritical, kShellCat,
                       "edits `" + clip(c.args[i].text) + "`, outside the workspace");
      }
      if (s == Scope::kOutside || s == Scope::kDynamic) {
        raise(v, verdict(kHigh, kShellCat,
                         "edits `" + clip(c.args[i].text) + "`, outside the workspace"));
      }
    }
  }
  return v;
}

Verdict h_awk(const Call &c) {
  if (has_flag(c.args, "f", {"--file"})) {
    return verdict(kMedium, kShellCat, "runs an awk program file");
  }
  size_t prog = first_operand(c.args, 0, "Fvfe", {"--field-separator", "--assign", "--source"});
  std::vector<ShellWord> src = option_values(c.args, 'e', {"--source"});
  std::string text;
  for (const ShellWord &w : src) {
    text += w.text;
  }
  if (prog < c.args.size()) {
    text += c.args[prog].text;
  }
  if (contains(text, "system") || contains(text, "|")) {
    return verdict(kHigh, kShellCat, "runs commands from an awk program");
  }
  if (contains(text, "print") && contains(text, ">")) {
    return verdict(kMedium, kShellCat, "may write files from an awk program");
  }
  return verdict(kLow, kShellCat, "only reads and prints text");
}

// `<(cmd)` given as a script: the code comes from another command (`bash <(curl ...)`).
bool from_process_substitution(const ShellWord &w) {
  return w.dynamic && (w.text.rfind("<(", 0) == 0 || w.text.rfind("/dev/fd/", 0) == 0 ||
                       w.text.rfind("/proc/self/fd/", 0) == 0);
}

Verdict generated_code(const std::string &prog) {
  return verdict(kCritical, kShellCat,
                 "runs code produced by another command (`" + prog + " <(...)`)");
}

Verdict h_shell(const Call &c) {
  for (size_t i = 0; i < c.args.size(); ++i) {
    std::string_view t = c.args[i].text;
    if (t == "--version" || t == "--help") {
      return verdict(kLow, kShellCat, "prints version or help");
    }
    if (t == "--") {
      if (i + 1 < c.args.size()) {
        return from_process_substitution(c.args[i + 1])
                   ? generated_code(c.prog)
                   : verdict(kHigh, kShellCat,
                             "runs the shell script `" + clip(c.args[i + 1].text) + "`");
      }
      break;
    }
    if (t == "--rcfile" || t == "--init-file" || t == "-o" || t == "+o" || t == "-O" || t == "+O") {
      ++i;
      continue;
    }
    if (starts_with(t, "--")) {
      continue;
    }
    if ((t[0] == '-' || t[0] == '+') && t.size() > 1) {
      if (t[0] == '-' && contains(t.substr(1), "c")) {
        return verdict(kCritical, kShellCat,
                       "runs a shell command string (`" + c.prog + " -c`): anything can run");
      }
      if (t[0] == '-' && contains(t.substr(1), "s")) {
        c.facts->stdin_code = true;
        return verdict(kCritical, kShellCat, "runs shell commands read from standard input");
      }
      continue;
    }
    return from_process_substitution(c.args[i])
               ? generated_code(c.prog)
               : verdict(kHigh, kShellCat, "runs the shell script `" + clip(std::string(t)) + "`");
  }
  c.facts->stdin_code = true;
  return verdict(kCritical, kShellCat, "runs shell commands read from standard input");
}

// Interpreters: inline code (`python -c`, `node -e`, `perl -e`) or code from standard input is
// high; a script file is medium.
struct InterpSpec {
  const char *inline_short;  // option letters that take inline code
  std::vector<std::string_view> inline_long;
  const char *value_short;  // other option letters taking a value
  std::vector<std::string_view> value_long;
  const char *stop_short;  // letters that end the cluster (perl -i.bak)
};

const std::unordered_map<std::string, InterpSpec> &interp_specs() {
  static const auto *specs = [] {
    auto *m = new std::unordered_map<std::string, InterpSpec>();
    (*m)["python"] = InterpSpec{"c", {}, "mWXQ", {"--check-hash-based-pycs"}, ""};
    (*m)["pypy"] = InterpSpec{"c", {}, "mWXQ", {}, ""};
    (*m)["node"] =
        InterpSpec{"ep",
                   {"--eval", "--print"},
                   "r",
                   {"--require", "--import", "--loader", "--input-type", "--experimental-loader"},
                   ""};
    (*m)["perl"] = InterpSpec{"eE", {}, "IMmxdD", {}, "i"};
    (*m)["ruby"] = InterpSpec{"e", {}, "IrCEx", {}, "i"};
    (*m)["php"] = InterpSpec{"rBRE", {}, "dcfzt", {}, ""};
    (*m)["lua"] = InterpSpec{"e", {}, "l", {}, ""};
    (*m)["luajit"] = InterpSpec{"e", {}, "lj", {}, ""};
    (*m)["Rscript"] = InterpSpec{"e", {}, "", {}, ""};
    (*m)["R"] = InterpSpec{"e", {}, "f", {"--file"}, ""};
    (*m)["osascript"] = InterpSpec{"e", {}, "l", {}, ""};
    (*m)["pwsh"] =
        InterpSpec{"cC", {"-Command", "-c", "-EncodedCommand", "-ec", "-e"}, "f", {"-File"}, ""};
    (*m)["powershell"] = InterpSpec{"cC", {"-Command", "-EncodedCommand"}, "f", {"-File"}, ""};
    (*m)["tclsh"] = InterpSpec{"", {}, "", {}, ""};
    (*m)["wish"] = InterpSpec{"", {}, "", {}, ""};
    (*m)["expect"] = InterpSpec{"c", {}, "f", {}, ""};
    (*m)["julia"] = InterpSpec{"eE", {"--eval", "--print"}, "L", {"--project"}, ""};
    (*m)["groovy"] = InterpSpec{"e", {}, "", {}, ""};
    (*m)["guile"] = InterpSpec{"c", {}, "lL", {}, ""};
    (*m)["racket"] = InterpSpec{"eE", {}, "lt", {}, ""};
    (*m)["irb"] = InterpSpec{"", {}, "", {}, ""};
    (*m)["jshell"] = InterpSpec{"", {}, "", {}, ""};
    (*m)["ghci"] = InterpSpec{"e", {}, "", {}, ""};
    (*m)["runghc"] = InterpSpec{"", {}, "", {}, ""};
    (*m)["elixir"] = InterpSpec{"e", {"--eval"}, "r", {}, ""};
    (*m)["erl"] = InterpSpec{"", {"-eval"}, "", {}, ""};
    return m;
  }();
  return *specs;
}

Verdict python_module(const Call &c, std::string_view module, size_t next);
Verdict h_pip_like(const Call &c);

Verdict h_interp(const Call &c) {
  const InterpSpec &spec = interp_specs().at(c.prog);
  std::string name = c.prog;
  for (size_t i = 0; i < c.args.size(); ++i) {
    std::string_view t = c.args[i].text;
    if (t == "--version" || t == "-V" || t == "--help") {
      return verdict(kLow, kShellCat, "prints version or help");
    }
    if (t == "-") {
      c.facts->stdin_code = true;
      return verdict(kHigh, kShellCat, "runs " + name + " code read from standard input");
    }
    if (t == "--") {
      if (i + 1 < c.args.size()) {
        return verdict(kMedium, kShellCat, "runs the script `" + clip(c.args[i + 1].text) + "`");
      }
      break;
    }
    if (!is_option(t)) {
      return from_process_substitution(c.args[i])
                 ? generated_code(c.prog)
                 : verdict(kMedium, kShellCat, "runs the script `" + clip(std::string(t)) + "`");
    }
    std::string_view key = t.substr(0, t.find('='));
    if (in(key, spec.inline_long)) {
      return verdict(kHigh, kShellCat,
                     "runs inline " + name + " code (`" + std::string(key) + "`)");
    }
    if (in(key, spec.value_long)) {
      if (t.find('=') == std::string_view::npos) {
        ++i;
      }
      continue;
    }
    if (t[1] == '-') {
      continue;
    }
    for (size_t k = 1; k < t.size(); ++k) {
      char ch = t[k];
      if (std::string_view(spec.stop_short).find(ch) != std::string_view::npos) {
        break;
      }
      if (std::string_view(spec.inline_short).find(ch) != std::string_view::npos) {
        return verdict(kHigh, kShellCat,
                       "runs inline " + name + " code (`-" + std::string(1, ch) + "`)");
      }
      if (std::string_view(spec.value_short).find(ch) != std::string_view::npos) {
        std::string_view value;
        size_t next = i + 1;
        if (k + 1 < t.size()) {
          value = t.substr(k + 1);
        } else if (i + 1 < c.args.size()) {
          value = c.args[i + 1].text;
          next = i + 2;
        }
        if (c.prog == "python" && ch == 'm') {
          return python_module(c, value, next);
        }
        if (k + 1 == t.size()) {
          ++i;
        }
        break;
      }
    }
  }
  c.facts->stdin_code = true;
  return verdict(kHigh, kShellCat, "runs " + name + " code read from standard input");
}

// ---- subcommand tables ----

struct SubTable {
  std::vector<std::string_view> low;
  std::vector<std::string_view> medium;
  std::vector<std::string_view> high;
  Risk none = kLow;                      // no subcommand
  Risk other = kMedium;                  // a subcommand in no list
  const char *category = kShellCat;      // for high (and `other` when it is high)
  const char *low_category = kShellCat;  // for low and medium
  const char *low_what = "only reads or prints information";
  const char *medium_what = "runs project scripts, builds or tests";
  const char *high_what = "installs or changes packages";
  const char *value_opts = "";
  std::vector<std::string_view> value_long = {};
};

const std::unordered_map<std::string, SubTable> &sub_tables() {
  static const auto *tables = [] {
    auto *t = new std::unordered_map<std::string, SubTable>();
    SubTable npm;
    npm.low = {"ls",       "list",   "ll",          "la",     "view",    "info", "show", "v",
               "outdated", "help",   "help-search", "search", "explain", "why",  "fund", "root",
               "bin",      "prefix", "doctor",      "ping",   "whoami",  "docs", "repo", "bugs"};
    npm.medium = {"test", "t",       "tst",   "run",     "run-script", "start",
                  "stop", "restart", "build", "version", "pack",       "config",
                  "init", "create",  "diff",  "query",   "audit",      "cache"};
    npm.high = {"install",
                "i",
                "isntall",
                "in",
                "add",
                "ci",
                "clean-install",
                "install-test",
                "it",
                "update",
                "up",
                "upgrade",
                "udpate",
                "uninstall",
                "remove",
                "rm",
                "r",
                "un",
                "unlink",
                "link",
                "ln",
                "publish",
                "unpublish",
                "deprecate",
                "dist-tag",
                "owner",
                "access",
                "token",
                "adduser",
                "login",
                "logout",
                "exec",
                "x",
                "dedupe",
                "ddp",
                "prune",
                "rebuild",
                "rb",
                "hook",
                "org",
                "team",
                "profile",
                "star",
                "dlx",
                "import",
                "patch",
                "install-ci-test",
                "set-script",
                "pkg"};
    npm.medium_what = "runs package scripts";
    npm.high_what = "installs, changes or publishes packages, or runs downloaded ones";
    npm.value_opts = "wC";
    npm.value_long = {"--prefix", "--workspace", "--registry", "--filter", "--dir"};
    (*t)["npm"] = npm;
    (*t)["pnpm"] = npm;
    SubTable yarn = npm;
    yarn.none = kHigh;  // `yarn` alone installs
    yarn.low = {"info", "list", "why", "outdated", "help", "versions", "licenses", "bin"};
    yarn.other = kMedium;
    (*t)["yarn"] = yarn;
    SubTable pip;
    pip.low = {"list",  "show",   "freeze", "check", "help", "config",    "inspect",
               "index", "search", "cache",  "debug", "hash", "completion"};
    pip.high = {"install", "uninstall", "download", "wheel"};
    pip.value_long = {"--python"};
    (*t)["pip"] = pip;
    SubTable pipx;
    pipx.low = {"list", "environment", "completions"};
    pipx.other = kHigh;
    (*t)["pipx"] = pipx;
    SubTable poetry;
    poetry.low = {"show", "check", "version", "about", "env", "config", "search", "help"};
    poetry.medium = {"run", "build", "lock", "shell", "new", "init"};
    poetry.high = {"add", "remove", "install", "update", "publish", "self", "source", "sync"};
    (*t)["poetry"] = poetry;
    SubTable pipenv;
    pipenv.low = {"graph", "--venv", "--where", "--py", "requirements"};
    pipenv.medium = {"run", "shell", "lock", "check", "scripts"};
    pipenv.high = {"install", "uninstall", "update", "sync", "clean", "upgrade"};
    (*t)["pipenv"] = pipenv;
    SubTable uv;
    uv.low = {"version", "help", "tree", "cache"};
    uv.medium = {"run", "build", "venv", "lock", "init", "format"};
    uv.high = {"add", "remove", "sync", "tool", "python", "publish", "self", "pip", "export"};
    uv.value_long = {"--directory", "--project"};
    (*t)["uv"] = uv;
    SubTable conda;
    conda.low = {"list", "info", "search", "config", "doctor", "compare", "notices"};
    conda.medium = {"run", "activate", "deactivate", "env", "build"};
    conda.high = {"install", "create", "remove", "uninstall", "update", "upgrade", "clean"};
    conda.value_opts = "np";
    conda.value_long = {"--name", "--prefix"};
    (*t)["conda"] = conda;
    (*t)["mamba"] = conda;
    (*t)["micromamba"] = conda;
    SubTable gem;
    gem.low = {"list",  "search",        "info", "contents", "environment", "which",
               "query", "specification", "help", "outdated", "dependency"};
    gem.high = {"install", "uninstall", "update", "push", "yank",
                "cleanup", "owner",     "signin", "i"};
    (*t)["gem"] = gem;
    SubTable bundle;
    bundle.none = kHigh;
    bundle.low = {"list", "show", "info", "outdated", "check", "version", "platform", "help"};
    bundle.medium = {"exec", "config", "package", "cache", "binstubs"};
    bundle.high = {"install", "update", "add", "remove", "lock", "clean", "pristine"};
    (*t)["bundle"] = bundle;
    (*t)["bundler"] = bundle;
    SubTable composer;
    composer.low = {"show",     "info",   "outdated", "depends", "why",      "why-not", "licenses",
                    "validate", "search", "help",     "list",    "diagnose", "fund",    "audit"};
    composer.medium = {"dump-autoload", "dumpautoload",       "run", "run-script", "test",
                       "exec",          "check-platform-reqs"};
    composer.high = {"install",     "i",          "require",  "update",         "u",
                     "upgrade",     "remove",     "rm",       "create-project", "global",
                     "self-update", "selfupdate", "reinstall"};
    (*t)["composer"] = composer;
    SubTable cargo;
    cargo.low = {"tree",          "metadata",       "search", "version", "locate-project",
                 "read-manifest", "verify-project", "pkgid",  "help",    "info"};
    cargo.medium = {"build",   "b",      "check",   "c",      "test",   "t",
                    "run",     "r",      "bench",   "clippy", "fmt",    "doc",
                    "d",       "clean",  "new",     "init",   "update", "generate-lockfile",
                    "fix",     "vendor", "package", "fetch",  "miri",   "nextest",
                    "llvm-cov"};
    cargo.high = {"install", "uninstall", "publish", "yank", "login",   "logout",
                  "owner",   "add",       "remove",  "rm",   "binstall"};
    cargo.medium_what = "builds, tests or runs Rust code";
    cargo.value_opts = "Z";
    cargo.value_long = {"--manifest-path", "--config", "--color"};
    (*t)["cargo"] = cargo;
    SubTable go;
    go.low = {"env", "version", "list", "doc", "help"};
    go.medium = {"build", "test", "vet",  "run",   "generate", "fmt",
                 "mod",   "work", "tool", "clean", "fix",      "bug"};
    go.high = {"get", "install"};
    go.medium_what = "builds, tests or runs Go code";
    go.value_opts = "C";
    (*t)["go"] = go;
    SubTable dotnet;
    dotnet.low = {"--info", "--version", "--list-sdks", "--list-runtimes", "list", "help"};
    dotnet.medium = {"build",  "test",  "run", "publish", "pack",    "restore", "clean",
                     "format", "watch", "new", "sln",     "msbuild", "vstest"};
    dotnet.high = {"add", "tool", "nuget", "remove", "workload"};
    (*t)["dotnet"] = dotnet;
    SubTable rustup;
    rustup.low = {"show", "which", "doc", "help", "--version"};
    rustup.other = kHigh;
    rustup.high_what = "installs or changes toolchains";
    (*t)["rustup"] = rustup;
    SubTable swift;
    swift.medium = {"build", "test", "run", "package"};
    (*t)["swift"] = swift;
    SubTable sys;
    sys.low = {"list",     "search",       "show",      "policy",       "depends",
               "rdepends", "info",         "madison",   "changelog",    "showpkg",
               "stats",    "query",        "provides",  "whatprovides", "find",
               "repolist", "check-update", "outdated",  "deps",         "uses",
               "leaves",   "desc",         "--version", "help",         "history"};
    sys.other = kHigh;
    sys.high_what = "installs or changes system packages";
    for (const char *pm : {"apt",     "apt-get", "aptitude",     "yum",      "dnf",  "microdnf",
                           "zypper",  "apk",     "brew",         "port",     "snap", "flatpak",
                           "nix-env", "emerge",  "xbps-install", "opkg",     "pkg",  "pkgin",
                           "winget",  "choco",   "scoop",        "apt-mark", "nix",  "guix"}) {
      (*t)[pm] = sys;
    }
    SubTable docker;
    docker.medium = {"ps",  "images",  "logs",   "inspect", "version", "info", "stats",
                     "top", "history", "events", "search",  "port",    "diff", "ls"};
    docker.low_category = kDeployCat;
    docker.category = kDeployCat;
    docker.other = kHigh;
    docker.none = kLow;
    docker.medium_what = "inspects containers";
    docker.high_what = "runs or changes containers, images or volumes";
    docker.value_opts = "cH";
    docker.value_long = {"--context", "--host", "--config", "--log-level"};
    for (const char *d : {"docker", "podman", "nerdctl", "buildah", "docker-compose",
                          "podman-compose", "lima", "colima"}) {
      (*t)[d] = docker;
    }
    SubTable kubectl = docker;
    kubectl.medium = {"get",     "describe",      "logs",         "top",          "version",
                      "explain", "api-resources", "api-versions", "cluster-info", "config",
                      "diff",    "auth",          "events",       "wait"};
    kubectl.medium_what = "inspects a cluster";
    kubectl.high_what = "changes a cluster (deploy)";
    kubectl.value_opts = "ns";
    kubectl.value_long = {"--namespace", "--context", "--kubeconfig",
                          "--server",    "--cluster", "--user"};
    for (const char *k : {"kubectl", "k3s", "oc", "minikube", "kind", "k9s", "microk8s"}) {
      (*t)[k] = kubectl;
    }
    SubTable helm = kubectl;
    helm.medium = {"list",   "ls",   "status",  "get", "template", "version",   "show",
                   "search", "lint", "history", "env", "verify",   "dependency"};
    (*t)["helm"] = helm;
    SubTable tf = kubectl;
    tf.medium = {"plan", "validate",  "fmt",    "show",  "output",  "version",
                 "init", "providers", "graph",  "state", "console", "workspace",
                 "get",  "preview",   "whoami", "stack", "config",  "about"};
    tf.high_what = "changes infrastructure (deploy)";
    tf.medium_what = "inspects infrastructure";
    tf.value_opts = "";
    tf.value_long = {"-chdir", "--cwd"};
    for (const char *x : {"terraform", "tofu", "pulumi", "terragrunt", "cdk", "cdktf"}) {
      (*t)[x] = tf;
    }
    SubTable cloud = tf;
    cloud.medium = {"version", "--version", "help", "config", "whoami", "info"};
    cloud.high_what = "calls a cloud provider (deploy)";
    for (const char *x : {"aws",        "gcloud",   "az",       "doctl",   "heroku",
                          "flyctl",     "fly",      "vercel",   "netlify", "firebase",
                          "serverless", "sls",      "eb",       "ansible", "ansible-playbook",
                          "vagrant",    "packer",   "skaffold", "tilt",    "eksctl",
                          "gsutil",     "wrangler", "railway",  "render",  "supabase"}) {
      (*t)[x] = cloud;
    }
    SubTable systemctl;
    systemctl.low = {"status",      "show",         "list-units",        "list-unit-files",
                     "list-timers", "list-sockets", "list-dependencies", "list-jobs",
                     "is-active",   "is-enabled",   "is-failed",         "is-system-running",
                     "cat",         "help",         "get-default",       "show-environment"};
    systemctl.other = kHigh;
    systemctl.high_what = "changes system services";
    (*t)["systemctl"] = systemctl;
    SubTable deno;
    deno.none = kHigh;
    deno.low = {"info", "doc", "types", "help", "completions"};
    deno.medium = {"run",     "test",   "bench",    "check", "fmt",  "lint",   "task",
                   "compile", "bundle", "coverage", "serve", "init", "jupyter"};
    deno.high = {"install", "uninstall", "eval", "upgrade", "add",
                 "remove",  "publish",   "repl", "outdated"};
    deno.high_what = "runs inline code or installs packages";
    (*t)["deno"] = deno;
    SubTable bun;
    bun.medium = {"run", "test", "build", "init"};
    bun.high = {"install", "i", "add",     "a",       "remove", "rm",     "update", "x",
                "create",  "c", "upgrade", "publish", "link",   "unlink", "pm",     "patch"};
    bun.high_what = "installs packages or runs downloaded ones";
    (*t)["bun"] = bun;
    SubTable mix;
    mix.low = {"help", "deps.tree", "hex.info"};
    mix.medium = {"compile", "test", "run", "format", "phx.server", "ecto.migrate", "new"};
    mix.high = {"deps.get",        "deps.update", "hex.publish", "archive.install",
                "escript.install", "local.hex",   "local.rebar"};
    (*t)["mix"] = mix;
    SubTable cabal;
    cabal.medium = {"build", "test", "run", "repl", "bench", "configure", "clean", "haddock"};
    cabal.high = {"install", "update", "upload", "get"};
    (*t)["cabal"] = cabal;
    (*t)["stack"] = cabal;
    SubTable opam;
    opam.low = {"list", "show", "search", "info", "config", "env", "switch"};
    opam.high = {"install", "remove", "uninstall", "upgrade", "update", "pin", "init"};
    (*t)["opam"] = opam;
    (*t)["luarocks"] = opam;
    (*t)["cpanm"] = SubTable{{}, {}, {}, kHigh, kHigh};
    (*t)["cpan"] = SubTable{{}, {}, {}, kHigh, kHigh};
    return t;
  }();
  return *tables;
}

Verdict h_sub(const Call &c) {
  const SubTable &t = sub_tables().at(c.prog);
  size_t i = 0;
  while (i < c.args.size()) {
    std::string_view w = c.args[i].text;
    if (w == "--") {
      ++i;
      break;
    }
    if (!is_option(w) || in(w, t.low) || in(w, t.medium) || in(w, t.high)) {
      break;
    }
    bool takes_value = (w[1] != '-' && w.size() == 2 &&
                        std::string_view(t.value_opts).find(w[1]) != std::string_view::npos) ||
                       (w.find('=') == std::string_view::npos && in(w, t.value_long));
    i += takes_value ? size_t{2} : size_t{1};
  }
  if (i >= c.args.size()) {
    if (t.none == kLow) {
      return verdict(kLow, t.low_category, t.low_what);
    }
    return verdict(t.none, t.none >= kHigh ? t.category : t.low_category,
                   t.none >= kHigh ? t.high_what : t.medium_what);
  }
  std::string_view sub = c.args[i].text;
  if (c.prog == "uv" && sub == "pip") {  // `uv pip install`: the pip table decides

    Call inner{"pip", c.args.subspan(i + 1), c.ctx, c.facts};
    return h_pip_like(inner);
  }
  Verdict v;
  if (in(sub, t.low)) {
    v = verdict(kLow, t.low_category, t.low_what);
  } else if (in(sub, t.medium)) {
    v = verdict(kMedium, t.low_category, t.medium_what);
  } else if (in(sub, t.high)) {
    v = verdict(kHigh, t.category, t.high_what);
  } else if (t.other >= kHigh) {
    v = verdict(t.other, t.category, t.high_what);
  } else {
    v = verdict(t.other, t.low_category, t.medium_what);
  }
  // Containers with the host's privileges or root file system are as good as root.
  static constexpr std::string_view kContainerTools[] = {"docker", "podman", "nerdctl"};
  if (in(c.prog, kContainerTools)) {
    for (size_t k = i; k < c.args.size(); ++k) {
      std::string_view w = c.args[k].text;
      bool mount = (w == "-v" || w == "--volume" || w == "--mount") && k + 1 < c.args.size();
      std::string_view value = mount ? std::string_view(c.args[k + 1].text)
                               : starts_with(w, "--volume=") || starts_with(w, "--mount=")
                                   ? w.substr(w.find('=') + 1)
                                   : std::string_view();
      if (w == "--privileged" || starts_with(w, "--pid=host") || w == "--cap-add=ALL" ||
          w == "--cap-add=SYS_ADMIN" || starts_with(value, "/:") || starts_with(value, "/etc:") ||
          starts_with(value, "/var/run/docker.sock") || contains(value, "source=/,") ||
          contains(value, "src=/,")) {
        return verdict(kCritical, kDeployCat,
                       "starts a container with the host's privileges or file system");
      }
    }
  }
  return v;
}

Verdict h_pip_like(const Call &c) {
  Call inner = c;
  inner.prog = "pip";
  return h_sub(inner);
}

Verdict python_module(const Call &c, std::string_view module, size_t next) {
  if (module == "pip" || module == "ensurepip") {
    Call inner{"pip", c.args.subspan(std::min(next, c.args.size())), c.ctx, c.facts};
    return h_pip_like(inner);
  }
  if (module == "http.server" || module == "SimpleHTTPServer") {
    return verdict(kMedium, kNetworkCat, "serves files over HTTP");
  }
  static constexpr std::string_view kTests[] = {"pytest", "unittest", "venv", "compileall",
                                                "mypy",   "black",    "ruff", "flake8",
                                                "pylint", "build",    "tox",  "doctest"};
  if (in(module, kTests)) {
    return verdict(kMedium, kShellCat, "runs the Python module `" + std::string(module) + "`");
  }
  if (module == "json.tool" || module == "this" || module == "site" || module == "platform") {
    return verdict(kLow, kShellCat, "runs a read-only Python module");
  }
  return verdict(kMedium, kShellCat, "runs the Python module `" + clip(std::string(module)) + "`");
}

Verdict h_git(const Call &c) {
  Verdict v = verdict(kLow, kShellCat, "only reads the repository");
  size_t i = 0;
  auto dangerous_key = [](std::string_view kv) {
    std::string key(kv.substr(0, kv.find('=')));
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    static constexpr std::string_view kKeys[] = {
        "core.sshcommand", "core.hookspath", "core.pager",    "core.editor",
        "core.fsmonitor",  "core.gitproxy",  "core.askpass",  "credential.helper",
        "sequence.editor", "gpg.program",    "diff.external", "core.worktree"};
    return in(key, kKeys) || starts_with(key, "alias.") || starts_with(key, "filter.") ||
           starts_with(key, "protocol.") || ends_with(key, ".textconv") ||
           ends_with(key, ".command") || starts_with(key, "url.") || ends_with(key, ".cmd") ||
           ends_with(key, ".driver") || starts_with(key, "include");
  };
  while (i < c.args.size() && is_option(c.args[i].text)) {
    std::string_view t = c.args[i].text;
    if (t == "-c" && i + 1 < c.args.size()) {
      if (dangerous_key(c.args[i + 1].text)) {
        return verdict(
            kHigh, kShellCat,
            "sets git config `" + clip(c.args[i + 1].text) + "`, which can run commands");
      }
      i += 2;
    } else if (t == "-C" || t == "--git-dir" || t == "--work-tree" || t == "--namespace" ||
               t == "--config-env" || t == "--exec-path") {
      if (t == "--config-env" || t == "--exec-path") {
        return verdict(kHigh, kShellCat, "changes which git configuration or programs run");
      }
      i += 2;
    } else if (starts_with(t, "--exec-path=") || starts_with(t, "--config-env=")) {
      return verdict(kHigh, kShellCat, "changes which git configuration or programs run");
    } else {
      ++i;
    }
  }
  if (i >= c.args.size()) {
    return verdict(kLow, kShellCat, "prints git usage");
  }
  std::string_view sub = c.args[i].text;
  std::span<const ShellWord> rest = c.args.subspan(i + 1);
  static constexpr std::string_view kRead[] = {"status",
                                               "log",
                                               "diff",
                                               "show",
                                               "blame",
                                               "rev-parse",
                                               "rev-list",
                                               "ls-files",
                                               "ls-tree",
                                               "cat-file",
                                               "describe",
                                               "shortlog",
                                               "grep",
                                               "show-ref",
                                               "for-each-ref",
                                               "name-rev",
                                               "merge-base",
                                               "whatchanged",
                                               "count-objects",
                                               "version",
                                               "help",
                                               "var",
                                               "check-ignore",
                                               "check-attr",
                                               "diff-tree",
                                               "diff-files",
                                               "diff-index",
                                               "cherry",
                                               "range-diff",
                                               "annotate",
                                               "--version",
                                               "--help",
                                               "show-branch",
                                               "verify-commit",
                                               "verify-tag",
                                               "fsck",
                                               "check-ref-format"};
  if (in(sub, kRead)) {
    return v;
  }
  auto has = [&](std::initializer_list<std::string_view> words) {
    for (const ShellWord &w : rest) {
      if (in(w.text, words)) {
        return true;
      }
    }
    return false;
  };
  if (sub == "push") {
    return verdict(kHigh, kNetworkCat,
                   has({"-f", "--force", "--force-with-lease", "--mirror", "--delete", "-d"})
                       ? "force-pushes or deletes on a remote"
                       : "pushes commits to a remote");
  }
  if (sub == "reset") {
    return has({"--hard", "--merge", "--keep"})
               ? verdict(kHigh, kShellCat, "discards uncommitted changes (`reset --hard`)")
               : verdict(kMedium, kShellCat, "changes the index or branch head");
  }
  if (sub == "clean") {
    bool force = false;
    for (const ShellWord &w : rest) {
      force = force || w.text == "--force" ||
              (is_option(w.text) && w.text[1] != '-' && contains(w.text, "f"));
    }
    return force ? verdict(kHigh, kDeleteCat, "deletes untracked files")
                 : verdict(kLow, kShellCat, "only lists untracked files");
  }
  if (sub == "checkout" || sub == "switch" || sub == "restore") {
    bool discard = has({"-f", "--force", "--discard-changes", ".", "--", "--worktree", "-W",
                        "--theirs", "--ours", "-p", "--patch"}) ||
                   (sub == "restore" && !has({"--staged", "-S"}));
    return discard ? verdict(kHigh, kShellCat, "discards uncommitted changes")
                   : verdict(kMedium, kShellCat, "switches branches");
  }
  if (sub == "branch" || sub == "tag") {
    if (has({"-D", "-d", "--delete"})) {
      return verdict(kHigh, kDeleteCat,
                     std::string("deletes ") + (sub == "tag" ? "tags" : "branches"));
    }
    bool mutates = !operands(rest, "").empty() ||
                   has({"-m", "-M", "-c", "-C", "--move", "--copy", "-f", "--force", "-u",
                        "--set-upstream-to", "--unset-upstream", "-a", "-s", "--edit-description"});
    return mutates ? verdict(kMedium, kShellCat,
                             std::string("creates or changes ") + std::string(sub) + "es")
                   : verdict(kLow, kShellCat, "only lists refs");
  }
  if (sub == "stash") {
    if (has({"drop", "clear"})) {
      return verdict(kHigh, kShellCat, "discards stashed changes");
    }
    return has({"list", "show"}) ? v : verdict(kMedium, kShellCat, "stashes or applies changes");
  }
  if (sub == "reflog") {
    return has({"expire", "delete"}) ? verdict(kHigh, kShellCat, "deletes reflog entries") : v;
  }
  if (sub == "remote") {
    return has({"add", "remove", "rm", "rename", "set-url", "prune", "set-head", "set-branches",
                "update"})
               ? verdict(kMedium, kShellCat, "changes remotes")
               : v;
  }
  if (sub == "config") {
    std::vector<size_t> ops = operands(rest, "f", {"--file", "--blob", "--type", "--default"});
    bool reading = has({"--get", "--get-all", "--get-regexp", "--list", "-l", "--get-urlmatch",
                        "get", "list", "--show-origin"}) ||
                   ops.size() <= 1;
    if (!reading) {
      for (size_t k : ops) {
        if (dangerous_key(rest[k].text)) {
          return verdict(kHigh, kShellCat,
                         "sets git config `" + clip(rest[k].text) + "`, which can run commands");
        }
      }
      return verdict(kMedium, kShellCat, "changes git configuration");
    }
    return v;
  }
  if (sub == "submodule" && has({"foreach"})) {
    return verdict(kCritical, kShellCat, "runs a shell command in every submodule");
  }
  if (sub == "bisect" && has({"run"})) {
    return verdict(kHigh, kShellCat, "runs a command for each bisection step");
  }
  static constexpr std::string_view kNetwork[] = {"clone",     "fetch",     "pull",
                                                  "ls-remote", "submodule", "lfs"};
  if (in(sub, kNetwork)) {
    return verdict(kMedium, kNetworkCat, "fetches from a remote");
  }
  static constexpr std::string_view kHighSubs[] = {"filter-branch", "filter-repo", "update-ref",
                                                   "replace",       "send-email",  "daemon",
                                                   "instaweb",      "credential",  "prune"};
  if (in(sub, kHighSubs)) {
    if (sub == "credential") {
      return verdict(kHigh, kSecretCat, "reads or stores git credentials");
    }
    return verdict(kHigh, kShellCat, "rewrites history, refs or serves the repository");
  }
  static constexpr std::string_view kChanging[] = {"add",         "commit",
                                                   "merge",       "rebase",
                                                   "cherry-pick", "revert",
                                                   "am",          "apply",
                                                   "mv",          "rm",
                                                   "init",        "worktree",
                                                   "gc",          "notes",
                                                   "bisect",      "format-patch",
                                                   "archive",     "bundle",
                                                   "stage",       "mergetool",
                                                   "difftool",    "sparse-checkout",
                                                   "maintenance", "repack",
                                                   "fast-import"};
  if (in(sub, kChanging)) {
    return verdict(kMedium, kShellCat, "changes the repository or working tree");
  }
  return verdict(kMedium, kShellCat,
                 "runs `git " + clip(std::string(sub)) + "`, which may be an alias or extension");
}

Verdict h_network(const Call &c) {
  c.facts->network_fetch = true;
  Verdict v = verdict(kHigh, kNetworkCat, "makes network requests");
  std::vector<ShellWord> outputs;
  if (c.prog == "curl") {
    outputs = option_values(c.args, 'o', {"--output"});
  } else if (c.prog == "wget") {
    outputs = option_values(c.args, 'O', {"--output-document"});
  }
  for (const ShellWord &o : outputs) {
    if (path_scope(o) == Scope::kSystem) {
      return verdict(kCritical, kNetworkCat,
                     "downloads over `" + clip(o.text) + "`, outside the workspace");
    }
  }
  return v;
}

Verdict h_rsync(const Call &c) {
  Verdict v = verdict(kMedium, kShellCat, "copies files");
  std::vector<size_t> ops = operands(c.args, "eB", {"--rsh", "--rsync-path"});
  for (size_t i : ops) {
    const std::string &t = c.args[i].text;
    size_t colon = t.find(':');
    if (starts_with(t, "rsync://") ||
        (colon != std::string::npos && t.substr(0, colon).find('/') == std::string::npos)) {
      v = verdict(kHigh, kNetworkCat, "copies files to or from another host");
    }
  }
  if (has_flag(c.args, "",
               {"--delete", "--delete-before", "--delete-after", "--delete-during",
                "--delete-excluded", "--remove-source-files"})) {
    raise(v, verdict(kHigh, kDeleteCat, "deletes files (`--delete`)"));
  }
  if (!ops.empty() && path_scope(c.args[ops.back()]) == Scope::kSystem) {
    return verdict(kCritical, kShellCat,
                   "writes to `" + clip(c.args[ops.back()].text) + "`, outside the workspace");
  }
  return v;
}

Verdict h_tar(const Call &c) {
  std::string mode;
  if (!c.args.empty() && !c.args[0].text.empty() && c.args[0].text[0] != '-') {
    mode = c.args[0].text;  // old style: `tar xzf file`
  }
  for (const ShellWord &w : c.args) {
    if (contains(w.text, "--to-command") || contains(w.text, "exec") ||
        contains(w.text, "--use-compress-program") || contains(w.text, "--rsh-command") ||
        contains(w.text, "--info-script") || contains(w.text, "--new-volume-script")) {
      return verdict(kHigh, kShellCat, "runs commands while archiving");
    }
    if (is_option(w.text) && w.text[1] != '-') {
      mode += w.text.substr(1);
    }
  }
  if (has_flag(c.args, "",
               {"--extract", "--get", "--create", "--append", "--update", "--delete",
                "--concatenate"}) ||
      mode.find_first_of("xcruA") != std::string::npos) {
    for (const ShellWord &dir : option_values(c.args, 'C', {"--directory"})) {
      if (path_scope(dir) == Scope::kSystem) {
        return verdict(kCritical, kShellCat,
                       "extracts into `" + clip(dir.text) + "`, outside the workspace");
      }
    }
    return verdict(kMedium, kShellCat, "creates or extracts an archive");
  }
  return verdict(kLow, kShellCat, "only lists an archive");
}

Verdict h_dd(const Call &c) {
  Verdict v = verdict(kHigh, kShellCat, "copies raw data (dd)");
  for (const ShellWord &w : c.args) {
    if (starts_with(w.text, "of=")) {
      ShellWord target = w;
      target.text = w.text.substr(3);
      Scope s = path_scope(target);
      if (s == Scope::kSystem) {
        return verdict(kCritical, kShellCat,
                       "writes raw data to `" + clip(target.text) + "`, outside the workspace");
      }
    }
  }
  return v;
}

Verdict h_sort(const Call &c) {
  std::vector<ShellWord> out = option_values(c.args, 'o', {"--output"});
  for (const ShellWord &o : out) {
    Scope s = path_scope(o);
    if (s == Scope::kSystem) {
      return verdict(kCritical, kShellCat, "writes `" + clip(o.text) + "`, outside the workspace");
    }
  }
  if (!out.empty()) {
    return verdict(kMedium, kShellCat, "writes its output to a file");
  }
  if (c.prog == "uniq" && operands(c.args, "fsw").size() >= 2) {
    return verdict(kMedium, kShellCat, "writes its output to a file");
  }
  return verdict(kLow, kShellCat, "only reads and prints text");
}

Verdict h_gpg(const Call &c) {
  if (has_flag(c.args, "d",
               {"--export-secret-keys", "--export-secret-subkeys", "--decrypt", "--export-ssh-key",
                "--gen-revoke"})) {
    return verdict(kHigh, kSecretCat, "uses or exports secret keys");
  }
  return verdict(kMedium, kSecretCat, "uses the keyring");
}

Verdict h_openssl(const Call &c) {
  if (!c.args.empty() && (c.args[0].text == "s_client" || c.args[0].text == "s_server" ||
                          c.args[0].text == "s_time" || c.args[0].text == "ocsp")) {
    c.facts->network_fetch = true;
    return verdict(kHigh, kNetworkCat, "opens a TLS connection");
  }
  if (!c.args.empty() &&
      (c.args[0].text == "version" || c.args[0].text == "help" || c.args[0].text == "x509" ||
       c.args[0].text == "dgst" || c.args[0].text == "list")) {
    return verdict(kLow, kShellCat, "only reads or prints information");
  }
  return verdict(kMedium, kShellCat, "runs a cryptographic operation");
}

Verdict h_gh(const Call &c) {
  std::vector<size_t> ops = operands(c.args, "R", {"--repo", "--hostname"});
  bool api = !ops.empty() && c.args[ops.front()].text == "api";
  static constexpr std::string_view kRead[] = {"view",   "list",      "status",  "diff",
                                               "checks", "--version", "version", "help"};
  for (size_t k = 0; k < std::min<size_t>(ops.size(), 3) && !api; ++k) {
    if (in(c.args[ops[k]].text, kRead)) {
      return verdict(kMedium, kNetworkCat, "reads from a code-hosting API");
    }
  }
  return verdict(kHigh, kExternalCat, "calls a code-hosting API that can change repositories");
}

Verdict h_crontab(const Call &c) {
  if (c.args.size() == 1 && c.args[0].text == "-l") {
    return verdict(kLow, kShellCat, "only lists scheduled commands");
  }
  return verdict(kHigh, kShellCat, "schedules or removes commands (crontab)");
}

Verdict h_sysctl(const Call &c) {
  for (const ShellWord &w : c.args) {
    if (contains(w.text, "=") || w.text == "-w" || w.text == "-p" || w.text == "--write" ||
        w.text == "--load" || w.text == "--system") {
      return verdict(kHigh, kShellCat, "changes kernel parameters");
    }
  }
  return verdict(kLow, kShellCat, "only reads kernel parameters");
}

Verdict h_hostname(const Call &c) {
  if (!operands(c.args, "F").empty() || has_flag(c.args, "bF", {"--file", "--boot"})) {
    return verdict(kHigh, kShellCat, "changes the host name");
  }
  return verdict(kLow, kShellCat, "only prints the host name");
}

Verdict h_ip(const Call &c) {
  static constexpr std::string_view kChange[] = {"add",     "del",     "delete", "set",  "flush",
                                                 "change",  "replace", "append", "exec", "save",
                                                 "restore", "attach",  "detach"};
  for (const ShellWord &w : c.args) {
    if (in(w.text, kChange)) {
      return verdict(kHigh, kShellCat, "changes network configuration");
    }
  }
  return verdict(kLow, kShellCat, "only reads network configuration");
}

Verdict h_date(const Call &c) {
  if (has_flag(c.args, "s", {"--set"})) {
    return verdict(kHigh, kShellCat, "sets the system clock");
  }
  return verdict(kLow, kShellCat, "only prints the date");
}

Verdict h_eval(const Call &c) {
  return verdict(kCritical, kShellCat, "evaluates a string as shell code (`" + c.prog + "`)");
}

// export/declare/typeset/local/readonly/alias/trap/set/unset.
bool dangerous_env(std::string_view name) {
  static constexpr std::string_view kNames[] = {"LD_PRELOAD",
                                                "LD_LIBRARY_PATH",
                                                "LD_AUDIT",
                                                "DYLD_INSERT_LIBRARIES",
                                                "DYLD_LIBRARY_PATH",
                                                "PATH",
                                                "BASH_ENV",
                                                "ENV",
                                                "PROMPT_COMMAND",
                                                "PS4",
                                                "SHELLOPTS",
                                                "BASHOPTS",
                                                "IFS",
                                                "PYTHONPATH",
                                                "PYTHONSTARTUP",
                                                "PYTHONHOME",
                                                "NODE_OPTIONS",
                                                "NODE_PATH",
                                                "PERL5OPT",
                                                "PERL5LIB",
                                                "RUBYOPT",
                                                "RUBYLIB",
                                                "GIT_SSH",
                                                "GIT_SSH_COMMAND",
                                                "GIT_EXEC_PATH",
                                                "GIT_EXTERNAL_DIFF",
                                                "GIT_PAGER",
                                                "GIT_EDITOR",
                                                "GIT_ASKPASS",
                                                "SSH_ASKPASS",
                                                "EDITOR",
                                                "VISUAL",
                                                "PAGER",
                                                "MANPAGER",
                                                "LESSOPEN",
                                                "LESSCLOSE",
                                                "JAVA_TOOL_OPTIONS",
                                                "_JAVA_OPTIONS",
                                                "GIT_CONFIG_GLOBAL",
                                                "GIT_CONFIG_SYSTEM",
                                                "GIT_CONFIG_PARAMETERS",
                                                "GIT_DIR",
                                                "HOME",
                                                "SUDO_ASKPASS",
                                                "MAKEFLAGS",
                                                "GCONV_PATH"};
  return in(name, kNames) || starts_with(name, "BASH_FUNC_") || starts_with(name, "GIT_CONFIG_");
}

// An assignment `NAME=value` that changes what programs load or run. PATH counts only when an
// entry is relative (`.`, empty, `bin`) or computed (`$DIR/bin`); `$PATH` itself is fine.
bool dangerous_assignment(const std::string &name, std::string_view value) {
  if (name != "PATH") {
    return dangerous_env(name);
  }
  size_t i = 0;
  while (i <= value.size()) {
    size_t colon = value.find(':', i);
    std::string_view entry = value.substr(i, colon == std::string_view::npos ? colon : colon - i);
    if (entry != "$PATH" && entry != "${PATH}" && (entry.empty() || entry[0] != '/')) {
      return true;
    }
    if (colon == std::string_view::npos) {
      break;
    }
    i = colon + 1;
  }
  return false;
}

bool assignment_name(std::string_view t, std::string *name) {
  size_t eq = t.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return false;
  }
  for (size_t k = 0; k < eq; ++k) {
    char ch = t[k];
    bool ok = ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (k > 0 && ch >= '0' && ch <= '9') || (k + 1 == eq && ch == '+');
    if (!ok) {
      return false;
    }
  }
  *name = std::string(t.substr(0, t[eq - 1] == '+' ? eq - 1 : eq));
  return true;
}

Verdict h_builtin_vars(const Call &c) {
  if (c.prog == "alias") {
    for (const ShellWord &w : c.args) {
      if (contains(w.text, "=")) {
        return verdict(kHigh, kShellCat, "defines an alias that changes what later commands run");
      }
    }
    return verdict(kLow, kShellCat, "only lists aliases");
  }
  if (c.prog == "trap") {
    return operands(c.args, "").size() >= 2
               ? verdict(kHigh, kShellCat, "runs a command when a signal arrives (`trap`)")
               : verdict(kLow, kShellCat, "only lists traps");
  }
  for (const ShellWord &w : c.args) {
    std::string name;
    if (assignment_name(w.text, &name) &&
        dangerous_assignment(name, std::string_view(w.text).substr(w.text.find('=') + 1))) {
      return verdict(kHigh, kShellCat,
                     "sets " + name + ", which changes what programs load or run");
    }
  }
  return verdict(kLow, kShellCat, "only sets shell variables or options");
}

Verdict h_source(const Call &c) {
  if (!c.args.empty() && from_process_substitution(c.args[0])) {
    return generated_code(c.prog);
  }
  return verdict(kHigh, kShellCat, "runs a shell script in the current shell");
}

Verdict h_kill(const Call &c) {
  if (c.args.size() == 1 && (c.args[0].text == "-l" || c.args[0].text == "-L")) {
    return verdict(kLow, kShellCat, "only lists signals");
  }
  return verdict(kHigh, kShellCat, "terminates processes");
}

Verdict h_systemd_misc(const Call &c) {
  // hostnamectl / timedatectl / localectl: no operands or `status` only reads.
  if (c.args.empty() || c.args[0].text == "status" || c.args[0].text == "show" ||
      starts_with(c.args[0].text, "list")) {
    return verdict(kLow, kShellCat, "only reads system settings");
  }
  return verdict(kHigh, kShellCat, "changes system settings");
}

Verdict h_compiler_fmt(const Call &c) {
  // gofmt / clang-format / prettier / black: -w / -i / --write change files.
  if (has_flag(c.args, c.prog == "gofmt" ? "w" : "i", {"--write", "--in-place", "--fix"})) {
    return verdict(kMedium, kShellCat, "rewrites source files");
  }
  if (c.prog == "prettier" || c.prog == "black" || c.prog == "ruff" || c.prog == "eslint") {
    return verdict(kMedium, kShellCat, "checks or formats source files");
  }
  return verdict(kLow, kShellCat, "only prints formatted or checked source");
}

Verdict h_make_like(const Call &) {
  return verdict(kMedium, kShellCat, "runs build or test recipes");
}

// ---- the table ----

const std::unordered_map<std::string, Rule> &rules() {
  static const auto *table = [] {
    auto *t = new std::unordered_map<std::string, Rule>();
    auto add = [t](std::initializer_list<const char *> names, Rule r) {
      for (const char *n : names) {
        (*t)[n] = r;
      }
    };
    add({"ls",        "dir",         "vdir",      "cat",        "tac",       "head",
         "tail",      "less",        "more",      "most",       "wc",        "nl",
         "pwd",       "echo",        "printf",    "true",       "false",     ":",
         "cal",       "whoami",      "id",        "groups",     "uname",     "arch",
         "which",     "whereis",     "type",      "file",       "stat",      "du",
         "df",        "free",        "uptime",    "ps",         "pgrep",     "top",
         "htop",      "btop",        "lsof",      "w",          "who",       "last",
         "tty",       "locale",      "nproc",     "lscpu",      "lsblk",     "lsusb",
         "lspci",     "getconf",     "printenv",  "grep",       "egrep",     "fgrep",
         "rg",        "ag",          "ack",       "fd",         "fdfind",    "locate",
         "tree",      "diff",        "cmp",       "comm",       "cut",       "tr",
         "paste",     "join",        "fold",      "fmt",        "column",    "expand",
         "unexpand",  "rev",         "od",        "xxd",        "hexdump",   "strings",
         "base64",    "base32",      "basename",  "dirname",    "realpath",  "readlink",
         "md5sum",    "sha1sum",     "sha224sum", "sha256sum",  "sha384sum", "sha512sum",
         "b2sum",     "cksum",       "sum",       "seq",        "sleep",     "test",
         "[",         "[[",          "jq",        "yq",         "xmllint",   "numfmt",
         "factor",    "expr",        "yes",       "man",        "info",      "help",
         "history",   "cd",          "pushd",     "popd",       "dirs",      "shellcheck",
         "namei",     "nm",          "objdump",   "readelf",    "size",      "iconv",
         "zcat",      "zgrep",       "bzcat",     "xzcat",      "lzcat",     "zless",
         "look",      "tput",        "clear",     "wait",       "jobs",      "fg",
         "bg",        "shift",       "getopts",   "let",        "hash",      "umask",
         "ulimit",    "times",       "read",      "mapfile",    "readarray", "dmesg",
         "lsmod",     "journalctl",  "vmstat",    "iostat",     "mpstat",    "pidof",
         "pstree",    "ss",          "netstat",   "env-unused", "tldr",      "bat",
         "batcat",    "exa",         "eza",       "lsd",        "delta",     "difft",
         "colordiff", "hd",          "csvlook",   "mlr",        "tokei",     "cloc",
         "scc",       "sloccount",   "identify",  "ffprobe",    "mediainfo", "exiftool",
         "pdfinfo",   "pdftotext",   "unset",     "set",        "shopt",     "local",
         "false",     "printf",      "disown",    "logname",    "users",     "hostid",
         "sha3sum",   "tsort",       "ptx",       "pr",         "apt-cache", "dpkg-query",
         "sw_vers",   "lsb_release", "uname",     "cowsay",     "figlet"},
        Rule{kLow, kShellCat, "only reads files or prints information"});
    add({"make",
         "gmake",
         "cmake",
         "ninja",
         "ctest",
         "meson",
         "scons",
         "bazel",
         "bazelisk",
         "buck",
         "buck2",
         "pants",
         "gradle",
         "gradlew",
         "mvn",
         "mvnw",
         "ant",
         "sbt",
         "lein",
         "just",
         "task",
         "xmake",
         "premake5",
         "autoreconf",
         "autoconf",
         "automake",
         "tsc",
         "webpack",
         "vite",
         "esbuild",
         "rollup",
         "parcel",
         "turbo",
         "nx",
         "lerna",
         "jest",
         "mocha",
         "vitest",
         "karma",
         "ava",
         "tap",
         "pytest",
         "py.test",
         "tox",
         "nox",
         "nosetests",
         "behave",
         "rspec",
         "rake",
         "phpunit",
         "pest",
         "gcc",
         "g++",
         "cc",
         "c++",
         "clang",
         "clang++",
         "clang-cl",
         "ld",
         "lld",
         "ld.lld",
         "gold",
         "as",
         "nasm",
         "yasm",
         "ar",
         "ranlib",
         "strip",
         "objcopy",
         "javac",
         "java",
         "kotlinc",
         "kotlin",
         "scalac",
         "scala",
         "rustc",
         "ghc",
         "swiftc",
         "zig",
         "dune",
         "erlc",
         "mypy",
         "flake8",
         "pylint",
         "isort",
         "autopep8",
         "yapf",
         "rubocop",
         "golangci-lint",
         "clang-tidy",
         "cppcheck",
         "doxygen",
         "sphinx-build",
         "mkdocs",
         "hugo",
         "jekyll",
         "latexmk",
         "pdflatex",
         "xelatex",
         "lualatex",
         "pandoc",
         "protoc",
         "flatc",
         "thrift",
         "bison",
         "flex",
         "yacc",
         "lex",
         "m4",
         "cpp",
         "pkg-config",
         "cargo-nextest",
         "node-gyp",
         "gdb",
         "lldb",
         "perf",
         "hadolint",
         "ldd",
         "bc",
         "dc",
         "playwright",
         "cypress",
         "storybook",
         "next",
         "nuxt",
         "ng",
         "vue-cli-service",
         "react-scripts",
         "electron",
         "svelte-kit",
         "astro",
         "remix",
         "jar",
         "tsx",
         "ts-node",
         "nodemon",
         "uvicorn",
         "gunicorn",
         "flask",
         "rails",
         "django-admin",
         "manage.py",
         "php-cs-fixer",
         "phpstan",
         "psalm",
         "stylelint",
         "biome",
         "oxlint",
         "elm",
         "purs",
         "spago",
         "vim",
         "vi",
         "nvim",
         "nano",
         "emacs",
         "ed",
         "ex",
         "code",
         "xdg-open",
         "open",
         "ffmpeg",
         "convert",
         "magick",
         "gzip",
         "gunzip",
         "bzip2",
         "bunzip2",
         "xz",
         "unxz",
         "zstd",
         "unzstd",
         "lz4",
         "zip",
         "unzip",
         "7z",
         "7za",
         "rar",
         "unrar",
         "split",
         "csplit",
         "patch",
         "mkfifo",
         "renice",
         "ssh-keygen",
         "script",
         "screen",
         "tmux",
         "ping",
         "ping6",
         "traceroute",
         "tracepath",
         "mtr",
         "dig",
         "nslookup",
         "host",
         "whois",
         "ifconfig",
         "route",
         "nmcli",
         "iwconfig"},
        Rule{kMedium, kShellCat, "runs a build, test, editor or utility"});
    for (const char *n :
         {"ping", "ping6", "traceroute", "tracepath", "mtr", "dig", "nslookup", "host", "whois"}) {
      (*t)[n] = Rule{kMedium, kNetworkCat, "sends network probes"};
    }
    for (const char *n : {"make", "gmake", "ninja", "cmake", "ctest", "just", "task", "rake"}) {
      (*t)[n].handler = h_make_like;
    }
    for (const char *n :
         {"gofmt", "clang-format", "prettier", "black", "ruff", "eslint", "rustfmt", "shfmt"}) {
      (*t)[n] = Rule{kLow, kShellCat, "", Writes::kNone, "", h_compiler_fmt};
    }
    add({"touch"}, Rule{kMedium, kShellCat, "creates or updates files", Writes::kAll, "dtr"});
    add({"mkdir"}, Rule{kMedium, kShellCat, "creates directories", Writes::kAll, "m"});
    add({"cp"}, Rule{kMedium, kShellCat, "copies files", Writes::kLast, "tS"});
    add({"install"}, Rule{kMedium, kShellCat, "installs files", Writes::kLast, "tSmog"});
    add({"ln"}, Rule{kMedium, kShellCat, "creates links", Writes::kLast, "tS"});
    add({"tee"}, Rule{kMedium, kShellCat, "writes files", Writes::kAll, ""});
    add({"sponge"}, Rule{kMedium, kShellCat, "writes files", Writes::kAll, ""});
    add({"mv"}, Rule{kHigh, kShellCat, "moves or renames files", Writes::kAll, "tS"});
    add({"chmod"}, Rule{kHigh, kShellCat, "changes file permissions", Writes::kAll, ""});
    add({"chown", "chgrp"}, Rule{kHigh, kShellCat, "changes file ownership", Writes::kAll, ""});
    add({"chattr", "setfacl", "setcap"},
        Rule{kHigh, kShellCat, "changes file attributes or capabilities", Writes::kAll, ""});
    add({"truncate"}, Rule{kHigh, kShellCat, "truncates files", Writes::kAll, "sr"});
    add({"shred"}, Rule{kHigh, kDeleteCat, "overwrites and deletes files", Writes::kAll, "nsu"});
    add({"rmdir", "unlink"},
        Rule{kHigh, kDeleteCat, "deletes files or directories", Writes::kAll, ""});
    add({"rm", "srm", "trash", "trash-put"}, Rule{kHigh, kDeleteCat, "", Writes::kNone, "", h_rm});
    add({"mknod"}, Rule{kHigh, kShellCat, "creates device files", Writes::kAll, "m"});
    add({"mkfs", "mke2fs", "mkswap", "newfs"},
        Rule{kHigh, kShellCat, "creates a file system", Writes::kAll, "tLbCNOEdrU"});
    add({"dd"}, Rule{kHigh, kShellCat, "", Writes::kNone, "", h_dd});
    add({"find"}, Rule{kLow, kShellCat, "", Writes::kNone, "", h_find});
    add({"git"}, Rule{kLow, kShellCat, "", Writes::kNone, "", h_git});
    add({"sed", "gsed"}, Rule{kLow, kShellCat, "", Writes::kNone, "", h_sed});
    add({"awk", "gawk", "mawk", "nawk"}, Rule{kLow, kShellCat, "", Writes::kNone, "", h_awk});
    add({"sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "csh", "tcsh", "ash", "yash", "posh",
         "rbash", "elvish", "nu", "xonsh", "oil", "osh"},
        Rule{kCritical, kShellCat, "", Writes::kNone, "", h_shell});
    for (const auto &[name, spec] : interp_specs()) {
      (*t)[name] = Rule{kHigh, kShellCat, "", Writes::kNone, "", h_interp};
    }
    for (const auto &[name, sub] : sub_tables()) {
      (*t)[name] = Rule{kMedium, sub.category, "", Writes::kNone, "", h_sub};
    }
    (*t)["pip"] = Rule{kMedium, kShellCat, "", Writes::kNone, "", h_pip_like};
    add({"npx", "pnpx", "bunx", "uvx"}, Rule{kHigh, kShellCat, "downloads and runs a package"});
    add({"curl", "wget", "http", "https", "xh", "aria2c", "axel", "lynx", "links", "w3m", "httpie",
         "curlie", "grpcurl", "websocat", "wscat"},
        Rule{kHigh, kNetworkCat, "", Writes::kNone, "", h_network});
    add({"nc",     "netcat",  "ncat",  "socat",       "telnet",   "ftp",     "tftp",
         "lftp",   "sftp",    "scp",   "ssh",         "mosh",     "autossh", "rsh",
         "rlogin", "sshpass", "nmap",  "masscan",     "tcpdump",  "tshark",  "wireshark",
         "iperf",  "iperf3",  "ngrok", "cloudflared", "tailscale"},
        Rule{kHigh, kNetworkCat, "opens network connections or runs commands on another host",
             Writes::kNone, "", h_network});
    add({"rsync"}, Rule{kMedium, kShellCat, "", Writes::kNone, "", h_rsync});
    add({"tar", "bsdtar", "gtar"}, Rule{kMedium, kShellCat, "", Writes::kNone, "", h_tar});
    add({"sort"}, Rule{kLow, kShellCat, "", Writes::kNone, "", h_sort});
    add({"uniq"}, Rule{kLow, kShellCat, "", Writes::kNone, "", h_sort});
    add({"psql",
         "pg_dump",
         "pg_dumpall",
         "pg_restore",
         "dropdb",
         "createdb",
         "dropuser",
         "createuser",
         "pgcli",
         "mysql",
         "mysqldump",
         "mysqladmin",
         "mariadb",
         "mariadb-dump",
         "mycli",
         "sqlite3",
         "sqlite",
         "litecli",
         "mongo",
         "mongosh",
         "mongodump",
         "mongorestore",
         "mongoimport",
         "mongoexport",
         "redis-cli",
         "valkey-cli",
         "cqlsh",
         "clickhouse",
         "clickhouse-client",
         "influx",
         "sqlcmd",
         "duckdb",
         "cockroach",
         "usql",
         "etcdctl",
         "consul",
         "nats",
         "kafka-topics",
         "kafkacat",
         "kcat"},
        Rule{kHigh, kDatabaseCat, "connects to a database and can change its data"});
    add({"kill", "pkill", "killall", "skill", "xkill", "killall5"},
        Rule{kHigh, kShellCat, "", Writes::kNone, "", h_kill});
    add({"service", "launchctl", "rc-service", "update-rc.d", "chkconfig", "initctl", "sv"},
        Rule{kHigh, kShellCat, "changes system services"});
    add({"reboot", "shutdown", "halt", "poweroff", "init", "telinit"},
        Rule{kCritical, kShellCat, "shuts down or reboots the machine"});
    add({"mount", "umount", "swapon", "swapoff", "losetup", "chroot", "nsenter", "unshare",
         "pivot_root", "switch_root", "systemd-nspawn"},
        Rule{kHigh, kShellCat, "changes mounts or namespaces"});
    add({"fdisk",    "sfdisk",     "gdisk",      "sgdisk", "cfdisk",    "parted",
         "wipefs",   "cryptsetup", "blkdiscard", "hdparm", "badblocks", "resize2fs",
         "tune2fs",  "e2fsck",     "fsck",       "lvm",    "lvremove",  "vgremove",
         "pvremove", "mdadm",      "zpool",      "zfs",    "btrfs",     "diskutil"},
        Rule{kCritical, kShellCat, "changes disks, partitions or file systems"});
    add({"iptables", "ip6tables", "nft", "ufw", "firewall-cmd", "pfctl", "ebtables", "arptables",
         "tc"},
        Rule{kHigh, kShellCat, "changes the firewall or traffic control"});
    add({"useradd", "userdel",  "usermod",  "groupadd", "groupdel", "groupmod", "adduser",
         "deluser", "addgroup", "delgroup", "passwd",   "chpasswd", "chage",    "gpasswd",
         "vipw",    "vigr",     "pwck",     "newusers", "chsh",     "chfn"},
        Rule{kHigh, kShellCat, "changes users, groups or passwords"});
    add({"visudo", "insmod", "rmmod", "modprobe", "kexec"},
        Rule{kCritical, kShellCat, "changes privileges or the running kernel"});
    add({"sudo", "su", "doas", "pkexec", "runuser", "sudoedit", "run0", "calife", "ksu", "sg",
         "newgrp"},
        Rule{kCritical, kShellCat, "runs commands with elevated privileges"});
    add({"at", "batch", "atrm", "systemd-run", "anacron"},
        Rule{kHigh, kShellCat, "schedules commands to run later"});
    add({"crontab"}, Rule{kHigh, kShellCat, "", Writes::kNone, "", h_crontab});
    add({"sysctl"}, Rule{kLow, kShellCat, "", Writes::kNone, "", h_sysctl});
    add({"hostname"}, Rule{kLow, kShellCat, "", Writes::kNone, "", h_hostname});
    add({"ip"}, Rule{kLow, kShellCat, "", Writes::kNone, "", h_ip});
    add({"date"}, Rule{kLow, kShellCat, "", Writes::kNone, "", h_date});
    add({"hostnamectl", "timedatectl", "localectl", "loginctl", "resolvectl", "networkctl"},
        Rule{kLow, kShellCat, "", Writes::kNone, "", h_systemd_misc});
    add({"hwclock", "ntpdate", "chronyc"}, Rule{kHigh, kShellCat, "changes the system clock"});
    add({"eval", "fc"}, Rule{kCritical, kShellCat, "", Writes::kNone, "", h_eval});
    add({"source", "."}, Rule{kHigh, kShellCat, "", Writes::kNone, "", h_source});
    add({"export", "declare", "typeset", "readonly", "alias", "trap"},
        Rule{kLow, kShellCat, "", Writes::kNone, "", h_builtin_vars});
    add({"gpg", "gpg2"}, Rule{kMedium, kSecretCat, "", Writes::kNone, "", h_gpg});
    add({"ssh-add", "ssh-agent", "pass", "vault", "op", "bw", "lpass", "keyctl", "secret-tool",
         "security", "keyring", "gopass", "sops", "age", "aws-vault", "chamber", "doppler",
         "infisical", "kubeseal"},
        Rule{kHigh, kSecretCat, "reads or uses secrets from a secret store"});
    add({"openssl"}, Rule{kMedium, kShellCat, "", Writes::kNone, "", h_openssl});
    add({"gh", "glab", "hub", "tea", "jira", "linear", "slack", "sentry-cli", "stripe", "twilio"},
        Rule{kHigh, kExternalCat, "", Writes::kNone, "", h_gh});
    return t;
  }();
  return *table;
}

// ---- wrappers ----

struct WrapperSpec {
  const char *value_short;
  std::vector<std::string_view> value_long;
  int skip_operands;  // operands before the command (timeout DURATION, taskset MASK)
  Risk floor;
  const char *floor_what;
  const char *no_command_what;  // when there is no wrapped command
};

const std::unordered_map<std::string, WrapperSpec> &wrapper_specs() {
  static const auto *specs = new std::unordered_map<std::string, WrapperSpec>{
      {"nice", {"n", {"--adjustment"}, 0, kLow, "", "prints the niceness"}},
      {"nohup", {"", {}, 0, kLow, "", "does nothing"}},
      {"timeout", {"sk", {"--signal", "--kill-after"}, 1, kLow, "", "does nothing"}},
      {"stdbuf", {"ioe", {"--input", "--output", "--error"}, 0, kLow, "", "does nothing"}},
      {"ionice",
       {"cnp",
        {"--class", "--classdata", "--pid"},
        0,
        kLow,
        "",
        "changes a process's I/O priority"}},
      {"chrt",
       {"TPD",
        {"--sched-runtime", "--sched-period", "--sched-deadline"},
        1,
        kLow,
        "",
        "changes a process's scheduling"}},
      {"taskset", {"", {}, 1, kLow, "", "changes a process's CPU affinity"}},
      {"setsid", {"", {}, 0, kLow, "", "does nothing"}},
      {"time", {"fo", {"--format", "--output"}, 0, kLow, "", "does nothing"}},
      {"builtin", {"", {}, 0, kLow, "", "does nothing"}},
      {"exec", {"a", {}, 0, kLow, "", "does nothing"}},
      {"unbuffer", {"", {}, 0, kLow, "", "does nothing"}},
      {"caffeinate", {"tw", {}, 0, kLow, "", "keeps the machine awake"}},
      {"chronic", {"", {}, 0, kLow, "", "does nothing"}},
      {"nocache", {"", {}, 0, kLow, "", "does nothing"}},
      {"eatmydata", {"", {}, 0, kLow, "", "does nothing"}},
      {"fakeroot", {"lsi", {}, 0, kLow, "", "starts a shell"}},
      {"dbus-run-session", {"", {"--config-file"}, 0, kLow, "", "starts a shell"}},
      {"xvfb-run",
       {"nsfe", {"--server-num", "--server-args", "--auth-file"}, 0, kLow, "", "does nothing"}},
      {"proxychains",
       {"f", {}, 0, kMedium, "sends network traffic through a proxy", "does nothing"}},
      {"proxychains4",
       {"f", {}, 0, kMedium, "sends network traffic through a proxy", "does nothing"}},
      {"torsocks", {"uap", {}, 0, kMedium, "sends network traffic through Tor", "does nothing"}},
      {"strace", {"eoOpPsuEIabX", {}, 0, kMedium, "traces a program", "does nothing"}},
      {"ltrace", {"eoOpPsuEIabX", {}, 0, kMedium, "traces a program", "does nothing"}},
      {"valgrind", {"", {}, 0, kMedium, "runs a program under valgrind", "does nothing"}},
      {"firejail", {"", {}, 0, kLow, "", "starts a shell"}},
      {"catchsegv", {"", {}, 0, kLow, "", "does nothing"}},
      {"parallel",
       {"jSIXN",
        {"--jobs", "--sshlogin"},
        0,
        kMedium,
        "runs commands in parallel",
        "reads commands from standard input"}},
      {"watch", {"nd", {"--interval"}, 0, kMedium, "runs a command repeatedly", "does nothing"}},
      {"flock",
       {"wEc", {"--timeout", "--conflict-exit-code", "--command"}, 1, kLow, "", "takes a lock"}},
      {"xargs",
       {"adEILnPs",
        {"--arg-file", "--delimiter", "--eof", "--replace", "--max-lines", "--max-args",
         "--max-procs", "--max-chars", "--process-slot-var"},
        0,
        kLow,
        "",
        "prints its input (xargs echo)"}},
      {"command", {"", {}, 0, kLow, "", "does nothing"}},
      {"env",
       {"uCS", {"--unset", "--chdir", "--split-string"}, 0, kLow, "", "prints the environment"}},
      {"busybox", {"", {}, 0, kLow, "", "lists its applets"}},
      {"toybox", {"", {}, 0, kLow, "", "lists its applets"}},
      {"gdb", {"", {}, 0, kMedium, "runs a program under a debugger", "starts a debugger"}},
  };
  return *specs;
}

// Finds the wrapped command. Returns false when there is none.
bool unwrap(const Call &c, std::vector<ShellWord> *next, Verdict *floor) {
  const WrapperSpec &spec = wrapper_specs().at(c.prog);
  *floor = verdict(spec.floor, kShellCat, spec.floor_what);
  std::span<const ShellWord> a = c.args;
  if (c.prog == "command" && has_flag(a, "vV")) {
    *floor = verdict(kLow, kShellCat, "only looks a command up");
    return false;
  }
  if ((c.prog == "taskset" || c.prog == "chrt" || c.prog == "ionice") &&
      has_flag(a, "p", {"--pid"})) {
    *floor = verdict(kMedium, kShellCat, "changes another process's scheduling");
    return false;
  }
  if (c.prog == "strace" || c.prog == "ltrace") {
    if (has_flag(a, "p")) {
      *floor = verdict(kHigh, kShellCat, "attaches to another process");
      return false;
    }
  }
  if (c.prog == "gdb") {
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].text == "--args") {
        *next = slice(a, i + 1);
        return !next->empty();
      }
    }
    return false;
  }
  if (c.prog == "flock" && (has_flag(a, "c", {"--command"}))) {
    *floor = verdict(kCritical, kShellCat, "runs a shell command string (`flock -c`)");
    return false;
  }
  if (c.prog == "env") {
    // env [-i] [-u NAME] [-C DIR] [-S STRING] [NAME=VALUE]... [COMMAND [ARG]...]
    size_t i = 0;
    while (i < a.size()) {
      std::string_view t = a[i].text;
      std::string name;
      if (t == "--") {
        ++i;
        break;
      }
      if (t == "-S" || starts_with(t, "--split-string") || (starts_with(t, "-S") && t.size() > 2) ||
          (is_option(t) && t[1] != '-' && contains(t, "S"))) {
        std::string split;
        if (t.find('=') != std::string_view::npos && starts_with(t, "--")) {
          split = std::string(t.substr(t.find('=') + 1));
        } else if (t.size() > 2 && t[1] == 'S') {
          split = std::string(t.substr(2));
        } else if (i + 1 < a.size()) {
          split = a[++i].text;
        }
        ShellScript s = parse_shell(split);
        if (!s.error.empty() || s.commands.size() != 1) {
          *floor = verdict(kCritical, kShellCat,
                           "runs a command string that cannot be analysed (`env -S`)");
          return false;
        }
        std::vector<ShellWord> words = s.commands.front().words;
        for (size_t k = i + 1; k < a.size(); ++k) {
          words.push_back(a[k]);
        }
        *next = std::move(words);
        return true;
      }
      if (is_option(t)) {
        bool takes = (t == "-u" || t == "-C" || t == "--unset" || t == "--chdir");
        i += takes ? size_t{2} : size_t{1};
        continue;
      }
      if (assignment_name(t, &name)) {
        if (dangerous_assignment(name, t.substr(t.find('=') + 1))) {
          *floor = verdict(kHigh, kShellCat,
                           "sets " + name + ", which changes what programs load or run");
        }
        ++i;
        continue;
      }
      break;
    }
    *next = slice(a, i);
    if (next->empty()) {
      raise(*floor, verdict(kLow, kShellCat, "prints the environment"));
      return false;
    }
    return true;
  }
  if (c.prog == "busybox" || c.prog == "toybox") {
    *next = slice(a, 0);
    if (!next->empty() && is_option(next->front().text)) {
      return false;
    }
    return !next->empty();
  }
  std::vector<std::string_view> longs(spec.value_long.begin(), spec.value_long.end());
  size_t i = 0;
  while (i < a.size()) {
    std::string_view t = a[i].text;
    if (t == "--") {
      ++i;
      break;
    }
    if (!is_option(t)) {
      break;
    }
    if (t[1] == '-') {
      i += (t.find('=') == std::string_view::npos && in(t, longs)) ? size_t{2} : size_t{1};
      continue;
    }
    size_t advance = 1;
    for (size_t k = 1; k < t.size(); ++k) {
      if (std::string_view(spec.value_short).find(t[k]) != std::string_view::npos) {
        advance = k + 1 == t.size() ? size_t{2} : size_t{1};
        break;
      }
    }
    i += advance;
  }
  for (int k = 0; k < spec.skip_operands && i < a.size(); ++k) {
    ++i;
  }
  std::vector<ShellWord> rest = slice(a, i);
  if (c.prog == "parallel") {
    for (size_t k = 0; k < rest.size(); ++k) {
      if (rest[k].text == ":::" || rest[k].text == "::::" || rest[k].text == ":::+") {
        rest.resize(k);
        break;
      }
    }
  }
  if (c.prog == "watch" && !has_flag(a, "x", {"--exec"}) && !rest.empty()) {
    // watch hands its arguments to `sh -c` joined by spaces.
    std::string joined;
    for (const ShellWord &w : rest) {
      joined += (joined.empty() ? "" : " ") + w.text;
    }
    Verdict v =
        classify_string(joined, c.ctx.depth + 1, "runs a command string that cannot be parsed");
    raise(*floor, std::move(v));
    return false;
  }
  if (rest.empty()) {
    if (c.prog == "xargs") {
      *floor = verdict(kLow, kShellCat, spec.no_command_what);
    } else {
      raise(*floor, verdict(spec.floor, kShellCat, spec.no_command_what));
    }
    return false;
  }
  *next = std::move(rest);
  return true;
}

bool is_known(const std::string &name) {
  return rules().count(name) != 0 || wrapper_specs().count(name) != 0;
}

std::string program_name(std::string_view path) {
  std::string base = basename_of(path);
  if (is_known(base)) {
    return base;
  }
  for (std::string_view prefix : {"mkfs.", "fsck.", "mount."}) {
    if (starts_with(base, prefix)) {
      return std::string(prefix.substr(0, prefix.size() - 1));
    }
  }
  std::string s = base;
  while (!s.empty() && (std::isdigit(static_cast<unsigned char>(s.back())) || s.back() == '.')) {
    s.pop_back();
  }
  if (!s.empty() && s.back() == '-') {
    s.pop_back();
  }
  if (s != base && is_known(s)) {
    return s;
  }
  if (s == "nodejs") {
    return "node";
  }
  return base;
}

// Writes rules: the targets of a writing program, checked against the workspace.
void check_writes(const Rule &rule, const Call &c, Verdict *v) {
  if (rule.writes == Writes::kNone) {
    return;
  }
  std::vector<size_t> ops = operands(c.args, rule.value_opts);
  std::vector<ShellWord> targets;
  if (rule.writes == Writes::kAll) {
    for (size_t i : ops) {
      targets.push_back(c.args[i]);
    }
  } else {
    targets = option_values(c.args, 't', {"--target-directory"});
    if (targets.empty() && !ops.empty()) {
      targets.push_back(c.args[ops.back()]);
    }
  }
  bool deletes = v->category == kDeleteCat;
  for (const ShellWord &w : targets) {
    Scope s = path_scope(w);
    std::string verb = deletes ? "deletes `" : "writes to `";
    if (s == Scope::kSystem) {
      *v = verdict(kCritical, deletes ? kDeleteCat : kShellCat,
                   verb + clip(w.text) + "`, outside the workspace (" + v->what + ")");
      return;
    }
    if (s == Scope::kOutside || s == Scope::kDynamic) {
      raise(*v, verdict(kHigh, deletes ? kDeleteCat : kShellCat,
                        verb + clip(w.text) + "`, " +
                            (s == Scope::kDynamic ? "a path only known at run time"
                                                  : "outside the workspace") +
                            " (" + v->what + ")"));
    }
  }
}

// Secret files named on a command line.
void check_secrets(const Call &c, Verdict *v) {
  for (const ShellWord &w : c.args) {
    Secrecy s = secrecy(w.text);
    if (s == Secrecy::kPrivate) {
      raise(*v, verdict(kHigh, kSecretCat, "touches credentials (`" + clip(w.text) + "`)"));
    } else if (s == Secrecy::kLocal) {
      raise(*v, verdict(kMedium, kSecretCat, "touches a secret file (`" + clip(w.text) + "`)"));
    }
  }
}

Verdict classify_words(std::vector<ShellWord> words, Ctx ctx, Facts *facts) {
  Verdict best;
  if (ctx.depth > kMaxShellNesting) {
    return verdict(kCritical, kShellCat, "nests commands too deeply to analyse");
  }
  for (int hop = 0; hop < kMaxWrapperHops; ++hop) {
    if (words.empty()) {
      if (best.what.empty()) {
        best.what = "runs no program";
      }
      return best;
    }
    const ShellWord &a0 = words.front();
    if (a0.dynamic) {
      raise(best, verdict(kHigh, kShellCat, "runs a program whose name is only known at run time"));
      return best;
    }
    if (a0.text.empty()) {
      raise(best, verdict(kMedium, kShellCat, "runs a program with an empty name"));
      return best;
    }
    Call call{program_name(a0.text), std::span<const ShellWord>(words).subspan(1), ctx, facts};
    bool local = a0.text.find('/') != std::string::npos && a0.text[0] != '/' &&
                 path_scope(a0) == Scope::kWorkspace;
    if (local) {
      Verdict v =
          verdict(kMedium, kShellCat, "runs `" + clip(a0.text) + "`, a program from the workspace");
      check_secrets(call, &v);
      raise(best, std::move(v));
      return best;
    }
    bool known = is_known(call.prog);
    if (known && call.args.size() == 1 &&
        (call.args[0].text == "--version" || call.args[0].text == "--help")) {
      raise(best, verdict(kLow, kShellCat, "only prints version or help"));
      return best;
    }
    if (wrapper_specs().count(call.prog) != 0) {
      std::vector<ShellWord> next;
      Verdict floor;
      bool has_command = unwrap(call, &next, &floor);
      raise(best, std::move(floor));
      if (!has_command) {
        return best;
      }
      words = std::move(next);
      continue;
    }
    auto it = rules().find(call.prog);
    Verdict v;
    if (it != rules().end()) {
      const Rule &rule = it->second;
      v = rule.handler != nullptr ? rule.handler(call)
                                  : verdict(rule.risk, rule.category, rule.what);
      check_writes(rule, call, &v);
    } else {
      v = verdict(kMedium, kShellCat,
                  "runs `" + clip(call.prog) + "`, a program the classifier does not know");
    }
    check_secrets(call, &v);
    raise(best, std::move(v));
    return best;
  }
  return verdict(kCritical, kShellCat, "wraps commands too deeply to analyse");
}

bool is_reserved(std::string_view w) {
  static constexpr std::string_view kWords[] = {"!",     "{",     "}",    "if", "then",
                                                "else",  "elif",  "fi",   "do", "done",
                                                "while", "until", "esac", "in"};
  return in(w, kWords);
}

Verdict redirect_verdict(const ShellRedirect &r) {
  static constexpr std::string_view kWrite[] = {">", ">>", ">|", "&>", "&>>", "<>"};
  bool write = in(r.op, kWrite);
  if (r.op == ">&" || r.op == "<&") {
    bool fd = !r.target.text.empty() &&
              (r.target.text == "-" || std::all_of(r.target.text.begin(), r.target.text.end(),
                                                   [](char ch) { return ch >= '0' && ch <= '9'; }));
    write = r.op == ">&" && !fd;
  }
  if (write) {
    Scope s = path_scope(r.target);
    std::string target = clip(r.target.text);
    switch (s) {
      case Scope::kSink: return verdict(kLow, kShellCat, "discards or prints output");
      case Scope::kWorkspace:
        return verdict(kMedium, kShellCat, "writes the file `" + target + "`");
      case Scope::kDynamic:
        return verdict(kHigh, kShellCat,
                       "writes to `" + target + "`, a file only known at run time");
      case Scope::kOutside:
      case Scope::kSystem:
        return verdict(kCritical, kShellCat,
                       "redirects output over `" + target + "`, outside the workspace");
    }
  }
  if (r.op == "<" || r.op == "<>") {
    Secrecy s = secrecy(r.target.text);
    if (s == Secrecy::kPrivate) {
      return verdict(kHigh, kSecretCat, "reads credentials (`" + clip(r.target.text) + "`)");
    }
    if (s == Secrecy::kLocal) {
      return verdict(kMedium, kSecretCat, "reads a secret file (`" + clip(r.target.text) + "`)");
    }
  }
  return Verdict{};
}

Verdict classify_command(const ShellCommand &c, int depth, Facts *facts) {
  Verdict best;
  for (const ShellRedirect &r : c.redirects) {
    raise(best, redirect_verdict(r));
  }
  size_t i = 0;
  while (i < c.words.size() && is_reserved(c.words[i].text)) {
    ++i;
  }
  if (i < c.words.size() &&
      (c.words[i].text == "for" || c.words[i].text == "select" || c.words[i].text == "case")) {
    raise(best, verdict(kLow, kShellCat, "is a loop or case header"));
    return best;
  }
  if (c.function_def || (i < c.words.size() && c.words[i].text == "function")) {
    raise(best, verdict(kHigh, kShellCat, "defines a shell function"));
    return best;
  }
  std::string name;
  while (i < c.words.size() && !c.words[i].quoted && assignment_name(c.words[i].text, &name)) {
    const ShellWord &w = c.words[i];
    if (dangerous_assignment(name, std::string_view(w.text).substr(w.text.find('=') + 1))) {
      raise(best, verdict(kHigh, kShellCat,
                          "sets " + name + ", which changes what programs load or run"));
    } else {
      raise(best, verdict(kLow, kShellCat, "sets shell variables"));
    }
    ++i;
  }
  if (i < c.words.size()) {
    Ctx ctx;
    ctx.depth = depth;
    raise(best, classify_words(slice(c.words, i), ctx, facts));
  }
  if (best.what.empty()) {
    best.what = "runs no program";
  }
  return best;
}

Verdict classify_script(const ShellScript &s, int depth) {
  Verdict best;
  if (depth > kMaxShellNesting) {
    return verdict(kCritical, kShellCat, "nests commands too deeply to analyse");
  }
  bool multi = s.commands.size() > 1 || !s.substitutions.empty();
  std::vector<Facts> facts(s.commands.size());
  for (size_t i = 0; i < s.commands.size(); ++i) {
    Verdict v = classify_command(s.commands[i], depth, &facts[i]);
    if (v.segment.empty()) {
      v.segment = command_text(s.commands[i]);
      if (v.where.empty() && multi) {
        v.where = s.commands[i].stdin_from_pipe || s.commands[i].terminator == "|" ||
                          s.commands[i].terminator == "|&"
                      ? "pipeline segment"
                      : "segment";
      }
    }
    raise(best, std::move(v));
  }
  for (const ShellScript &sub : s.substitutions) {
    Verdict v = classify_script(sub, depth + 1);
    if (v.where.empty() || v.where == "segment" || v.where == "pipeline segment") {
      v.where = "command substitution";
    }
    raise(best, std::move(v));
  }
  // A fetcher piped into something that runs code from its input: `curl ... | sh`.
  for (size_t i = 0; i < s.commands.size(); ++i) {
    if (!facts[i].stdin_code || !s.commands[i].stdin_from_pipe) {
      continue;
    }
    std::string pipeline;
    bool fetched = false;
    for (size_t j = 0; j <= i; ++j) {
      if (s.commands[j].pipeline == s.commands[i].pipeline) {
        fetched = fetched || (j < i && facts[j].network_fetch);
        pipeline += (pipeline.empty() ? "" : " | ") + command_text(s.commands[j]);
      }
    }
    if (fetched) {
      Verdict v = verdict(kCritical, kShellCat, "runs code downloaded from the network");
      v.segment = clip(pipeline);
      v.where = "pipeline";
      if (v.risk >= best.risk) {
        best = std::move(v);  // names the whole pipeline, not just the `sh` at its end
      }
    }
  }
  // A function that calls itself in a pipeline or in the background: a fork bomb.
  for (size_t i = 0; i < s.commands.size(); ++i) {
    if (!s.commands[i].function_def || s.commands[i].words.empty()) {
      continue;
    }
    const std::string &fn = s.commands[i].words.front().text;
    for (size_t j = i + 1; j < s.commands.size(); ++j) {
      const ShellCommand &c = s.commands[j];
      bool calls = false;
      for (const ShellWord &w : c.words) {
        if (!is_reserved(w.text)) {
          calls = w.text == fn;
          break;
        }
      }
      if (calls && (c.stdin_from_pipe || c.terminator == "|" || c.terminator == "&")) {
        Verdict v =
            verdict(kCritical, kShellCat, "defines a function that multiplies itself (fork bomb)");
        v.segment = clip(fn + "()");
        raise(best, std::move(v));
        break;
      }
    }
  }
  if (best.what.empty()) {
    best.what = "runs no program";
  }
  return best;
}

std::string reason_of(const Verdict &v) {
  std::string r;
  if (!v.where.empty()) {
    r = v.where + " ";
  }
  if (!v.segment.empty()) {
    r += "`" + v.segment + "` ";
  }
  r += v.what;
  return r;
}

Classification to_classification(const Verdict &v) {
  return Classification{v.category, v.risk, reason_of(v)};
}

Classification malformed(std::string_view tool, const std::string &error) {
  const char *category = tool == "shell"                                 ? kShellCat
                         : tool == "file_delete"                         ? kDeleteCat
                         : (tool == "file_write" || tool == "file_edit") ? "file_write"
                                                                         : "file_read";
  return Classification{category, kCritical,
                        "malformed arguments for `" + std::string(tool) + "`: " + error};
}

// A workspace-relative path argument: outside paths will be refused by run(), but a proposal
// for one is still worth a closer look.
bool outside_path(std::string_view p) {
  if (p.empty()) {
    return false;
  }
  ShellWord w;
  w.text = std::string(p);
  if (p[0] == '/' || p[0] == '~') {
    return true;
  }
  return path_scope(w) != Scope::kWorkspace;
}

Classification classify_shell(std::string_view input_json) {
  ShellArgs args;
  std::string error;
  if (!parse_shell_args(input_json, &args, &error)) {
    return malformed("shell", error);
  }
  Verdict v;
  if (args.has_command) {
    ShellScript s = parse_shell(args.command);
    if (!s.error.empty()) {
      v = verdict(kCritical, kShellCat, "cannot be analysed (" + s.error + ")");
      v.segment = clip(args.command);
    } else {
      v = classify_script(s, 0);
    }
  } else {
    std::vector<ShellWord> words;
    for (const std::string &a : args.argv) {
      ShellWord w;
      w.text = a;
      words.push_back(std::move(w));
    }
    Facts facts;
    v = classify_words(words, Ctx{}, &facts);
    if (v.segment.empty()) {
      v.segment = words_text(words);
    }
  }
  if (outside_path(args.cwd)) {
    raise(v, verdict(kHigh, kShellCat,
                     "asks for the working directory `" + clip(args.cwd) +
                         "`, outside the workspace (run() refuses it)"));
  }
  return to_classification(v);
}

Classification classify_path_tool(std::string_view tool, std::string_view input_json) {
  std::string error;
  std::string path;
  bool ok = false;
  bool recursive = false;
  if (tool == "file_read") {
    FileReadArgs a;
    ok = parse_file_read_args(input_json, &a, &error);
    path = a.path;
  } else if (tool == "list_dir") {
    ListDirArgs a;
    ok = parse_list_dir_args(input_json, &a, &error);
    path = a.path;
  } else if (tool == "search") {
    SearchArgs a;
    ok = parse_search_args(input_json, &a, &error);
    path = a.path;
  } else if (tool == "file_write") {
    FileWriteArgs a;
    ok = parse_file_write_args(input_json, &a, &error);
    path = a.path;
  } else if (tool == "file_edit") {
    FileEditArgs a;
    ok = parse_file_edit_args(input_json, &a, &error);
    path = a.path;
  } else {
    FileDeleteArgs a;
    ok = parse_file_delete_args(input_json, &a, &error);
    path = a.path;
    recursive = a.recursive;
  }
  if (!ok) {
    return malformed(tool, error);
  }
  std::string shown = "`" + clip(path) + "`";
  bool outside = outside_path(path);
  if (tool == "file_read" || tool == "list_dir" || tool == "search") {
    if (outside) {
      return {"file_read", kHigh, "reads " + shown + ", outside the workspace (run() refuses it)"};
    }
    if (tool == "file_read" && secrecy(path) != Secrecy::kNone) {
      return {"secret_access", kMedium, "reads " + shown + ", which looks like a secret file"};
    }
    std::string verb =
        tool == "file_read" ? "reads " : (tool == "list_dir" ? "lists " : "searches ");
    return {"file_read", kLow, verb + shown};
  }
  if (tool == "file_delete") {
    ShellWord w;
    w.text = path;
    std::vector<std::string> parts = split_path(path);
    if (!outside && parts.empty()) {
      return {"file_delete", kCritical, "deletes the whole workspace"};
    }
    if (outside) {
      return {"file_delete", kCritical,
              "deletes " + shown + ", outside the workspace (run() refuses it)"};
    }
    std::string why = sensitive_write(path);
    return {"file_delete", kHigh,
            std::string(recursive ? "deletes the directory tree " : "deletes ") + shown +
                (why.empty() ? "" : ", " + why)};
  }
  std::string verb = tool == "file_write" ? "writes " : "edits ";
  if (outside) {
    return {"file_write", kHigh, verb + shown + ", outside the workspace (run() refuses it)"};
  }
  std::string why = sensitive_write(path);
  if (!why.empty()) {
    return {"file_write", kHigh, verb + shown + ", " + why};
  }
  return {"file_write", kMedium, verb + shown};
}

// A commit changes the repository's history but nothing outside the workspace: like a write.
Classification classify_git_commit(std::string_view input_json) {
  GitCommitArgs a;
  std::string error;
  if (!parse_git_commit_args(input_json, &a, &error)) {
    return Classification{"file_write", kCritical,
                          "malformed arguments for `git_commit`: " + error};
  }
  for (const std::string &p : a.paths) {
    if (outside_path(p)) {
      return {"file_write", kHigh,
              "commits `" + clip(p) + "`, outside the workspace (run() refuses it)"};
    }
  }
  if (a.paths.empty()) {
    return {"file_write", kMedium, "commits every change in the workspace to git"};
  }
  return {"file_write", kMedium,
          "commits " + std::to_string(a.paths.size()) + " path(s) to git, e.g. `" +
              clip(a.paths.front()) + "`"};
}

}  // namespace

Classification classify(std::string_view tool_name, std::string_view input_json) {
  if (tool_name == "shell") {
    return classify_shell(input_json);
  }
  static constexpr std::string_view kPathTools[] = {"file_read",   "file_write", "file_edit",
                                                    "file_delete", "list_dir",   "search"};
  if (in(tool_name, kPathTools)) {
    return classify_path_tool(tool_name, input_json);
  }
  if (tool_name == "git_commit") {
    return classify_git_commit(input_json);
  }
  std::string name(tool_name.substr(0, 80));
  return Classification{
      "external_api", kHigh,
      "`" + clip(name) + "` is not a built-in tool, so nothing is known about it"};
}

}  // namespace pvpd::tools
