#include <gtest/gtest.h>

#include "journal/hash_chain.h"
#include "journal/record_format.h"

namespace pvpd::journal {
namespace {

TEST(JournalFormat, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex({"a", "bc"}), sha256_hex("abc"));
}

TEST(JournalFormat, GenesisAndRecordHashLayout) {
  EXPECT_EQ(genesis_hash("s1"), sha256_hex("pvpd-journal-v1\ns1"));
  EXPECT_EQ(record_hash(genesis_hash("s1"), 7, "{}"), sha256_hex(genesis_hash("s1") + "\n7\n{}"));
}

TEST(JournalFormat, RecordRoundTripsExactBytes) {
  const std::string msg =
      std::string("{\"a\":\"q\\\"\\n\xc3\xa9\xf0\x9f\x8e\x89\"}") + '\0' + "\x01\t\r\n\"\\";
  const std::string prev = genesis_hash("x");
  const std::string hash = record_hash(prev, 3, msg);
  const std::string line = format_record(3, prev, hash, msg);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one record, one line
  auto rec = parse_record(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(rec.is_ok()) << rec.status().message();
  EXPECT_EQ(rec->seq, 3u);
  EXPECT_EQ(rec->prev, prev);
  EXPECT_EQ(rec->hash, hash);
  EXPECT_EQ(rec->msg, msg);
}

TEST(JournalFormat, HeaderRoundTrip) {
  const std::string h = format_header("sess \"1\"");
  auto parsed = parse_header(std::string_view(h).substr(0, h.size() - 1));
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->session, "sess \"1\"");
  EXPECT_EQ(parsed->genesis, genesis_hash("sess \"1\""));
  EXPECT_FALSE(parse_header(R"({"pvpd_journal":2,"session":"a","genesis":"b"})").is_ok());
  EXPECT_FALSE(parse_header("garbage").is_ok());
}

TEST(JournalFormat, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\x89"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

TEST(JournalFormat, SessionFileStemIsSafe) {
  for (const std::string id : {"../x", "a/b", "..", ".", "/etc/passwd", "x\0y"}) {
    const std::string stem = session_file_stem(id);
    EXPECT_EQ(stem.find('/'), std::string::npos);
    EXPECT_EQ(stem.find('.'), std::string::npos);
  }
  EXPECT_EQ(session_file_stem("ab"), "s-6162");
  const std::string long_id(1000, 'z');
  EXPECT_EQ(session_file_stem(long_id), "h-" + sha256_hex(long_id));
  EXPECT_LT(session_file_stem(std::string(kMaxHexNamedSessionBytes, 'q')).size() + 10, 255u);
}

}  // namespace
}  // namespace pvpd::journal
