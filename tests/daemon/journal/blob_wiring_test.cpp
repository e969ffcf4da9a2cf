// The journal's transforms end to end through JournalStore: large messages journaled as blob
// stubs and inflated back by every reader, secret.share values journaled as HMACs, and
// retention of ended sessions (with unreferenced blobs collected).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "journal/blob_codec.h"
#include "journal/hash_chain.h"
#include "journal/journal_store.h"
#include "journal/recovery.h"
#include "journal/redact.h"
#include "journal/retention.h"
#include "journal/secret_key.h"
#include "journal_test_util.h"

namespace pvpd::journal {
namespace {

using testing::message;
using testing::read_file;
using testing::run_until;
using testing::TempDir;
using testing::write_file;

JournalOptions small_blob_opts(const TempDir &tmp) {
  JournalOptions o;
  o.dir = (tmp.path() / "journal").string();
  o.fsync = FsyncMode::kBatch;
  o.blob_threshold_bytes = 1024;
  return o;
}

void append_one(asio::io_context &io, JournalStore &store, const std::string &session, uint64_t seq,
                const std::string &msg, Status *out = nullptr) {
  bool done = false;
  Status result;
  store.append(session, seq, bus::BufferRef::copy_of(msg), [&](Status st) {
    result = st;
    done = true;
  });
  ASSERT_TRUE(run_until(io, [&] { return done; }));
  if (out != nullptr) {
    *out = result;
  } else {
    EXPECT_TRUE(result.is_ok()) << result.message();
  }
}

size_t count_files(const std::filesystem::path &dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

TEST(JournalBlobCodec, SmallMessagesStayInlineLargeOnesBecomeStubs) {
  TempDir tmp;
  BlobStore blobs(tmp.path() / "blobs");
  auto small = deflate_message("{\"a\":1}", 16, blobs);
  ASSERT_TRUE(small.is_ok());
  EXPECT_EQ(small.value(), "{\"a\":1}");
  const std::string big = "{\"c\":\"" + std::string(100, 'x') + "\"}";
  auto stub = deflate_message(big, 16, blobs);
  ASSERT_TRUE(stub.is_ok());
  EXPECT_TRUE(is_blob_stub(stub.value()));
  EXPECT_EQ(stub.value(), "{\"pvpd_blob\":\"sha256:" + sha256_hex(big) +
                              "\",\"bytes\":" + std::to_string(big.size()) + "}");
  auto back = inflate_message(stub.value(), blobs);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back.value(), big);
  // Threshold 0: nothing goes to the blob store...
  auto off = deflate_message(big, 0, blobs);
  ASSERT_TRUE(off.is_ok());
  EXPECT_EQ(off.value(), big);
  // ...except a message that would read as a stub: it is always stored, so a stub in a journal
  // is never a client's text.
  const std::string lookalike = "{\"pvpd_blob\":\"sha256:" + std::string(64, 'a') + "\",\"x\":1}";
  auto escaped = deflate_message(lookalike, 0, blobs);
  ASSERT_TRUE(escaped.is_ok());
  EXPECT_NE(escaped.value(), lookalike);
  auto lookalike_back = inflate_message(escaped.value(), blobs);
  ASSERT_TRUE(lookalike_back.is_ok());
  EXPECT_EQ(lookalike_back.value(), lookalike);
}

TEST(JournalBlobCodec, MalformedStubsAreRejected) {
  TempDir tmp;
  BlobStore blobs(tmp.path() / "blobs");
  for (const std::string &bad : std::vector<std::string>{
           "{\"pvpd_blob\":", "{\"pvpd_blob\":1,\"bytes\":2}",
           "{\"pvpd_blob\":\"sha256:zz\",\"bytes\":1}",
           "{\"pvpd_blob\":\"sha256:" + std::string(64, 'a') + "\"}",
           "{\"pvpd_blob\":\"sha256:" + std::string(64, 'a') + "\",\"bytes\":-1}"}) {
    auto r = inflate_message(bad, blobs);
    EXPECT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().code(), PVPD_E_INVAL) << bad;
  }
  // Well-formed but unknown blob: NOENT. Wrong length: INVAL.
  const std::string content = "hello blob";
  auto ref = blobs.put(content);
  ASSERT_TRUE(ref.is_ok());
  EXPECT_EQ(
      inflate_message("{\"pvpd_blob\":\"sha256:" + std::string(64, 'b') + "\",\"bytes\":3}", blobs)
          .status()
          .code(),
      PVPD_E_NOENT);
  EXPECT_EQ(
      inflate_message("{\"pvpd_blob\":\"" + ref.value() + "\",\"bytes\":3}", blobs).status().code(),
      PVPD_E_INVAL);
}

TEST(JournalBlobs, LargeMessagesAreStoredByReferenceAndReadBackExactly) {
  TempDir tmp;
  asio::io_context io;
  const JournalOptions o = small_blob_opts(tmp);
  const std::string big = message("s", 2, std::string(5000, 'z'));
  {
    JournalStore store(io, o);
    ASSERT_TRUE(store.start().is_ok());
    append_one(io, store, "s", 1, message("s", 1));
    append_one(io, store, "s", 2, big);
    append_one(io, store, "s", 3, message("s", 3));
    // The journal file holds the reference, not the content.
    const std::string file = read_file(store.path_for("s"));
    EXPECT_EQ(file.find(std::string(5000, 'z')), std::string::npos);
    EXPECT_NE(file.find(sha256_hex(big)), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(tmp.path() / "journal" / "blobs" / sha256_hex(big)));
    // read() inflates.
    auto records = store.read("s");
    ASSERT_TRUE(records.is_ok()) << records.status().message();
    ASSERT_EQ(records->size(), 3u);
    EXPECT_EQ(records.value()[1].message, big);
    EXPECT_EQ(records.value()[0].message, message("s", 1));
    store.stop();
  }
  // Recovery inflates too, and the chain verifies (blobs included).
  JournalStore again(io, o);
  ASSERT_TRUE(again.start().is_ok());
  auto rec = again.recover();
  ASSERT_EQ(rec.size(), 1u);
  ASSERT_TRUE(rec[0].status.is_ok()) << rec[0].status.message();
  ASSERT_EQ(rec[0].records.size(), 3u);
  EXPECT_EQ(rec[0].records[1].message, big);
  VerifyReport ok = verify_journal(again.path_for("s"));
  EXPECT_TRUE(ok.ok) << ok.problem;
  // A damaged blob is reported by verify and stops the session from loading.
  again.stop();
  const auto blob = tmp.path() / "journal" / "blobs" / sha256_hex(big);
  std::string bytes = read_file(blob);
  bytes[100] ^= 1;
  write_file(blob, bytes);
  VerifyReport bad = verify_journal(again.path_for("s"));
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.first_bad_seq, std::optional<uint64_t>(2));
  EXPECT_NE(bad.problem.find("does not match its hash"), std::string::npos) << bad.problem;
  std::filesystem::remove(blob);
  VerifyReport missing = verify_journal(again.path_for("s"));
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.problem.find("referenced blob"), std::string::npos) << missing.problem;
  JournalStore third(io, o);
  ASSERT_TRUE(third.start().is_ok());
  auto rec3 = third.recover();
  ASSERT_EQ(rec3.size(), 1u);
  EXPECT_FALSE(rec3[0].status.is_ok());
  EXPECT_TRUE(rec3[0].records.empty());
}

