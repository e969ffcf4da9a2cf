// Payload schema validator: the engine and the declarative table (see schema.h).
//
// The table is data: one StructSchema per payload shape, each a list of FieldSpecs (name,
// required, kind, array-of, enum values, bounds, sub-schema). validate_struct() interprets it.
// docs/protocol-schema.md is written from this table; keep the two in step.
#include "session/schema.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace pvpd::session {
namespace {

using rapidjson::Value;

// ---------------------------------------------------------------------------------------------
// Table types
// ---------------------------------------------------------------------------------------------

enum class Kind : uint8_t {
  kString,           // string, at most SchemaLimits::max_string bytes
  kId,               // participant / message / fork id: 1..kMaxIdBytes bytes
  kContent,          // string, at most max_content bytes (CONTEXT_TOO_LARGE)
  kContentOrObject,  // string or object, at most max_content bytes (objects as serialized)
  kContentObject,    // object, at most max_content bytes as serialized (tool arguments)
  kAny,              // any JSON value, at most max_content bytes as serialized (tool result)
  kInt,              // integral number in [min, max]
  kNumber,           // finite number in [min, max]
  kBool,
  kObject,     // free-form object (metadata, details): bounded by the frame size only
  kEnum,       // string, one of `values`
  kStruct,     // object validated against `sub`
  kQuorum,     // QuorumRule: discriminated union on "type"
  kIdsOrEnum,  // array of ids, or a string from `values` (thinking.start.visible_to)
};

// Ids in payloads name participants, messages and forks, which the envelope bounds to 128
// bytes (bus::kMaxIdLength). Keeping payload ids to the same bound lets the session code
// store them without further checks.
constexpr size_t kMaxIdBytes = 128;
// JavaScript's Number.MAX_SAFE_INTEGER: the largest integer every reference client can
// represent exactly.
constexpr double kMaxSafeInt = 9007199254740991.0;
// One year: the upper bound for every "seconds" field, so that consumers can convert to
// milliseconds (or add to a clock) without overflow.
constexpr double kMaxSeconds = 365.0 * 24 * 3600;

struct StructSchema;

struct FieldSpec {
  std::string_view name;
  bool required = false;
  Kind kind = Kind::kString;
  bool array = false;                          // an array whose items are `kind`
  std::span<const std::string_view> values{};  // kEnum, kIdsOrEnum
  const StructSchema *sub = nullptr;           // kStruct
  double min = 0;                              // kInt, kNumber
  double max = kMaxSafeInt;                    // kInt, kNumber
  size_t min_items = 0;                        // arrays
};

struct StructSchema {
  std::string_view name;  // the TypeScript type name, for docs and messages
  std::span<const FieldSpec> fields;
  // At least one of these must be present (ContextAddPayload: content or content_ref).
  std::span<const std::string_view> one_of{};
};

// ---------------------------------------------------------------------------------------------
// Enums (the TypeScript unions)
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kRoles[] = {"driver",   "navigator", "adversary",
                                       "observer", "approver",  "admin"};
constexpr std::string_view kCapabilities[] = {
    "prompt", "approve", "interrupt", "fork", "add_context", "manage_participants", "end_session"};
// The seed's TransportType adds "t140" to the reference's list.
// "internal": an in-process agent plugin (pvpd extension; see docs/protocol.md).
constexpr std::string_view kTransports[] = {"websocket", "mcp",   "t140",
                                            "http",      "stdio", "internal"};
constexpr std::string_view kParticipantTypes[] = {"human", "agent"};
constexpr std::string_view kToolCategories[] = {
    "file_read", "file_write", "file_delete",   "shell_execute", "network_request",
    "deploy",    "database",   "secret_access", "external_api",  "all"};
constexpr std::string_view kOrderingModes[] = {"causal", "total"};
constexpr std::string_view kTimeoutPolicies[] = {"wait", "skip", "pause_session"};
constexpr std::string_view kFinalStates[] = {"completed", "aborted", "timeout"};
constexpr std::string_view kPresence[] = {"active", "idle", "away", "disconnected"};
constexpr std::string_view kContentTypes[] = {"text",       "file",  "reference",
                                              "structured", "image", "audio_transcript"};
constexpr std::string_view kStorage[] = {"inline", "local", "s3", "ipfs"};
constexpr std::string_view kSecretTypes[] = {"api_key", "database_url", "token", "credential",
                                             "other"};
constexpr std::string_view kVisibility[] = {"all", "approvers_only"};
constexpr std::string_view kFinishReasons[] = {"complete", "interrupted", "error", "max_tokens",
                                               "tool_use"};
constexpr std::string_view kRiskLevels[] = {"low", "medium", "high", "critical"};
constexpr std::string_view kStreams[] = {"stdout", "stderr"};
constexpr std::string_view kGateActions[] = {"tool",           "deploy",         "prompt",
                                             "context_change", "session_config", "participant_add",
                                             "fork",           "merge"};
constexpr std::string_view kQuorumTypes[] = {"any", "all", "role", "specific", "majority"};
constexpr std::string_view kResolutions[] = {"rejected", "auto_approved", "escalated"};
constexpr std::string_view kUrgencies[] = {"pause", "stop", "emergency"};
constexpr std::string_view kAckActions[] = {"paused", "stopped", "acknowledged", "ignored"};
constexpr std::string_view kMergeStrategies[] = {"replace", "append", "interleave", "manual"};
constexpr std::string_view kConflictResolutions[] = {"use_source", "use_target", "custom"};
constexpr std::string_view kErrorCodes[] = {
    "INVALID_MESSAGE", "UNAUTHORIZED",    "SESSION_NOT_FOUND", "PARTICIPANT_NOT_FOUND",
    "GATE_FAILED",     "TIMEOUT",         "RATE_LIMITED",      "CONTEXT_TOO_LARGE",
    "INVALID_STATE",   "TRANSPORT_ERROR", "AGENT_ERROR",       "INTERNAL_ERROR"};

// ---------------------------------------------------------------------------------------------
// Field helpers: short constructors keep the table one line per field
// ---------------------------------------------------------------------------------------------

constexpr bool kReq = true;
constexpr bool kOpt = false;

constexpr FieldSpec str(std::string_view n, bool req) {
  return {.name = n, .required = req, .kind = Kind::kString};
}
constexpr FieldSpec id(std::string_view n, bool req) {
  return {.name = n, .required = req, .kind = Kind::kId};
}
constexpr FieldSpec ids(std::string_view n, bool req, size_t min_items = 0) {
  return {.name = n, .required = req, .kind = Kind::kId, .array = true, .min_items = min_items};
}
constexpr FieldSpec strs(std::string_view n, bool req) {
  return {.name = n, .required = req, .kind = Kind::kString, .array = true};
}
constexpr FieldSpec content(std::string_view n, bool req) {
  return {.name = n, .required = req, .kind = Kind::kContent};
}
constexpr FieldSpec content_or_object(std::string_view n, bool req) {
  return {.name = n, .required = req, .kind = Kind::kContentOrObject};
}
constexpr FieldSpec integer(std::string_view n, bool req, double lo, double hi = kMaxSafeInt) {
  return {.name = n, .required = req, .kind = Kind::kInt, .min = lo, .max = hi};
}
constexpr FieldSpec number(std::string_view n, bool req, double lo,
                           double hi = std::numeric_limits<double>::max()) {
  return {.name = n, .required = req, .kind = Kind::kNumber, .min = lo, .max = hi};
}
constexpr FieldSpec boolean(std::string_view n, bool req) {
  return {.name = n, .required = req, .kind = Kind::kBool};
}
constexpr FieldSpec object(std::string_view n, bool req) {
  return {.name = n, .required = req, .kind = Kind::kObject};
}
constexpr FieldSpec one_of(std::string_view n, bool req, std::span<const std::string_view> v) {
  return {.name = n, .required = req, .kind = Kind::kEnum, .values = v};
}
constexpr FieldSpec list_of(std::string_view n, bool req, std::span<const std::string_view> v,
                            size_t min_items = 0) {
  return {.name = n,
          .required = req,
          .kind = Kind::kEnum,
          .array = true,
          .values = v,
          .min_items = min_items};
}
constexpr FieldSpec sub(std::string_view n, bool req, const StructSchema &s) {
  return {.name = n, .required = req, .kind = Kind::kStruct, .sub = &s};
}
constexpr FieldSpec subs(std::string_view n, bool req, const StructSchema &s) {
  return {.name = n, .required = req, .kind = Kind::kStruct, .array = true, .sub = &s};
}

#define PVPD_SCHEMA(var, tsname, ...)                 \
  constexpr FieldSpec var##_fields[] = {__VA_ARGS__}; \
  constexpr StructSchema var {                        \
    .name = tsname, .fields = var##_fields            \
  }
#define PVPD_EMPTY_SCHEMA(var, tsname) \
  constexpr StructSchema var {         \
    .name = tsname, .fields = {}       \
  }

// ---------------------------------------------------------------------------------------------
// Sub-schemas
// ---------------------------------------------------------------------------------------------

// QuorumRule variants. The discriminator `type` is checked by validate_quorum_value().
PVPD_SCHEMA(kQuorumAny, "QuorumRule(any)", integer("count", kReq, 1));
PVPD_EMPTY_SCHEMA(kQuorumAll, "QuorumRule(all)");
PVPD_SCHEMA(kQuorumRole, "QuorumRule(role)", one_of("role", kReq, kRoles),
            integer("count", kReq, 1));
// An empty `specific` list could never be satisfied (or would be satisfied vacuously).
PVPD_SCHEMA(kQuorumSpecific, "QuorumRule(specific)", ids("participants", kReq, 1));
PVPD_EMPTY_SCHEMA(kQuorumMajority, "QuorumRule(majority)");

constexpr const StructSchema *kQuorumVariants[] = {&kQuorumAny, &kQuorumAll, &kQuorumRole,
                                                   &kQuorumSpecific, &kQuorumMajority};
static_assert(std::size(kQuorumVariants) == std::size(kQuorumTypes));

PVPD_SCHEMA(kSessionConfig, "SessionConfig", list_of("require_approval_for", kReq, kToolCategories),
            {.name = "default_gate_quorum", .required = kReq, .kind = Kind::kQuorum},
            boolean("allow_forks", kReq), integer("max_participants", kReq, 1),
            one_of("ordering_mode", kReq, kOrderingModes),
            one_of("on_participant_timeout", kReq, kTimeoutPolicies),
            integer("heartbeat_interval_seconds", kReq, 1, kMaxSeconds),
            integer("idle_timeout_seconds", kReq, 1, kMaxSeconds),
            integer("away_timeout_seconds", kReq, 1, kMaxSeconds));

PVPD_SCHEMA(kParticipantAnnounce, "ParticipantAnnouncePayload", id("id", kReq), str("name", kReq),
            one_of("type", kReq, kParticipantTypes), list_of("roles", kReq, kRoles),
            list_of("capabilities", kOpt, kCapabilities), one_of("transport", kReq, kTransports),
            object("metadata", kOpt));

PVPD_SCHEMA(kContentRef, "ContentRef", str("hash", kReq), integer("size_bytes", kReq, 0),
            str("mime_type", kReq), one_of("storage", kReq, kStorage), str("uri", kOpt));

PVPD_SCHEMA(kPromptConfig, "PromptConfig", number("temperature", kOpt, 0),
            integer("max_tokens", kOpt, 1), strs("tools_allowed", kOpt), str("model", kOpt),
            object("provider_params", kOpt));

PVPD_SCHEMA(kUsageStats, "UsageStats", integer("input_tokens", kReq, 0),
            integer("output_tokens", kReq, 0), integer("thinking_tokens", kOpt, 0),
            number("cost_usd", kOpt, 0), str("model", kOpt), number("latency_ms", kOpt, 0));

PVPD_SCHEMA(kConflictResolution, "ConflictResolution", str("conflict_id", kReq),
            one_of("resolution", kReq, kConflictResolutions),
            {.name = "custom_value", .required = kOpt, .kind = Kind::kAny});

// ---------------------------------------------------------------------------------------------
// Payload schemas, in PrimitiveType order
// ---------------------------------------------------------------------------------------------

PVPD_SCHEMA(kSessionCreate, "SessionCreatePayload", str("name", kOpt),
            sub("config", kReq, kSessionConfig));
// supported_versions: an empty list offers nothing to negotiate with.
PVPD_SCHEMA(kSessionJoin, "SessionJoinPayload", sub("participant", kReq, kParticipantAnnounce),
            str("token", kOpt),
            {.name = "supported_versions",
             .required = kReq,
             .kind = Kind::kInt,
             .array = true,
             .min = 1,
             .max = 65535,
             .min_items = 1});
PVPD_SCHEMA(kSessionLeave, "SessionLeavePayload", str("reason", kOpt));
PVPD_SCHEMA(kSessionEnd, "SessionEndPayload", str("reason", kReq),
            one_of("final_state", kReq, kFinalStates));
// `changes` is Partial<SessionConfig>: kStruct on kSessionConfig with the partial flag, which
// validate_struct() applies when it meets this exact field (see kPartialConfigField).
PVPD_SCHEMA(kSessionConfigUpdate, "SessionConfigUpdatePayload",
            sub("changes", kReq, kSessionConfig), str("reason", kReq));
PVPD_SCHEMA(kParticipantRoleChange, "ParticipantRoleChangePayload", id("participant", kReq),
            list_of("old_roles", kReq, kRoles), list_of("new_roles", kReq, kRoles),
            id("changed_by", kReq), str("reason", kOpt));
PVPD_EMPTY_SCHEMA(kHeartbeat, "Record<string, never>");
PVPD_SCHEMA(kPresenceUpdate, "PresenceUpdatePayload", id("participant", kReq),
            one_of("status", kReq, kPresence), str("last_active", kReq));

constexpr std::string_view kContentOrRef[] = {"content", "content_ref"};
constexpr FieldSpec kContextAddFields[] = {str("key", kReq),
                                           one_of("content_type", kReq, kContentTypes),
                                           content_or_object("content", kOpt),
                                           sub("content_ref", kOpt, kContentRef),
                                           ids("visible_to", kOpt),
                                           str("source", kOpt),
                                           strs("tags", kOpt)};
constexpr StructSchema kContextAdd{
    .name = "ContextAddPayload", .fields = kContextAddFields, .one_of = kContentOrRef};

PVPD_SCHEMA(kContextUpdate, "ContextUpdatePayload", str("key", kReq), content("diff", kOpt),
            content_or_object("new_content", kOpt), sub("new_content_ref", kOpt, kContentRef),
            str("reason", kReq));
PVPD_SCHEMA(kContextRemove, "ContextRemovePayload", str("key", kReq), str("reason", kReq));
PVPD_SCHEMA(kSecretShare, "SecretSharePayload", str("key", kReq), ids("scope", kReq),
            str("expires_at", kOpt), str("value_ref", kReq),
            one_of("secret_type", kOpt, kSecretTypes));
PVPD_SCHEMA(kSecretRevoke, "SecretRevokePayload", str("key", kReq), str("reason", kReq));
PVPD_SCHEMA(kPromptDraft, "PromptDraftPayload", content("content", kReq), id("target_agent", kOpt),
            ids("contributors", kReq));
PVPD_SCHEMA(kPromptSubmit, "PromptSubmitPayload", content("content", kReq),
            id("target_agent", kReq), ids("contributors", kReq), strs("context_keys", kReq),
            sub("config", kOpt, kPromptConfig));
PVPD_SCHEMA(kPromptAmend, "PromptAmendPayload", id("original_prompt", kReq),
            content("amendment", kReq), str("reason", kReq));
PVPD_SCHEMA(
    kThinkingStart, "ThinkingStartPayload", id("agent", kReq), id("prompt_ref", kReq),
    {.name = "visible_to", .required = kReq, .kind = Kind::kIdsOrEnum, .values = kVisibility});
PVPD_SCHEMA(kTextChunk, "ThinkingChunkPayload / ResponseChunkPayload", content("text", kReq));
PVPD_SCHEMA(kThinkingEnd, "ThinkingEndPayload", str("summary", kOpt),
            number("duration_ms", kOpt, 0));
PVPD_SCHEMA(kResponseStart, "ResponseStartPayload", id("agent", kReq), id("prompt_ref", kReq));
PVPD_SCHEMA(kResponseEnd, "ResponseEndPayload", one_of("finish_reason", kReq, kFinishReasons),
            sub("usage", kOpt, kUsageStats));
PVPD_SCHEMA(kToolPropose, "ToolProposePayload", str("tool_name", kReq),
            {.name = "arguments", .required = kReq, .kind = Kind::kContentObject},
            id("agent", kReq), one_of("risk_level", kReq, kRiskLevels), str("description", kReq),
            boolean("requires_approval", kReq), ids("suggested_approvers", kOpt),
            one_of("category", kReq, kToolCategories));
PVPD_SCHEMA(kToolApprove, "ToolApprovePayload", id("tool_proposal", kReq), id("approver", kReq),
            str("comment", kOpt));
PVPD_SCHEMA(kToolReject, "ToolRejectPayload", id("tool_proposal", kReq), id("rejector", kReq),
            str("reason", kReq), str("suggestion", kOpt));
PVPD_SCHEMA(kToolExecute, "ToolExecutePayload", id("tool_proposal", kReq),
            ids("approved_by", kReq));
PVPD_SCHEMA(kToolOutput, "ToolOutputPayload", id("tool_proposal", kReq),
            one_of("stream", kReq, kStreams), content("text", kReq), boolean("complete", kReq));
// `error` is content-sized: the reference agent's nushell tool puts the whole stderr in it.
PVPD_SCHEMA(kToolResult, "ToolResultPayload", id("tool_proposal", kReq), boolean("success", kReq),
            {.name = "result", .required = kOpt, .kind = Kind::kAny}, content("error", kOpt),
            number("duration_ms", kReq, 0));
// timeout_seconds 0 = no expiry: the reference TUI computes expires_at only when it is > 0.
PVPD_SCHEMA(kGateRequest, "GateRequestPayload", one_of("action_type", kReq, kGateActions),
            id("action_ref", kReq), {.name = "quorum", .required = kReq, .kind = Kind::kQuorum},
            integer("timeout_seconds", kReq, 0, kMaxSeconds), str("message", kReq));
PVPD_SCHEMA(kGateApprove, "GateApprovePayload", id("gate", kReq), id("approver", kReq),
            str("comment", kOpt));
PVPD_SCHEMA(kGateReject, "GateRejectPayload", id("gate", kReq), id("rejector", kReq),
            str("reason", kReq));
PVPD_SCHEMA(kGateTimeout, "GateTimeoutPayload", id("gate", kReq),
            integer("approvals_received", kReq, 0), integer("approvals_required", kReq, 0),
            one_of("resolution", kReq, kResolutions));
PVPD_SCHEMA(kInterruptRaise, "InterruptRaisePayload", id("target", kOpt),
            one_of("urgency", kReq, kUrgencies), str("message", kReq),
            content("inject_context", kOpt), sub("inject_context_ref", kOpt, kContentRef));
PVPD_SCHEMA(kInterruptAcknowledge, "InterruptAcknowledgePayload", id("interrupt", kReq),
            id("by", kReq), one_of("action_taken", kReq, kAckActions), str("ignore_reason", kOpt));
PVPD_SCHEMA(kForkCreate, "ForkCreatePayload", str("name", kReq), id("from_point", kReq),
            str("reason", kReq), ids("participants", kReq), boolean("copy_context", kReq));
PVPD_SCHEMA(kForkSwitch, "ForkSwitchPayload", id("target_fork", kReq));
PVPD_SCHEMA(kMergePropose, "MergeProposePayload", id("source_fork", kReq), id("target_fork", kReq),
            one_of("strategy", kReq, kMergeStrategies), str("summary", kReq));
PVPD_SCHEMA(kMergeExecute, "MergeExecutePayload", id("merge_proposal", kReq),
            subs("resolved_conflicts", kOpt, kConflictResolution));
// pvpd extension: an admin asks an agent plugin instance to join this session.
PVPD_SCHEMA(kAgentAttach, "AgentAttachPayload", id("agent", kReq), str("reason", kOpt));
PVPD_SCHEMA(kError, "ErrorPayload", one_of("code", kReq, kErrorCodes), str("message", kReq),
            boolean("recoverable", kReq), object("details", kOpt), id("related_to", kOpt));

#undef PVPD_SCHEMA
#undef PVPD_EMPTY_SCHEMA

// The one field whose sub-schema is applied as Partial<>.
constexpr const FieldSpec *kPartialConfigField = &kSessionConfigUpdate_fields[0];

struct TypeEntry {
  std::string_view type;
  const StructSchema *schema;
  bool client_may_send;
};

// The 41 type strings of PVP v1, plus pvpd's `agent.attach`. Only the server makes
// tool.execute, gate.request and gate.timeout.
constexpr TypeEntry kTypes[] = {
    {"session.create", &kSessionCreate, true},
    {"session.join", &kSessionJoin, true},
    {"session.leave", &kSessionLeave, true},
    {"session.end", &kSessionEnd, true},
    {"session.config_update", &kSessionConfigUpdate, true},
    {"participant.announce", &kParticipantAnnounce, true},
    {"participant.role_change", &kParticipantRoleChange, true},
    {"heartbeat.ping", &kHeartbeat, true},
    {"heartbeat.pong", &kHeartbeat, true},
    {"presence.update", &kPresenceUpdate, true},
    {"context.add", &kContextAdd, true},
    {"context.update", &kContextUpdate, true},
    {"context.remove", &kContextRemove, true},
    {"secret.share", &kSecretShare, true},
    {"secret.revoke", &kSecretRevoke, true},
    {"prompt.draft", &kPromptDraft, true},
    {"prompt.submit", &kPromptSubmit, true},
    {"prompt.amend", &kPromptAmend, true},
    {"thinking.start", &kThinkingStart, true},
    {"thinking.chunk", &kTextChunk, true},
    {"thinking.end", &kThinkingEnd, true},
    {"response.start", &kResponseStart, true},
    {"response.chunk", &kTextChunk, true},
    {"response.end", &kResponseEnd, true},
    {"tool.propose", &kToolPropose, true},
    {"tool.approve", &kToolApprove, true},
    {"tool.reject", &kToolReject, true},
    {"tool.execute", &kToolExecute, false},
    {"tool.output", &kToolOutput, true},
    {"tool.result", &kToolResult, true},
    {"gate.request", &kGateRequest, false},
    {"gate.approve", &kGateApprove, true},
    {"gate.reject", &kGateReject, true},
    {"gate.timeout", &kGateTimeout, false},
    {"interrupt.raise", &kInterruptRaise, true},
    {"interrupt.acknowledge", &kInterruptAcknowledge, true},
    {"fork.create", &kForkCreate, true},
    {"fork.switch", &kForkSwitch, true},
    {"merge.propose", &kMergePropose, true},
    {"merge.execute", &kMergeExecute, true},
    {"error", &kError, true},
    {"agent.attach", &kAgentAttach, true},
};
static_assert(std::size(kTypes) == 42);

const TypeEntry *find_type(std::string_view type) {
  for (const TypeEntry &e : kTypes) {
    if (e.type == type) {
      return &e;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Message helpers
// ---------------------------------------------------------------------------------------------

std::string join_path(std::string_view base, std::string_view name) {
  std::string p(base);
  if (!p.empty()) {
    p += '.';
  }
  p += name;
  return p;
}

std::string index_path(std::string_view base, size_t i) {
  std::string p(base);
  p += '[';
  p += std::to_string(i);
  p += ']';
  return p;
}

// A short, printable rendering of a received string for messages: quoted, control characters
// escaped, cut at 64 bytes (on a UTF-8 boundary) so that hostile input cannot bloat errors.
std::string quote(std::string_view s) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  size_t n = s.size();
  bool cut = false;
  if (n > kMax) {
    n = kMax;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0U) == 0x80U) {
      --n;  // do not split a multi-byte sequence
    }
    cut = true;
  }
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4U];
      out += kHex[c & 0xFU];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += cut ? "\"..." : "\"";
  return out;
}

