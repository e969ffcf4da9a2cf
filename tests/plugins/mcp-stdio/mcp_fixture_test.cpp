// Fixture-driven tests: replays the client side of JSON-RPC exchanges recorded from real MCP
// peers (tests/fixtures/mcp, copied from shared/fixtures/mcp) through McpSession and checks
// what pvpd answers. Where pvpd deliberately differs from the recorded reference server
// (server-everything drops malformed lines silently; pvpd answers -32700) the test says so.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "mcp_test_util.h"

namespace pvpd::mcp::testing {
namespace {

// The client->server lines of a fixture: "C->S <json>" rows of a .log, or the JSON rows of a
// .jsonl driver script ("#" rows are comments and pauses).
std::vector<std::string> client_lines(const std::string &name) {
  std::ifstream in(std::string(PVPD_MCP_FIXTURES) + "/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::vector<std::string> out;
  std::string line;
  bool log = name.size() > 4 && name.substr(name.size() - 4) == ".log";
  while (std::getline(in, line)) {
    if (log) {
      if (line.rfind("C->S ", 0) == 0) {
        out.push_back(line.substr(5));
      }
    } else if (!line.empty() && line[0] != '#') {
      out.push_back(line);
    }
  }
  return out;
}

// Replies keyed by their id's JSON text; "null" collects id-less errors.
std::multimap<std::string, std::string> replay(SessionHarness &h, const std::string &fixture) {
  std::multimap<std::string, std::string> by_id;
  for (const std::string &line : client_lines(fixture)) {
    for (const std::string &r : h.send(line)) {
      auto d = parse(r);
      EXPECT_TRUE(d.IsObject()) << r;
      EXPECT_EQ(str(d, "jsonrpc"), "2.0") << r;
      EXPECT_EQ(r.find('\n'), std::string::npos) << "a reply must be one line";
      std::string id = d.HasMember("id") ? (d["id"].IsString() ? "\"" + str(d, "id") + "\""
                                            : d["id"].IsNull() ? "null"
                                                               : std::to_string(d["id"].GetInt64()))
                                         : "notification";
      by_id.emplace(id, r);
    }
  }
  return by_id;
}

int code_of(const std::multimap<std::string, std::string> &m, const std::string &id) {
  auto it = m.find(id);
  return it == m.end() ? 1 : error_code(parse(it->second));
}

TEST(McpFixtures, EdgeCasesRecordedAgainstServerEverything) {
  SessionHarness h;
  auto r = replay(h, "pvp-edge.jsonl");
  EXPECT_EQ(code_of(r, "\"discover-1\""), rpc_code::kMethodNotFound);  // as recorded
  EXPECT_EQ(code_of(r, "\"p0\""), 0);                                  // pre-init ping answered
  EXPECT_EQ(code_of(r, "\"t0\""), 0);                                  // pre-init tools/list too
  auto init = parse(r.find("1")->second);
  EXPECT_EQ(str(init["result"], "protocolVersion"), "2025-11-25");  // as recorded
  EXPECT_EQ(code_of(r, "2"), 0);
  EXPECT_EQ(code_of(r, "null"), rpc_code::kParseError);  // recorded server: silence
  EXPECT_EQ(code_of(r, "4"), rpc_code::kMethodNotFound);
  EXPECT_EQ(code_of(r, "5"), rpc_code::kInvalidParams);  // recorded: isError result; both valid
  EXPECT_EQ(r.count("6"), 0u);                           // cancelled: never answered
  EXPECT_EQ(code_of(r, "7"), 0);
  EXPECT_EQ(code_of(r, "8"), 0);
  EXPECT_EQ(code_of(r, "9"), rpc_code::kMethodNotFound);  // prompts are not offered
  EXPECT_EQ(h.session->pending_calls(), 0u);
  // The untouched original script, too: every request but the cancelled one is answered once.
  SessionHarness h2;
  auto orig = replay(h2, "edge1.jsonl");
  for (const char *id :
       {"\"discover-1\"", "\"p0\"", "\"t0\"", "1", "2", "4", "5", "6", "7", "8", "9"}) {
    EXPECT_EQ(orig.count(id), 1u) << id;  // 6 names a tool pvpd lacks: an error, not a wait
  }
}

TEST(McpFixtures, RecordedClientHandshakesAreAccepted) {
  for (const char *fixture :
       {"01-sdk-client-everything-echo.log", "06-inspector-cli-everything.log"}) {
    SessionHarness h;
    auto r = replay(h, fixture);
    auto init = r.find("0");
    ASSERT_NE(init, r.end()) << fixture;
    auto d = parse(init->second);
    EXPECT_EQ(str(d["result"], "protocolVersion"), "2025-11-25") << fixture;
    EXPECT_TRUE(h.session->initialized());
    for (const auto &[id, reply] : r) {
      int code = error_code(parse(reply));
      // Only calls of server-everything's own tools (echo) may fail, and as unknown tools.
      EXPECT_TRUE(code == 0 || code == rpc_code::kInvalidParams) << fixture << ": " << reply;
    }
  }
}

}  // namespace
}  // namespace pvpd::mcp::testing
