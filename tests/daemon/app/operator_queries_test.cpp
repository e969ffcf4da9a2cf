// OperatorQueries (plugin ABI 1.2): journal heads, session lookup by name, and the admin-only
// session list and transcript, against a real JournalStore in a temp dir.
#include "app/operator_queries.h"

#include <gtest/gtest.h>
#include <pvpd/plugin_abi.h>
#include <rapidjson/document.h>

#include "../journal/journal_test_util.h"
#include "journal/journal_store.h"

namespace pvpd::app {
namespace {

using journal::testing::append_all;
using journal::testing::TempDir;

rapidjson::Document parse(const std::string &json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  EXPECT_FALSE(d.HasParseError()) << json;
  return d;
}

auth::AuthOptions token_mode() {
  auth::AuthOptions a;
  a.mode = "token";
  a.tokens.push_back({auth::sha256_hex("root-token"), "", {}, {}, true});
  a.tokens.push_back({auth::sha256_hex("alice-token"), "alice", {"driver"}, {}, false});
  return a;
}

class OperatorQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    journal::JournalOptions o;
    o.dir = (tmp_.path() / "journal").string();
    o.fsync = journal::FsyncMode::kNone;
    store_ = std::make_unique<journal::JournalStore>(io_, o);
    ASSERT_TRUE(store_->start().is_ok());
    q_.set_journal(store_.get());
    q_.publish_auth(token_mode());
  }
  void TearDown() override {
    q_.set_journal(nullptr);
    store_->stop();
  }

  TempDir tmp_;
  asio::io_context io_;
  std::unique_ptr<journal::JournalStore> store_;
  OperatorQueries q_;
};

TEST_F(OperatorQueriesTest, JournalHeadFollowsCommittedRecords) {
  EXPECT_EQ(q_.journal_head("s1").status().code(), PVPD_E_NOENT);
  append_all(io_, *store_, "s1", 1, 3);
  auto head = q_.journal_head("s1");
  ASSERT_TRUE(head) << head.status().message();
  auto d = parse(head.value());
  EXPECT_STREQ(d["session"].GetString(), "s1");
  EXPECT_EQ(d["seq"].GetUint64(), 3u);
  auto records = store_->read("s1");
  ASSERT_TRUE(records);
  EXPECT_EQ(std::string(d["hash"].GetString()), records.value().back().hash_hex);
  append_all(io_, *store_, "s1", 4, 4);
  EXPECT_EQ(parse(q_.journal_head("s1").value())["seq"].GetUint64(), 4u);
}

TEST_F(OperatorQueriesTest, SessionFindPrefersTheNewestLiveSession) {
  q_.publish_sessions({{"old", "standup", "a", 100, false, 1, 1, 5, 0},
                       {"ended", "standup", "a", 300, true, 1, 0, 9, 0},
                       {"new", "standup", "a", 200, false, 2, 1, 3, 0},
                       {"other", "retro", "a", 400, false, 1, 1, 1, 0}});
  auto found = q_.session_find("standup");
  ASSERT_TRUE(found);
  EXPECT_STREQ(parse(found.value())["id"].GetString(), "new");
  EXPECT_EQ(q_.session_find("Standup").status().code(), PVPD_E_NOENT);
  EXPECT_EQ(q_.session_find("").status().code(), PVPD_E_NOENT);
}

TEST_F(OperatorQueriesTest, SessionListNeedsAnAdminToken) {
  q_.publish_sessions({{"s1", "demo", "alice", 100, false, 2, 1, 7, 1}});
  EXPECT_EQ(q_.sessions_json("").status().code(), PVPD_E_PERM);
  EXPECT_EQ(q_.sessions_json("alice-token").status().code(), PVPD_E_PERM);
  EXPECT_EQ(q_.sessions_json("wrong").status().code(), PVPD_E_PERM);
  auto list = q_.sessions_json("root-token");
  ASSERT_TRUE(list);
  auto d = parse(list.value());
  ASSERT_EQ(d["sessions"].Size(), 1u);
  const auto &s = d["sessions"][0];
  EXPECT_STREQ(s["id"].GetString(), "s1");
  EXPECT_STREQ(s["state"].GetString(), "active");
  EXPECT_EQ(s["participants"].GetUint64(), 2u);
  EXPECT_EQ(s["connected"].GetUint64(), 1u);
  EXPECT_EQ(s["last_seq"].GetUint64(), 7u);
  EXPECT_EQ(s["open_gates"].GetUint64(), 1u);
}

TEST_F(OperatorQueriesTest, OpenModeIsAdminOnlyWhileLocal) {
  auth::AuthOptions open;
  q_.publish_auth(open);
  EXPECT_TRUE(q_.sessions_json(""));
  open.allow_open_remote = true;
  q_.publish_auth(open);
  EXPECT_EQ(q_.sessions_json("").status().code(), PVPD_E_PERM);
}

TEST_F(OperatorQueriesTest, TranscriptJsonlFromACursor) {
  append_all(io_, *store_, "s1", 1, 4);
  EXPECT_EQ(q_.transcript("alice-token", "s1", 0, PVPD_TRANSCRIPT_JSONL).status().code(),
            PVPD_E_PERM);
  auto all = q_.transcript("root-token", "s1", 0, PVPD_TRANSCRIPT_JSONL);
  ASSERT_TRUE(all) << all.status().message();
  auto lines = std::count(all.value().begin(), all.value().end(), '\n');
  EXPECT_EQ(lines, 4);
  auto after2 = q_.transcript("root-token", "s1", 2, PVPD_TRANSCRIPT_JSONL);
  ASSERT_TRUE(after2);
  EXPECT_EQ(std::count(after2.value().begin(), after2.value().end(), '\n'), 2);
  auto records = store_->read("s1", 3);
  ASSERT_TRUE(records);
  EXPECT_EQ(after2.value(), records.value()[0].message + "\n" + records.value()[1].message + "\n");
  EXPECT_EQ(q_.transcript("root-token", "nope", 0, PVPD_TRANSCRIPT_JSONL).status().code(),
            PVPD_E_NOENT);
  EXPECT_EQ(q_.transcript("root-token", "s1", 0, 7).status().code(), PVPD_E_INVAL);
}

TEST_F(OperatorQueriesTest, TranscriptMarkdownIsTheDecisionReport) {
  append_all(io_, *store_, "s1", 1, 2);
  auto md = q_.transcript("root-token", "s1", 0, PVPD_TRANSCRIPT_MARKDOWN);
  ASSERT_TRUE(md) << md.status().message();
  EXPECT_NE(md.value().find("s1"), std::string::npos) << md.value();
  EXPECT_NE(md.value().find("2 records"), std::string::npos) << md.value();
}

TEST_F(OperatorQueriesTest, WithoutAJournalEverythingIsNoent) {
  q_.set_journal(nullptr);
  EXPECT_EQ(q_.journal_head("s1").status().code(), PVPD_E_NOENT);
  EXPECT_EQ(q_.transcript("root-token", "s1", 0, PVPD_TRANSCRIPT_JSONL).status().code(),
            PVPD_E_NOENT);
}

}  // namespace
}  // namespace pvpd::app
