// Tests of the payload schema validator (session/schema.h): the type list, positive and
// negative payloads for every type, exact messages, limits, hostile input, and compatibility
// with every frame the reference clients sent in the anchor transcripts.
#include "session/schema.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace pvpd::session {
namespace {

namespace fs = std::filesystem;
using rapidjson::Document;
using rapidjson::Value;

Document parse(const std::string &json) {
  Document d;
  d.Parse(json.c_str(), json.size());
  EXPECT_FALSE(d.HasParseError()) << rapidjson::GetParseError_En(d.GetParseError()) << " in "
                                  << json;
  return d;
}

std::optional<SchemaViolation> check(std::string_view type, const std::string &payload,
                                     const SchemaLimits &limits = {}) {
  Document d = parse(payload);
  return validate_payload(type, d, limits);
}

std::string describe(const std::optional<SchemaViolation> &v) {
  if (!v) {
    return "valid";
  }
  return v->code + " " + v->field + ": " + v->message;
}

// ---------------------------------------------------------------------------------------------
// Type list
// ---------------------------------------------------------------------------------------------

const std::vector<std::string> kAllTypes = {"session.create",
                                            "session.join",
                                            "session.leave",
                                            "session.end",
                                            "session.config_update",
                                            "participant.announce",
                                            "participant.role_change",
                                            "heartbeat.ping",
                                            "heartbeat.pong",
                                            "presence.update",
                                            "context.add",
                                            "context.update",
                                            "context.remove",
                                            "secret.share",
                                            "secret.revoke",
                                            "prompt.draft",
                                            "prompt.submit",
                                            "prompt.amend",
                                            "thinking.start",
                                            "thinking.chunk",
                                            "thinking.end",
                                            "response.start",
                                            "response.chunk",
                                            "response.end",
                                            "tool.propose",
                                            "tool.approve",
                                            "tool.reject",
                                            "tool.execute",
                                            "tool.output",
                                            "tool.result",
                                            "gate.request",
                                            "gate.approve",
                                            "gate.reject",
                                            "gate.timeout",
                                            "interrupt.raise",
                                            "interrupt.acknowledge",
                                            "fork.create",
                                            "fork.switch",
                                            "merge.propose",
                                            "merge.execute",
                                            "error",
                                            "agent.attach"};

TEST(SchemaTypes, FortyOneProtocolTypesPlusAgentAttach) {
  EXPECT_EQ(kAllTypes.size(), 42U);
  for (const std::string &t : kAllTypes) {
    EXPECT_TRUE(is_known_type(t)) << t;
  }
  for (std::string_view t : {"", "foo.bar", "session", "session.create ", "Session.create",
                             "tool.outputs", "errors", "gate"}) {
    EXPECT_FALSE(is_known_type(t)) << t;
  }
}

TEST(SchemaTypes, ClientMaySendAllButServerMadeTypes) {
  const std::set<std::string> server_only = {"tool.execute", "gate.request", "gate.timeout"};
  for (const std::string &t : kAllTypes) {
    EXPECT_EQ(client_may_send(t), server_only.count(t) == 0) << t;
  }
  EXPECT_FALSE(client_may_send("foo.bar"));
}

TEST(SchemaTypes, UnknownTypeIsAViolationOnType) {
  auto v = check("foo.bar", R"({"anything":true})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "INVALID_MESSAGE");
  EXPECT_EQ(v->field, "type");
  EXPECT_EQ(v->message, "unknown message type \"foo.bar\"");
}

// ---------------------------------------------------------------------------------------------
// A complete valid payload per type (every optional field present) and a minimal one.
// ---------------------------------------------------------------------------------------------

const char *const kConfig =
    R"({"require_approval_for":["shell_execute","file_write"],"default_gate_quorum":{"type":"any","count":1},)"
    R"("allow_forks":true,"max_participants":10,"ordering_mode":"causal","on_participant_timeout":"skip",)"
    R"("heartbeat_interval_seconds":30,"idle_timeout_seconds":120,"away_timeout_seconds":300})";
const char *const kParticipant =
    R"({"id":"alice","name":"Alice","type":"human","roles":["driver","approver"],)"
    R"("capabilities":["prompt","approve","add_context"],"transport":"websocket","metadata":{"k":1}})";
const char *const kRef =
    R"({"hash":"sha256:ab","size_bytes":12,"mime_type":"text/plain","storage":"local","uri":"file:///x"})";

struct Sample {
  std::string type;
  std::string full;
  std::string minimal;
};

std::vector<Sample> samples() {
  const std::string cfg = kConfig;
  const std::string part = kParticipant;
  const std::string ref = kRef;
  return {
      {"session.create", R"({"name":"S","config":)" + cfg + "}", R"({"config":)" + cfg + "}"},
      {"session.join", R"({"participant":)" + part + R"(,"token":"t","supported_versions":[1,2]})",
       R"({"participant":{"id":"a","name":"A","type":"agent","roles":[],"transport":"stdio"},"supported_versions":[1]})"},
      {"session.leave", R"({"reason":"bye"})", "{}"},
      {"session.end", R"({"reason":"done","final_state":"completed"})",
       R"({"reason":"","final_state":"timeout"})"},
      {"session.config_update", R"({"changes":)" + cfg + R"(,"reason":"r"})",
       R"({"changes":{},"reason":"r"})"},
      {"participant.announce", part,
       R"({"id":"a","name":"A","type":"agent","roles":["navigator"],"transport":"mcp"})"},
      {"participant.role_change",
       R"({"participant":"bob","old_roles":["observer"],"new_roles":["driver"],"changed_by":"alice","reason":"x"})",
       R"({"participant":"bob","old_roles":[],"new_roles":[],"changed_by":"alice"})"},
      {"heartbeat.ping", "{}", "{}"},
      {"heartbeat.pong", R"({"extra":"kept"})", "{}"},
      {"presence.update",
       R"({"participant":"bob","status":"away","last_active":"2026-11-22T03:16:59.848Z"})",
       R"({"participant":"bob","status":"active","last_active":""})"},
      {"context.add",
       R"({"key":"k","content_type":"structured","content":{"goal":"g","tasks":[]},"content_ref":)" +
           ref + R"(,"visible_to":["alice"],"source":"s","tags":["t"]})",
       R"({"key":"k","content_type":"text","content":""})"},
      {"context.update",
       R"({"key":"k","diff":"@@","new_content":"x","new_content_ref":)" + ref + R"(,"reason":"r"})",
       R"({"key":"k","reason":"r"})"},
      {"context.remove", R"({"key":"k","reason":"r"})", R"({"key":"k","reason":""})"},
      {"secret.share",
       R"({"key":"DB","scope":["agent"],"expires_at":"2027-01-01T00:00:00Z","value_ref":"vault://db","secret_type":"database_url"})",
       R"({"key":"DB","scope":[],"value_ref":"env://X"})"},
      {"secret.revoke", R"({"key":"DB","reason":"r"})", R"({"key":"DB","reason":"r"})"},
      {"prompt.draft", R"({"content":"c","target_agent":"agent","contributors":["alice"]})",
       R"({"content":"","contributors":[]})"},
      {"prompt.submit",
       R"({"content":"c","target_agent":"agent","contributors":["alice"],"context_keys":["k"],)"
       R"("config":{"temperature":0.7,"max_tokens":100,"tools_allowed":["shell"],"model":"m","provider_params":{"x":1}}})",
       R"({"content":"c","target_agent":"agent","contributors":[],"context_keys":[]})"},
      {"prompt.amend", R"({"original_prompt":"01ABC","amendment":"a","reason":"r"})",
       R"({"original_prompt":"01ABC","amendment":"","reason":""})"},
      {"thinking.start", R"({"agent":"agent","prompt_ref":"01ABC","visible_to":["alice","bob"]})",
       R"({"agent":"agent","prompt_ref":"01ABC","visible_to":"all"})"},
      {"thinking.chunk", R"({"text":"hmm"})", R"({"text":""})"},
      {"thinking.end", R"({"summary":"s","duration_ms":12.5})", "{}"},
      {"response.start", R"({"agent":"agent","prompt_ref":"01ABC"})",
       R"({"agent":"agent","prompt_ref":"01ABC"})"},
      {"response.chunk", R"({"text":"hi"})", R"({"text":""})"},
      {"response.end",
       R"({"finish_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":3,"thinking_tokens":0,"cost_usd":0.01,"model":"m","latency_ms":5}})",
       R"({"finish_reason":"complete"})"},
      {"tool.propose",
       R"({"tool_name":"shell","arguments":{"command":"ls","args":[]},"agent":"agent","risk_level":"low",)"
       R"("description":"d","requires_approval":false,"suggested_approvers":["alice"],"category":"file_read"})",
       R"({"tool_name":"t","arguments":{},"agent":"agent","risk_level":"critical","description":"",)"
       R"("requires_approval":true,"category":"all"})"},
      {"tool.approve", R"({"tool_proposal":"01ABC","approver":"alice","comment":"ok"})",
       R"({"tool_proposal":"01ABC","approver":"alice"})"},
      {"tool.reject",
       R"({"tool_proposal":"01ABC","rejector":"alice","reason":"no","suggestion":"s"})",
       R"({"tool_proposal":"01ABC","rejector":"alice","reason":"no"})"},
      {"tool.execute", R"({"tool_proposal":"01ABC","approved_by":["alice"]})",
       R"({"tool_proposal":"01ABC","approved_by":[]})"},
      {"tool.output", R"({"tool_proposal":"01ABC","stream":"stderr","text":"x","complete":false})",
       R"({"tool_proposal":"01ABC","stream":"stdout","text":"","complete":true})"},
      {"tool.result",
       R"({"tool_proposal":"01ABC","success":false,"result":{"exitCode":1},"error":"e","duration_ms":3})",
       R"({"tool_proposal":"01ABC","success":true,"duration_ms":0})"},
      {"gate.request",
       R"({"action_type":"tool","action_ref":"01ABC","quorum":{"type":"role","role":"approver","count":2},"timeout_seconds":300,"message":"m"})",
       R"({"action_type":"merge","action_ref":"01ABC","quorum":{"type":"majority"},"timeout_seconds":0,"message":""})"},
      {"gate.approve", R"({"gate":"01ABC","approver":"alice","comment":"c"})",
       R"({"gate":"01ABC","approver":"alice"})"},
      {"gate.reject", R"({"gate":"01ABC","rejector":"alice","reason":"r"})",
       R"({"gate":"01ABC","rejector":"alice","reason":""})"},
      {"gate.timeout",
       R"({"gate":"01ABC","approvals_received":1,"approvals_required":2,"resolution":"rejected"})",
       R"({"gate":"01ABC","approvals_received":0,"approvals_required":0,"resolution":"escalated"})"},
      {"interrupt.raise",
       R"({"target":"agent","urgency":"stop","message":"m","inject_context":"ctx","inject_context_ref":)" +
           ref + "}",
       R"({"urgency":"pause","message":""})"},
      {"interrupt.acknowledge",
       R"({"interrupt":"01ABC","by":"agent","action_taken":"ignored","ignore_reason":"r"})",
       R"({"interrupt":"01ABC","by":"agent","action_taken":"paused"})"},
      {"fork.create",
       R"({"name":"alt","from_point":"01ABC","reason":"r","participants":["alice"],"copy_context":true})",
       R"({"name":"","from_point":"01ABC","reason":"","participants":[],"copy_context":false})"},
      {"fork.switch", R"({"target_fork":"main"})", R"({"target_fork":"f"})"},
      {"merge.propose",
       R"({"source_fork":"alt","target_fork":"main","strategy":"interleave","summary":"s"})",
       R"({"source_fork":"alt","target_fork":"main","strategy":"manual","summary":""})"},
      {"merge.execute",
       R"({"merge_proposal":"01ABC","resolved_conflicts":[{"conflict_id":"c1","resolution":"custom","custom_value":[1,{"a":null}]}]})",
       R"({"merge_proposal":"01ABC"})"},
      {"error",
       R"({"code":"AGENT_ERROR","message":"m","recoverable":false,"details":{"x":1},"related_to":"01ABC"})",
       R"({"code":"INTERNAL_ERROR","message":"","recoverable":true})"},
      {"agent.attach", R"({"agent":"demo-agent","reason":"review the diff"})",
       R"({"agent":"demo-agent:2"})"},
  };
}

TEST(SchemaPositive, SamplesCoverEveryType) {
  std::set<std::string> covered;
  for (const Sample &s : samples()) {
    covered.insert(s.type);
  }
  EXPECT_EQ(covered, std::set<std::string>(kAllTypes.begin(), kAllTypes.end()));
}

TEST(SchemaPositive, FullAndMinimalPayloadsOfEveryTypeValidate) {
  for (const Sample &s : samples()) {
    EXPECT_FALSE(check(s.type, s.full)) << s.type << " full: " << describe(check(s.type, s.full));
    EXPECT_FALSE(check(s.type, s.minimal))
        << s.type << " minimal: " << describe(check(s.type, s.minimal));
  }
}

TEST(SchemaPositive, UnknownPayloadFieldsAreAccepted) {
  for (const Sample &s : samples()) {
    Document d = parse(s.full);
    d.AddMember("x_extension", Value("kept"), d.GetAllocator());
    d.AddMember("another", Value(rapidjson::kObjectType), d.GetAllocator());
    EXPECT_FALSE(validate_payload(s.type, d)) << s.type;
  }
}

TEST(SchemaPositive, EveryEnumValueFromTheTypeScriptUnions) {
  auto join_with = [](const std::string &role) {
    return R"({"participant":{"id":"a","name":"A","type":"human","roles":[")" + role +
           R"("],"transport":"websocket"},"supported_versions":[1]})";
  };
  for (const char *r : {"driver", "navigator", "adversary", "observer", "approver", "admin"}) {
    EXPECT_FALSE(check("session.join", join_with(r))) << r;
  }
  for (const char *c : {"prompt", "approve", "interrupt", "fork", "add_context",
                        "manage_participants", "end_session"}) {
    const std::string p = R"({"id":"a","name":"A","type":"human","roles":[],"capabilities":[")" +
                          std::string(c) + R"("],"transport":"websocket"})";
    EXPECT_FALSE(check("participant.announce", p)) << c;
  }
  for (const char *t : {"websocket", "mcp", "t140", "http", "stdio"}) {
    const std::string p = R"({"id":"a","name":"A","type":"human","roles":[],"transport":")" +
                          std::string(t) + R"("})";
    EXPECT_FALSE(check("participant.announce", p)) << t;
  }
  for (const char *c :
       {"file_read", "file_write", "file_delete", "shell_execute", "network_request", "deploy",
        "database", "secret_access", "external_api", "all"}) {
    const std::string p =
        R"({"tool_name":"t","arguments":{},"agent":"a","risk_level":"low","description":"d","requires_approval":true,"category":")" +
        std::string(c) + R"("})";
    EXPECT_FALSE(check("tool.propose", p)) << c;
  }
  for (const char *code :
       {"INVALID_MESSAGE", "UNAUTHORIZED", "SESSION_NOT_FOUND", "PARTICIPANT_NOT_FOUND",
        "GATE_FAILED", "TIMEOUT", "RATE_LIMITED", "CONTEXT_TOO_LARGE", "INVALID_STATE",
        "TRANSPORT_ERROR", "AGENT_ERROR", "INTERNAL_ERROR"}) {
    const std::string p =
        R"({"code":")" + std::string(code) + R"(","message":"m","recoverable":true})";
    EXPECT_FALSE(check("error", p)) << code;
  }
  for (const char *a : {"tool", "deploy", "prompt", "context_change", "session_config",
                        "participant_add", "fork", "merge"}) {
    const std::string p =
        R"({"action_type":")" + std::string(a) +
        R"(","action_ref":"x","quorum":{"type":"all"},"timeout_seconds":1,"message":"m"})";
    EXPECT_FALSE(check("gate.request", p)) << a;
  }
  for (const char *ct : {"text", "file", "reference", "structured", "image", "audio_transcript"}) {
    const std::string p =
        R"({"key":"k","content_type":")" + std::string(ct) + R"(","content":"x"})";
    EXPECT_FALSE(check("context.add", p)) << ct;
  }
}

