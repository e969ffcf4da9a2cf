#include "session/router.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "recording_endpoint.h"

namespace pvpd::session {
namespace {

rapidjson::Document parse(const std::string &json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  return d;
}

class RouterTest : public ::testing::Test {
 protected:
  pvpd_conn_id add_conn() {
    bus::Connection c;
    c.id = bus::ConnectionTable::allocate_id();
    c.endpoint = &ep_;
    return conns_.add(std::move(c)).id;
  }

  bus::ConnectionTable conns_;
  bus::Bus bus_{conns_};
  Router router_{conns_, bus_, RouterOptions{4096}};
  testing::RecordingEndpoint ep_;
};

TEST_F(RouterTest, StampsSeqIdTsAndRelaysToSenderToo) {
  auto a = add_conn();
  router_.on_inbound(a, R"({"v":1,"type":"prompt.submit","session":"s","sender":"alice",)"
                        R"("payload":{"content":"hi"}})");
  ASSERT_EQ(ep_.to(a).size(), 1u);
  auto doc = parse(ep_.to(a)[0].json);
  EXPECT_EQ(doc["seq"].GetUint64(), 1u);
  EXPECT_EQ(std::string(doc["id"].GetString()).size(), 26u);
  EXPECT_EQ(std::string(doc["ts"].GetString()).back(), 'Z');
  EXPECT_EQ(std::string(doc["payload"]["content"].GetString()), "hi");
  EXPECT_EQ(ep_.to(a)[0].seq, 1u);
}

TEST_F(RouterTest, SeqIsPerSessionAndIncreasing) {
  auto a = add_conn(), b = add_conn();
  router_.on_inbound(a, R"({"type":"x","session":"s1","sender":"a"})");
  router_.on_inbound(b, R"({"type":"x","session":"s2","sender":"b"})");
  router_.on_inbound(a, R"({"type":"x","session":"s1","seq":99})");
  EXPECT_EQ(router_.last_seq("s1"), 2u) << "a client-sent seq is overwritten";
  EXPECT_EQ(router_.last_seq("s2"), 1u);
}

TEST_F(RouterTest, SenderIsBoundToTheConnectionAndCannotBeForged) {
  auto a = add_conn(), b = add_conn();
  router_.on_inbound(b, R"({"type":"x","session":"s","sender":"bob"})");
  router_.on_inbound(a, R"({"type":"x","session":"s","sender":"alice"})");
  router_.on_inbound(a, R"({"type":"x","session":"s","sender":"bob"})");
  auto seen = ep_.to(b);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(std::string(parse(seen[2].json)["sender"].GetString()), "alice");
}

TEST_F(RouterTest, AnonymousConnectionGetsServerChosenIdentity) {
  auto a = add_conn();
  router_.on_inbound(a, R"({"type":"x","session":"s"})");
  EXPECT_EQ(std::string(parse(ep_.to(a)[0].json)["sender"].GetString()),
            "conn-" + std::to_string(a));
}

TEST_F(RouterTest, MalformedFrameGetsErrorOnlyToSender) {
  auto a = add_conn(), b = add_conn();
  router_.on_inbound(b, R"({"type":"x","session":"s"})");
  router_.on_inbound(a, R"({"type":"x","session":"s","payload":[1]})");
  ASSERT_EQ(ep_.to(a).size(), 1u);
  auto err = parse(ep_.to(a)[0].json);
  EXPECT_EQ(std::string(err["type"].GetString()), "error");
  EXPECT_EQ(std::string(err["sender"].GetString()), "system");
  EXPECT_EQ(std::string(err["payload"]["code"].GetString()), "INVALID_MESSAGE");
  EXPECT_EQ(std::string(err["payload"]["message"].GetString()),
            "field 'payload' must be a JSON object");
  EXPECT_EQ(ep_.to(b).size(), 1u) << "other members see nothing of a refused frame";
  EXPECT_EQ(router_.counters().rejected, 1u);
}

TEST_F(RouterTest, MissingSessionIsAnError) {
  auto a = add_conn();
  router_.on_inbound(a, R"({"type":"x","id":"m1"})");
  auto err = parse(ep_.to(a)[0].json);
  EXPECT_EQ(std::string(err["payload"]["message"].GetString()), "field 'session' is required");
  EXPECT_EQ(std::string(err["payload"]["related_to"].GetString()), "m1");
}

TEST_F(RouterTest, OversizedFrameIsRefused) {
  auto a = add_conn();
  router_.on_inbound(a, R"({"type":"x","session":"s","payload":{"t":")" + std::string(5000, 'a') +
                            R"("}})");
  auto err = parse(ep_.to(a)[0].json);
  EXPECT_NE(std::string(err["payload"]["message"].GetString()).find("exceeds the limit of 4096"),
            std::string::npos);
}

TEST_F(RouterTest, ClosedConnectionStopsReceiving) {
  auto a = add_conn(), b = add_conn();
  router_.on_inbound(a, R"({"type":"x","session":"s"})");
  router_.on_inbound(b, R"({"type":"x","session":"s"})");
  router_.on_closed(a);
  conns_.remove(a);
  router_.on_inbound(b, R"({"type":"x","session":"s"})");
  EXPECT_EQ(ep_.to(a).size(), 2u);
  EXPECT_EQ(ep_.to(b).size(), 2u);
}

TEST_F(RouterTest, StreamingChunksAreMarkedDroppable) {
  auto a = add_conn();
  router_.on_inbound(a, R"({"type":"response.chunk","session":"s"})");
  router_.on_inbound(a, R"({"type":"response.end","session":"s"})");
  EXPECT_EQ(ep_.to(a)[0].flags & PVPD_MSG_DROPPABLE, PVPD_MSG_DROPPABLE);
  EXPECT_EQ(ep_.to(a)[1].flags & PVPD_MSG_DROPPABLE, 0u);
}

}  // namespace
}  // namespace pvpd::session
