// Wide-character layout (see text_layout.h).
#include "text_layout.h"

#include <cwchar>

namespace pvp_tui {

std::wstring widen(std::string_view s) {
  std::wstring out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? L'?' : static_cast<wchar_t>(c);
      ++i;
      continue;
    }
    size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    uint32_t cp = len == 4 ? c & 0x07 : len == 3 ? c & 0x0F : c & 0x1F;
    bool ok = len != 0 && c < 0xF5 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    ok = ok && !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) &&
         !(cp >= 0xD800 && cp <= 0xDFFF) && !(cp >= 0x80 && cp < 0xA0);
    if (!ok) {
      out += L'\xFFFD';
      ++i;
      continue;
    }
    out += static_cast<wchar_t>(cp);
    i += len;
  }
  return out;
}

std::string narrow(std::wstring_view w) {
  std::string out;
  for (wchar_t wc : w) {
    auto cp = static_cast<uint32_t>(wc);
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp <= 0x10FFFF) {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

int char_width(wchar_t c) {
  const int w = ::wcwidth(c);
  return w < 0 ? 1 : w;
}

int text_width(std::wstring_view s) {
  int w = 0;
  for (wchar_t c : s) {
    w += char_width(c);
  }
  return w;
}

std::vector<WrappedLine> wrap(std::wstring_view prefix, std::wstring_view body, int width) {
  if (width < 1) {
    width = 1;
  }
  std::wstring all(prefix);
  all += body;
  const size_t prefix_len = prefix.size();
  std::vector<WrappedLine> out;
  size_t pos = 0;
  auto emph = [&](size_t start, size_t len) {
    return start >= prefix_len ? 0 : std::min(len, prefix_len - start);
  };
  while (pos <= all.size()) {
    size_t end = pos;
    int cols = 0;
    size_t last_space = std::wstring::npos;
    while (end < all.size() && all[end] != L'\n') {
      wchar_t c = all[end] == L'\t' ? L' ' : all[end];
      const int cw = char_width(c);
      if (cols + cw > width) {
        break;
      }
      if (c == L' ') {
        last_space = end;
      }
      cols += cw;
      ++end;
    }
    size_t next = end;
    if (end < all.size() && all[end] != L'\n') {
      // Soft break: prefer the last space, unless that leaves nothing on this line.
      if (last_space != std::wstring::npos && last_space > pos) {
        end = last_space;
        next = last_space + 1;
      } else if (end == pos) {
        end = pos + 1;  // a character wider than the line: show it anyway
        next = end;
      }
    } else if (end < all.size()) {
      next = end + 1;  // skip the '\n'
    } else {
      next = all.size() + 1;
    }
    WrappedLine line;
    line.text = all.substr(pos, end - pos);
    for (auto &c : line.text) {
      if (c == L'\t') {
        c = L' ';
      }
    }
    line.emphasis = emph(pos, end - pos);
    out.push_back(std::move(line));
    pos = next;
  }
  if (out.empty()) {
    out.push_back({});
  }
  return out;
}

std::wstring fit(std::wstring_view s, int width) {
  if (width <= 0) {
    return L"";
  }
  if (text_width(s) <= width) {
    return std::wstring(s);
  }
  std::wstring out;
  int cols = 0;
  for (wchar_t c : s) {
    const int cw = char_width(c);
    if (cols + cw > width - 1) {
      break;
    }
    out += c;
    cols += cw;
  }
  return out + L"\x2026";
}

}  // namespace pvp_tui
