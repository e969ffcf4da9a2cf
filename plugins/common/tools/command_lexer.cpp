// Shell command lexer (see command_lexer.h). Follows bash's token rules closely enough that
// whatever bash would run as a separate command shows up here as a separate ShellCommand or a
// substitution body; where bash and this lexer could disagree, the lexer errs towards finding
// more commands, never fewer.
#include "tools/command_lexer.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace pvpd::tools {
namespace {

bool is_blank(int c) {
  return c == ' ' || c == '\t';
}
bool is_meta(int c) {
  return c == '|' || c == '&' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')';
}
bool is_digit(int c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_name_char(int c) {
  return is_name_start(c) || is_digit(c);
}
int hex_value(int c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

void append_utf8(std::string &out, uint32_t cp) {
  if (cp > 0x10FFFF) {
    cp = 0xFFFD;
  }
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Redirect operators first (`&>` must not be read as `&`), longest first within each list.
constexpr std::array<std::string_view, 12> kRedirectOps = {"&>>", "<<<", "<<-", "&>", "<<", "<>",
                                                           "<&",  ">>",  ">&",  ">|", "<",  ">"};
constexpr std::array<std::string_view, 11> kControlOps = {";;&", ";;", ";&", "||", "|&", "&&",
                                                          "|",   "&",  ";",  "(",  ")"};

struct PendingHeredoc {
  std::string delimiter;
  bool strip_tabs = false;
  bool quoted = false;
};

class Parser {
 public:
  Parser(std::string_view source, int depth, std::string *error)
      : s_(source), depth_(depth), error_(error) {}

  // Parses a command list until the end of the source or, when `close` is ')', the `)` that
  // closes the substitution this list is the body of.
  void parse_list(ShellScript &out, char close) {
    if (!enter()) {
      return;
    }
    ShellCommand cur;
    size_t pipeline = 0;
    bool from_pipe = false;
    int parens = 0;
    std::vector<PendingHeredoc> heredocs;
    auto finish = [&](std::string_view terminator) {
      cur.terminator = std::string(terminator);
      if (!cur.words.empty() || !cur.redirects.empty()) {
        cur.pipeline = pipeline;
        cur.stdin_from_pipe = from_pipe;
        out.commands.push_back(std::move(cur));
      }
      cur = ShellCommand{};
      if (terminator == "|" || terminator == "|&") {
        from_pipe = true;
      } else {
        from_pipe = false;
        ++pipeline;
      }
    };

    while (!at_end()) {
      int c = peek();
      if (is_blank(c)) {
        ++i_;
        continue;
      }
      if (c == '\\' && peek(1) == '\n') {
        i_ += 2;
        continue;
      }
      if (close != 0 && c == close && parens == 0) {
        ++i_;
        finish("");
        return;
      }
      if (c == '#') {
        out.has_comment = true;
        while (i_ < s_.size() && s_[i_] != '\n') {
          ++i_;
        }
        continue;
      }
      if (c == '\n') {
        ++i_;
        out.operators.emplace_back("\n");
        finish("\n");
        read_heredocs(heredocs, out);
        continue;
      }
      // An all-digit word right before a redirect is its descriptor number (`2>&1`).
      int fd = -1;
      size_t digits = 0;
      while (is_digit(peek(digits)) && digits < 10) {
        ++digits;
      }
      if (digits > 0 && digits < 10 && (peek(digits) == '<' || peek(digits) == '>') &&
          peek(digits + 1) != '(') {
        fd = 0;
        for (size_t k = 0; k < digits; ++k) {
          fd = fd * 10 + (s_[i_ + k] - '0');
        }
        i_ += digits;
        c = peek();
      }
      if (std::string_view op = match(kRedirectOps); !op.empty() && peek(1) != '(') {
        i_ += op.size();
        out.operators.emplace_back(op);
        ShellRedirect r;
        r.fd = fd;
        r.op = std::string(op);
        while (is_blank(peek())) {
          ++i_;
        }
        int t = peek();
        if (t < 0 || t == '\n' || (is_meta(t) && !((t == '<' || t == '>') && peek(1) == '('))) {
          fail("the redirect `" + r.op + "` has no target");
          break;
        }
        read_word(r.target, out);
        if (r.op == "<<" || r.op == "<<-") {
          heredocs.push_back({r.target.text, r.op == "<<-", r.target.quoted});
        }
        cur.redirects.push_back(std::move(r));
        continue;
      }
      if (std::string_view op = match(kControlOps); !op.empty() && fd < 0) {
        i_ += op.size();
        out.operators.emplace_back(op);
        if (op == "(") {
          size_t k = 0;
          while (is_blank(peek(k))) {
            ++k;
          }
          if (peek(k) == ')' && cur.words.size() == 1 && cur.redirects.empty()) {
            i_ += k + 1;
            cur.function_def = true;
            finish("()");
            continue;
          }
          ++parens;
        } else if (op == ")" && parens > 0) {
          --parens;
        }
        finish(op);
        continue;
      }
      ShellWord w;
      read_word(w, out);
      cur.words.push_back(std::move(w));
    }
    if (close != 0) {
      fail("unterminated `$(`, `<(` or `>(`");
    }
    finish("");
  }

  // Reads a double-quote-like body (backslash escapes, $ and backtick substitutions) until
  // `close`, consumed, or the end of the source when `close` is 0 (here-documents, arithmetic).
  void read_dq_body(ShellWord &w, ShellScript &out, char close) {
    if (!enter()) {
      return;
    }
    while (!failed()) {
      if (i_ >= s_.size()) {
        if (close == '"') {
          fail("unterminated double quote");
        } else if (close != 0) {
          fail("unterminated `${`");
        }
        return;
      }
      char c = s_[i_];
      if (close != 0 && c == close) {
        ++i_;
        return;
      }
      if (c == '\\' && i_ + 1 < s_.size()) {
        char n = s_[i_ + 1];
        if (n == '\n') {
          i_ += 2;
          continue;
        }
        if (n == '$' || n == '`' || n == '\\' || (close != 0 && n == close)) {
          w.text.push_back(n);
          i_ += 2;
          continue;
        }
      }
      if (c == '$') {
        read_dollar(w, out, true);
        continue;
      }
      if (c == '`') {
        read_backtick(w, out);
        continue;
      }
      w.text.push_back(c);
      ++i_;
    }
  }

 private:
  bool failed() const { return !error_->empty(); }
  void fail(std::string message) {
    if (error_->empty()) {
      *error_ = std::move(message);
    }
    i_ = s_.size();
  }
  bool enter() {
    if (depth_ > kMaxShellNesting) {
      fail("substitutions are nested too deeply to analyse");
      return false;
    }
    return !failed();
  }
  bool at_end() const { return i_ >= s_.size() || failed(); }
  int peek(size_t k = 0) const {
    return i_ + k < s_.size() ? static_cast<unsigned char>(s_[i_ + k]) : -1;
  }
  template <size_t N>
  std::string_view match(const std::array<std::string_view, N> &ops) const {
    std::string_view rest = s_.substr(i_);
    for (std::string_view op : ops) {
      if (!op.empty() && rest.substr(0, op.size()) == op) {
        return op;
      }
    }
    return {};
  }

  // A nested parser over the same source from the current position (`$(`, `<(`).
  void parse_nested(ShellScript &sub, char close) {
    Parser p(s_, depth_ + 1, error_);
    p.i_ = i_;
    p.parse_list(sub, close);
    i_ = p.i_;
  }

  void read_heredocs(std::vector<PendingHeredoc> &heredocs, ShellScript &out) {
    for (const PendingHeredoc &h : heredocs) {
      std::string body;
      while (i_ < s_.size()) {
        size_t nl = s_.find('\n', i_);
        std::string_view line = s_.substr(i_, nl == std::string_view::npos ? nl : nl - i_);
        i_ = nl == std::string_view::npos ? s_.size() : nl + 1;
        std::string_view cmp = line;
        while (h.strip_tabs && !cmp.empty() && cmp.front() == '\t') {
          cmp.remove_prefix(1);
        }
        if (cmp == h.delimiter) {
          break;
        }
        body.append(line);
        body.push_back('\n');
      }
      if (!h.quoted) {
        Parser p(body, depth_ + 1, error_);
        ShellWord ignored;
        p.read_dq_body(ignored, out, 0);
      }
    }
    heredocs.clear();
  }

  void read_word(ShellWord &w, ShellScript &out) {
    bool start = true;
    while (!at_end()) {
      int c = peek();
      if (is_blank(c) || c == '\n') {
        break;
      }
      if ((c == '<' || c == '>') && peek(1) == '(') {
        size_t b = i_;
        i_ += 2;
        ShellScript sub;
        parse_nested(sub, ')');
        out.substitutions.push_back(std::move(sub));
        w.text.append(s_.substr(b, i_ - b));
        w.dynamic = true;
        start = false;
        continue;
      }
      if (is_meta(c)) {
        break;
      }
      switch (c) {
        case '\\':
          if (peek(1) == '\n') {
            i_ += 2;
          } else if (peek(1) >= 0) {
            w.text.push_back(s_[i_ + 1]);
            w.quoted = true;
            i_ += 2;
          } else {
            w.text.push_back('\\');
            ++i_;
          }
          break;
        case '\'': {
          size_t end = s_.find('\'', i_ + 1);
          if (end == std::string_view::npos) {
            fail("unterminated single quote");
            return;
          }
          w.text.append(s_.substr(i_ + 1, end - i_ - 1));
          w.quoted = true;
          i_ = end + 1;
          break;
        }
        case '"':
          ++i_;
          w.quoted = true;
          read_dq_body(w, out, '"');
          break;
        case '$': read_dollar(w, out, false); break;
        case '`': read_backtick(w, out); break;
        case '~':
          w.tilde = w.tilde || start;
          w.text.push_back('~');
          ++i_;
          break;
        case '*':
        case '?':
        case '[':
          w.glob = true;
          w.text.push_back(static_cast<char>(c));
          ++i_;
          break;
        default: w.text.push_back(static_cast<char>(c)); ++i_;
      }
      start = false;
    }
  }

  void read_dollar(ShellWord &w, ShellScript &out, bool in_dq) {
    size_t b = i_;
    int n = peek(1);
    if (n == '(' && peek(2) == '(') {  // $(( arithmetic ))
      i_ += 3;
      size_t start = i_;
      int depth = 0;
      while (i_ < s_.size()) {
        char c = s_[i_];
        if (c == '(') {
          ++depth;
        } else if (c == ')') {
          if (depth == 0) {
            break;
          }
          --depth;
        }
        ++i_;
      }
      if (i_ >= s_.size()) {
        fail("unterminated `$((`");
        return;
      }
      std::string_view inner = s_.substr(start, i_ - start);
      i_ += peek(1) == ')' ? size_t{2} : size_t{1};
      Parser p(inner, depth_ + 1, error_);
      ShellWord ignored;
      p.read_dq_body(ignored, out, 0);
      w.text.append(s_.substr(b, std::min(i_, s_.size()) - b));
      w.dynamic = true;
      out.has_expansion = true;
      return;
    }
    if (n == '(') {  // $( command substitution )
      i_ += 2;
      ShellScript sub;
      parse_nested(sub, ')');
      out.substitutions.push_back(std::move(sub));
      w.text.append(s_.substr(b, std::min(i_, s_.size()) - b));
      w.dynamic = true;
      return;
    }
    if (n == '{') {  // ${ parameter expansion }, whose operands may hold substitutions
      i_ += 2;
      Parser p(s_, depth_ + 1, error_);
      p.i_ = i_;
      ShellWord inner;
      p.read_dq_body(inner, out, '}');
      i_ = p.i_;
      w.text.append(s_.substr(b, std::min(i_, s_.size()) - b));
      w.dynamic = true;
      out.has_expansion = true;
      return;
    }
    if (!in_dq && n == '\'') {  // $'ANSI-C quoting'
      i_ += 2;
      read_ansi_c(w);
      w.quoted = true;
      return;
    }
    if (!in_dq && n == '"') {  // $"locale string": a double-quoted string
      i_ += 2;
      w.quoted = true;
      read_dq_body(w, out, '"');
      return;
    }
    if (is_name_start(n)) {
      i_ += 2;
      while (is_name_char(peek())) {
        ++i_;
      }
    } else if (is_digit(n) || n == '@' || n == '*' || n == '#' || n == '?' || n == '$' ||
               n == '!' || n == '-') {
      i_ += 2;
    } else {
      w.text.push_back('$');
      ++i_;
      return;
    }
    w.text.append(s_.substr(b, i_ - b));
    w.dynamic = true;
    out.has_expansion = true;
  }

  void read_ansi_c(ShellWord &w) {
    while (true) {
      if (i_ >= s_.size()) {
        fail("unterminated `$'`");
        return;
      }
      char c = s_[i_];
      if (c == '\'') {
        ++i_;
        return;
      }
      if (c != '\\' || i_ + 1 >= s_.size()) {
        w.text.push_back(c);
        ++i_;
        continue;
      }
      char e = s_[i_ + 1];
      i_ += 2;
      switch (e) {
        case 'n': w.text.push_back('\n'); break;
        case 't': w.text.push_back('\t'); break;
        case 'r': w.text.push_back('\r'); break;
        case 'a': w.text.push_back('\a'); break;
        case 'b': w.text.push_back('\b'); break;
        case 'f': w.text.push_back('\f'); break;
        case 'v': w.text.push_back('\v'); break;
        case 'e':
        case 'E': w.text.push_back('\x1b'); break;
        case 'c':
          if (i_ < s_.size()) {
            w.text.push_back(static_cast<char>(s_[i_] & 0x1f));
            ++i_;
          }
          break;
        case 'x':
        case 'u':
        case 'U': {
          size_t max = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
          uint32_t v = 0;
          size_t k = 0;
          while (k < max && hex_value(peek()) >= 0) {
            v = v * 16 + static_cast<uint32_t>(hex_value(peek()));
            ++i_;
            ++k;
          }
          if (k == 0) {
            w.text.push_back('\\');
            w.text.push_back(e);
          } else if (e == 'x') {
            w.text.push_back(static_cast<char>(v));
          } else {
            append_utf8(w.text, v);
          }
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            uint32_t v = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && peek() >= '0' && peek() <= '7'; ++k) {
              v = v * 8 + static_cast<uint32_t>(peek() - '0');
              ++i_;
            }
            w.text.push_back(static_cast<char>(v & 0xFF));
          } else if (e == '\\' || e == '\'' || e == '"' || e == '?') {
            w.text.push_back(e);
          } else {
            w.text.push_back('\\');
            w.text.push_back(e);
          }
      }
    }
  }

  void read_backtick(ShellWord &w, ShellScript &out) {
    size_t b = i_;
    ++i_;
    std::string inner;
    while (true) {
      if (i_ >= s_.size()) {
        fail("unterminated backtick");
        return;
      }
      char c = s_[i_];
      if (c == '`') {
        ++i_;
        break;
      }
      if (c == '\\' && i_ + 1 < s_.size() &&
          (s_[i_ + 1] == '`' || s_[i_ + 1] == '\\' || s_[i_ + 1] == '$')) {
        inner.push_back(s_[i_ + 1]);
        i_ += 2;
        continue;
      }
      inner.push_back(c);
      ++i_;
    }
    Parser p(inner, depth_ + 1, error_);
    ShellScript sub;
    p.parse_list(sub, 0);
    out.substitutions.push_back(std::move(sub));
    w.text.append(s_.substr(b, i_ - b));
    w.dynamic = true;
  }

  std::string_view s_;
  size_t i_ = 0;
  int depth_;
  std::string *error_;
};

bool is_assignment(const ShellWord &w) {
  size_t eq = w.text.find('=');
  if (eq == std::string::npos || eq == 0 || !is_name_start(static_cast<unsigned char>(w.text[0]))) {
    return false;
  }
  for (size_t k = 1; k < eq; ++k) {
    if (!is_name_char(static_cast<unsigned char>(w.text[k]))) {
      return false;
    }
  }
  return true;
}

std::string describe_operator(std::string_view op) {
  return op == "\n" ? std::string("a newline") : "the shell operator `" + std::string(op) + "`";
}

}  // namespace

ShellScript parse_shell(std::string_view source) {
  ShellScript out;
  if (source.size() > kMaxShellSource) {
    out.error = "the command is too long to analyse";
    return out;
  }
  Parser p(source, 0, &out.error);
  p.parse_list(out, 0);
  return out;
}

bool split_command_words(std::string_view command, std::vector<std::string> *argv,
                         std::string *error) {
  static constexpr std::string_view kHint =
      ": commands are never run through a shell. Pass {\"argv\": [\"program\", \"arg\", ...]} to "
      "run one program with literal arguments, or {\"argv\": [\"sh\", \"-c\", \"...\"]} when a "
      "shell is really needed (always classified critical and gated)";
  argv->clear();
  ShellScript s = parse_shell(command);
  if (!s.error.empty()) {
    *error = "cannot split the command (" + s.error + ")" + std::string(kHint);
    return false;
  }
  if (!s.operators.empty()) {
    *error = "the command contains " + describe_operator(s.operators.front()) + std::string(kHint);
    return false;
  }
  if (!s.substitutions.empty() || s.has_expansion) {
    *error = "the command uses `$` or backtick substitution, which is not performed" +
             std::string(kHint);
    return false;
  }
  if (s.commands.empty() || s.commands.front().words.empty()) {
    *error = "the command is empty";
    return false;
  }
  if (s.commands.size() != 1) {
    *error = "the command holds more than one command" + std::string(kHint);
    return false;
  }
  const std::vector<ShellWord> &words = s.commands.front().words;
  if (is_assignment(words.front())) {
    *error = "leading NAME=value assignments are not supported" + std::string(kHint);
    return false;
  }
  for (const ShellWord &w : words) {
    argv->push_back(w.text);
  }
  return true;
}

std::string shell_quote(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '/' || c == ':' || c == '=' || c == '@' ||
              c == '%' || c == '+' || c == ',' || c == '{' || c == '}';
    if (!ok) {
      plain = false;
      break;
    }
  }
  if (plain) {
    return std::string(word);
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

}  // namespace pvpd::tools
