// Unit tests of pvp-tui's pieces that need no terminal: text layout and the command line.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <clocale>
#include <mutex>
#include <thread>
#include <vector>

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
  EXPECT_NE(line.find("12 messages, 2 prompts, 1 approvals, tools: 3"), std::string::npos) << line;
  EXPECT_NE(line.find("last commit abcdef012345"), std::string::npos) << line;
  EXPECT_EQ(bridge_summary("not json"), "");
  // pvpd's git-bridge shape: tool executions as text, last_commit an object.
  const std::string pvpd_line = bridge_summary(
      R"j({"session_id":"s","last_commit":{"sha":"0123456789abcdef"},"messages_since_last_commit":4,"active_participants":"Alice(human)","decision_summary":null,"tool_executions":"shell:1, file_write:2","prompts_count":1,"approvals_count":2
})j");
  EXPECT_NE(pvpd_line.find("4 messages, 1 prompts, 2 approvals, tools: shell:1, file_write:2"),
            std::string::npos)
      << pvpd_line;
  EXPECT_NE(pvpd_line.find("last commit 0123456789ab"), std::string::npos) << pvpd_line;
}

TEST(BridgeTest, BridgeOption) {
  EXPECT_EQ(parse_options({"--bridge", "http://127.0.0.1:9847"}).bridge, "http://127.0.0.1:9847");
  EXPECT_EQ(parse_options({"--bridge", "off"}).bridge, "off");
  EXPECT_THROW(parse_options({"--bridge", "ftp://x"}), UsageError);
}

// A one-file HTTP server on a loopback port: answers every request with `body` (status 200)
// and records the request lines.
class FakeBridge {
 public:
  explicit FakeBridge(std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a);
    ::listen(fd_, 8);
    ::getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0 || stop_) {
          if (c >= 0) {
            ::close(c);
          }
          return;
        }
        char buf[2048];
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n > 0) {
          std::string req(buf, static_cast<size_t>(n));
          {
            std::lock_guard<std::mutex> lock(mu_);
            requests_.push_back(req.substr(0, req.find("\r\n")));
          }
          const std::string resp =
              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
              "Connection: close\r\n\r\n" +
              body_;
          ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
        }
        ::close(c);
      }
    });
  }
  ~FakeBridge() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::string body_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

TEST(BridgeTest, PollerFallsBackToTheEndpointThatAnswers) {
  FakeBridge bridge(
      R"({"messages_since_last_commit":7,"prompts_count":1,"approvals_count":0,"tool_executions":"","last_commit":null})");
  // The first candidate refuses connections (nothing listens on a just-closed port).
  const int dead = [] {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    ::close(fd);
    return static_cast<int>(ntohs(a.sin_port));
  }();
  BridgePoller poller({BridgeEndpoint{"127.0.0.1", dead, "/bridge/commit-context"},
                       BridgeEndpoint{"127.0.0.1", bridge.port(), "/commit-context"}},
                      "ses 1", std::chrono::milliseconds(20));
  std::string line;
  for (int i = 0; i < 500 && line.empty(); ++i) {
    line = poller.line();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(line.find("7 messages, 1 prompts, 0 approvals, tools: none"), std::string::npos)
      << line;
  ASSERT_FALSE(bridge.requests().empty());
  EXPECT_EQ(bridge.requests()[0], "GET /commit-context?session=ses%201 HTTP/1.1");
}

}  // namespace
}  // namespace pvp_tui