TEST(SchemaPositive, IntegralDoublesCountAsIntegers) {
  EXPECT_FALSE(validate_quorum(parse(R"({"type":"any","count":2.0})"), "q"));
}

// ---------------------------------------------------------------------------------------------
// Negative cases, table-driven: at least one per type, with the offending field and (part of)
// the message.
// ---------------------------------------------------------------------------------------------

struct Negative {
  std::string type;
  std::string payload;
  std::string field;
  std::string message;  // substring of the message; empty = only the field is checked
  std::string code = "INVALID_MESSAGE";
};

std::vector<Negative> negatives() {
  const std::string part_ok = kParticipant;
  const std::string cfg = kConfig;
  return {
      // session.create
      {"session.create", R"({"name":"S"})", "payload.config",
       "missing required field payload.config"},
      {"session.create", R"({"config":"x"})", "payload.config",
       "payload.config must be an object (SessionConfig) (got \"x\")"},
      {"session.create", R"({"name":5,"config":)" + cfg + "}", "payload.name",
       "payload.name must be a string (got 5)"},
      {"session.create",
       R"({"config":{"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},"allow_forks":true,"max_participants":0,"ordering_mode":"causal","on_participant_timeout":"skip","heartbeat_interval_seconds":30,"idle_timeout_seconds":120,"away_timeout_seconds":300}})",
       "payload.config.max_participants",
       "payload.config.max_participants must be an integer >= 1 (got 0)"},
      {"session.create",
       R"({"config":{"require_approval_for":["rm_rf"],"default_gate_quorum":{"type":"any","count":1},"allow_forks":true,"max_participants":1,"ordering_mode":"causal","on_participant_timeout":"skip","heartbeat_interval_seconds":30,"idle_timeout_seconds":120,"away_timeout_seconds":300}})",
       "payload.config.require_approval_for[0]", "(got \"rm_rf\")"},
      {"session.create",
       R"({"config":{"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},"allow_forks":true,"max_participants":1,"ordering_mode":"fifo","on_participant_timeout":"skip","heartbeat_interval_seconds":30,"idle_timeout_seconds":120,"away_timeout_seconds":300}})",
       "payload.config.ordering_mode",
       "payload.config.ordering_mode must be one of causal, total (got \"fifo\")"},
      {"session.create",
       R"({"config":{"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},"allow_forks":true,"max_participants":1,"ordering_mode":"causal","on_participant_timeout":"skip","heartbeat_interval_seconds":0,"idle_timeout_seconds":120,"away_timeout_seconds":300}})",
       "payload.config.heartbeat_interval_seconds",
       "must be an integer between 1 and 31536000 (got 0)"},
      {"session.create",
       R"({"config":{"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},"allow_forks":true,"max_participants":1,"ordering_mode":"causal","on_participant_timeout":"skip","heartbeat_interval_seconds":30,"idle_timeout_seconds":1.5,"away_timeout_seconds":300}})",
       "payload.config.idle_timeout_seconds", "(got 1.5)"},
      {"session.create",
       R"({"config":{"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},"allow_forks":true,"max_participants":1,"ordering_mode":"causal","on_participant_timeout":"skip","heartbeat_interval_seconds":30,"idle_timeout_seconds":120}})",
       "payload.config.away_timeout_seconds",
       "missing required field payload.config.away_timeout_seconds"},
      {"session.create",
       R"({"config":{"require_approval_for":[],"default_gate_quorum":{"type":"specific","participants":[]},"allow_forks":true,"max_participants":1,"ordering_mode":"causal","on_participant_timeout":"skip","heartbeat_interval_seconds":30,"idle_timeout_seconds":120,"away_timeout_seconds":300}})",
       "payload.config.default_gate_quorum.participants",
       "payload.config.default_gate_quorum.participants must have at least 1 item (got 0)"},
      {"session.create",
       R"({"config":{"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},"allow_forks":"yes","max_participants":1,"ordering_mode":"causal","on_participant_timeout":"skip","heartbeat_interval_seconds":30,"idle_timeout_seconds":120,"away_timeout_seconds":300}})",
       "payload.config.allow_forks", "payload.config.allow_forks must be a boolean (got \"yes\")"},
      {"session.create",
       R"({"config":{"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},"allow_forks":true,"max_participants":1,"ordering_mode":"causal","on_participant_timeout":"explode","heartbeat_interval_seconds":30,"idle_timeout_seconds":120,"away_timeout_seconds":300}})",
       "payload.config.on_participant_timeout", "one of wait, skip, pause_session"},
      // session.join
      {"session.join", R"({"supported_versions":[1]})", "payload.participant",
       "missing required field payload.participant"},
      {"session.join", R"({"participant":)" + part_ok + "}", "payload.supported_versions",
       "missing required field payload.supported_versions"},
      {"session.join", R"({"participant":)" + part_ok + R"(,"supported_versions":[]})",
       "payload.supported_versions", "must have at least 1 item (got 0)"},
      {"session.join", R"({"participant":)" + part_ok + R"(,"supported_versions":["1"]})",
       "payload.supported_versions[0]", "(got \"1\")"},
      {"session.join", R"({"participant":)" + part_ok + R"(,"supported_versions":1})",
       "payload.supported_versions", "must be an array of integers (got 1)"},
      {"session.join", R"({"participant":)" + part_ok + R"(,"supported_versions":[1],"token":7})",
       "payload.token", "payload.token must be a string (got 7)"},
      {"session.join",
       R"({"participant":{"id":"a","name":"A","type":"robot","roles":[],"transport":"websocket"},"supported_versions":[1]})",
       "payload.participant.type",
       "payload.participant.type must be one of human, agent (got \"robot\")"},
      {"session.join",
       R"({"participant":{"id":"a","name":"A","type":"human","roles":["driver","observer","king"],"transport":"websocket"},"supported_versions":[1]})",
       "payload.participant.roles[2]", "(got \"king\")"},
      {"session.join",
       R"({"participant":{"id":"","name":"A","type":"human","roles":[],"transport":"websocket"},"supported_versions":[1]})",
       "payload.participant.id",
       "payload.participant.id must be an id of 1 to 128 bytes (got 0 bytes)"},
      {"session.join",
       R"({"participant":{"id":"a","name":"A","type":"human","roles":[],"transport":"pigeon"},"supported_versions":[1]})",
       "payload.participant.transport", "one of websocket, mcp, t140, http, stdio"},
      {"session.join",
       R"({"participant":{"id":"a","name":"A","type":"human","roles":[],"capabilities":["fly"],"transport":"websocket"},"supported_versions":[1]})",
       "payload.participant.capabilities[0]", "(got \"fly\")"},
      {"session.join",
       R"({"participant":{"id":"a","name":"A","type":"human","roles":[],"transport":"websocket","metadata":[]},"supported_versions":[1]})",
       "payload.participant.metadata", "must be an object (got an array)"},
      {"session.join",
       R"({"participant":{"id":"a","type":"human","roles":[],"transport":"websocket"},"supported_versions":[1]})",
       "payload.participant.name", "missing required field payload.participant.name"},
      // session.leave / end / config_update
      {"session.leave", R"({"reason":null})", "payload.reason",
       "payload.reason must be a string (got null)"},
      {"session.end", R"({"reason":"r","final_state":"exploded"})", "payload.final_state",
       "one of completed, aborted, timeout (got \"exploded\")"},
      {"session.end", R"({"final_state":"completed"})", "payload.reason",
       "missing required field payload.reason"},
      {"session.config_update", R"({"reason":"r"})", "payload.changes",
       "missing required field payload.changes"},
      {"session.config_update", R"({"changes":{"max_participants":-1},"reason":"r"})",
       "payload.changes.max_participants", "must be an integer >= 1 (got -1)"},
      {"session.config_update",
       R"({"changes":{"default_gate_quorum":{"type":"role","count":1}},"reason":"r"})",
       "payload.changes.default_gate_quorum.role",
       "missing required field payload.changes.default_gate_quorum.role"},
      {"session.config_update", R"({"changes":{"allow_forks":false}})", "payload.reason",
       "missing required field payload.reason"},
      // participant.*
      {"participant.announce", R"({"id":"a","name":"A","type":"human","transport":"websocket"})",
       "payload.roles", "missing required field payload.roles"},
      {"participant.announce",
       R"({"id":"a","name":"A","type":"human","roles":"driver","transport":"websocket"})",
       "payload.roles",
       "must be an array of strings (each one of driver, navigator, adversary, observer, approver, "
       "admin) (got \"driver\")"},
      {"participant.role_change",
       R"({"participant":"b","old_roles":[],"new_roles":["emperor"],"changed_by":"a"})",
       "payload.new_roles[0]", "(got \"emperor\")"},
      {"participant.role_change", R"({"participant":"b","old_roles":[],"new_roles":[]})",
       "payload.changed_by", "missing required field payload.changed_by"},
      // heartbeat: only the payload's JSON kind can be wrong
      {"heartbeat.ping", "[]", "payload",
       "payload must be an object (Record<string, never>) (got an array)"},
      {"heartbeat.pong", "null", "payload", "(got null)"},
      // presence
      {"presence.update", R"({"participant":"b","status":"sleeping","last_active":"x"})",
       "payload.status", "one of active, idle, away, disconnected (got \"sleeping\")"},
      {"presence.update", R"({"participant":"b","status":"idle"})", "payload.last_active",
       "missing required field payload.last_active"},
      // context
      {"context.add", R"({"content_type":"text","content":"x"})", "payload.key",
       "missing required field payload.key"},
      {"context.add", R"({"key":"k","content_type":"video","content":"x"})", "payload.content_type",
       "(got \"video\")"},
      {"context.add", R"({"key":"k","content_type":"text","content":42})", "payload.content",
       "payload.content must be a string or an object (got 42)"},
      {"context.add", R"({"key":"k","content_type":"text","content":["a"]})", "payload.content",
       "must be a string or an object (got an array)"},
      {"context.add", R"({"key":"k","content_type":"text"})", "payload.content",
       "payload.content or payload.content_ref must be present"},
      {"context.add", R"({"key":"k","content_type":"text","content":"x","visible_to":"all"})",
       "payload.visible_to", "must be an array of ids (got \"all\")"},
      {"context.add", R"({"key":"k","content_type":"text","content":"x","visible_to":[1]})",
       "payload.visible_to[0]", "must be a string (an id) (got 1)"},
      {"context.add", R"({"key":"k","content_type":"text","content":"x","tags":[true]})",
       "payload.tags[0]", "(got true)"},
      {"context.add",
       R"({"key":"k","content_type":"file","content_ref":{"hash":"h","size_bytes":-5,"mime_type":"m","storage":"local"}})",
       "payload.content_ref.size_bytes", "must be an integer >= 0 (got -5)"},
      {"context.add",
       R"({"key":"k","content_type":"file","content_ref":{"hash":"h","size_bytes":5,"mime_type":"m","storage":"ftp"}})",
       "payload.content_ref.storage", "one of inline, local, s3, ipfs (got \"ftp\")"},
      {"context.update", R"({"key":"k","new_content":"x"})", "payload.reason",
       "missing required field payload.reason"},
      {"context.update", R"({"key":"k","new_content":false,"reason":"r"})", "payload.new_content",
       "(got false)"},
      {"context.update", R"({"key":"k","diff":{},"reason":"r"})", "payload.diff",
       "payload.diff must be a string (got an object)"},
      {"context.remove", R"({"key":"k"})", "payload.reason",
       "missing required field payload.reason"},
      // secrets
      {"secret.share", R"({"key":"k","scope":["a"],"value_ref":"v","secret_type":"password"})",
       "payload.secret_type", "(got \"password\")"},
      {"secret.share", R"({"key":"k","value_ref":"v"})", "payload.scope",
       "missing required field payload.scope"},
      {"secret.revoke", R"({"key":"k","reason":[]})", "payload.reason", "(got an array)"},
      // prompts
      {"prompt.draft", R"({"content":"c"})", "payload.contributors",
       "missing required field payload.contributors"},
      {"prompt.submit", R"({"content":"c","contributors":[],"context_keys":[]})",
       "payload.target_agent", "missing required field payload.target_agent"},
      {"prompt.submit",
       R"({"content":"c","target_agent":"a","contributors":[],"context_keys":[],"config":{"temperature":-1}})",
       "payload.config.temperature", "must be a finite number >= 0 (got -1)"},
      {"prompt.submit",
       R"({"content":"c","target_agent":"a","contributors":[],"context_keys":[],"config":{"max_tokens":0}})",
       "payload.config.max_tokens", "(got 0)"},
      {"prompt.amend", R"({"original_prompt":"p","reason":"r"})", "payload.amendment",
       "missing required field payload.amendment"},
      // thinking / response
      {"thinking.start", R"({"agent":"a","prompt_ref":"p","visible_to":"everyone"})",
       "payload.visible_to",
       "payload.visible_to must be an array of ids or one of all, approvers_only (got "
       "\"everyone\")"},
      {"thinking.start", R"({"agent":"a","prompt_ref":"p","visible_to":["a",null]})",
       "payload.visible_to[1]", "(got null)"},
      {"thinking.start", R"({"agent":"a","prompt_ref":"p"})", "payload.visible_to",
       "missing required field payload.visible_to"},
      {"thinking.chunk", R"({})", "payload.text", "missing required field payload.text"},
      {"thinking.end", R"({"duration_ms":-1})", "payload.duration_ms", "(got -1)"},
      {"response.start", R"({"agent":"a"})", "payload.prompt_ref",
       "missing required field payload.prompt_ref"},
      {"response.chunk", R"({"text":{"a":1}})", "payload.text",
       "payload.text must be a string (got an object)"},
      {"response.end", R"({"finish_reason":"bored"})", "payload.finish_reason",
       "one of complete, interrupted, error, max_tokens, tool_use (got \"bored\")"},
      {"response.end", R"({"finish_reason":"complete","usage":{"input_tokens":1}})",
       "payload.usage.output_tokens", "missing required field payload.usage.output_tokens"},
      {"response.end",
       R"({"finish_reason":"complete","usage":{"input_tokens":1,"output_tokens":2,"cost_usd":-0.5}})",
       "payload.usage.cost_usd", "(got -0.5)"},
      // tools
      {"tool.propose",
       R"({"arguments":{},"agent":"a","risk_level":"low","description":"d","requires_approval":true,"category":"deploy"})",
       "payload.tool_name", "missing required field payload.tool_name"},
      {"tool.propose",
       R"({"tool_name":"t","arguments":"ls -la","agent":"a","risk_level":"low","description":"d","requires_approval":true,"category":"deploy"})",
       "payload.arguments", "payload.arguments must be an object (got \"ls -la\")"},
      {"tool.propose",
       R"({"tool_name":"t","arguments":{},"agent":"a","risk_level":"extreme","description":"d","requires_approval":true,"category":"deploy"})",
       "payload.risk_level", "one of low, medium, high, critical (got \"extreme\")"},
      {"tool.propose",
       R"({"tool_name":"t","arguments":{},"agent":"a","risk_level":"low","description":"d","requires_approval":"true","category":"deploy"})",
       "payload.requires_approval", "must be a boolean (got \"true\")"},
      {"tool.propose",
       R"({"tool_name":"t","arguments":{},"agent":"a","risk_level":"low","description":"d","requires_approval":true,"category":"shell"})",
       "payload.category", "(got \"shell\")"},
      {"tool.approve", R"({"tool_proposal":"p"})", "payload.approver",
       "missing required field payload.approver"},
      {"tool.reject", R"({"tool_proposal":"p","rejector":"r"})", "payload.reason",
       "missing required field payload.reason"},
      {"tool.execute", R"({"tool_proposal":"p","approved_by":"alice"})", "payload.approved_by",
       "must be an array of ids (got \"alice\")"},
      {"tool.output", R"({"tool_proposal":"p","stream":"stdin","text":"","complete":true})",
       "payload.stream", "one of stdout, stderr (got \"stdin\")"},
      {"tool.output", R"({"tool_proposal":"p","stream":"stdout","text":""})", "payload.complete",
       "missing required field payload.complete"},
      {"tool.result", R"({"tool_proposal":"p","success":true})", "payload.duration_ms",
       "missing required field payload.duration_ms"},
      {"tool.result", R"({"tool_proposal":"p","success":1,"duration_ms":1})", "payload.success",
       "must be a boolean (got 1)"},
      {"tool.result", R"({"tool_proposal":"p","success":true,"duration_ms":1,"error":{}})",
       "payload.error", "payload.error must be a string (got an object)"},
      // gates
      {"gate.request",
       R"({"action_type":"tool","action_ref":"a","quorum":{"type":"any","count":0},"timeout_seconds":300,"message":"m"})",
       "payload.quorum.count", "payload.quorum.count must be an integer >= 1 (got 0)"},
      {"gate.request",
       R"({"action_type":"tool","action_ref":"a","quorum":{"type":"any","count":1},"timeout_seconds":-1,"message":"m"})",
       "payload.timeout_seconds", "must be an integer between 0 and 31536000 (got -1)"},
      {"gate.request",
       R"({"action_type":"nuke","action_ref":"a","quorum":{"type":"all"},"timeout_seconds":1,"message":"m"})",
       "payload.action_type", "(got \"nuke\")"},
      {"gate.approve", R"({"approver":"a"})", "payload.gate",
       "missing required field payload.gate"},
      {"gate.approve", R"({"gate":"g","approver":"a","comment":5})", "payload.comment", "(got 5)"},
      {"gate.reject", R"({"gate":"g","rejector":"r"})", "payload.reason",
       "missing required field payload.reason"},
      {"gate.timeout",
       R"({"gate":"g","approvals_received":1,"approvals_required":2,"resolution":"ignored"})",
       "payload.resolution", "one of rejected, auto_approved, escalated (got \"ignored\")"},
      {"gate.timeout",
       R"({"gate":"g","approvals_received":-1,"approvals_required":2,"resolution":"rejected"})",
       "payload.approvals_received", "(got -1)"},
      // interrupts
      {"interrupt.raise", R"({"urgency":"now","message":"m"})", "payload.urgency",
       "one of pause, stop, emergency (got \"now\")"},
      {"interrupt.raise", R"({"urgency":"stop"})", "payload.message",
       "missing required field payload.message"},
      {"interrupt.raise", R"({"urgency":"stop","message":"m","inject_context":{"a":1}})",
       "payload.inject_context", "payload.inject_context must be a string (got an object)"},
      {"interrupt.acknowledge", R"({"interrupt":"i","by":"b","action_taken":"laughed"})",
       "payload.action_taken", "one of paused, stopped, acknowledged, ignored"},
      // forks and merges
      {"fork.create", R"({"name":"n","from_point":"p","reason":"r","participants":[]})",
       "payload.copy_context", "missing required field payload.copy_context"},
      {"fork.create",
       R"({"name":"n","from_point":"p","reason":"r","participants":[""],"copy_context":true})",
       "payload.participants[0]", "must be an id of 1 to 128 bytes (got 0 bytes)"},
      {"fork.switch", R"({})", "payload.target_fork", "missing required field payload.target_fork"},
      {"merge.propose",
       R"({"source_fork":"a","target_fork":"b","strategy":"squash","summary":"s"})",
       "payload.strategy", "one of replace, append, interleave, manual (got \"squash\")"},
      {"merge.execute", R"({"merge_proposal":"m","resolved_conflicts":[{"conflict_id":"c"}]})",
       "payload.resolved_conflicts[0].resolution",
       "missing required field payload.resolved_conflicts[0].resolution"},
      {"merge.execute", R"({"merge_proposal":"m","resolved_conflicts":[5]})",
       "payload.resolved_conflicts[0]", "must be an object (ConflictResolution) (got 5)"},
      // error
      {"error", R"({"code":"OOPS","message":"m","recoverable":true})", "payload.code",
       "payload.code must be one of INVALID_MESSAGE, UNAUTHORIZED, SESSION_NOT_FOUND, "
       "PARTICIPANT_NOT_FOUND, GATE_FAILED, TIMEOUT, RATE_LIMITED, CONTEXT_TOO_LARGE, "
       "INVALID_STATE, TRANSPORT_ERROR, AGENT_ERROR, INTERNAL_ERROR (got \"OOPS\")"},
      {"error", R"({"code":"AGENT_ERROR","message":"m"})", "payload.recoverable",
       "missing required field payload.recoverable"},
      {"error", R"({"code":"AGENT_ERROR","message":"m","recoverable":true,"details":"x"})",
       "payload.details", "(got \"x\")"},
      // agent.attach
      {"agent.attach", R"({})", "payload.agent", "missing required field payload.agent"},
      {"agent.attach", R"({"agent":"a","reason":7})", "payload.reason", "(got 7)"},
  };
}

