#include "bus/subscriber_table.h"

#include <gtest/gtest.h>

#include "recording_endpoint.h"

namespace pvpd::bus {
namespace {

TEST(SubscriberTableTest, GroupsConnectionsByEndpoint) {
  testing::RecordingEndpoint a("a"), b("b");
  SubscriberTable t;
  EXPECT_TRUE(t.add("s", &a, 1));
  EXPECT_TRUE(t.add("s", &b, 2));
  EXPECT_TRUE(t.add("s", &a, 3));
  EXPECT_FALSE(t.add("s", &a, 3));
  auto snap = t.snapshot("s");
  ASSERT_EQ(snap->size(), 2u);
  EXPECT_EQ((*snap)[0].endpoint, &a);
  EXPECT_EQ((*snap)[0].conns, (std::vector<pvpd_conn_id>{1, 3}));
  EXPECT_EQ((*snap)[1].conns, (std::vector<pvpd_conn_id>{2}));
  EXPECT_EQ(t.member_count("s"), 3u);
}

TEST(SubscriberTableTest, SnapshotSurvivesUnsubscribe) {
  testing::RecordingEndpoint a;
  SubscriberTable t;
  t.add("s", &a, 1);
  t.add("s", &a, 2);
  auto snap = t.snapshot("s");
  EXPECT_TRUE(t.remove("s", 1));
  EXPECT_EQ((*snap)[0].conns.size(), 2u) << "a snapshot must not change under the reader";
  EXPECT_EQ(t.member_count("s"), 1u);
}

TEST(SubscriberTableTest, EmptySessionIsDropped) {
  testing::RecordingEndpoint a;
  SubscriberTable t;
  t.add("s", &a, 1);
  EXPECT_EQ(t.session_count(), 1u);
  EXPECT_TRUE(t.remove("s", 1));
  EXPECT_FALSE(t.remove("s", 1));
  EXPECT_EQ(t.session_count(), 0u);
  EXPECT_TRUE(t.snapshot("s")->empty());
  EXPECT_TRUE(t.snapshot("unknown")->empty());
}

}  // namespace
}  // namespace pvpd::bus