std::string format_number(double d) {
  std::array<char, 32> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d);
  if (ec != std::errc()) {
    return "a number";
  }
  return std::string(buf.data(), end);
}

// What was received, for "(got ...)": the value for scalars, the JSON kind otherwise.
std::string describe(const Value &v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType: return "false";
    case rapidjson::kTrueType: return "true";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return quote({v.GetString(), v.GetStringLength()});
    case rapidjson::kNumberType:
      if (v.IsInt64()) {
        return std::to_string(v.GetInt64());
      }
      if (v.IsUint64()) {
        return std::to_string(v.GetUint64());
      }
      return format_number(v.GetDouble());
  }
  return "an unknown value";
}

std::string join_values(std::span<const std::string_view> values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    out += values[i];
  }
  return out;
}

std::string bound_text(double lo, double hi, bool integral) {
  std::string what = integral ? "an integer" : "a number";
  const bool has_hi = integral ? hi < kMaxSafeInt : hi < std::numeric_limits<double>::max();
  if (has_hi) {
    return what + " between " + format_number(lo) + " and " + format_number(hi);
  }
  return what + " >= " + format_number(lo);
}

SchemaViolation violation(std::string field, std::string message,
                          std::string code = "INVALID_MESSAGE") {
  return SchemaViolation{std::move(code), std::move(field), std::move(message)};
}