TEST(SchemaNegative, EveryTypeHasNegativeCases) {
  std::set<std::string> covered;
  for (const Negative &n : negatives()) {
    covered.insert(n.type);
  }
  EXPECT_EQ(covered, std::set<std::string>(kAllTypes.begin(), kAllTypes.end()));
}

TEST(SchemaNegative, TableOfMalformedPayloads) {
  for (const Negative &n : negatives()) {
    auto v = check(n.type, n.payload);
    ASSERT_TRUE(v) << n.type << " " << n.payload << " unexpectedly valid";
    EXPECT_EQ(v->code, n.code) << n.type << " " << n.payload;
    EXPECT_EQ(v->field, n.field) << n.type << " " << n.payload << " -> " << describe(v);
    EXPECT_NE(v->message.find(n.message), std::string::npos)
        << n.type << " " << n.payload << "\n  got:  " << v->message << "\n  want: " << n.message;
  }
}

TEST(SchemaNegative, PayloadMustBeAnObjectForEveryType) {
  for (const std::string &t : kAllTypes) {
    for (const char *bad : {"null", "[]", "\"x\"", "1", "true"}) {
      auto v = check(t, bad);
      ASSERT_TRUE(v) << t << " " << bad;
      EXPECT_EQ(v->field, "payload");
      EXPECT_EQ(v->message.rfind("payload must be an object", 0), 0U) << v->message;
    }
  }
}

