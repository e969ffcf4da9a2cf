// Secret redaction (see redactor.h).
#include "tools/redactor.h"

#include <algorithm>

namespace pvpd::tools {

Redactor::Redactor(const std::map<std::string, std::string> &secrets) {
  for (const auto &[name, value] : secrets) {
    if (value.empty()) {
      continue;  // an empty value would match everywhere
    }
    secrets_.emplace_back(value, "[REDACTED:" + name + "]");
    first_byte_[static_cast<unsigned char>(value[0])] = true;
    max_len_ = std::max(max_len_, value.size());
  }
  // Longest first: a secret that contains another is replaced whole.
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
}

size_t Redactor::scan(std::string_view text, bool final, std::string *out) const {
  size_t i = 0;
  size_t plain = 0;  // start of the run of bytes not yet copied
  while (i < text.size()) {
    if (!first_byte_[static_cast<unsigned char>(text[i])]) {
      ++i;
      continue;
    }
    std::string_view rest = text.substr(i);
    const std::pair<std::string, std::string> *match = nullptr;
    bool partial = false;
    for (const auto &s : secrets_) {
      if (rest.size() >= s.first.size()) {
        if (rest.compare(0, s.first.size(), s.first) == 0) {
          match = &s;
          break;
        }
      } else if (!final && s.first.compare(0, rest.size(), rest) == 0) {
        partial = true;  // a longer secret may begin here: the next bytes decide
      }
    }
    if (partial) {
      // Even when a shorter secret matches already, wait: the whole text would have the longer
      // one replaced, and so must the stream.
      out->append(text.substr(plain, i - plain));
      return i;
    }
    if (match != nullptr) {
      out->append(text.substr(plain, i - plain));
      out->append(match->second);
      i += match->first.size();
      plain = i;
      continue;
    }
    ++i;
  }
  out->append(text.substr(plain));
  return text.size();
}

std::string Redactor::redact(std::string_view text) const {
  if (secrets_.empty()) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  scan(text, true, &out);
  return out;
}

std::string StreamRedactor::feed(std::string_view chunk) {
  std::string out;
  if (redactor_->empty()) {
    out.assign(chunk);
    return out;
  }
  pending_.append(chunk);
  size_t done = redactor_->scan(pending_, false, &out);
  pending_.erase(0, done);
  return out;
}

std::string StreamRedactor::finish() {
  std::string out;
  redactor_->scan(pending_, true, &out);
  pending_.clear();
  return out;
}

size_t utf8_complete_prefix(std::string_view s) {
  // Look back over at most three continuation bytes for the lead byte of the last sequence.
  size_t n = s.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    unsigned char c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) {
      continue;  // continuation byte
    }
    size_t need = (c & 0x80) == 0      ? 1
                  : (c & 0xE0) == 0xC0 ? 2
                  : (c & 0xF0) == 0xE0 ? 3
                  : (c & 0xF8) == 0xF0 ? 4
                                       : 1;  // invalid lead byte: pass it through
    return back < need ? n - back : n;
  }
  return n;
}

OutputCollector::OutputCollector(const Redactor &redactor, size_t cap, const StreamFn *on_output)
    : redact_{StreamRedactor(redactor), StreamRedactor(redactor)},
      cap_(cap),
      on_output_(on_output) {}

void OutputCollector::add(int stream, std::string_view raw) {
  int s = stream == 2 ? 1 : 0;
  std::string text = utf8_tail_[s] + redact_[s].feed(raw);
  size_t keep = utf8_complete_prefix(text);
  utf8_tail_[s] = text.substr(keep);
  text.resize(keep);
  emit(stream, std::move(text));
}

void OutputCollector::finish(bool complete) {
  for (int s = 0; s < 2; ++s) {
    std::string tail = redact_[s].finish();
    if (complete) {
      emit(s + 1, utf8_tail_[s] + tail);
    }
    utf8_tail_[s].clear();
  }
}

void OutputCollector::emit(int stream, std::string text) {
  if (text.empty()) {
    return;
  }
  size_t room = cap_ > output_.size() ? cap_ - output_.size() : 0;
  if (text.size() > room) {
    size_t keep = utf8_complete_prefix(std::string_view(text).substr(0, room));
    omitted_ += text.size() - keep;
    truncated_ = true;
    text.resize(keep);
  }
  if (text.empty()) {
    return;
  }
  output_ += text;
  if (on_output_ != nullptr && *on_output_) {
    (*on_output_)(stream == 2 ? "stderr" : "stdout", text);
  }
}

}  // namespace pvpd::tools
