// Unit tests of the MCP lifecycle and JSON-RPC handling of McpSession: malformed input, error
// codes, version negotiation, pre-initialize probes, limits. No sockets, no daemon.
#include <gtest/gtest.h>

#include <string>

#include "jsonrpc.h"
#include "mcp_test_util.h"
#include "options.h"
#include "tool_catalog.h"

namespace pvpd::mcp::testing {
namespace {

TEST(McpJsonRpc, ParseErrorIsAnsweredWithNullIdAndTheConnectionSurvives) {
  SessionHarness h;
  for (const char *bad : {R"({"jsonrpc":"2.0","id":3,"method":"tools/list")", "not json", "{]",
                          "\"\xff\xfe\"", R"({"a":1} trailing)"}) {
    auto r = h.reply(bad);
    ASSERT_TRUE(r.IsObject()) << bad;
    EXPECT_EQ(error_code(r), rpc_code::kParseError) << bad;
    EXPECT_TRUE(r["id"].IsNull());
    EXPECT_EQ(str(r, "jsonrpc"), "2.0");
  }
  auto ping = h.reply(R"({"jsonrpc":"2.0","id":9,"method":"ping"})");
  ASSERT_TRUE(ping.HasMember("result"));
  EXPECT_EQ(ping["id"].GetInt(), 9);
}

TEST(McpJsonRpc, InvalidRequestsGetMinus32600) {
  SessionHarness h;
  struct Case {
    const char *line;
    bool id_null;
  } cases[] = {
      {R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", true},      // batch
      {R"(42)", true},                                              // not an object
      {R"({"id":1,"method":"ping"})", false},                       // no jsonrpc
      {R"({"jsonrpc":"1.0","id":1,"method":"ping"})", false},       // wrong version
      {R"({"jsonrpc":"2.0","id":{"x":1},"method":"ping"})", true},  // id of the wrong type
      {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", true},
      {R"({"jsonrpc":"2.0","id":1})", false},  // no method
      {R"({"jsonrpc":"2.0","id":1,"method":7})", false},
      {R"({"jsonrpc":"2.0","id":1,"method":"ping","params":"x"})", false},
  };
  for (const Case &c : cases) {
    auto r = h.reply(c.line);
    ASSERT_TRUE(r.IsObject()) << c.line;
    EXPECT_EQ(error_code(r), rpc_code::kInvalidRequest) << c.line;
    EXPECT_EQ(r["id"].IsNull(), c.id_null) << c.line;
  }
}

TEST(McpJsonRpc, ServerDiscoverAndUnknownMethodsGetMinus32601BeforeAndAfterInitialize) {
  SessionHarness h;
  auto d = h.reply(
      R"({"jsonrpc":"2.0","id":"discover-1","method":"server/discover","params":{"_meta":{}}})");
  EXPECT_EQ(error_code(d), rpc_code::kMethodNotFound);
  EXPECT_EQ(str(d, "id"), "discover-1");
  h.initialize();
  EXPECT_EQ(error_code(h.reply(R"({"jsonrpc":"2.0","id":4,"method":"no/such/method"})")),
            rpc_code::kMethodNotFound);
  EXPECT_EQ(error_code(h.reply(R"({"jsonrpc":"2.0","id":5,"method":"prompts/list"})")),
            rpc_code::kMethodNotFound);
}

TEST(McpJsonRpc, NotificationsAndResponsesAreNeverAnswered) {
  SessionHarness h;
  EXPECT_TRUE(h.send(R"({"jsonrpc":"2.0","method":"no/such/notification"})").empty());
  EXPECT_TRUE(h.send(R"({"jsonrpc":"2.0","id":1,"result":{}})").empty());
  EXPECT_TRUE(
      h.send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":77}})")
          .empty());
  EXPECT_TRUE(h.send("").empty());
  EXPECT_TRUE(h.send("   \r").empty());
}

TEST(McpLifecycle, VersionNegotiationEchoesSupportedVersionsAndOffersTheLatestOtherwise) {
  for (std::string v : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
    SessionHarness h;
    auto r =
        h.reply(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" +
                v + R"(","capabilities":{},"clientInfo":{"name":"c","version":"1"}}})");
    ASSERT_TRUE(r.HasMember("result")) << v;
    EXPECT_EQ(str(r["result"], "protocolVersion"), v);
  }
  for (std::string v : {"2026-07-28", "1999-01-01", ""}) {
    SessionHarness h;
    auto r =
        h.reply(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" +
                v + R"(","capabilities":{}}})");
    ASSERT_TRUE(r.HasMember("result")) << v;
    EXPECT_EQ(str(r["result"], "protocolVersion"), "2025-11-25") << v;
  }
}

