// Payload schema validator for the 41 PVP message types (protocol/types.ts of the reference,
// plus `tool.output`, which the seed's copy lacks).
//
// The envelope is checked before this runs (bus/envelope.h: type string, v, ids, payload is an
// object, size, depth, UTF-8). This component checks the *payload* of a client frame against
// one declarative table (schema_table.cpp): which fields each type has, whether they are
// required, their JSON kind, enum values from the TypeScript unions, numeric bounds and size
// limits. It does no session logic (membership, roles, gates): that is the router's job.
//
// Compatibility: every frame the reference clients (TUI, agent) send validates; where a field
// the TypeScript marks required is omitted by a real client, the table marks it optional and
// docs/protocol-schema.md lists the relaxation. Unknown payload fields are always accepted,
// because relays must preserve them.
//
// Untrusted input: the validator never throws on wrong types, never recurses into client data
// (sizes of free-form objects are measured iteratively) and stops at the first violation.
//
// THREAD: pure functions over immutable tables; safe to call from any thread.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pvpd::session {

// Why a payload was refused. `code` is a PVP ErrorCode; `field` the JSON path of the offending
// field ("payload.quorum.count", "payload.participant.roles[2]"); `message` is meant for a
// client author and names the field, the expectation and what was received.
struct SchemaViolation {
  std::string code = "INVALID_MESSAGE";  // or "CONTEXT_TOO_LARGE" for over-long content
  std::string field;
  std::string message;
};

struct SchemaLimits {
  size_t max_string = 64 * 1024;     // ordinary string fields (names, reasons, ids...)
  size_t max_content = 1024 * 1024;  // content / text / new_content / inject_context / arguments
                                     // / result, objects measured as serialized JSON
  size_t max_array = 1000;           // lists (roles, contributors, visible_to, participants...)
};

// True for the 41 type strings of the protocol (40 primitives plus "error").
bool is_known_type(std::string_view type);

// False for the types only the server makes: tool.execute, gate.request, gate.timeout (a
// client-sent tool.execute would bypass a gate on the reference). Unknown types: false.
bool client_may_send(std::string_view type);

// Validates the payload of a frame of `type`. nullopt = valid. An unknown type is a violation
// on field "type"; a payload that is not an object is a violation on field "payload".
std::optional<SchemaViolation> validate_payload(std::string_view type,
                                                const rapidjson::Value &payload,
                                                const SchemaLimits &limits = {});

// Sub-schemas, exported for reuse by the session code. `path` is the JSON path of `cfg` / `q`
// used in messages ("payload.config", "payload.changes").
//
// SessionConfig: `partial` = Partial<SessionConfig> (session.config_update.changes): every
// field optional, but a present field must be valid (a present default_gate_quorum must be a
// complete QuorumRule).
std::optional<SchemaViolation> validate_session_config(const rapidjson::Value &cfg, bool partial,
                                                       std::string_view path,
                                                       const SchemaLimits &limits = {});
std::optional<SchemaViolation> validate_quorum(const rapidjson::Value &q, std::string_view path,
                                               const SchemaLimits &limits = {});
std::optional<SchemaViolation> validate_participant_announce(const rapidjson::Value &p,
                                                             std::string_view path,
                                                             const SchemaLimits &limits = {});
std::optional<SchemaViolation> validate_content_ref(const rapidjson::Value &ref,
                                                    std::string_view path,
                                                    const SchemaLimits &limits = {});

}  // namespace pvpd::session
