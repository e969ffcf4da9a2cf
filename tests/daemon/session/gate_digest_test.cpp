// proposal_digest(): SHA-256 of the canonical {agent, arguments, tool_name}.
#include "session/proposal_digest.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>

namespace pvpd::session {
namespace {

rapidjson::Document json(const char *text) {
  rapidjson::Document d;
  d.Parse(text);
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

TEST(ProposalDigest, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ProposalDigest, CanonicalJson) {
  EXPECT_EQ(canonical_json_text(json(R"( { "b" : 1, "a" : { "d" : [1, {"z":true, "y":null}],
                                           "c" : "x" } } )")),
            R"({"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1})");
  EXPECT_EQ(canonical_json_text(json(R"({"B":1,"a":2,"_":3,"aa":4})")),
            R"({"B":1,"_":3,"a":2,"aa":4})");  // byte order
  EXPECT_EQ(canonical_json_text(json(R"("q\"\\\n\u00e9")")), "\"q\\\"\\\\\\n\xc3\xa9\"");
  EXPECT_EQ(canonical_json_text(json("[3, 2.5, -1, 1e3, 18446744073709551615]")),
            "[3,2.5,-1,1000.0,18446744073709551615]");
  EXPECT_EQ(canonical_json_text(json("{}")), "{}");
}

TEST(ProposalDigest, IsTheHashOfTheCanonicalProposal) {
  auto args = json(R"({ "path": "a.txt", "content": "hi" })");
  EXPECT_EQ(proposal_digest("file_write", args, "agent-1"),
            sha256_hex(R"({"agent":"agent-1","arguments":{"content":"hi","path":"a.txt"},)"
                       R"("tool_name":"file_write"})"));
  EXPECT_EQ(proposal_digest("file_write", args, "agent-1").size(), 64u);
}

TEST(ProposalDigest, KeyOrderAndSpacingDoNotMatter) {
  auto a = json(R"({"cmd":"ls","opts":{"all":true,"long":false},"env":[{"k":"A","v":"1"}]})");
  auto b = json(R"({ "env" : [ { "v" : "1", "k" : "A" } ],
                     "opts" : { "long" : false, "all" : true }, "cmd" : "ls" })");
  EXPECT_EQ(proposal_digest("shell", a, "agent"), proposal_digest("shell", b, "agent"));
}

TEST(ProposalDigest, AnyChangeChangesIt) {
  auto base = json(R"({"cmd":"ls","n":1,"list":[1,2]})");
  std::set<std::string> digests{
      proposal_digest("shell", base, "agent"),
      proposal_digest("shell2", base, "agent"),
      proposal_digest("shell", base, "agent2"),
      proposal_digest("shell", json(R"({"cmd":"rm","n":1,"list":[1,2]})"), "agent"),
      proposal_digest("shell", json(R"({"cmd":"ls","n":"1","list":[1,2]})"), "agent"),
      proposal_digest("shell", json(R"({"cmd":"ls","n":1.0,"list":[1,2]})"), "agent"),
      proposal_digest("shell", json(R"({"cmd":"ls","n":1,"list":[2,1]})"), "agent"),
      proposal_digest("shell", json(R"({"cmd":"ls","n":1,"list":[1,2],"x":null})"), "agent"),
      proposal_digest("shell", json(R"({"cmd":"ls ","n":1,"list":[1,2]})"), "agent"),
      // Field boundaries cannot be shifted: the fields are JSON strings, not concatenated.
      proposal_digest("sh", base, "ellagent"),
      proposal_digest("shell\",\"agent\":\"x", base, "agent"),
      proposal_digest("shell", json("null"), "agent"),
      proposal_digest("shell", json("{}"), "agent"),
  };
  EXPECT_EQ(digests.size(), 13u);
}

TEST(ProposalDigest, Deterministic) {
  auto args = json(R"({"z":[{"b":2,"a":1}],"a":"\u0000x"})");
  std::string first = proposal_digest("t", args, "a");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(proposal_digest("t", args, "a"), first);
  }
}

}  // namespace
}  // namespace pvpd::session
