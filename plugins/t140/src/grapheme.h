// Grapheme-cluster boundaries, approximated, for T.140 backspace (which erases one
// user-perceived character) and for cutting over-long chunks without splitting a character.
// Handles combining marks, variation selectors, emoji modifiers, ZWJ sequences, regional
// indicator pairs and Hangul jamo sequences are not joined (documented limitation).
//
// THREAD: pure functions. OWNERSHIP: none.
#pragma once

#include <cstddef>
#include <string_view>

namespace pvpd::t140 {

// Byte offset where the last grapheme cluster of valid UTF-8 `text` starts (0 for "").
std::size_t last_grapheme_start(std::string_view text);

// The largest cluster boundary <= limit (0 if none but the start).
std::size_t grapheme_boundary_at_or_before(std::string_view text, std::size_t limit);

}  // namespace pvpd::t140