TEST(JournalBlobs, BlobStoreFailureFailsTheAppendAndLeavesTheJournalValid) {
  TempDir tmp;
  asio::io_context io;
  const JournalOptions o = small_blob_opts(tmp);
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  append_one(io, store, "s", 1, message("s", 1));
  // A file where the blob directory should be: the blob cannot be stored (works as root too,
  // unlike a read-only directory).
  const auto blobs = tmp.path() / "journal" / "blobs";
  write_file(blobs, "not a directory");
  Status st;
  append_one(io, store, "s", 2, message("s", 2, std::string(4000, 'q')), &st);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("blob store"), std::string::npos) << st.message();
  std::filesystem::remove(blobs);
  append_one(io, store, "s", 3, message("s", 3, std::string(4000, 'r')));
  auto records = store.read("s");
  ASSERT_TRUE(records.is_ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ(records.value()[1].seq, 3u);
  EXPECT_TRUE(verify_journal(store.path_for("s")).ok);
}

std::string secret_share(const std::string &value_field, const std::string &value_ref_field) {
  return R"({"v":1,"id":"x1","type":"secret.share","session":"s","sender":"alice","seq":4,)"
         R"("payload":{"key":"API_KEY","scope":["bob"],)" +
         value_field + (value_field.empty() || value_ref_field.empty() ? "" : ",") +
         value_ref_field + "}}";
}

std::string payload_string(const std::string &msg, const char *member) {
  rapidjson::Document d;
  d.Parse(msg.c_str());
  EXPECT_TRUE(d.IsObject()) << msg;
  if (!d.IsObject() || !d["payload"].HasMember(member) || !d["payload"][member].IsString()) {
    return "<missing>";
  }
  return d["payload"][member].GetString();
}