SchemaViolation type_violation(const std::string &path, std::string_view expected,
                               const Value &got) {
  return violation(path,
                   path + " must be " + std::string(expected) + " (got " + describe(got) + ")");
}

// ---------------------------------------------------------------------------------------------
// Serialized size, iteratively (client data is never recursed into)
// ---------------------------------------------------------------------------------------------

size_t escaped_string_size(const char *s, size_t n) {
  size_t size = 2;  // quotes
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
      size += 2;
    } else if (c < 0x20) {
      size += 6;
    } else {
      size += 1;
    }
  }
  return size;
}

size_t number_size(const Value &v) {
  std::array<char, 32> buf{};
  std::to_chars_result r{};
  if (v.IsInt64()) {
    r = std::to_chars(buf.data(), buf.data() + buf.size(), v.GetInt64());
  } else if (v.IsUint64()) {
    r = std::to_chars(buf.data(), buf.data() + buf.size(), v.GetUint64());
  } else {
    r = std::to_chars(buf.data(), buf.data() + buf.size(), v.GetDouble());
  }
  return r.ec == std::errc() ? static_cast<size_t>(r.ptr - buf.data()) : 24;
}

// Size of `v` as compact JSON (exact for strings and integers; other numbers are printed
// shortest-round-trip, which matches RapidJSON's writer to within an exponent's sign).
size_t serialized_size(const Value &root) {
  size_t size = 0;
  std::vector<const Value *> stack{&root};
  while (!stack.empty()) {
    const Value *v = stack.back();
    stack.pop_back();
    switch (v->GetType()) {
      case rapidjson::kNullType: size += 4; break;
      case rapidjson::kFalseType: size += 5; break;
      case rapidjson::kTrueType: size += 4; break;
      case rapidjson::kStringType:
        size += escaped_string_size(v->GetString(), v->GetStringLength());
        break;
      case rapidjson::kNumberType: size += number_size(*v); break;
      case rapidjson::kObjectType: {
        const size_t n = v->MemberCount();
        size += 2 + (n > 0 ? n - 1 : 0) + n;  // braces, commas, colons
        for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it) {
          size += escaped_string_size(it->name.GetString(), it->name.GetStringLength());
          stack.push_back(&it->value);
        }
        break;
      }
      case rapidjson::kArrayType: {
        const size_t n = v->Size();
        size += 2 + (n > 0 ? n - 1 : 0);
        for (const Value &item : v->GetArray()) {
          stack.push_back(&item);
        }
        break;
      }
    }
  }
  return size;
}