TEST(SchemaNegative, EveryRequiredFieldOfTheFullSamplesIsReported) {
  // Removing any member from a full sample either keeps it valid (optional) or names exactly
  // that member as missing.
  for (const Sample &s : samples()) {
    Document full = parse(s.full);
    for (auto it = full.MemberBegin(); it != full.MemberEnd(); ++it) {
      Document d;
      d.CopyFrom(full, d.GetAllocator());
      const std::string name = it->name.GetString();
      d.RemoveMember(name.c_str());
      auto v = validate_payload(s.type, d);
      if (v) {
        const bool content_rule = s.type == "context.add" && v->field == "payload.content";
        EXPECT_TRUE(v->field == "payload." + name || content_rule) << s.type << " " << describe(v);
        EXPECT_NE(v->message.find("missing required field"), std::string::npos) << v->message;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sub-schemas exported for reuse
// ---------------------------------------------------------------------------------------------

TEST(SchemaQuorum, Variants) {
  for (const char *ok :
       {R"({"type":"any","count":1})", R"({"type":"all"})",
        R"({"type":"role","role":"approver","count":2})",
        R"({"type":"specific","participants":["a","b"]})", R"({"type":"majority","extra":1})"}) {
    EXPECT_FALSE(validate_quorum(parse(ok), "q")) << ok;
  }
  struct Bad {
    const char *json;
    const char *field;
    const char *message;
  };
  for (const Bad &b : std::vector<Bad>{
           {R"({})", "q.type",
            "missing required field q.type (one of any, all, role, specific, majority)"},
           {R"({"type":"most"})", "q.type",
            "q.type must be one of any, all, role, specific, majority (got \"most\")"},
           {R"({"type":7})", "q.type", "(got 7)"},
           {R"({"type":"any"})", "q.count", "missing required field q.count"},
           {R"({"type":"any","count":"2"})", "q.count",
            "q.count must be an integer >= 1 (got \"2\")"},
           {R"({"type":"any","count":1.5})", "q.count", "(got 1.5)"},
           {R"({"type":"role","role":"king","count":1})", "q.role",
            "q.role must be one of driver, navigator, adversary, observer, approver, admin (got "
            "\"king\")"},
           {R"({"type":"role","role":"approver"})", "q.count", "missing required field q.count"},
           {R"({"type":"specific","participants":[]})", "q.participants",
            "q.participants must have at least 1 item (got 0)"},
           {R"({"type":"specific"})", "q.participants", "missing required field"},
           {R"({"type":"specific","participants":[3]})", "q.participants[0]", "(got 3)"},
           {R"([])", "q", "q must be an object (a QuorumRule) (got an array)"},
       }) {
    auto v = validate_quorum(parse(b.json), "q");
    ASSERT_TRUE(v) << b.json;
    EXPECT_EQ(v->field, b.field) << b.json;
    EXPECT_NE(v->message.find(b.message), std::string::npos) << v->message;
  }
}

TEST(SchemaSessionConfig, FullAndPartial) {
  EXPECT_FALSE(validate_session_config(parse(kConfig), false, "payload.config"));
  EXPECT_FALSE(validate_session_config(parse(kConfig), true, "payload.changes"));
  EXPECT_FALSE(validate_session_config(parse("{}"), true, "payload.changes"));
  EXPECT_FALSE(validate_session_config(parse(R"({"allow_forks":false})"), true, "c"));

  auto v = validate_session_config(parse("{}"), false, "payload.config");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->message, "missing required field payload.config.require_approval_for");

  // A present field must still be valid in a partial config, and a quorum must be complete.
  v = validate_session_config(parse(R"({"ordering_mode":"random"})"), true, "payload.changes");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "payload.changes.ordering_mode");
  v = validate_session_config(parse(R"({"default_gate_quorum":{"type":"any"}})"), true, "c");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "c.default_gate_quorum.count");
  v = validate_session_config(parse(R"({"away_timeout_seconds":31536001})"), true, "c");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->message,
            "c.away_timeout_seconds must be an integer between 1 and 31536000 (got "
            "31536001)");
  v = validate_session_config(parse("7"), true, "c");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "c");
}

