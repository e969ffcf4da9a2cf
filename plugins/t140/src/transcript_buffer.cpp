// Chunking rules; see transcript_buffer.h.
#include "transcript_buffer.h"

#include <algorithm>

#include "grapheme.h"

namespace pvpd::t140 {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t';
}

bool is_terminator(char c) {
  return c == '.' || c == '!' || c == '?';
}

bool is_closer(char c) {
  return c == '"' || c == '\'' || c == ')' || c == ']';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// A '.' after a one-letter word or inside a dotted abbreviation ("e.g.", "U.S.") or after a
// title does not end a sentence.
bool abbreviation_before(std::string_view text, std::size_t dot) {
  std::size_t word_start = dot;
  while (word_start > 0 && !is_space(text[word_start - 1])) {
    --word_start;
  }
  std::string_view word = text.substr(word_start, dot - word_start);
  while (!word.empty() && (word.front() == '(' || word.front() == '"')) {
    word.remove_prefix(1);
  }
  if (word.size() == 1 &&
      ((word[0] >= 'a' && word[0] <= 'z') || (word[0] >= 'A' && word[0] <= 'Z'))) {
    return true;
  }
  if (word.find('.') != std::string_view::npos && word.size() <= 6) {
    return true;
  }
  static constexpr std::string_view kTitles[] = {"Mr", "Mrs", "Ms", "Dr", "Prof", "St", "vs"};
  return std::find(std::begin(kTitles), std::end(kTitles), word) != std::end(kTitles);
}

// Sentence boundaries: end offsets of "<terminator run><closers>" followed by white space or
// the end of the text. Digits around a '.' (3.14) are excluded by the white-space rule.
template <typename Fn>
void for_each_boundary(std::string_view text, Fn &&fn) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_terminator(text[i])) {
      ++i;
      continue;
    }
    std::size_t run_start = i;
    while (i < text.size() && is_terminator(text[i])) {
      ++i;
    }
    while (i < text.size() && is_closer(text[i])) {
      ++i;
    }
    bool single_dot = i - run_start == 1 && text[run_start] == '.';
    if ((i == text.size() || is_space(text[i])) &&
        !(single_dot && abbreviation_before(text, run_start)) &&
        !trim(text.substr(0, run_start)).empty()) {
      fn(i);
    }
  }
}

}  // namespace

void TranscriptBuffer::note_text(uint64_t now_ms) {
  last_input_ms_ = now_ms;
  if (has_boundary()) {
    if (!boundary_since_ms_) {
      boundary_since_ms_ = now_ms;
    }
  } else {
    boundary_since_ms_.reset();
  }
}

void TranscriptBuffer::append(std::string_view utf8, uint64_t now_ms) {
  if (utf8.empty()) {
    return;
  }
  pending_.append(utf8);
  note_text(now_ms);
}

void TranscriptBuffer::backspace(uint64_t now_ms) {
  if (pending_.empty() && !revising_) {
    if (!last_ || last_->text.empty()) {
      ++ignored_backspaces_;
      return;
    }
    // Reopen the last chunk: its next flush revises it.
    pending_ = last_->text;
    pending_lossy_ = last_->lossy;
    revising_ = true;
  }
  if (pending_.empty()) {
    ++ignored_backspaces_;
    return;
  }
  pending_.resize(last_grapheme_start(pending_));
  note_text(now_ms);
}

void TranscriptBuffer::mark_loss(uint64_t now_ms) {
  pending_.append("\xef\xbf\xbd");
  pending_lossy_ = true;
  note_text(now_ms);
}

bool TranscriptBuffer::has_boundary() const {
  bool found = false;
  for_each_boundary(pending_, [&](std::size_t) { found = true; });
  return found;
}

std::size_t TranscriptBuffer::flushable_boundary(uint64_t now_ms) const {
  std::size_t best = 0;
  const bool settled_end = now_ms >= last_input_ms_ + policy_.settle_ms;
  for_each_boundary(pending_, [&](std::size_t end) {
    // A sentence end at the very end of the text is final only once input paused; "3." may
    // still become "3.14".
    if (end < pending_.size() || settled_end) {
      best = end;
    }
  });
  return best;
}

void TranscriptBuffer::emit(std::size_t end, std::vector<Chunk> *out) {
  std::string_view head = trim(std::string_view(pending_).substr(0, end));
  Chunk c;
  c.text = std::string(head);
  c.lossy = pending_lossy_ && c.text.find("\xef\xbf\xbd") != std::string::npos;
  if (revising_) {
    c.index = last_->index;
    c.revision = true;
  } else {
    if (c.text.empty()) {
      pending_.erase(0, end);
      return;  // white space only: nothing to say
    }
    c.index = next_index_++;
  }
  pending_.erase(0, end);
  revising_ = false;
  pending_lossy_ = pending_lossy_ && pending_.find("\xef\xbf\xbd") != std::string::npos;
  last_ = c;
  out->push_back(std::move(c));
  boundary_since_ms_.reset();
  if (has_boundary()) {
    boundary_since_ms_ = last_input_ms_;
  }
}

void TranscriptBuffer::poll(uint64_t now_ms, std::vector<Chunk> *out) {
  // Size first: a flood of text without punctuation is cut at white space, else at a
  // character boundary, never inside a grapheme.
  while (pending_.size() >= policy_.max_chunk_bytes) {
    std::size_t cut = 0;
    for_each_boundary(pending_, [&](std::size_t end) {
      if (end <= policy_.max_chunk_bytes) {
        cut = end;
      }
    });
    if (cut == 0) {
      std::size_t ws = pending_.rfind(' ', policy_.max_chunk_bytes - 1);
      if (ws != std::string::npos && ws > policy_.max_chunk_bytes / 2) {
        cut = ws + 1;
      }
    }
    if (cut == 0) {
      cut = grapheme_boundary_at_or_before(pending_, policy_.max_chunk_bytes);
    }
    if (cut == 0) {
      cut = policy_.max_chunk_bytes;  // one cluster longer than a chunk: cut anyway
      while (cut < pending_.size() && (static_cast<unsigned char>(pending_[cut]) & 0xc0) == 0x80) {
        ++cut;
      }
    }
    emit(cut, out);
  }
  if (pending_.empty() && !revising_) {
    return;
  }
  if (now_ms >= last_input_ms_ + policy_.idle_flush_ms) {
    emit(pending_.size(), out);
    return;
  }
  if (boundary_since_ms_ && now_ms >= *boundary_since_ms_ + policy_.settle_ms) {
    // One chunk per sentence, up to the last one that may go.
    std::size_t end = flushable_boundary(now_ms);
    while (end > 0) {
      std::size_t first = 0;
      for_each_boundary(pending_, [&](std::size_t e) {
        if (first == 0) {
          first = e;
        }
      });
      first = std::min(first == 0 ? end : first, end);
      emit(first, out);
      end -= first;
    }
  }
}

void TranscriptBuffer::flush_all(std::vector<Chunk> *out) {
  if (!pending_.empty() || revising_) {
    emit(pending_.size(), out);
  }
}

std::optional<uint64_t> TranscriptBuffer::next_deadline() const {
  if (pending_.empty() && !revising_) {
    return std::nullopt;
  }
  uint64_t t = last_input_ms_ + policy_.idle_flush_ms;
  if (boundary_since_ms_) {
    t = std::min(t, std::max(*boundary_since_ms_, last_input_ms_) + policy_.settle_ms);
  }
  return t;
}

}  // namespace pvpd::t140
