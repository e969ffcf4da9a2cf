// A small text editor buffer for the compose box and one-line prompts (comment, reason,
// interrupt message, search): insert at the cursor, backspace, cursor movement.
// THREAD/OWNERSHIP: a plain value owned by the UI loop.
#pragma once

#include <string>

namespace pvp_tui {

class LineEditor {
 public:
  void insert(wchar_t c);
  void backspace();
  void erase_forward();
  void left();
  void right();
  void home();  // start of the current line
  void end();   // end of the current line
  void clear();
  void set(std::wstring text);
  const std::wstring &text() const { return text_; }
  size_t cursor() const { return cursor_; }
  bool empty() const { return text_.empty(); }

 private:
  std::wstring text_;
  size_t cursor_ = 0;
};

}  // namespace pvp_tui