std::optional<SchemaViolation> check_content_size(const std::string &path, size_t bytes,
                                                  const SchemaLimits &limits, bool serialized) {
  if (bytes <= limits.max_content) {
    return std::nullopt;
  }
  return violation(path,
                   path + " is " + std::to_string(bytes) + " bytes" +
                       (serialized ? " as serialized JSON" : "") + "; the limit is " +
                       std::to_string(limits.max_content),
                   "CONTEXT_TOO_LARGE");
}

// ---------------------------------------------------------------------------------------------
// The interpreter
// ---------------------------------------------------------------------------------------------

std::optional<SchemaViolation> validate_struct(const StructSchema &schema, const Value &v,
                                               const std::string &path, bool partial,
                                               const SchemaLimits &limits);

std::optional<SchemaViolation> validate_quorum_value(const Value &q, const std::string &path,
                                                     const SchemaLimits &limits) {
  if (!q.IsObject()) {
    return type_violation(path, "an object (a QuorumRule)", q);
  }
  const std::string type_path = join_path(path, "type");
  auto it = q.FindMember("type");
  if (it == q.MemberEnd()) {
    return violation(type_path, "missing required field " + type_path + " (one of " +
                                    join_values(kQuorumTypes) + ")");
  }
  const Value &t = it->value;
  if (t.IsString()) {
    const std::string_view tag(t.GetString(), t.GetStringLength());
    for (size_t i = 0; i < std::size(kQuorumTypes); ++i) {
      if (kQuorumTypes[i] == tag) {
        return validate_struct(*kQuorumVariants[i], q, path, false, limits);
      }
    }
  }
  return type_violation(type_path, "one of " + join_values(kQuorumTypes), t);
}