TEST(SchemaParticipant, AnnounceAndContentRef) {
  EXPECT_FALSE(validate_participant_announce(parse(kParticipant), "payload.participant"));
  auto v = validate_participant_announce(
      parse(R"({"id":"a","name":"A","type":"human","roles":[],"transport":"smoke"})"), "p");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->message,
            "p.transport must be one of websocket, mcp, t140, http, stdio, internal (got "
            "\"smoke\")");
  EXPECT_FALSE(validate_content_ref(parse(kRef), "r"));
  v = validate_content_ref(parse(R"({"hash":"h","size_bytes":1,"mime_type":"m"})"), "r");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->message, "missing required field r.storage");
}

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

TEST(SchemaLimitsTest, ContentFieldsAreBoundedByMaxContent) {
  SchemaLimits limits;
  limits.max_content = 100;
  const std::string at(100, 'x');
  const std::string over(101, 'x');
  EXPECT_FALSE(check("response.chunk", R"({"text":")" + at + R"("})", limits));
  struct C {
    std::string type;
    std::string prefix;
    std::string suffix;
    std::string field;
  };
  for (const C &c : std::vector<C>{
           {"context.add", R"({"key":"k","content_type":"text","content":")", R"("})",
            "payload.content"},
           {"context.update", R"({"key":"k","reason":"r","new_content":")", R"("})",
            "payload.new_content"},
           {"context.update", R"({"key":"k","reason":"r","diff":")", R"("})", "payload.diff"},
           {"thinking.chunk", R"({"text":")", R"("})", "payload.text"},
           {"response.chunk", R"({"text":")", R"("})", "payload.text"},
           {"tool.output", R"({"tool_proposal":"p","stream":"stdout","complete":false,"text":")",
            R"("})", "payload.text"},
           {"prompt.submit",
            R"({"target_agent":"a","contributors":[],"context_keys":[],"content":")", R"("})",
            "payload.content"},
           {"prompt.draft", R"({"contributors":[],"content":")", R"("})", "payload.content"},
           {"prompt.amend", R"({"original_prompt":"p","reason":"r","amendment":")", R"("})",
            "payload.amendment"},
           {"interrupt.raise", R"({"urgency":"stop","message":"m","inject_context":")", R"("})",
            "payload.inject_context"},
           {"tool.result", R"({"tool_proposal":"p","success":false,"duration_ms":1,"error":")",
            R"("})", "payload.error"},
       }) {
    auto v = check(c.type, c.prefix + over + c.suffix, limits);
    ASSERT_TRUE(v) << c.type;
    EXPECT_EQ(v->code, "CONTEXT_TOO_LARGE") << c.type;
    EXPECT_EQ(v->field, c.field);
    EXPECT_EQ(v->message, c.field + " is 101 bytes; the limit is 100");
    EXPECT_FALSE(check(c.type, c.prefix + at + c.suffix, limits)) << c.type;
  }
}

