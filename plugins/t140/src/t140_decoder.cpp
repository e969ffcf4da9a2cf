// T.140 decoding; the rules are listed in t140_decoder.h.
#include "t140_decoder.h"

namespace pvpd::t140 {
namespace {

// Escape and SOS strings are bounded so a missing terminator cannot swallow a whole stream.
constexpr uint32_t kMaxEscapeLen = 64;
constexpr uint32_t kMaxSosLen = 4096;

void push_text(std::vector<TextOp> *ops, std::string_view s) {
  if (ops->empty() || ops->back().backspace) {
    ops->push_back(TextOp{false, std::string(s)});
  } else {
    ops->back().text.append(s);
  }
}

// Length of the UTF-8 sequence a lead byte starts, 0 when it cannot start one.
std::size_t sequence_length(unsigned char b) {
  if (b < 0x80)
    return 1;
  if (b >= 0xc2 && b <= 0xdf)
    return 2;
  if (b >= 0xe0 && b <= 0xef)
    return 3;
  if (b >= 0xf0 && b <= 0xf4)
    return 4;
  return 0;
}

// Allowed range of the second byte (Unicode Table 3-7), which rules out overlongs,
// surrogates and code points above U+10FFFF.
bool second_ok(unsigned char lead, unsigned char b) {
  switch (lead) {
    case 0xe0: return b >= 0xa0 && b <= 0xbf;
    case 0xed: return b >= 0x80 && b <= 0x9f;
    case 0xf0: return b >= 0x90 && b <= 0xbf;
    case 0xf4: return b >= 0x80 && b <= 0x8f;
    default: return b >= 0x80 && b <= 0xbf;
  }
}

}  // namespace

void append_utf8(uint32_t cp, std::string *out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

void T140Decoder::replacement(std::vector<TextOp> *ops, DecodeStats *stats) {
  if (after_error_) {
    return;  // one marker per run of invalid bytes
  }
  after_error_ = true;
  after_cr_ = false;
  ++stats->replacements;
  push_text(ops, "\xef\xbf\xbd");
}

void T140Decoder::decode(std::string_view block, std::vector<TextOp> *ops, DecodeStats *stats) {
  std::string joined;
  std::string_view in = block;
  if (!held_.empty()) {
    joined = held_ + std::string(block);
    held_.clear();
    in = joined;
  }
  const auto *p = reinterpret_cast<const unsigned char *>(in.data());
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    unsigned char b = p[i];
    std::size_t len = sequence_length(b);
    if (len == 0) {
      replacement(ops, stats);
      ++i;
      continue;
    }
    if (len == 1) {
      code_point(b, ops, stats);
      ++i;
      continue;
    }
    // Validate as many continuation bytes as are present.
    std::size_t k = 1;
    bool bad = false;
    while (k < len && i + k < n) {
      unsigned char c = p[i + k];
      bool ok = k == 1 ? second_ok(b, c) : (c >= 0x80 && c <= 0xbf);
      if (!ok) {
        bad = true;
        break;
      }
      ++k;
    }
    if (bad) {
      replacement(ops, stats);  // the maximal subpart p[i..i+k) is one error
      i += k;
      continue;
    }
    if (k < len) {
      held_.assign(in.substr(i));  // complete prefix cut off by the block end
      break;
    }
    uint32_t cp = b & (len == 2 ? 0x1fu : len == 3 ? 0x0fu : 0x07u);
    for (std::size_t j = 1; j < len; ++j) {
      cp = (cp << 6) | (p[i + j] & 0x3f);
    }
    code_point(cp, ops, stats);
    i += len;
  }
}

void T140Decoder::code_point(uint32_t cp, std::vector<TextOp> *ops, DecodeStats *stats) {
  after_error_ = false;
  switch (escape_) {
    case Escape::kEsc:
      escape_ = Escape::kNone;
      if (cp == '[') {
        escape_ = Escape::kCsi;
        escape_len_ = 0;
        return;
      }
      if (cp == 'a') {
        return;  // INT (interrupt): a signal, not text
      }
      break;  // a lone ESC: drop it and treat this character normally
    case Escape::kCsi:
      if ((cp >= 0x40 && cp <= 0x7e) || ++escape_len_ > kMaxEscapeLen) {
        escape_ = Escape::kNone;
      }
      return;
    case Escape::kSos:
      if (cp == 0x9c || ++escape_len_ > kMaxSosLen) {
        escape_ = Escape::kNone;
      }
      return;
    case Escape::kNone: break;
  }
  const bool was_cr = after_cr_;
  after_cr_ = false;
  if (cp == 0x0a) {
    if (!was_cr) {
      push_text(ops, "\n");
    }
    return;
  }
  if (cp == 0x0d) {
    after_cr_ = true;
    push_text(ops, "\n");
    return;
  }
  if (cp == 0x2028 || cp == 0x2029) {
    push_text(ops, "\n");
    return;
  }
  if (cp == 0x08) {
    ops->push_back(TextOp{true, {}});
    return;
  }
  if (cp == 0xfeff) {
    ++stats->boms;
    return;
  }
  if (cp == 0x1b) {
    ++stats->controls;
    escape_ = Escape::kEsc;
    return;
  }
  if (cp == 0x9b || cp == 0x98) {
    ++stats->controls;
    escape_ = cp == 0x9b ? Escape::kCsi : Escape::kSos;
    escape_len_ = 0;
    return;
  }
  if ((cp < 0x20 && cp != 0x09) || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
    ++stats->controls;
    return;
  }
  std::string utf8;
  append_utf8(cp, &utf8);
  push_text(ops, utf8);
}

void T140Decoder::on_loss() {
  held_.clear();
  after_cr_ = false;
  after_error_ = false;
  escape_ = Escape::kNone;
}

void T140Decoder::finish(std::vector<TextOp> *ops, DecodeStats *stats) {
  if (!held_.empty()) {
    held_.clear();
    replacement(ops, stats);
  }
}

}  // namespace pvpd::t140
