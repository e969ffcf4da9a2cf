// The verification snippet in docs/journal.md must actually verify journals this library
// writes (and reject tampered ones): extract it and run it.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>

#include "journal/journal_store.h"
#include "journal_test_util.h"

namespace pvpd::journal {
namespace {

using testing::append_all;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

std::string extract_snippet() {
  const char *src = std::getenv("PVPD_SOURCE_DIR");
  const std::filesystem::path doc =
      std::filesystem::path(src != nullptr ? src : PVPD_TEST_SOURCE_DIR) / "docs" / "journal.md";
  const std::string text = read_file(doc);
  const size_t begin = text.find("<!-- verify-snippet:begin -->\n```sh\n");
  const size_t end = text.find("```\n<!-- verify-snippet:end -->");
  if (begin == std::string::npos || end == std::string::npos) {
    return {};
  }
  const size_t code = text.find("```sh\n", begin) + 6;
  return text.substr(code, end - code);
}

int run_snippet(const std::filesystem::path &dir, const std::filesystem::path &journal,
                std::string *out) {
  const auto script = dir / "verify.sh";
  write_file(script, extract_snippet());
  const auto out_file = dir / "out.txt";
  const std::string cmd = "JOURNAL='" + journal.string() + "' sh '" + script.string() + "' >'" +
                          out_file.string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  *out = read_file(out_file);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(JournalDocs, VerifySnippetWorks) {
  ASSERT_FALSE(extract_snippet().empty()) << "snippet markers missing in docs/journal.md";
  TempDir tmp;
  asio::io_context io;
  JournalOptions o;
  o.dir = (tmp.path() / "journal").string();
  o.fsync = FsyncMode::kNone;
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  // Awkward content: quotes, escapes, control characters, non-ASCII.
  const std::string session = "s\xc3\xa9ssion \"q\"";
  append_all(io, store, session, 1, 3);
  store.append(
      session, 5,
      bus::BufferRef::copy_of(std::string("{\"t\":\"tab\\t \xe2\x82\xac \xf0\x9f\x8e\x89\"}") +
                              "\x01\x7f\n\r\\\""),
      [](Status st) { EXPECT_TRUE(st.is_ok()); });
  append_all(io, store, session, 6, 7);
  store.stop();
  const auto path = store.path_for(session);
  std::string out;
  EXPECT_EQ(run_snippet(tmp.path(), path, &out), 0) << out;
  EXPECT_EQ(out, "OK 6 records\n");

  // Tampered: one flipped byte in record 2.
  std::string bytes = read_file(path);
  bytes[bytes.find("text 2") + 1] ^= 0x20;
  const auto bad = tmp.path() / "bad.journal";
  write_file(bad, bytes);
  EXPECT_EQ(run_snippet(tmp.path(), bad, &out), 1) << out;
  EXPECT_NE(out.find("seq 2: hash does not match"), std::string::npos) << out;
}

}  // namespace
}  // namespace pvpd::journal