// One value (an array item, or a scalar field) against a field spec's kind.
std::optional<SchemaViolation> validate_scalar(const FieldSpec &f, const Value &v,
                                               const std::string &path,
                                               const SchemaLimits &limits) {
  switch (f.kind) {
    case Kind::kString:
      if (!v.IsString()) {
        return type_violation(path, "a string", v);
      }
      if (v.GetStringLength() > limits.max_string) {
        return violation(path, path + " is " + std::to_string(v.GetStringLength()) +
                                   " bytes; the limit is " + std::to_string(limits.max_string));
      }
      return std::nullopt;
    case Kind::kId:
      if (!v.IsString()) {
        return type_violation(path, "a string (an id)", v);
      }
      if (v.GetStringLength() == 0 || v.GetStringLength() > kMaxIdBytes) {
        return violation(path, path + " must be an id of 1 to " + std::to_string(kMaxIdBytes) +
                                   " bytes (got " + std::to_string(v.GetStringLength()) +
                                   " bytes)");
      }
      return std::nullopt;
    case Kind::kContent:
      if (!v.IsString()) {
        return type_violation(path, "a string", v);
      }
      return check_content_size(path, v.GetStringLength(), limits, false);
    case Kind::kContentOrObject:
      if (v.IsString()) {
        return check_content_size(path, v.GetStringLength(), limits, false);
      }
      if (v.IsObject()) {
        return check_content_size(path, serialized_size(v), limits, true);
      }
      return type_violation(path, "a string or an object", v);
    case Kind::kContentObject:
      if (!v.IsObject()) {
        return type_violation(path, "an object", v);
      }
      return check_content_size(path, serialized_size(v), limits, true);
    case Kind::kAny: return check_content_size(path, serialized_size(v), limits, true);
    case Kind::kInt: {
      if (!v.IsNumber()) {
        return type_violation(path, bound_text(f.min, f.max, true), v);
      }
      // JSON has one number type; 3.0 is an integer (JavaScript prints it as 3 anyway).
      const double d = v.GetDouble();
      const bool integral = v.IsInt64() || v.IsUint64() || (std::isfinite(d) && std::trunc(d) == d);
      if (!integral || d < f.min || d > f.max) {
        return type_violation(path, bound_text(f.min, f.max, true), v);
      }
      return std::nullopt;
    }
    case Kind::kNumber: {
      if (!v.IsNumber() || !std::isfinite(v.GetDouble()) || v.GetDouble() < f.min ||
          v.GetDouble() > f.max) {
        return type_violation(path, "a finite " + bound_text(f.min, f.max, false).substr(2), v);
      }
      return std::nullopt;
    }
    case Kind::kBool:
      if (!v.IsBool()) {
        return type_violation(path, "a boolean", v);
      }
      return std::nullopt;
    case Kind::kObject:
      if (!v.IsObject()) {
        return type_violation(path, "an object", v);
      }
      return std::nullopt;
    case Kind::kEnum:
      if (v.IsString()) {
        const std::string_view s(v.GetString(), v.GetStringLength());
        for (std::string_view allowed : f.values) {
          if (allowed == s) {
            return std::nullopt;
          }
        }
      }
      return type_violation(path, "one of " + join_values(f.values), v);
    case Kind::kStruct:
      if (f.sub == nullptr) {
        return violation(path, "internal schema error at " + path, "INTERNAL_ERROR");
      }
      return validate_struct(*f.sub, v, path, &f == kPartialConfigField, limits);
    case Kind::kQuorum: return validate_quorum_value(v, path, limits);
    case Kind::kIdsOrEnum: {
      if (v.IsString()) {
        const std::string_view s(v.GetString(), v.GetStringLength());
        for (std::string_view allowed : f.values) {
          if (allowed == s) {
            return std::nullopt;
          }
        }
        return type_violation(path, "an array of ids or one of " + join_values(f.values), v);
      }
      if (!v.IsArray()) {
        return type_violation(path, "an array of ids or one of " + join_values(f.values), v);
      }
      if (v.Size() > limits.max_array) {
        return violation(path, path + " has " + std::to_string(v.Size()) + " items; the limit is " +
                                   std::to_string(limits.max_array));
      }
      const FieldSpec item{.name = f.name, .kind = Kind::kId};
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        if (auto err = validate_scalar(item, v[i], index_path(path, i), limits)) {
          return err;
        }
      }
      return std::nullopt;
    }
  }
  return violation(path, "internal schema error at " + path, "INTERNAL_ERROR");
}