TEST(SchemaLimitsTest, DefaultContentLimitMessage) {
  const std::string big(2000000, 'a');
  auto v = check("context.add", R"({"key":"k","content_type":"text","content":")" + big + R"("})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "CONTEXT_TOO_LARGE");
  EXPECT_EQ(v->message, "payload.content is 2000000 bytes; the limit is 1048576");
}

TEST(SchemaLimitsTest, ObjectsAreMeasuredAsSerializedJson) {
  SchemaLimits limits;
  limits.max_content = 20;
  // {"a":"0123456789"} is 18 bytes; {"a":"0123456789abc"} is 21.
  EXPECT_FALSE(check("context.add",
                     R"({"key":"k","content_type":"structured","content":{"a":"0123456789"}})",
                     limits));
  auto v =
      check("context.add",
            R"({"key":"k","content_type":"structured","content":{"a":"0123456789abc"}})", limits);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "CONTEXT_TOO_LARGE");
  EXPECT_EQ(v->message, "payload.content is 21 bytes as serialized JSON; the limit is 20");

  v = check(
      "tool.propose",
      R"({"tool_name":"t","arguments":{"command":"a long command line"},"agent":"a","risk_level":"low","description":"d","requires_approval":true,"category":"deploy"})",
      limits);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "payload.arguments");
  EXPECT_EQ(v->code, "CONTEXT_TOO_LARGE");

  v = check(
      "tool.result",
      R"({"tool_proposal":"p","success":true,"duration_ms":1,"result":["x","y","z","w","v"]})",
      limits);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "payload.result");
  // [1,2] with escapes: "\n" counts two bytes.
  EXPECT_FALSE(check("tool.result",
                     R"({"tool_proposal":"p","success":true,"duration_ms":1,"result":"\n\n"})",
                     limits));
}

