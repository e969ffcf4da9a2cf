#include "flat_json.h"

namespace echo {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  void ws() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    ws();
    return i_ < s_.size() && s_[i_] == c;
  }

  // A JSON string; \uXXXX escapes outside ASCII are kept verbatim (config values are ASCII).
  std::optional<std::string> string() {
    if (!eat('"')) {
      return std::nullopt;
    }
    std::string out;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') {
        return out;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) {
        return std::nullopt;
      }
      char e = s_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': out += "\\u"; break;
        default: out += e; break;
      }
    }
    return std::nullopt;
  }

  // Any value; scalars are returned as text, containers are skipped (returned empty).
  std::optional<std::string> value() {
    ws();
    if (peek('"')) {
      return string();
    }
    if (peek('{') || peek('[')) {
      int depth = 0;
      bool in_string = false;
      for (; i_ < s_.size(); ++i_) {
        char c = s_[i_];
        if (in_string) {
          if (c == '\\') {
            ++i_;
          } else if (c == '"') {
            in_string = false;
          }
        } else if (c == '"') {
          in_string = true;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if ((c == '}' || c == ']') && --depth == 0) {
          ++i_;
          return std::string();
        }
      }
      return std::nullopt;
    }
    std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' &&
           s_[i_] != '\n') {
      ++i_;
    }
    if (start == i_) {
      return std::nullopt;
    }
    return std::string(s_.substr(start, i_ - start));
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

}  // namespace

std::optional<std::map<std::string, std::string>> parse_flat_object(std::string_view json) {
  Reader r(json);
  std::map<std::string, std::string> out;
  if (!r.eat('{')) {
    return std::nullopt;
  }
  if (r.eat('}')) {
    return out;
  }
  do {
    std::optional<std::string> key = r.string();
    if (!key || !r.eat(':')) {
      return std::nullopt;
    }
    std::optional<std::string> val = r.value();
    if (!val) {
      return std::nullopt;
    }
    out[*key] = *val;
  } while (r.eat(','));
  if (!r.eat('}')) {
    return std::nullopt;
  }
  return out;
}

}  // namespace echo