std::string array_kind_text(const FieldSpec &f) {
  switch (f.kind) {
    case Kind::kId: return "an array of ids";
    case Kind::kString: return "an array of strings";
    case Kind::kInt: return "an array of integers";
    case Kind::kEnum: return "an array of strings (each one of " + join_values(f.values) + ")";
    case Kind::kStruct: return "an array of objects";
    default: return "an array";
  }
}

std::optional<SchemaViolation> validate_field(const FieldSpec &f, const Value &v,
                                              const std::string &path, const SchemaLimits &limits) {
  if (!f.array) {
    return validate_scalar(f, v, path, limits);
  }
  if (!v.IsArray()) {
    return type_violation(path, array_kind_text(f), v);
  }
  // Size first: a huge hostile array is refused before any item is looked at.
  if (v.Size() > limits.max_array) {
    return violation(path, path + " has " + std::to_string(v.Size()) + " items; the limit is " +
                               std::to_string(limits.max_array));
  }
  if (v.Size() < f.min_items) {
    return violation(path, path + " must have at least " + std::to_string(f.min_items) +
                               (f.min_items == 1 ? " item" : " items") + " (got " +
                               std::to_string(v.Size()) + ")");
  }
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    if (auto err = validate_scalar(f, v[i], index_path(path, i), limits)) {
      return err;
    }
  }
  return std::nullopt;
}