TEST(JournalSecretHmac, EveryFormOfTheValueBecomesTheSameKeyedDigest) {
  const std::string key = "k3y";
  const std::string value = "hunter2";
  const std::string expect =
      "hmac-sha256:" + hmac_sha256_hex(key, sha256_hex(value));  // the documented formula
  EXPECT_EQ(secret_digest_from_sha256(key, sha256_hex(value)), expect);
  // The clear value, the session layer's digest and redact_secret_share's object all agree.
  const std::string clear = hmac_secret_share(secret_share(R"("value":"hunter2")", ""), key);
  const std::string digested =
      hmac_secret_share(secret_share("\"value\":\"sha256:" + sha256_hex(value) + "\"",
                                     "\"value_ref\":\"sha256:" + sha256_hex(value) + "\""),
                        key);
  const std::string redacted =
      hmac_secret_share(redact_secret_share(secret_share(R"("value":"hunter2")", "")), key);
  EXPECT_EQ(payload_string(clear, "value"), expect);
  EXPECT_EQ(payload_string(digested, "value"), expect);
  EXPECT_EQ(payload_string(digested, "value_ref"), expect);
  EXPECT_EQ(payload_string(redacted, "value"), expect);
  EXPECT_EQ(clear.find("hunter2"), std::string::npos);
  EXPECT_EQ(digested.find(sha256_hex(value)), std::string::npos) << "plain hash left behind";
  // A different key gives a different digest; references stay; other types are untouched.
  EXPECT_NE(
      payload_string(hmac_secret_share(secret_share(R"("value":"hunter2")", ""), "other"), "value"),
      expect);
  const std::string by_ref = secret_share("", R"("value_ref":"env:API_KEY")");
  EXPECT_EQ(payload_string(hmac_secret_share(by_ref, key), "value_ref"), "env:API_KEY");
  const std::string chat = message("s", 1, "the secret.share type");
  EXPECT_EQ(hmac_secret_share(chat, key), chat);
  EXPECT_EQ(hmac_secret_share(secret_share(R"("value":"x")", ""), ""),
            secret_share(R"("value":"x")", ""));
  // Fail closed.
  EXPECT_EQ(hmac_secret_share("{\"type\":\"secret.share\",", key),
            R"({"redacted":"unparseable secret.share"})");
}

TEST(JournalSecretHmac, TheWriterJournalsTheHmacForm) {
  TempDir tmp;
  asio::io_context io;
  JournalOptions o = small_blob_opts(tmp);
  o.secret_key = "journal-key";
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  append_one(io, store, "s", 4,
             secret_share("\"value\":\"sha256:" + sha256_hex("hunter2") + "\"", ""));
  const std::string file = read_file(store.path_for("s"));
  EXPECT_EQ(file.find(sha256_hex("hunter2")), std::string::npos);
  EXPECT_NE(file.find(hmac_sha256_hex("journal-key", sha256_hex("hunter2"))), std::string::npos)
      << file;
  EXPECT_TRUE(verify_journal(store.path_for("s")).ok);
}