TEST(McpLifecycle, InitializeResultDeclaresCapabilitiesAndServerInfo) {
  SessionHarness h;
  auto r = h.reply(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{}},"clientInfo":{"name":"claude-code","version":"2.1.317"}}})");
  ASSERT_TRUE(r.HasMember("result"));
  const auto &res = r["result"];
  EXPECT_TRUE(res["capabilities"].HasMember("tools"));
  EXPECT_TRUE(res["capabilities"].HasMember("logging"));
  EXPECT_TRUE(res["capabilities"].HasMember("resources"));
  EXPECT_TRUE(res["capabilities"]["experimental"].HasMember("claude/channel"));
  EXPECT_EQ(str(res["serverInfo"], "name"), "pvpd-mcp-stdio");
  EXPECT_FALSE(str(res, "instructions").empty());
  EXPECT_TRUE(h.session->initialized());
}

TEST(McpLifecycle, InitializeParamErrorsAndRepeats) {
  SessionHarness h;
  EXPECT_EQ(error_code(h.reply(R"({"jsonrpc":"2.0","id":1,"method":"initialize"})")),
            rpc_code::kInvalidParams);
  EXPECT_EQ(
      error_code(h.reply(
          R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":5}})")),
      rpc_code::kInvalidParams);
  EXPECT_FALSE(h.session->initialized());
  h.initialize();
  EXPECT_EQ(
      error_code(h.reply(
          R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})")),
      rpc_code::kInvalidRequest);
}

TEST(McpLifecycle, PingAndToolsListWorkBeforeInitializeButToolCallsDoNot) {
  SessionHarness h;
  EXPECT_TRUE(h.reply(R"({"jsonrpc":"2.0","id":"p0","method":"ping"})").HasMember("result"));
  EXPECT_TRUE(h.reply(R"({"jsonrpc":"2.0","id":"t0","method":"tools/list"})").HasMember("result"));
  EXPECT_EQ(
      error_code(h.reply(
          R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"pvp_session_status"}})")),
      rpc_code::kInvalidRequest);
}

TEST(McpLifecycle, ToolsListDescribesEveryToolForAModel) {
  SessionHarness h;
  h.initialize();
  auto r = h.reply(R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}})");
  const auto &tools = r["result"]["tools"];
  ASSERT_TRUE(tools.IsArray());
  EXPECT_EQ(tools.Size(), 10u);
  bool has_permission = false;
  for (const auto &t : tools.GetArray()) {
    std::string name = str(t, "name");
    EXPECT_TRUE(is_known_tool(name)) << name;
    EXPECT_GT(str(t, "description").size(), 40u) << name;
    EXPECT_EQ(str(t["inputSchema"], "type"), "object") << name;
    has_permission = has_permission || name == "pvp_permission";
  }
  EXPECT_TRUE(has_permission);
}

TEST(McpLifecycle, ToolCallParamErrorsAreMinus32602) {
  SessionHarness h;
  h.initialize();
  EXPECT_EQ(error_code(h.reply(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}})")),
            rpc_code::kInvalidParams);
  EXPECT_EQ(
      error_code(h.reply(
          R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"no-such-tool","arguments":{}}})")),
      rpc_code::kInvalidParams);
  EXPECT_EQ(
      error_code(h.reply(
          R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"pvp_join","arguments":[1]}})")),
      rpc_code::kInvalidParams);
  EXPECT_EQ(error_code(h.reply(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":[1]})")),
            rpc_code::kInvalidParams);
  // Bad argument values are execution errors the model can read and correct.
  auto r = h.reply(
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"pvp_join","arguments":{"session":7}}})");
  EXPECT_TRUE(is_error_result(r));
}

TEST(McpLifecycle, LoggingSetLevelChecksTheLevel) {
  SessionHarness h;
  h.initialize();
  EXPECT_TRUE(
      h.reply(R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"debug"}})")
          .HasMember("result"));
  EXPECT_EQ(
      error_code(h.reply(
          R"({"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"loud"}})")),
      rpc_code::kInvalidParams);
}

