#include "config/suggest.h"

#include <gtest/gtest.h>

namespace pvpd::config {
namespace {

TEST(ConfigSuggest, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("lisen", "listen"), 1u);
  EXPECT_EQ(edit_distance("plugin", "plugins"), 1u);
}

TEST(ConfigSuggest, Suggests) {
  std::vector<std::string> keys{"listen", "mode", "port", "send_queue", "max_message"};
  EXPECT_EQ(suggest("lisen", keys), "listen");
  EXPECT_EQ(suggest("prot", keys), "port");
  EXPECT_EQ(suggest("sendqueue", keys), "send_queue");
  EXPECT_EQ(suggest("max_mesage_size", keys), std::nullopt);  // 5 edits > 15/3
  EXPECT_EQ(suggest("completely_else", keys), std::nullopt);
  EXPECT_EQ(suggest("listen", keys), std::nullopt);  // exact match is not a typo
  EXPECT_EQ(did_you_mean("mdoe", keys), " (did you mean 'mode'?)");
  EXPECT_EQ(did_you_mean("zzzz", keys), "");
}

TEST(ConfigSuggest, LongWordsAllowMoreEdits) {
  std::vector<std::string> keys{"inbound_queue_limit"};
  // 19 chars -> up to 6 edits.
  EXPECT_EQ(suggest("inbound_queue_lim", keys), "inbound_queue_limit");
  EXPECT_EQ(suggest("inbound_queu_limt", keys), "inbound_queue_limit");
}

TEST(ConfigSuggest, FirstCandidateWinsTies) {
  EXPECT_EQ(suggest("ab", {"ac", "ad"}), "ac");
}

}  // namespace
}  // namespace pvpd::config