std::optional<SchemaViolation> validate_struct(const StructSchema &schema, const Value &v,
                                               const std::string &path, bool partial,
                                               const SchemaLimits &limits) {
  if (!v.IsObject()) {
    return type_violation(path, "an object (" + std::string(schema.name) + ")", v);
  }
  for (const FieldSpec &f : schema.fields) {
    const std::string field_path = join_path(path, f.name);
    auto it = v.FindMember(
        rapidjson::StringRef(f.name.data(), static_cast<rapidjson::SizeType>(f.name.size())));
    if (it == v.MemberEnd()) {
      if (f.required && !partial) {
        return violation(field_path, "missing required field " + field_path);
      }
      continue;
    }
    if (auto err = validate_field(f, it->value, field_path, limits)) {
      return err;
    }
  }
  if (!schema.one_of.empty()) {
    bool any = false;
    for (std::string_view name : schema.one_of) {
      any = any || v.HasMember(rapidjson::StringRef(name.data(),
                                                    static_cast<rapidjson::SizeType>(name.size())));
    }
    if (!any) {
      std::string names;
      for (size_t i = 0; i < schema.one_of.size(); ++i) {
        names += (i > 0 ? " or " : "") + join_path(path, schema.one_of[i]);
      }
      return violation(join_path(path, schema.one_of[0]),
                       "missing required field: " + names + " must be present");
    }
  }
  return std::nullopt;
}

}  // namespace

