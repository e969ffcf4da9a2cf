// The search tool: a ripgrep-like regex search of the workspace (see file_tools.h).
//
// ECMAScript regexes (std::regex) compiled in libstdc++'s polynomial mode: a Thompson-NFA
// executor, so no pattern can backtrack exponentially (back-references are refused), and the
// search runs on its own thread with a large stack. .git directories, symlinks, binary files
// (a NUL in the first 8 KiB) and files over kMaxSearchFileBytes are skipped; lines are matched on
// their first kMaxSearchLineBytes bytes.
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <regex>

#include "tools/file_tools.h"
#include "tools/tool_runtime.h"

namespace pvpd::tools {
namespace {

constexpr size_t kSearchStack = 64 * 1024 * 1024;
constexpr size_t kMaxGlobAlternatives = 256;
constexpr int kMaxSearchDepth = 128;

// ---- globs ----

void expand_braces(std::string_view p, std::vector<std::string> *out) {
  if (out->size() >= kMaxGlobAlternatives) {
    return;
  }
  size_t open = std::string_view::npos;
  int depth = 0;
  size_t close = std::string_view::npos;
  std::vector<size_t> commas;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      ++i;
    } else if (c == '{') {
      if (depth++ == 0) {
        open = i;
        commas.clear();
      }
    } else if (c == ',' && depth == 1) {
      commas.push_back(i);
    } else if (c == '}' && depth > 0 && --depth == 0) {
      close = i;
      break;
    }
  }
  if (open == std::string_view::npos || close == std::string_view::npos) {
    out->emplace_back(p);
    return;
  }
  std::string_view prefix = p.substr(0, open);
  std::string_view suffix = p.substr(close + 1);
  size_t start = open + 1;
  commas.push_back(close);
  for (size_t comma : commas) {
    std::string alt(prefix);
    alt += p.substr(start, comma - start);
    alt += suffix;
    expand_braces(alt, out);
    start = comma + 1;
  }
}

struct GlobToken {
  enum Kind { kLiteral, kAny, kStar, kDoubleStar, kDirs, kClass } kind = kLiteral;
  char c = 0;
  std::string set;  // kClass: the listed characters and ranges ("a-z" kept as three bytes)
  bool negate = false;
};

std::vector<GlobToken> tokenize(std::string_view p) {
  std::vector<GlobToken> out;
  for (size_t i = 0; i < p.size(); ++i) {
    GlobToken t;
    char c = p[i];
    if (c == '*') {
      if (i + 1 < p.size() && p[i + 1] == '*') {
        bool dirs = i + 2 < p.size() && p[i + 2] == '/';
        t.kind = dirs ? GlobToken::kDirs : GlobToken::kDoubleStar;
        i += dirs ? 2 : 1;
      } else {
        t.kind = GlobToken::kStar;
      }
    } else if (c == '?') {
      t.kind = GlobToken::kAny;
    } else if (c == '[' && p.find(']', i + 2) != std::string_view::npos) {
      size_t end = p.find(']', i + 2);
      std::string_view body = p.substr(i + 1, end - i - 1);
      t.kind = GlobToken::kClass;
      if (!body.empty() && (body[0] == '!' || body[0] == '^')) {
        t.negate = true;
        body.remove_prefix(1);
      }
      t.set = std::string(body);
      i = end;
    } else if (c == '\\' && i + 1 < p.size()) {
      t.c = p[++i];
    } else {
      t.c = c;
    }
    out.push_back(std::move(t));
  }
  return out;
}

bool in_class(const GlobToken &t, char c) {
  bool found = false;
  for (size_t i = 0; i < t.set.size(); ++i) {
    if (i + 2 < t.set.size() && t.set[i + 1] == '-') {
      found = found || (c >= t.set[i] && c <= t.set[i + 2]);
      i += 2;
    } else {
      found = found || c == t.set[i];
    }
  }
  return found != t.negate;
}

bool match_tokens(const std::vector<GlobToken> &tokens, std::string_view s) {
  // next[j]: tokens[t+1..] match s[j..]; cur[j]: tokens[t..] match s[j..].
  const size_t n = s.size();
  std::vector<char> next(n + 1, 0);
  std::vector<char> cur(n + 1, 0);
  next[n] = 1;
  for (size_t t = tokens.size(); t-- > 0;) {
    const GlobToken &g = tokens[t];
    bool any_slash_after = false;  // kDirs: some s[k] == '/' with k >= j and next[k + 1]
    for (size_t j = n + 1; j-- > 0;) {
      bool has = j < n;
      char c = has ? s[j] : 0;
      switch (g.kind) {
        case GlobToken::kLiteral: cur[j] = has && c == g.c && next[j + 1]; break;
        case GlobToken::kAny: cur[j] = has && c != '/' && next[j + 1]; break;
        case GlobToken::kClass: cur[j] = has && c != '/' && in_class(g, c) && next[j + 1]; break;
        case GlobToken::kStar: cur[j] = next[j] || (has && c != '/' && cur[j + 1]); break;
        case GlobToken::kDoubleStar: cur[j] = next[j] || (has && cur[j + 1]); break;
        case GlobToken::kDirs:
          any_slash_after = any_slash_after || (has && c == '/' && next[j + 1]);
          cur[j] = next[j] || any_slash_after;
          break;
      }
    }
    std::swap(cur, next);
  }
  return next[0] != 0;
}

