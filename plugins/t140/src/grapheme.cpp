// Approximate extended grapheme clusters (UAX #29 rules GB9, GB9a, GB11, GB12/13 in spirit).
#include "grapheme.h"

#include <cstdint>

namespace pvpd::t140 {
namespace {

// Start offset and value of the code point that ends right before `end`.
std::size_t prev_cp(std::string_view s, std::size_t end, uint32_t *cp) {
  std::size_t start = end;
  while (start > 0) {
    --start;
    if ((static_cast<unsigned char>(s[start]) & 0xc0) != 0x80) {
      break;
    }
  }
  const auto *p = reinterpret_cast<const unsigned char *>(s.data()) + start;
  std::size_t len = end - start;
  uint32_t v = len == 1 ? p[0] : len == 2 ? p[0] & 0x1f : len == 3 ? p[0] & 0x0f : p[0] & 0x07;
  for (std::size_t i = 1; i < len; ++i) {
    v = (v << 6) | (p[i] & 0x3f);
  }
  *cp = v;
  return start;
}

bool extends(uint32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
         (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
         (cp >= 0xfe20 && cp <= 0xfe2f) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
         (cp >= 0x1f3fb && cp <= 0x1f3ff) || (cp >= 0xe0020 && cp <= 0xe007f) ||
         (cp >= 0xe0100 && cp <= 0xe01ef) || cp == 0x200d;
}

bool regional(uint32_t cp) {
  return cp >= 0x1f1e6 && cp <= 0x1f1ff;
}

}  // namespace

std::size_t last_grapheme_start(std::string_view text) {
  if (text.empty()) {
    return 0;
  }
  uint32_t cp = 0;
  std::size_t start = prev_cp(text, text.size(), &cp);
  // Walk back over extenders to their base.
  while (extends(cp) && start > 0) {
    start = prev_cp(text, start, &cp);
  }
  // ZWJ sequences: base ZWJ base ZWJ base ...
  while (start > 0) {
    uint32_t before = 0;
    std::size_t b = prev_cp(text, start, &before);
    if (before != 0x200d || b == 0) {
      break;
    }
    start = prev_cp(text, b, &cp);
    while (extends(cp) && start > 0) {
      start = prev_cp(text, start, &cp);
    }
  }
  // A flag is a pair of regional indicators: count the run to pair them from its start.
  if (regional(cp)) {
    std::size_t run = 0;
    std::size_t pos = start;
    uint32_t r = 0;
    while (pos > 0) {
      std::size_t q = prev_cp(text, pos, &r);
      if (!regional(r)) {
        break;
      }
      pos = q;
      ++run;
    }
    if (run % 2 == 1) {
      start = prev_cp(text, start, &r);
    }
  }
  return start;
}

std::size_t grapheme_boundary_at_or_before(std::string_view text, std::size_t limit) {
  if (limit >= text.size()) {
    return text.size();
  }
  while (limit > 0 && (static_cast<unsigned char>(text[limit]) & 0xc0) == 0x80) {
    --limit;  // back to the start of the code point that straddles the limit
  }
  std::size_t end = limit + 1;
  while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) {
    ++end;
  }
  // The cluster that code point belongs to starts at or before it; cut before that cluster.
  return last_grapheme_start(text.substr(0, end));
}

}  // namespace pvpd::t140