bool is_known_type(std::string_view type) {
  return find_type(type) != nullptr;
}

bool client_may_send(std::string_view type) {
  const TypeEntry *e = find_type(type);
  return e != nullptr && e->client_may_send;
}

std::optional<SchemaViolation> validate_payload(std::string_view type, const Value &payload,
                                                const SchemaLimits &limits) {
  const TypeEntry *e = find_type(type);
  if (e == nullptr) {
    return violation("type", "unknown message type " + quote(type));
  }
  return validate_struct(*e->schema, payload, "payload", false, limits);
}

std::optional<SchemaViolation> validate_session_config(const Value &cfg, bool partial,
                                                       std::string_view path,
                                                       const SchemaLimits &limits) {
  return validate_struct(kSessionConfig, cfg, std::string(path), partial, limits);
}

std::optional<SchemaViolation> validate_quorum(const Value &q, std::string_view path,
                                               const SchemaLimits &limits) {
  return validate_quorum_value(q, std::string(path), limits);
}

std::optional<SchemaViolation> validate_participant_announce(const Value &p, std::string_view path,
                                                             const SchemaLimits &limits) {
  return validate_struct(kParticipantAnnounce, p, std::string(path), false, limits);
}

std::optional<SchemaViolation> validate_content_ref(const Value &ref, std::string_view path,
                                                    const SchemaLimits &limits) {
  return validate_struct(kContentRef, ref, std::string(path), false, limits);
}

}  // namespace pvpd::session
