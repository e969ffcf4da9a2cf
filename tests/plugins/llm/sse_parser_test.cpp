// SseParser: WHATWG event-stream rules, arbitrary splits, limits, the edge-case fixture.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "llm/sse_parser.h"
#include "mock_llm_server.h"

namespace pvpd::llm {
namespace {

std::vector<std::string> parse_all(const std::vector<std::string_view> &pieces,
                                   SseParser *parser_out = nullptr, SseLimits limits = {}) {
  SseParser parser(limits);
  std::vector<std::string> out;
  for (std::string_view piece : pieces) {
    parser.feed(piece,
                [&out](const SseEvent &e) { out.push_back(e.type + "|" + e.data + "|" + e.id); });
  }
  parser.finish();
  if (parser_out != nullptr) {
    *parser_out = parser;
  }
  return out;
}

TEST(llm_sse_parser, LineEndingsCommentsAndFields) {
  std::string s =
      ": comment\n"
      "event: a\r\n"
      "data: one\r"
      "data:two\n"
      "\n"
      "data:  leading space kept after the first\r\n\r\n"
      "id: 42\n"
      "event: b\n"
      "data\n"
      "\n"
      "retry: 1500\n"
      "unknown: x\n"
      "data: last\n\n";
  SseParser p;
  auto events = parse_all({s}, &p);
  std::vector<std::string> want = {"a|one\ntwo|", "message| leading space kept after the first|",
                                   "b||42", "message|last|42"};
  EXPECT_EQ(events, want);
  EXPECT_EQ(p.retry_ms(), 1500u);
  EXPECT_FALSE(p.failed());
}

TEST(llm_sse_parser, EventWithoutDataIsNotDispatchedAndTypeResets) {
  auto events = parse_all({"event: x\n\ndata: y\n\n"});
  EXPECT_EQ(events, std::vector<std::string>{"message|y|"});
}

TEST(llm_sse_parser, UnterminatedEventAtEndIsDiscarded) {
  auto events = parse_all({"data: a\n\ndata: b\n"});
  EXPECT_EQ(events, std::vector<std::string>{"message|a|"});
}

TEST(llm_sse_parser, BomIsDroppedOnlyAtStreamStartEvenWhenSplit) {
  std::string s =
      "\xEF\xBB\xBF"
      "data: a\n\n";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    auto events = parse_all({std::string_view(s).substr(0, cut), std::string_view(s).substr(cut)});
    EXPECT_EQ(events, std::vector<std::string>{"message|a|"}) << "cut " << cut;
  }
  // A BOM later in the stream is data.
  auto later = parse_all({"data: a\n\ndata: \xEF\xBB\xBFx\n\n"});
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[1], "message|\xEF\xBB\xBFx|");
  // A stream that starts with part of a BOM-like sequence keeps those bytes.
  auto partial =
      parse_all({"\xEF"
                 "data: a\n\n"});
  EXPECT_TRUE(partial.empty());  // "\xEFdata" is an unknown field
}

TEST(llm_sse_parser, CrLfSplitAcrossFeedsIsOneLineEnd) {
  auto events = parse_all({"data: a\r", "\n\r", "\n"});
  EXPECT_EQ(events, std::vector<std::string>{"message|a|"});
  // CR CR is two line ends: the second dispatches.
  EXPECT_EQ(parse_all({"data: a\r\r"}), std::vector<std::string>{"message|a|"});
}

TEST(llm_sse_parser, OverlongLineFailsWithAnError) {
  SseLimits limits;
  limits.max_line_bytes = 16;
  SseParser p(limits);
  int count = 0;
  EXPECT_TRUE(p.feed("data: short\n\n", [&](const SseEvent &) { ++count; }));
  EXPECT_FALSE(p.feed("data: 0123456789abc", [&](const SseEvent &) { ++count; }));
  EXPECT_TRUE(p.failed());
  EXPECT_NE(p.error().find("longer than 16"), std::string::npos) << p.error();
  EXPECT_FALSE(p.feed("\n\n", [&](const SseEvent &) { ++count; }));
  EXPECT_EQ(count, 1);
}

TEST(llm_sse_parser, OversizedEventDataFails) {
  SseLimits limits;
  limits.max_data_bytes = 10;
  SseParser p(limits);
  EXPECT_FALSE(p.feed("data: 12345\ndata: 67890\n\n", [](const SseEvent &) {}));
  EXPECT_NE(p.error().find("data longer"), std::string::npos);
}

TEST(llm_sse_parser, EdgeCaseFixtureGivesSevenEvents) {
  std::string bytes = testing::read_fixture("sse-edge-cases.sse");
  SseParser p;
  auto events = parse_all({bytes}, &p);
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[0].substr(0, 14), "message_start|");
  EXPECT_EQ(events[1], "content_block_start|{\"type\":\"content_block_start\",\"index\":0,|");
  EXPECT_EQ(events[2],
            "content_block_start|{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{"
            "\"type\":\"text\",\"text\":\"\"}}|");
  EXPECT_EQ(events[3],
            "content_block_delta|{\"type\":\"content_block_delta\",\"index\":0,\n\"delta\":{"
            "\"type\":\"text_delta\",\"text\":\"multi-line data\"}}|");
  EXPECT_EQ(events[4], "some_future_event|{\"type\":\"some_future_event\"}|");
  EXPECT_EQ(events[5], "content_block_stop|{\"type\":\"content_block_stop\",\"index\":0}|7");
  EXPECT_EQ(events[6].substr(0, 14), "message_delta|");
  EXPECT_EQ(p.retry_ms(), 1000u);
}

TEST(llm_sse_parser, EveryFixtureIsSplitStable) {
  for (const char *name :
       {"anthropic-tool-use.sse", "anthropic-overloaded-midstream.sse", "openai-chat-tool-use.sse",
        "openai-responses-tool-use.sse", "sse-edge-cases.sse"}) {
    std::string bytes = testing::read_fixture(name);
    auto whole = parse_all({bytes});
    ASSERT_FALSE(whole.empty()) << name;
    std::string_view v(bytes);
    for (size_t cut = 0; cut <= v.size(); ++cut) {
      ASSERT_EQ(parse_all({v.substr(0, cut), v.substr(cut)}), whole) << name << " cut " << cut;
    }
    std::vector<std::string_view> bytewise;
    for (size_t i = 0; i < v.size(); ++i) {
      bytewise.push_back(v.substr(i, 1));
    }
    EXPECT_EQ(parse_all(bytewise), whole) << name;
  }
}

}  // namespace
}  // namespace pvpd::llm
