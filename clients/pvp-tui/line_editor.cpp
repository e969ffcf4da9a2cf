// Editor buffer (see line_editor.h).
#include "line_editor.h"

namespace pvp_tui {

void LineEditor::insert(wchar_t c) {
  text_.insert(text_.begin() + static_cast<std::ptrdiff_t>(cursor_), c);
  ++cursor_;
}

void LineEditor::backspace() {
  if (cursor_ > 0) {
    text_.erase(--cursor_, 1);
  }
}

void LineEditor::erase_forward() {
  if (cursor_ < text_.size()) {
    text_.erase(cursor_, 1);
  }
}

void LineEditor::left() {
  if (cursor_ > 0) {
    --cursor_;
  }
}

void LineEditor::right() {
  if (cursor_ < text_.size()) {
    ++cursor_;
  }
}

void LineEditor::home() {
  while (cursor_ > 0 && text_[cursor_ - 1] != L'\n') {
    --cursor_;
  }
}

void LineEditor::end() {
  while (cursor_ < text_.size() && text_[cursor_] != L'\n') {
    ++cursor_;
  }
}

void LineEditor::clear() {
  text_.clear();
  cursor_ = 0;
}

void LineEditor::set(std::wstring text) {
  text_ = std::move(text);
  cursor_ = text_.size();
}

}  // namespace pvp_tui
