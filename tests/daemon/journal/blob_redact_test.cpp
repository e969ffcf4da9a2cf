#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "journal/blob_store.h"
#include "journal/hash_chain.h"
#include "journal/redact.h"
#include "journal_test_util.h"

namespace pvpd::journal {
namespace {

using testing::TempDir;

TEST(JournalBlobStore, RoundTripDedupAndIntegrity) {
  TempDir tmp;
  BlobStore blobs(tmp.path() / "blobs");
  std::string big(200 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>(i * 31 % 251);
  }
  auto ref = blobs.put(big);
  ASSERT_TRUE(ref.is_ok()) << ref.status().message();
  EXPECT_EQ(ref.value(), "sha256:" + sha256_hex(big));
  EXPECT_TRUE(BlobStore::is_ref(ref.value()));
  auto back = blobs.get(ref.value());
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back.value(), big);
  // Dedup: same bytes, same reference, one file.
  auto again = blobs.put(big);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again.value(), ref.value());
  size_t files = 0;
  for ([[maybe_unused]] const auto &e : std::filesystem::directory_iterator(tmp.path() / "blobs")) {
    ++files;
  }
  EXPECT_EQ(files, 1u);
  const auto file = tmp.path() / "blobs" / sha256_hex(big);
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // Empty content works too.
  auto empty = blobs.put("");
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(blobs.get(empty.value()).value(), "");
  // Errors: malformed, unknown, damaged.
  EXPECT_EQ(blobs.get("sha256:../../etc/passwd").status().code(), PVPD_E_INVAL);
  EXPECT_EQ(blobs.get("md5:abc").status().code(), PVPD_E_INVAL);
  EXPECT_EQ(blobs.get("sha256:" + std::string(64, '0')).status().code(), PVPD_E_NOENT);
  testing::write_file(file, "tampered");
  EXPECT_EQ(blobs.get(ref.value()).status().code(), PVPD_E_IO);
}

TEST(JournalRedact, ValueBecomesHash) {
  const std::string in =
      R"({"v":1,"id":"m1","ts":"t","session":"s","sender":"a","type":"secret.share","seq":3,)"
      R"("payload":{"key":"API_KEY","scope":["b"],"value":"hunter2","value_ref":"env:API_KEY","expires_at":null},"x":[1,2.5,"y"]})";
  const std::string out = redact_secret_share(in);
  EXPECT_EQ(out.find("hunter2"), std::string::npos);
  const std::string expected =
      R"({"v":1,"id":"m1","ts":"t","session":"s","sender":"a","type":"secret.share","seq":3,)"
      R"("payload":{"key":"API_KEY","scope":["b"],"value":{"redacted":"sha256:)" +
      sha256_hex("hunter2") + R"("},"value_ref":"env:API_KEY","expires_at":null},"x":[1,2.5,"y"]})";
  EXPECT_EQ(out, expected);
}

TEST(JournalRedact, InlineValueRefIsRedactedReferencesKept) {
  const std::string in =
      R"({"type":"secret.share","payload":{"key":"K","scope":[],"value_ref":"sk-live-123 abc"}})";
  const std::string out = redact_secret_share(in);
  EXPECT_EQ(
      out,
      R"({"type":"secret.share","payload":{"key":"K","scope":[],"value_ref":{"redacted":"sha256:)" +
          sha256_hex("sk-live-123 abc") + R"("}}})");
  for (const std::string &ref :
       std::vector<std::string>{"env:OPENAI_KEY", "vault://kv/team/key", "cred:token",
                                "sha256:" + std::string(64, 'a')}) {
    const std::string msg =
        R"({"type":"secret.share","payload":{"key":"K","value_ref":")" + ref + R"("}})";
    EXPECT_EQ(redact_secret_share(msg), msg) << ref;
  }
  for (const char *inline_secret : {"hunter2", "sk-abc:def", "ghp_XXXX", "env:", "sha256:zz"}) {
    EXPECT_FALSE(looks_like_secret_reference(inline_secret)) << inline_secret;
  }
  // A non-string value_ref is redacted over its compact JSON.
  const std::string obj = R"({"type":"secret.share","payload":{"value_ref":{"k":"v"}}})";
  EXPECT_EQ(redact_secret_share(obj),
            R"({"type":"secret.share","payload":{"value_ref":{"redacted":"sha256:)" +
                sha256_hex(R"({"k":"v"})") + R"("}}})");
}

TEST(JournalRedact, FailsClosedAndLeavesOthersAlone) {
  EXPECT_EQ(redact_secret_share("{not json"), R"({"redacted":"unparseable secret.share"})");
  const std::string no_value = R"({"type":"secret.revoke","payload":{"key":"K","reason":"r"}})";
  EXPECT_EQ(redact_secret_share(no_value), no_value);
  const std::string unicode = R"({"type":"secret.share","payload":{"key":"ключ","value":"é"}})";
  const std::string out = redact_secret_share(unicode);
  EXPECT_NE(out.find("ключ"), std::string::npos);
  EXPECT_EQ(out.find("\"é\""), std::string::npos);
}

}  // namespace
}  // namespace pvpd::journal