TEST(McpLifecycle, OversizedMessageGetsAnErrorAndTheSessionGoesOn) {
  SessionHarness h;
  h.session->reject_oversized(5u << 20);
  ASSERT_EQ(h.sink.client.size(), 1u);
  auto r = parse(h.sink.client.back());
  EXPECT_EQ(error_code(r), rpc_code::kInvalidRequest);
  EXPECT_TRUE(r["id"].IsNull());
  EXPECT_TRUE(h.reply(R"({"jsonrpc":"2.0","id":1,"method":"ping"})").HasMember("result"));
}

TEST(McpLifecycle, AFloodOfRequestsIsRateLimited) {
  Settings s;
  s.rate_burst = 3;
  s.rate_per_second = 1;
  SessionHarness h(s);
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    auto r = h.reply(R"({"jsonrpc":"2.0","id":)" + std::to_string(i) + R"(,"method":"ping"})");
    limited += error_code(r) == rpc_code::kRateLimited ? 1 : 0;
  }
  EXPECT_EQ(limited, 7);
  h.now += 2000;  // two tokens come back
  EXPECT_TRUE(h.reply(R"({"jsonrpc":"2.0","id":20,"method":"ping"})").HasMember("result"));
  EXPECT_TRUE(h.reply(R"({"jsonrpc":"2.0","id":21,"method":"ping"})").HasMember("result"));
  EXPECT_EQ(error_code(h.reply(R"({"jsonrpc":"2.0","id":22,"method":"ping"})")),
            rpc_code::kRateLimited);
}

TEST(McpOptions, ParsesRiskMapAndRejectsBadValues) {
  Settings s;
  auto errors = parse_settings(
      R"({"socket":"/tmp/x.sock","socket_mode":"0660","risk":{"Bash":"high","deploy_it":{"risk":"critical","category":"deploy"}},"push":"never"})",
      &s);
  ASSERT_TRUE(errors.empty()) << errors.front().message;
  EXPECT_EQ(s.socket_mode, 0660u);
  EXPECT_EQ(risk_for(s, "Bash").risk, "high");
  EXPECT_EQ(risk_for(s, "Bash").category, "shell_execute");
  EXPECT_EQ(risk_for(s, "deploy_it").category, "deploy");
  EXPECT_EQ(risk_for(s, "Write").category, "file_write");
  EXPECT_EQ(risk_for(s, "mcp__x__y").risk, "medium");
  EXPECT_EQ(risk_for(s, "mcp__x__y").category, "external_api");
  EXPECT_EQ(s.push, PushMode::kNever);
  // Configured tools keep their configured risk whatever the input; unconfigured Bash calls are
  // classified by the agents' tool runtime, segment by segment.
  EXPECT_EQ(risk_for(s, "Bash", R"({"command":"rm -rf /"})").risk, "high");
  Settings plain;
  ASSERT_TRUE(parse_settings("{}", &plain).empty());
  EXPECT_EQ(risk_for(plain, "Bash", R"({"command":"ls -la"})").risk, "low");
  EXPECT_EQ(risk_for(plain, "Bash", R"({"command":"ls -la"})").category, "shell_execute");
  EXPECT_EQ(risk_for(plain, "Bash", R"({"command":"git status && rm -rf x"})").risk, "high");
  EXPECT_EQ(risk_for(plain, "Bash", R"({"command":"bash -c 'echo hi'"})").risk, "critical");
  EXPECT_EQ(risk_for(plain, "Bash").risk, "medium") << "no input: the configured default";

  EXPECT_FALSE(parse_settings(R"({"risk":{"Bash":"extreme"}})", &s).empty());
  EXPECT_FALSE(parse_settings(R"({"risk":{"Bash":{"category":"nope"}}})", &s).empty());
  EXPECT_FALSE(parse_settings(R"({"socket_mode":"999"})", &s).empty());
  EXPECT_FALSE(parse_settings(R"({"push":"sometimes"})", &s).empty());
  EXPECT_FALSE(parse_settings("[]", &s).empty());
  EXPECT_TRUE(parse_settings("", &s).empty());
}

}  // namespace
}  // namespace pvpd::mcp::testing