std::string relative_join(const std::string &a, const std::string &b) {
  return a.empty() || a == "." ? b : a + "/" + b;
}

// ---- the search ----

struct Searcher {
  const ToolContext &ctx;
  const std::regex &re;
  std::vector<std::vector<GlobToken>> globs;
  bool glob_has_slash = false;
  uint64_t max_results;
  uint64_t results = 0;
  uint64_t skipped_large = 0;
  bool stopped = false;
  ToolOutcome *outcome;

  bool interrupted() {
    if (ctx.cancel.canceled()) {
      outcome->canceled = true;
      stopped = true;
    } else if (std::chrono::steady_clock::now() >= ctx.deadline) {
      outcome->timed_out = true;
      stopped = true;
    }
    return stopped;
  }

  bool wanted(const std::string &rel_to_root, const std::string &name) const {
    if (globs.empty()) {
      return true;
    }
    for (const auto &g : globs) {
      if (match_tokens(g, glob_has_slash ? std::string_view(rel_to_root) : name)) {
        return true;
      }
    }
    return false;
  }

  void file(int dirfd, const std::string &name, const std::string &shown) {
    int fd =
        ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      return;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return;
    }
    if (static_cast<uint64_t>(st.st_size) > kMaxSearchFileBytes) {
      ++skipped_large;
      ::close(fd);
      return;
    }
    std::string content;
    content.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < content.size()) {
      ssize_t n = ::read(fd, content.data() + got, content.size() - got);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      got += static_cast<size_t>(n);
    }
    ::close(fd);
    content.resize(got);
    if (std::string_view(content).substr(0, kBinarySniffBytes).find('\0') != std::string::npos) {
      return;
    }
    size_t pos = 0;
    uint64_t line = 1;
    while (pos < content.size()) {
      if ((line & 1023) == 0 && interrupted()) {
        return;
      }
      size_t nl = content.find('\n', pos);
      size_t end = nl == std::string::npos ? content.size() : nl;
      std::string_view text(content.data() + pos, end - pos);
      if (!text.empty() && text.back() == '\r') {
        text.remove_suffix(1);
      }
      std::string_view matched = text.substr(0, kMaxSearchLineBytes);
      // A cut line does not end where it is cut: `$` must not match there.
      auto flags = matched.size() < text.size() ? std::regex_constants::match_not_eol
                                                : std::regex_constants::match_default;
      if (std::regex_search(matched.begin(), matched.end(), re, flags)) {
        std::string shown_text(text.substr(0, kMaxSearchShownBytes));
        if (text.size() > kMaxSearchShownBytes) {
          shown_text += " [...]";
        }
        ctx.out.add(1, shown + ":" + std::to_string(line) + ":" + shown_text + "\n");
        if (++results >= max_results || ctx.out.full()) {
          stopped = true;
          return;
        }
      }
      pos = end + 1;
      ++line;
    }
  }

  void dir(int dirfd, const std::string &shown, const std::string &rel_to_root, int depth) {
    DIR *d = nullptr;
    int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);  // own offset
    if (dup < 0 || (d = ::fdopendir(dup)) == nullptr) {
      if (dup >= 0) {
        ::close(dup);
      }
      return;
    }
    std::vector<std::string> names;
    while (dirent *e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n != "." && n != ".." && n != ".git") {
        names.emplace_back(n);
      }
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string &name : names) {
      if (stopped || interrupted()) {
        return;
      }
      struct stat st {};
      if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        continue;
      }
      std::string child_shown = relative_join(shown, name);
      std::string child_rel = relative_join(rel_to_root, name);
      if (S_ISDIR(st.st_mode)) {
        if (depth >= kMaxSearchDepth) {
          continue;
        }
        int sub = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) {
          dir(sub, child_shown, child_rel, depth + 1);
          ::close(sub);
        }
      } else if (S_ISREG(st.st_mode) && wanted(child_rel, name)) {
        file(dirfd, name, child_shown);
      }
    }
  }
};

