// Secret redaction: whole texts, streams split at every position (a secret split across two
// chunks is still redacted), overlapping secrets, the output collector (UTF-8 boundaries, cap),
// and redaction in file tool output.
#include <gtest/gtest.h>

#include "tool_test_util.h"
#include "tools/redactor.h"
#include "tools/tool_runtime.h"

namespace pvpd::tools {
namespace {

const std::map<std::string, std::string> kSecrets = {
    {"API_KEY", "sk-live-1234567890"},
    {"SHORT", "sk-live"},  // a prefix of API_KEY
    {"PW", "hunter2"},
    {"EMPTY", ""},
};

TEST(Redactor, ReplacesEveryKnownValue) {
  Redactor r(kSecrets);
  EXPECT_EQ(r.redact("key=sk-live-1234567890 pw=hunter2 hunter2"),
            "key=[REDACTED:API_KEY] pw=[REDACTED:PW] [REDACTED:PW]");
  EXPECT_EQ(r.redact("only sk-live here"), "only [REDACTED:SHORT] here");
  EXPECT_EQ(r.redact("nothing secret"), "nothing secret");
  EXPECT_EQ(r.redact(""), "");
  EXPECT_EQ(r.max_len(), std::string("sk-live-1234567890").size());
}

std::string stream(const Redactor &r, const std::vector<std::string_view> &chunks) {
  StreamRedactor s(r);
  std::string out;
  for (std::string_view c : chunks) {
    out += s.feed(c);
  }
  return out + s.finish();
}

TEST(StreamRedactor, EverySplitPositionGivesTheWholeTextResult) {
  Redactor r(kSecrets);
  const std::string texts[] = {
      "a sk-live-1234567890 b hunter2 c",
      "sk-live-1234567890",
      "sk-live-12345 (not the full key) sk-live",
      "hunter2hunter2sk-live-1234567890sk-live",
      "hunte hunter hunter2",
  };
  for (const std::string &text : texts) {
    const std::string want = r.redact(text);
    for (size_t i = 0; i <= text.size(); ++i) {
      std::string_view t = text;
      EXPECT_EQ(stream(r, {t.substr(0, i), t.substr(i)}), want) << text << " split at " << i;
      for (size_t j = i; j <= text.size(); ++j) {
        ASSERT_EQ(stream(r, {t.substr(0, i), t.substr(i, j - i), t.substr(j)}), want)
            << text << " split at " << i << "," << j;
      }
    }
    std::vector<std::string_view> bytes;
    for (size_t i = 0; i < text.size(); ++i) {
      bytes.push_back(std::string_view(text).substr(i, 1));
    }
    EXPECT_EQ(stream(r, bytes), want) << text << " byte by byte";
  }
}

TEST(StreamRedactor, NeverEmitsAPartialSecretAndHoldsLittle) {
  Redactor r(kSecrets);
  StreamRedactor s(r);
  std::string emitted = s.feed("token: sk-live-12");
  EXPECT_EQ(emitted, "token: ");
  EXPECT_LT(s.held(), r.max_len());
  emitted += s.feed("34567890 done");
  emitted += s.finish();
  EXPECT_EQ(emitted, "token: [REDACTED:API_KEY] done");
  // Text that cannot start a secret is not held at all.
  StreamRedactor plain(r);
  EXPECT_EQ(plain.feed("abc xyz"), "abc xyz");
  EXPECT_EQ(plain.held(), 0u);
}

TEST(OutputCollector, StreamsRedactedWholeUtf8ChunksUpToTheCap) {
  Redactor r(kSecrets);
  std::vector<std::pair<std::string, std::string>> chunks;
  OutputCollector::StreamFn fn = [&](std::string_view stream, std::string_view chunk) {
    chunks.emplace_back(std::string(stream), std::string(chunk));
  };
  OutputCollector c(r, 1000, &fn);
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes
  c.add(1, "price " + euro.substr(0, 1));
  c.add(1, euro.substr(1) + " hunt");
  c.add(2, "err\n");
  c.add(1, "er2\n");
  c.finish();
  EXPECT_EQ(c.output(), "price " + euro + " err\n[REDACTED:PW]\n");
  std::string out;
  for (const auto &[stream, chunk] : chunks) {
    EXPECT_EQ(utf8_complete_prefix(chunk), chunk.size()) << "split UTF-8 in a chunk";
    EXPECT_EQ(chunk.find("hunter2"), std::string::npos);
    if (stream == "stdout") {
      out += chunk;
    }
  }
  EXPECT_EQ(out, "price " + euro + " [REDACTED:PW]\n");

  OutputCollector capped(r, 10, nullptr);
  capped.add(1, "0123456789abcdef");
  capped.finish();
  EXPECT_EQ(capped.output(), "0123456789");
  EXPECT_TRUE(capped.truncated());
  EXPECT_EQ(capped.omitted(), 6u);
}

TEST(OutputCollector, IncompleteInputDropsAHeldSecretPrefix) {
  Redactor r(kSecrets);
  OutputCollector c(r, 1000, nullptr);
  c.add(1, "start sk-live-123");
  c.finish(false);  // a file read stopped here: the tail might be a cut secret
  EXPECT_EQ(c.output(), "start ");
}

TEST(RedactionInTools, FileToolOutputAndErrorsAreRedacted) {
  test::TempDirs dirs;
  RuntimeOptions o;
  o.workspace = dirs.ws();
  o.secrets = kSecrets;
  ToolRuntime rt(o);
  test::write_file(dirs.ws() + "/config.txt", "key = sk-live-1234567890\npw = hunter2\n");
  ToolResult r = test::run_tool(rt, "file_read", R"({"path":"config.txt"})");
  ASSERT_TRUE(r.success) << r.error;
  EXPECT_EQ(r.output, "key = [REDACTED:API_KEY]\npw = [REDACTED:PW]\n");
  r = test::run_tool(rt, "search", R"({"pattern":"hunter"})");
  EXPECT_EQ(r.output, "config.txt:2:pw = [REDACTED:PW]\n");
  r = test::run_tool(rt, "file_read", R"({"path":"hunter2.txt"})");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error.find("hunter2"), std::string::npos) << r.error;
  EXPECT_EQ(rt.redact("x hunter2 y"), "x [REDACTED:PW] y");

  // A secret cut by the output cap never shows up half.
  o.output_cap = 12;
  ToolRuntime small(o);
  r = test::run_tool(small, "file_read", R"({"path":"config.txt"})");
  EXPECT_EQ(r.output.find("sk-"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace pvpd::tools
