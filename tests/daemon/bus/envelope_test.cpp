#include "bus/envelope.h"

#include <gtest/gtest.h>

#include <string>

namespace pvpd::bus {
namespace {

bool parses(std::string_view json, EnvelopeError *err = nullptr, size_t max = 1 << 20) {
  Envelope env;
  EnvelopeError local;
  return parse_envelope(json, max, &env, err != nullptr ? err : &local);
}

TEST(EnvelopeTest, AcceptsReferenceClientFrame) {
  Envelope env;
  EnvelopeError err;
  ASSERT_TRUE(parse_envelope(
      R"({"v":1,"id":"01J","ts":"2026-11-22T03:16:29.372Z","session":"s1","sender":"p1",)"
      R"("type":"prompt.submit","payload":{"content":"hi"},"extra":{"kept":true}})",
      1 << 20, &env, &err))
      << err.message;
  EXPECT_EQ(env.type(), "prompt.submit");
  EXPECT_EQ(env.session(), "s1");
  EXPECT_EQ(env.sender(), "p1");
  EXPECT_EQ(env.id(), "01J");
  EXPECT_TRUE(env.has_member("extra"));
}

TEST(EnvelopeTest, MissingPayloadBecomesEmptyObject) {
  Envelope env;
  EnvelopeError err;
  ASSERT_TRUE(parse_envelope(R"({"type":"heartbeat.ping","session":"s"})", 1024, &env, &err));
  EXPECT_TRUE(env.payload().IsObject());
  EXPECT_NE(std::string(env.encode().view()).find(R"("payload":{})"), std::string::npos);
}

TEST(EnvelopeTest, ErrorsKeepTheIdAndSessionOfAnObject) {
  EnvelopeError err;
  EXPECT_FALSE(parses(R"({"id":"a1","session":"s","type":"BAD TYPE"})", &err));
  EXPECT_EQ(err.related_to, "a1");
  EXPECT_EQ(err.session, "s");
  EnvelopeError long_id;
  EXPECT_FALSE(parses("{\"id\":\"" + std::string(5000, 'x') + "\",\"type\":\"a\"}", &long_id));
  EXPECT_TRUE(long_id.related_to.empty());
  EnvelopeError not_object;
  EXPECT_FALSE(parses(R"(["id","a1"])", &not_object));
  EXPECT_TRUE(not_object.related_to.empty());
}

struct BadCase {
  const char *json;
  const char *expected_fragment;
};

class EnvelopeRejectTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(EnvelopeRejectTest, RejectsWithPreciseReason) {
  EnvelopeError err;
  EXPECT_FALSE(parses(GetParam().json, &err));
  EXPECT_EQ(err.code, "INVALID_MESSAGE");
  EXPECT_NE(err.message.find(GetParam().expected_fragment), std::string::npos)
      << "message was: " << err.message;
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, EnvelopeRejectTest,
    ::testing::Values(BadCase{"", "malformed JSON at offset 0"}, BadCase{"{", "malformed JSON"},
                      BadCase{R"({"type":"a"} trailing)", "malformed JSON at offset 13"},
                      BadCase{"[1,2]", "must be a JSON object"},
                      BadCase{"\"str\"", "must be a JSON object"},
                      BadCase{R"({"session":"s"})", "missing string field 'type'"},
                      BadCase{R"({"type":5})", "missing string field 'type'"},
                      BadCase{R"({"type":""})", "field 'type' must be"},
                      BadCase{R"({"type":"Prompt.Submit"})", "field 'type' must be"},
                      BadCase{R"({"type":"a","v":2})", "unsupported protocol version"},
                      BadCase{R"({"type":"a","v":"1"})", "unsupported protocol version"},
                      BadCase{R"({"type":"a","session":7})", "field 'session' must be a string"},
                      BadCase{R"({"type":"a","sender":null})", "field 'sender' must be a string"},
                      BadCase{R"({"type":"a","seq":-1})", "field 'seq' must be a non-negative"},
                      BadCase{R"({"type":"a","payload":[]})", "field 'payload' must be a JSON"},
                      BadCase{R"({"type":"a","payload":"x"})", "field 'payload' must be a JSON"},
                      BadCase{"{\"type\":\"a\",\"payload\":{\"s\":\"\xff\"}}", "malformed JSON"}));

TEST(EnvelopeTest, RejectsOversizedBeforeParsing) {
  std::string big = R"({"type":"a","payload":{"x":")" + std::string(2000, 'y') + R"("}})";
  EnvelopeError err;
  EXPECT_FALSE(parses(big, &err, 1000));
  EXPECT_NE(err.message.find("exceeds the limit of 1000 bytes"), std::string::npos);
}

TEST(EnvelopeTest, RejectsDeepNestingWithoutRecursing) {
  std::string deep =
      R"({"type":"a","payload":{"x":)" + std::string(100000, '[') + std::string(100000, ']') + "}}";
  EnvelopeError err;
  EXPECT_FALSE(parses(deep, &err, 1 << 20));
  EXPECT_NE(err.message.find("nesting deeper than 64"), std::string::npos);
}

TEST(EnvelopeTest, NestingDepthIgnoresBracketsInStrings) {
  EXPECT_EQ(json_nesting_depth(R"({"a":"[[[[{{{{\"]]"})", 64), 1u);
  EXPECT_EQ(json_nesting_depth(R"({"a":[[1]]})", 64), 3u);
}

TEST(EnvelopeTest, OverlongIdIsRejected) {
  std::string json = R"({"type":"a","id":")" + std::string(129, 'x') + R"("})";
  EnvelopeError err;
  EXPECT_FALSE(parses(json, &err));
  EXPECT_NE(err.message.find("longer than 128"), std::string::npos);
}

TEST(EnvelopeTest, SetStringOverwritesInPlaceAndKeepsOrder) {
  Envelope env;
  EnvelopeError err;
  ASSERT_TRUE(parse_envelope(R"({"sender":"forged","type":"a","session":"s","payload":{}})", 1024,
                             &env, &err));
  env.set_string("sender", "real");
  env.set_uint("seq", 7);
  EXPECT_EQ(std::string(env.encode().view()),
            R"({"sender":"real","type":"a","session":"s","payload":{},"seq":7})");
}

TEST(EnvelopeTest, MakeUsesReferenceKeyOrder) {
  Envelope env = Envelope::make("error", "s1", "system", "ID", "TS");
  EXPECT_EQ(std::string(env.encode().view()),
            R"({"v":1,"id":"ID","ts":"TS","session":"s1","sender":"system","type":"error",)"
            R"("payload":{}})");
}

}  // namespace
}  // namespace pvpd::bus
