#include "config/suggest.h"

#include <algorithm>

namespace pvpd::config {

size_t edit_distance(std::string_view a, std::string_view b) {
  // Keys are short, but values may not be: cap the work so a hostile file stays cheap.
  constexpr size_t kMaxLen = 256;
  if (a.size() > kMaxLen || b.size() > kMaxLen) {
    return std::max(a.size(), b.size());
  }
  std::vector<size_t> prev(b.size() + 1);
  std::vector<size_t> cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> suggest(std::string_view word,
                                   const std::vector<std::string> &candidates) {
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const auto &c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_distance && d < c.size() && d != 0) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string> &candidates) {
  auto s = suggest(word, candidates);
  return s ? " (did you mean '" + *s + "'?)" : std::string();
}

}  // namespace pvpd::config
