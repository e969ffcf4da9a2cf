// Text layout for the terminal: UTF-8 to wide characters and wrapping by display width
// (wcwidth), so CJK, emoji and combining marks take the columns they really use.
//
// Pure functions (no curses), unit-tested in tests/clients. Expects setlocale() with a UTF-8
// LC_CTYPE for wcwidth of non-ASCII characters (pvp-tui sets it up at start).
// THREAD/OWNERSHIP: pure; values in, values out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pvp_tui {

// Decodes UTF-8 (invalid bytes become U+FFFD; control characters other than \n become '?').
std::wstring widen(std::string_view utf8);
std::string narrow(std::wstring_view wide);
// Display columns of one character (0 for combining, 2 for wide; unprintable counts 1).
int char_width(wchar_t c);
int text_width(std::wstring_view s);

struct WrappedLine {
  std::wstring text;
  size_t emphasis = 0;  // leading characters that belong to the emphasised prefix
};

// Wraps prefix+body to `width` columns (>= 1): hard breaks at '\n', soft breaks at spaces when
// possible, otherwise mid-word. Tabs become spaces. Never returns an empty vector.
std::vector<WrappedLine> wrap(std::wstring_view prefix, std::wstring_view body, int width);
// Cuts `s` to at most `width` columns, adding "…" when cut.
std::wstring fit(std::wstring_view s, int width);

}  // namespace pvp_tui