TEST(JournalSecretKey, RandomKeyIsCreatedOnceWithMode0600) {
  TempDir tmp;
  const auto dir = tmp.path() / "journal";
  auto k1 = load_journal_secret_key(dir, "", "");
  ASSERT_TRUE(k1.is_ok()) << k1.status().message();
  EXPECT_EQ(k1->size(), 64u);
  EXPECT_TRUE(is_hash_hex(k1.value()));
  struct stat st {};
  ASSERT_EQ(::stat((dir / "hmac.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto k2 = load_journal_secret_key(dir, "", "");
  ASSERT_TRUE(k2.is_ok());
  EXPECT_EQ(k1.value(), k2.value());
}

TEST(JournalSecretKey, CredentialIsReadAndErrorsAreClear) {
  TempDir tmp;
  const auto creds = tmp.path() / "creds";
  std::filesystem::create_directories(creds);
  write_file(creds / "journal-hmac", "s3cret\n");
  auto k = load_journal_secret_key(tmp.path() / "journal", creds.string(), "journal-hmac");
  ASSERT_TRUE(k.is_ok()) << k.status().message();
  EXPECT_EQ(k.value(), "s3cret");  // one trailing newline dropped
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "journal" / "hmac.key"));
  auto missing = load_journal_secret_key(tmp.path() / "journal", creds.string(), "nope");
  EXPECT_EQ(missing.status().code(), PVPD_E_NOENT);
  auto no_dir = load_journal_secret_key(tmp.path() / "journal", "", "journal-hmac");
  EXPECT_EQ(no_dir.status().code(), PVPD_E_NOENT);
  auto escape = load_journal_secret_key(tmp.path() / "journal", creds.string(), "../creds/x");
  EXPECT_EQ(escape.status().code(), PVPD_E_INVAL);
  write_file(creds / "empty", "\n");
  EXPECT_EQ(
      load_journal_secret_key(tmp.path() / "journal", creds.string(), "empty").status().code(),
      PVPD_E_INVAL);
}

// Backdates a file's mtime so retention considers it old.
void age(const std::filesystem::path &p) {
  std::filesystem::last_write_time(
      p, std::filesystem::file_time_type::clock::now() - std::chrono::hours(48));
}

TEST(JournalRetention, DeleteRemovesOldEndedSessionsAndTheirBlobsOnly) {
  TempDir tmp;
  asio::io_context io;
  JournalOptions o = small_blob_opts(tmp);
  const std::string shared_big = message("x", 1, std::string(3000, 'S'));
  {
    JournalStore store(io, o);
    ASSERT_TRUE(store.start().is_ok());
    append_one(io, store, "old", 1, message("old", 1, std::string(3000, 'O')));
    append_one(io, store, "old", 2, shared_big);
    append_one(io, store, "young", 1, message("young", 1));
    append_one(io, store, "open", 1, shared_big);
    store.mark_ended("old");
    store.mark_ended("young");
    store.stop();
    age(store.path_for("old"));
    age(store.path_for("open"));
  }
  const auto dir = tmp.path() / "journal";
  EXPECT_EQ(count_files(dir / "blobs"), 2u);
  auto r = apply_retention(dir, std::chrono::hours(24), false);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->sessions, 1u);
  EXPECT_EQ(r->blobs, 1u);  // the shared one is still referenced by "open"
  EXPECT_FALSE(std::filesystem::exists(dir / (session_file_stem("old") + ".journal")));
  EXPECT_FALSE(std::filesystem::exists(dir / (session_file_stem("old") + ".ended")));
  EXPECT_TRUE(std::filesystem::exists(dir / (session_file_stem("young") + ".journal")));
  EXPECT_TRUE(std::filesystem::exists(dir / (session_file_stem("open") + ".journal")));
  EXPECT_TRUE(std::filesystem::exists(dir / "blobs" / sha256_hex(shared_big)));
  EXPECT_TRUE(verify_journal(dir / (session_file_stem("open") + ".journal")).ok);
}

TEST(JournalRetention, ArchiveKeepsJournalsVerifiableWithTheirBlobs) {
  TempDir tmp;
  asio::io_context io;
  JournalOptions o = small_blob_opts(tmp);
  const std::string big = message("old", 1, std::string(3000, 'A'));
  {
    JournalStore store(io, o);
    ASSERT_TRUE(store.start().is_ok());
    append_one(io, store, "old", 1, big);
    store.mark_ended("old");
    store.stop();
    age(store.path_for("old"));
  }
  const auto dir = tmp.path() / "journal";
  auto r = apply_retention(dir, std::chrono::hours(24), true);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->sessions, 1u);
  const auto archived = dir / "archive" / (session_file_stem("old") + ".journal");
  ASSERT_TRUE(std::filesystem::exists(archived));
  EXPECT_TRUE(std::filesystem::exists(dir / "archive" / (session_file_stem("old") + ".ended")));
  VerifyReport rep = verify_journal(archived);
  EXPECT_TRUE(rep.ok) << rep.problem;
  ScanOptions so;
  so.collect = true;
  ScanResult scan = scan_journal(archived, so);
  ASSERT_EQ(scan.records.size(), 1u);
  EXPECT_EQ(scan.records[0].message, big);
}

TEST(JournalRetention, TheWriterAppliesItAtStart) {
  TempDir tmp;
  asio::io_context io;
  JournalOptions o = small_blob_opts(tmp);
  {
    JournalStore store(io, o);
    ASSERT_TRUE(store.start().is_ok());
    append_one(io, store, "old", 1, message("old", 1));
    store.mark_ended("old");
    store.stop();
    age(store.path_for("old"));
  }
  o.retention_ended_after_ms = 24 * 3600 * 1000;
  o.retention_archive = false;
  JournalStore store(io, o);
  ASSERT_TRUE(store.start().is_ok());
  EXPECT_TRUE(run_until(io, [&] { return !std::filesystem::exists(store.path_for("old")); }));
  // Appends keep working alongside.
  append_one(io, store, "new", 1, message("new", 1));
}

}  // namespace
}  // namespace pvpd::journal