TEST(SchemaLimitsTest, OrdinaryStringsAreBoundedByMaxString) {
  SchemaLimits limits;
  limits.max_string = 10;
  EXPECT_FALSE(check("session.leave", R"({"reason":"0123456789"})", limits));
  auto v = check("session.leave", R"({"reason":"0123456789a"})", limits);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "INVALID_MESSAGE");
  EXPECT_EQ(v->message, "payload.reason is 11 bytes; the limit is 10");
  v = check("context.add",
            R"({"key":"k","content_type":"text","content":"x","tags":["0123456789ab"]})", limits);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "payload.tags[0]");
}

TEST(SchemaLimitsTest, IdsAreAtMost128Bytes) {
  const std::string id128(128, 'i');
  EXPECT_FALSE(check("fork.switch", R"({"target_fork":")" + id128 + R"("})"));
  auto v = check("fork.switch", R"({"target_fork":")" + id128 + R"(x"})");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->message, "payload.target_fork must be an id of 1 to 128 bytes (got 129 bytes)");
}

TEST(SchemaLimitsTest, ArraysAreBoundedByMaxArray) {
  SchemaLimits limits;
  limits.max_array = 3;
  EXPECT_FALSE(
      check("tool.execute", R"({"tool_proposal":"p","approved_by":["a","b","c"]})", limits));
  auto v =
      check("tool.execute", R"({"tool_proposal":"p","approved_by":["a","b","c","d"]})", limits);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->message, "payload.approved_by has 4 items; the limit is 3");
  v = check("thinking.start", R"({"agent":"a","prompt_ref":"p","visible_to":["a","b","c","d"]})",
            limits);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "payload.visible_to");
}

// ---------------------------------------------------------------------------------------------
// Hostile input: wrong types everywhere, huge arrays, deep nesting. Nothing may crash, and a
// refusal always names a field and says why.
// ---------------------------------------------------------------------------------------------

void replace_everywhere(const std::string &type, Value &node, Document &root, Value &garbage,
                        int depth, size_t *checked) {
  if (depth > 4) {
    return;
  }
  if (node.IsObject()) {
    for (auto it = node.MemberBegin(); it != node.MemberEnd(); ++it) {
      Value saved;
      saved.Swap(it->value);
      it->value.CopyFrom(garbage, root.GetAllocator());
      auto v = validate_payload(type, root);
      ++*checked;
      if (v) {
        EXPECT_FALSE(v->field.empty());
        EXPECT_FALSE(v->message.empty());
        EXPECT_TRUE(v->code == "INVALID_MESSAGE" || v->code == "CONTEXT_TOO_LARGE") << v->code;
      }
      it->value.Swap(saved);
      replace_everywhere(type, it->value, root, garbage, depth + 1, checked);
    }
  } else if (node.IsArray()) {
    for (Value &item : node.GetArray()) {
      Value saved;
      saved.Swap(item);
      item.CopyFrom(garbage, root.GetAllocator());
      auto v = validate_payload(type, root);
      ++*checked;
      if (v) {
        EXPECT_FALSE(v->field.empty());
      }
      item.Swap(saved);
      replace_everywhere(type, item, root, garbage, depth + 1, checked);
    }
  }
}

TEST(SchemaHostile, WrongTypesInEveryPosition) {
  const std::vector<std::string> garbage = {"null",
                                            "true",
                                            "false",
                                            "0",
                                            "-1",
                                            "1.5",
                                            "-1e308",
                                            "1e308",
                                            "18446744073709551615",
                                            "-9223372036854775808",
                                            "\"\"",
                                            "\"x\"",
                                            "[]",
                                            "{}",
                                            "[[[[[]]]]]",
                                            R"({"type":{"type":{"type":[]}}})",
                                            R"(["\u0000",{"a":[null]}])"};
  size_t checked = 0;
  for (const Sample &s : samples()) {
    for (const std::string &g : garbage) {
      Document root = parse(s.full);
      Document gd = parse(g);
      Value gv;
      gv.CopyFrom(gd, root.GetAllocator());
      replace_everywhere(s.type, root, root, gv, 0, &checked);
    }
  }
  EXPECT_GT(checked, 4000U);
}

TEST(SchemaHostile, HugeArraysAreRefusedBeforeTheirItems) {
  Document d;
  d.SetObject();
  Value arr(rapidjson::kArrayType);
  for (int i = 0; i < 200000; ++i) {
    arr.PushBack(Value(rapidjson::kObjectType), d.GetAllocator());  // each item also invalid
  }
  d.AddMember("tool_proposal", "p", d.GetAllocator());
  d.AddMember("approved_by", arr, d.GetAllocator());
  auto v = validate_payload("tool.execute", d);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->message, "payload.approved_by has 200000 items; the limit is 1000");
}

TEST(SchemaHostile, DeeplyNestedFreeFormValuesAreMeasuredWithoutRecursion) {
  // 200000 levels of [[[...]]] inside tool arguments: the size walk is iterative. (The
  // envelope would refuse this much nesting; the validator must not rely on it.)
  Document d;
  d.SetObject();
  auto &alloc = d.GetAllocator();
  Value inner(rapidjson::kArrayType);
  for (int i = 0; i < 200000; ++i) {
    Value outer(rapidjson::kArrayType);
    outer.PushBack(inner, alloc);
    inner = std::move(outer);
  }
  Value args(rapidjson::kObjectType);
  args.AddMember("deep", inner, alloc);
  d.AddMember("tool_name", "t", alloc);
  d.AddMember("arguments", args, alloc);
  d.AddMember("agent", "a", alloc);
  d.AddMember("risk_level", "low", alloc);
  d.AddMember("description", "d", alloc);
  d.AddMember("requires_approval", true, alloc);
  d.AddMember("category", "deploy", alloc);
  EXPECT_FALSE(validate_payload("tool.propose", d));  // 400011 bytes < 1 MiB
  SchemaLimits small;
  small.max_content = 1000;
  auto v = validate_payload("tool.propose", d, small);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->code, "CONTEXT_TOO_LARGE");
  // MemoryPoolAllocator values are not freed recursively, so destroying `d` is safe too.
}