// Runs `fn` on a thread with a large stack (std::regex recurses), joining it.
void run_on_big_stack(const std::function<void()> &fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kSearchStack);
  pthread_t thread;
  auto *arg = const_cast<std::function<void()> *>(&fn);
  if (pthread_create(
          &thread, &attr,
          [](void *p) -> void * {
            (*static_cast<std::function<void()> *>(p))();
            return nullptr;
          },
          arg) != 0) {
    fn();  // no thread could be made: run here
  } else {
    pthread_join(thread, nullptr);
  }
  pthread_attr_destroy(&attr);
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  std::vector<std::string> alternatives;
  expand_braces(pattern, &alternatives);
  for (std::string_view alt : alternatives) {
    while (alt.substr(0, 2) == "./") {
      alt.remove_prefix(2);
    }
    if (!alt.empty() && alt[0] == '/') {
      alt.remove_prefix(1);
    }
    bool slash = alt.find('/') != std::string_view::npos;
    std::string_view target = path;
    if (!slash) {
      size_t cut = path.rfind('/');
      target = cut == std::string_view::npos ? path : path.substr(cut + 1);
    }
    if (match_tokens(tokenize(alt), target)) {
      return true;
    }
  }
  return false;
}

ToolOutcome search(const ToolContext &ctx, const SearchArgs &args) {
  ToolOutcome o;
  if (args.pattern.empty()) {
    o.error = "`pattern` must not be empty";
    return o;
  }
  if (args.pattern.size() > kMaxPatternBytes) {
    o.error = "`pattern` is too long (at most " + std::to_string(kMaxPatternBytes) + " bytes)";
    return o;
  }
  ResolvedPath p;
  if (!ctx.ws.resolve(args.path.empty() ? "." : args.path, true, &p, &o.error)) {
    return o;
  }
  if (!p.exists) {
    o.error = "`" + args.path + "` does not exist";
    return o;
  }
  uint64_t max_results =
      args.max_results == 0 ? kDefaultSearchResults : std::min(args.max_results, kMaxSearchResults);
  run_on_big_stack([&] {
    std::regex re;
    try {
      re = std::regex(args.pattern, std::regex::ECMAScript | std::regex::optimize |
                                        std::regex_constants::__polynomial);
    } catch (const std::regex_error &e) {
      o.error = std::string(
                    "invalid regular expression (ECMAScript syntax; back-references are "
                    "not supported): ") +
                e.what();
      return;
    }
    Searcher s{ctx, re, {}, false, max_results, 0, 0, false, &o};
    if (!args.glob.empty()) {
      std::vector<std::string> alternatives;
      expand_braces(args.glob, &alternatives);
      for (std::string &alt : alternatives) {
        std::string_view a = alt;
        while (a.substr(0, 2) == "./") {
          a.remove_prefix(2);
        }
        if (!a.empty() && a[0] == '/') {
          a.remove_prefix(1);
        }
        s.glob_has_slash = s.glob_has_slash || a.find('/') != std::string_view::npos;
        s.globs.push_back(tokenize(a));
      }
    }
    try {
      std::string parent_error;
      std::span<const std::string> parts(p.parts);
      int dirfd =
          ctx.ws.open_dir(parts.subspan(0, parts.empty() ? 0 : parts.size() - 1), &parent_error);
      if (dirfd < 0) {
        o.error = parent_error;
        return;
      }
      struct stat st {};
      bool is_dir = p.parts.empty() ||
                    (::fstatat(dirfd, p.parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                     S_ISDIR(st.st_mode));
      if (is_dir) {
        int target = p.parts.empty() ? ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                                     : ::openat(dirfd, p.parts.back().c_str(),
                                                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (target >= 0) {
          s.dir(target, p.parts.empty() ? "" : p.rel(), "", 0);
          ::close(target);
        } else {
          o.error = "cannot open `" + args.path + "`: " + std::strerror(errno);
        }
      } else {
        s.file(dirfd, p.parts.back(), p.rel());
      }
      ::close(dirfd);
    } catch (const std::exception &e) {  // std::regex may throw error_complexity/error_stack
      o.error = std::string("the search failed: ") + e.what();
    }
    if (!o.error.empty()) {
      return;
    }
    if (o.canceled || o.timed_out) {
      o.error = o.canceled ? "canceled" : "timed out";
      return;
    }
    if (s.results == 0 && !ctx.out.full()) {
      ctx.out.add(1, "no matches\n");
    }
    if (s.results >= max_results) {
      o.truncated = true;
      o.note = "search stopped after " + std::to_string(s.results) +
               " matches: narrow the pattern, path or glob, or raise max_results (at most " +
               std::to_string(kMaxSearchResults) + ")";
    } else if (ctx.out.full()) {
      o.note = "search stopped at the output cap: narrow the pattern, path or glob";
    }
    if (s.skipped_large > 0) {
      ctx.out.add(1, "(" + std::to_string(s.skipped_large) + " files over " +
                         std::to_string(kMaxSearchFileBytes / (1024 * 1024)) +
                         " MiB were not searched)\n");
    }
    o.success = true;
  });
  ctx.out.finish(true);
  return o;
}

}  // namespace pvpd::tools
