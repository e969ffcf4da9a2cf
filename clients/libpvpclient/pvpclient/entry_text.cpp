// Plain-text helpers for entries (see client_state.h: kind_name, plain_text, sanitize).
#include <cstdint>

#include "pvpclient/client_state.h"

namespace pvpd::client {

const char *kind_name(EntryKind k) {
  switch (k) {
    case EntryKind::kPrompt: return "prompt";
    case EntryKind::kThinking: return "thinking";
    case EntryKind::kResponse: return "response";
    case EntryKind::kTool: return "tool";
    case EntryKind::kToolOutput: return "output";
    case EntryKind::kToolResult: return "result";
    case EntryKind::kGate: return "gate";
    case EntryKind::kVote: return "vote";
    case EntryKind::kInterrupt: return "interrupt";
    case EntryKind::kAck: return "ack";
    case EntryKind::kContext: return "context";
    case EntryKind::kTranscript: return "transcript";
    case EntryKind::kMembership: return "member";
    case EntryKind::kError: return "error";
    case EntryKind::kNotice: return "notice";
    case EntryKind::kUnknown: return "unknown";
    case EntryKind::kMalformed: return "malformed";
  }
  return "?";
}

std::string plain_text(const Entry &e) {
  return sanitize(e.prefix + e.text);
}

std::string sanitize(std::string_view s) {
  static constexpr const char *kReplacement = "\xef\xbf\xbd";  // U+FFFD
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '\n' || c == '\t') {
        out += static_cast<char>(c);
      } else if (c < 0x20 || c == 0x7f) {
        out += '?';
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // Validate one UTF-8 sequence (no overlongs, no surrogates, <= U+10FFFF).
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len != 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok) {
      ok = !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) &&
           !(cp >= 0xD800 && cp <= 0xDFFF) && !(cp >= 0x80 && cp < 0xA0);
    }
    if (!ok) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace pvpd::client