TEST(SchemaHostile, GotValuesAreQuotedAndCut) {
  const std::string long_bad(500, 'z');
  auto v = check("session.end", R"({"reason":"r","final_state":")" + long_bad + R"("})");
  ASSERT_TRUE(v);
  EXPECT_LT(v->message.size(), 200U);
  EXPECT_NE(v->message.find("\"...)"), std::string::npos) << v->message;

  v = check("session.end", R"({"reason":"r","final_state":"a\"b\u0001"})");
  ASSERT_TRUE(v);
  EXPECT_NE(v->message.find(R"((got "a\"b\u0001"))"), std::string::npos) << v->message;

  // Cutting never splits a UTF-8 sequence (63 ASCII bytes, then a 2-byte character).
  v = check("session.end",
            R"({"reason":"r","final_state":")" + std::string(63, 'a') + "\xC3\xA9" + "tail\"}");
  ASSERT_TRUE(v);
  EXPECT_NE(v->message.find(std::string(63, 'a') + "\"..."), std::string::npos) << v->message;
}

TEST(SchemaHostile, NonFiniteAndOutOfRangeNumbers) {
  Document d = parse(R"({"tool_proposal":"p","success":true,"duration_ms":0})");
  d["duration_ms"].SetDouble(std::numeric_limits<double>::infinity());
  auto v = validate_payload("tool.result", d);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "payload.duration_ms");
  d["duration_ms"].SetDouble(std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(validate_payload("tool.result", d));
  auto q = validate_quorum(parse(R"({"type":"any","count":18446744073709551615})"), "q");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->message, "q.count must be an integer >= 1 (got 18446744073709551615)");
  EXPECT_FALSE(validate_quorum(parse(R"({"type":"any","count":9007199254740991})"), "q"));
}

// ---------------------------------------------------------------------------------------------
// Compatibility with the reference clients: every frame sent in the anchor transcripts
// ---------------------------------------------------------------------------------------------

fs::path fixtures_dir() {
  if (const char *src = std::getenv("PVPD_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return fs::path(src) / "tests/fixtures/protocol";
  }
  return PVPD_PROTOCOL_FIXTURES_DIR;
}

struct Frame {
  std::string file;
  int64_t index = 0;   // the record's "i"
  std::string dir;     // send / recv
  std::string client;  // the harness's label
  std::shared_ptr<Document> doc;
};

std::vector<Frame> load_frames(const std::string &dir_filter) {
  std::vector<Frame> frames;
  std::vector<fs::path> files;
  for (const auto &entry : fs::directory_iterator(fixtures_dir())) {
    if (entry.path().extension() == ".jsonl") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path &p : files) {
    std::ifstream in(p);
    std::string line;
    while (std::getline(in, line)) {
      Document rec;
      rec.Parse(line.c_str(), line.size());
      if (rec.HasParseError() || !rec.IsObject() || !rec.HasMember("dir") ||
          dir_filter != rec["dir"].GetString()) {
        continue;
      }
      auto doc = std::make_shared<Document>();
      if (rec.HasMember("frame")) {
        doc->CopyFrom(rec["frame"], doc->GetAllocator());
      } else if (rec.HasMember("raw") && rec["raw"].IsString()) {
        // Text the harness sent as-is; frames only when it is a JSON object.
        doc->Parse(rec["raw"].GetString());
        if (doc->HasParseError() || !doc->IsObject()) {
          continue;
        }
      } else {
        continue;
      }
      if (!doc->IsObject() || !doc->HasMember("type") || !(*doc)["type"].IsString()) {
        continue;  // envelope-level garbage (no type): bus/envelope.h refuses it first
      }
      frames.push_back(Frame{p.stem().string(), rec["i"].GetInt64(), dir_filter,
                             rec.HasMember("client") ? rec["client"].GetString() : "", doc});
    }
  }
  return frames;
}

std::optional<SchemaViolation> validate_frame(const Frame &f) {
  const Document &d = *f.doc;
  static const Value kEmpty(rapidjson::kObjectType);
  // An absent payload becomes {} in parse_envelope(); a present non-object one is passed on.
  const Value &payload = d.HasMember("payload") ? d["payload"] : kEmpty;
  return validate_payload(d["type"].GetString(), payload);
}

TEST(SchemaTranscripts, EveryClientFrameValidatesExceptTheDeliberatelyMalformedOnes) {
  // The s06 frames that are malformed on purpose, and the violation each must get. Keyed by
  // (file, record index "i").
  const std::map<std::pair<std::string, int64_t>, std::string> kExpectedFailures = {
      // alice sends an unknown type: pvpd refuses it (the reference relays it).
      {{"s06_malformed_and_unauthorized", 37}, "type"},
      // alice sends tool.propose with "payload": null (the reference throws twice).
      {{"s06_malformed_and_unauthorized", 41}, "payload"},
      // gus: session.join without a participant (the reference adds "undefined").
      {{"s06_malformed_and_unauthorized", 79}, "payload.participant"},
  };
  const std::vector<Frame> frames = load_frames("send");
  ASSERT_GT(frames.size(), 240U) << "fixtures missing from " << fixtures_dir();
  std::set<std::string> types_seen;
  std::set<std::pair<std::string, int64_t>> failures_seen;
  for (const Frame &f : frames) {
    types_seen.insert((*f.doc)["type"].GetString());
    auto v = validate_frame(f);
    auto expected = kExpectedFailures.find({f.file, f.index});
    if (expected == kExpectedFailures.end()) {
      EXPECT_FALSE(v) << f.file << " i=" << f.index << " (" << f.client << ") "
                      << (*f.doc)["type"].GetString() << ": " << describe(v);
    } else {
      failures_seen.insert(expected->first);
      ASSERT_TRUE(v) << f.file << " i=" << f.index << " should fail";
      EXPECT_EQ(v->field, expected->second) << describe(v);
    }
  }
  EXPECT_EQ(failures_seen.size(), kExpectedFailures.size());
  // The client frames cover 39 of the 41 types (all but gate.request and gate.timeout,
  // which only a server makes); spot-check a few.
  for (const char *t : {"session.create", "session.join", "context.add", "tool.propose",
                        "tool.output", "tool.result", "gate.approve", "error", "thinking.start",
                        "session.config_update", "participant.role_change", "merge.execute"}) {
    EXPECT_TRUE(types_seen.count(t)) << t;
  }
}

TEST(SchemaTranscripts, TheForgedToolExecuteIsWellFormedButNotClientSendable) {
  // s03 sends a forged tool.execute: its payload has the right shape, and the router refuses
  // it through client_may_send().
  size_t forged = 0;
  for (const Frame &f : load_frames("send")) {
    const std::string type = (*f.doc)["type"].GetString();
    if (!client_may_send(type) && is_known_type(type)) {
      ++forged;
      EXPECT_EQ(type, "tool.execute");
      EXPECT_FALSE(validate_frame(f));
    }
  }
  EXPECT_EQ(forged, 1U);
}

TEST(SchemaTranscripts, FramesTheReferenceServerDeliveredValidateToo) {
  // Server-made frames (gate.request, tool.execute, presence.update, announces, errors...) and
  // relays. The only failures allowed are relays of the malformed s06 frames.
  size_t checked = 0;
  for (const Frame &f : load_frames("recv")) {
    const std::string type = (*f.doc)["type"].GetString();
    auto v = validate_frame(f);
    ++checked;
    if (f.file == "s06_malformed_and_unauthorized" &&
        (type == "foo.bar" || type == "tool.propose" ||
         (type == "session.join" && v && v->field == "payload.participant"))) {
      continue;
    }
    EXPECT_FALSE(v) << f.file << " i=" << f.index << " " << type << ": " << describe(v);
  }
  EXPECT_GT(checked, 500U);
}

}  // namespace
}  // namespace pvpd::session
