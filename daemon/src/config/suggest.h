// "did you mean" suggestions for unknown keys and values (Levenshtein edit distance).
//
// THREAD: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::config {

size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within max(2, word.size() / 3) edits, the first one on a tie; never a
// candidate that shares nothing with the word (distance equal to the candidate's length).
std::optional<std::string> suggest(std::string_view word,
                                   const std::vector<std::string> &candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string> &candidates);

}  // namespace pvpd::config
