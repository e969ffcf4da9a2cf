// Renders pvp-tui's screen into a curses screen on /dev/null (newterm) and reads the cells back:
// virtual scrolling over 100 000 messages, scroll-back, resize and wide characters, without a
// terminal.
#include <curses.h>
#include <gtest/gtest.h>

#include <clocale>
#include <cstdio>
#include <string>

#include "pvpclient/client_state.h"
#include "pvpclient/session_client.h"
#include "screen.h"
#include "text_layout.h"
#include "tui_options.h"
#include "ui_state.h"

namespace pvp_tui {
namespace {

using pvpd::client::ClientState;

std::string frame(uint64_t seq, const std::string &content) {
  return R"({"type":"prompt.submit","seq":)" + std::to_string(seq) +
         R"(,"sender":"alice","payload":{"content":")" + content +
         R"(","target_agent":"claude","contributors":[],"context_keys":[]}})";
}

class ScreenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::setlocale(LC_CTYPE, "C.UTF-8") == nullptr) {
      GTEST_SKIP() << "no C.UTF-8 locale";
    }
    out_ = std::fopen("/dev/null", "w");
    in_ = std::fopen("/dev/null", "r");
    ASSERT_NE(out_, nullptr);
    ASSERT_NE(in_, nullptr);
    screen_ = std::make_unique<Screen>("xterm-256color", out_, in_);
    resizeterm(30, 120);
    pvpd::client::SessionOptions so;
    so.join.session = "s1";
    so.join.id = "bob";
    link_ = std::make_unique<pvpd::client::SessionClient>(so, &st_);
    opts_.id = "bob";
  }
  void TearDown() override {
    link_.reset();
    screen_.reset();
    if (out_ != nullptr) {
      std::fclose(out_);
    }
    if (in_ != nullptr) {
      std::fclose(in_);
    }
  }
  // Everything on screen, one line per row.
  std::string text() {
    std::string all;
    for (int y = 0; y < LINES; ++y) {
      std::wstring row(static_cast<size_t>(COLS) + 1, L'\0');
      const int n = mvinnwstr(y, 0, row.data(), COLS);
      row.resize(n > 0 ? static_cast<size_t>(n) : 0);
      all += narrow(row) + "\n";
    }
    return all;
  }
  void render() { screen_->render(st_, *link_, ui_, opts_); }

  FILE *out_ = nullptr;
  FILE *in_ = nullptr;
  std::unique_ptr<Screen> screen_;
  ClientState st_{"bob"};
  std::unique_ptr<pvpd::client::SessionClient> link_;
  UiState ui_;
  TuiOptions opts_;
};

TEST_F(ScreenTest, HundredThousandMessagesShowTheNewestAndScrollBack) {
  for (uint64_t i = 1; i <= 100000; ++i) {
    st_.apply(frame(i, "message " + std::to_string(i)));
  }
  render();
  std::string s = text();
  EXPECT_NE(s.find("[alice \xe2\x86\x92 claude]: message 100000"), std::string::npos) << s;
  EXPECT_EQ(s.find("message 99000\n"), std::string::npos);
  EXPECT_NE(s.find("seq 100000"), std::string::npos) << s;
  // Scroll back to the start of the session.
  ui_.scroll = 100000 - 5;
  render();
  s = text();
  EXPECT_NE(s.find("message 5 "), std::string::npos) << s;
  EXPECT_NE(s.find("message 1 "), std::string::npos) << s;
  EXPECT_EQ(s.find("message 100000"), std::string::npos) << s;
  EXPECT_NE(s.find("newer (End to follow)"), std::string::npos) << s;
}

TEST_F(ScreenTest, ResizeAndWideCharacters) {
  st_.apply(frame(1, "\xe4\xbd\xa0\xe5\xa5\xbd wide \xf0\x9f\x8e\x89 and a tail: several times"));
  for (auto [rows, cols] : {std::pair{30, 120}, std::pair{12, 40}, std::pair{8, 24}}) {
    resizeterm(rows, cols);
    render();
    const std::string s = text();
    EXPECT_NE(s.find("\xe4\xbd\xa0\xe5\xa5\xbd"), std::string::npos) << cols << "\n" << s;
    EXPECT_NE(s.find("several times"), std::string::npos) << cols << "\n" << s;
  }
  resizeterm(4, 10);
  render();
  EXPECT_NE(text().find("terminal"), std::string::npos);  // "terminal too small", cut to 10 columns
}

TEST_F(ScreenTest, GatePromptAndInterruptBanner) {
  st_.apply(
      R"({"type":"participant.announce","sender":"claude","payload":{"id":"claude","name":"Claude","type":"agent","roles":["driver"],"transport":"websocket"}})");
  st_.apply(
      R"({"type":"gate.request","seq":2,"sender":"system","payload":{"action_type":"tool","action_ref":"p1","quorum":{"type":"any","count":1},"timeout_seconds":300,"message":"claude wants to execute file_write"}})");
  st_.apply(
      R"({"type":"interrupt.raise","id":"i1","seq":3,"sender":"alice","payload":{"urgency":"stop","message":"halt"}})");
  render();
  const std::string s = text();
  EXPECT_NE(s.find("GATE: claude wants to execute file_write"), std::string::npos) << s;
  EXPECT_NE(s.find("[a]pprove  [r]eject  [v]iew details"), std::string::npos) << s;
  EXPECT_NE(s.find("INTERRUPT (stop) from alice: halt"), std::string::npos) << s;
  EXPECT_NE(s.find("1 gate(s)"), std::string::npos) << s;
}

}  // namespace
}  // namespace pvp_tui
