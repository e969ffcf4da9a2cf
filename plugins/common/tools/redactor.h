// Secret redaction: every known secret value becomes [REDACTED:<name>] before a caller sees a
// byte of output.
//
// Redactor holds the secrets (longest first, so a secret containing another wins).
// StreamRedactor redacts a byte stream that arrives in chunks: a secret split across two chunks
// is still found, because the part of a chunk's end that could begin a secret is held back
// until the next chunk (or finish()). At most max_len()-1 bytes are ever held.
// OutputCollector is what the tools write through: redaction per stream, no UTF-8 sequence split
// across streamed chunks, the output cap, and the streaming callback.
//
// THREAD: a Redactor is immutable once built (safe to share); a StreamRedactor or an
// OutputCollector belongs to one call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pvpd::tools {

class Redactor {
 public:
  Redactor() = default;
  explicit Redactor(const std::map<std::string, std::string> &secrets);

  std::string redact(std::string_view text) const;
  size_t max_len() const { return max_len_; }
  bool empty() const { return secrets_.empty(); }

 private:
  friend class StreamRedactor;
  // Redacts text[0..); when `final` is false, stops at the first position where a secret could
  // begin but is cut by the end of the text, and returns that position (else text.size()).
  size_t scan(std::string_view text, bool final, std::string *out) const;

  std::vector<std::pair<std::string, std::string>> secrets_;  // value, replacement
  bool first_byte_[256] = {};
  size_t max_len_ = 0;
};

class StreamRedactor {
 public:
  explicit StreamRedactor(const Redactor &redactor) : redactor_(&redactor) {}
  // Returns the redacted text that is safe to emit now.
  std::string feed(std::string_view chunk);
  // The end of the stream: returns the held-back tail, redacted.
  std::string finish();
  size_t held() const { return pending_.size(); }

 private:
  const Redactor *redactor_;
  std::string pending_;
};

// Length of the longest prefix of `s` that does not end inside a UTF-8 multi-byte sequence.
size_t utf8_complete_prefix(std::string_view s);

class OutputCollector {
 public:
  using StreamFn = std::function<void(std::string_view stream, std::string_view chunk)>;

  // `on_output` may be null (no streaming). `cap` bytes of redacted output are kept.
  OutputCollector(const Redactor &redactor, size_t cap, const StreamFn *on_output);

  void add(int stream, std::string_view raw);  // stream 1 = stdout, 2 = stderr
  // `complete`: the input really ended (a process exited). When false (a file read stopped at
  // the cap) held-back bytes are dropped: they could be the start of a secret.
  void finish(bool complete = true);
  bool full() const { return truncated_; }

  const std::string &output() const { return output_; }
  std::string take_output() { return std::move(output_); }
  bool truncated() const { return truncated_; }
  uint64_t omitted() const { return omitted_; }  // redacted bytes not kept (known so far)

 private:
  void emit(int stream, std::string text);

  StreamRedactor redact_[2];
  std::string utf8_tail_[2];
  std::string output_;
  size_t cap_;
  const StreamFn *on_output_;
  bool truncated_ = false;
  uint64_t omitted_ = 0;
};

}  // namespace pvpd::tools
