// Unit tests of pvp-tui's pieces that need no terminal: text layout and the command line.
#include <gtest/gtest.h>

#include <clocale>

#include "bridge_poller.h"
#include "line_editor.h"
#include "text_layout.h"
#include "tui_options.h"

namespace pvp_tui {
namespace {

class LayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::setlocale(LC_CTYPE, "C.UTF-8") == nullptr) {
      GTEST_SKIP() << "no C.UTF-8 locale";
    }
  }
};

TEST_F(LayoutTest, WideCharactersTakeTwoColumns) {
  EXPECT_EQ(text_width(widen("abc")), 3);
  EXPECT_EQ(text_width(widen("\xe4\xbd\xa0\xe5\xa5\xbd")), 4);  // 你好
  EXPECT_EQ(text_width(widen("e\xcc\x81")), 1);                 // e + combining acute
  EXPECT_EQ(narrow(widen("h\xc3\xa9 \xf0\x9f\x8e\x99")), "h\xc3\xa9 \xf0\x9f\x8e\x99");
  EXPECT_EQ(widen("a\x1b"
                  "b\xff"),
            L"a?b\xFFFD");
}

TEST_F(LayoutTest, WrapsByDisplayWidthAtSpacesAndNewlines) {
  auto lines = wrap(L"[A]: ", L"hello world foo", 12);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, L"[A]: hello");
  EXPECT_EQ(lines[0].emphasis, 5u);
  EXPECT_EQ(lines[1].text, L"world foo");
  EXPECT_EQ(lines[1].emphasis, 0u);
  // Wide characters never split across the edge: 5 of them need 10 columns.
  lines = wrap(L"", widen("\xe4\xbd\xa0\xe4\xbd\xa0\xe4\xbd\xa0\xe4\xbd\xa0\xe4\xbd\xa0"), 9);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(text_width(lines[0].text), 8);
  EXPECT_EQ(text_width(lines[1].text), 2);
  lines = wrap(L"> ", L"a\nb", 10);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].text, L"b");
  for (int w : {1, 2, 3}) {
    for (const auto &l : wrap(L"xy", widen("\xe4\xbd\xa0 long words here"), w)) {
      EXPECT_LE(text_width(l.text), std::max(w, 2));
    }
  }
  EXPECT_EQ(fit(L"abcdef", 4), L"abc\x2026");
  EXPECT_EQ(fit(L"abc", 4), L"abc");
}

TEST(LineEditorTest, EditsAtTheCursor) {
  LineEditor e;
  for (wchar_t c : std::wstring(L"helo")) {
    e.insert(c);
  }
  e.left();
  e.insert(L'l');
  EXPECT_EQ(e.text(), L"hello");
  e.home();
  e.erase_forward();
  EXPECT_EQ(e.text(), L"ello");
  e.end();
  e.backspace();
  EXPECT_EQ(e.text(), L"ell");
}

TEST(TuiOptionsTest, ParsesTheSeedSpellingAndValidates) {
  auto o = parse_options({"--server", "ws://h:1", "--name", "Bob Smith", "--role", "approver"});
  EXPECT_EQ(o.url, "ws://h:1");
  EXPECT_EQ(o.role, "approver");
  EXPECT_EQ(o.id.rfind("bob-smith-", 0), 0u) << o.id;
  EXPECT_TRUE(o.session.empty());
  o = parse_options(
      {"--url=ws://x:2", "--session", "s1", "--name", "A", "--id", "a", "--capabilities", "prompt"},
      "envtoken");
  EXPECT_EQ(o.url, "ws://x:2");
  EXPECT_EQ(o.session, "s1");
  EXPECT_EQ(o.token, "envtoken");
  EXPECT_EQ(o.capabilities, std::vector<std::string>{"prompt"});
  o = parse_options({"--role", "observer", "--name", "O"});
  EXPECT_TRUE(o.capabilities.empty());
  EXPECT_THROW(parse_options({"--role", "boss"}), UsageError);
  EXPECT_THROW(parse_options({"--name"}), UsageError);
  EXPECT_THROW(parse_options({"--bogus"}), UsageError);
  EXPECT_TRUE(parse_options({"--help"}).help);
  EXPECT_TRUE(parse_options({"--version"}).version);
}

TEST(BridgeTest, SummaryLine) {
  const std::string line = bridge_summary(
      R"({"messages_since_last_commit":12,"prompts_count":2,"approvals_count":1,"tool_executions":3,"last_commit":"abcdef0123456789","decision_summary":"login form"})");
  EXPECT_NE(line.find("12 messages, 2 prompts, 1 approvals, 3 tools"), std::string::npos) << line;
  EXPECT_NE(line.find("last commit abcdef012345"), std::string::npos) << line;
  EXPECT_EQ(bridge_summary("not json"), "");
}

}  // namespace
}  // namespace pvp_tui
