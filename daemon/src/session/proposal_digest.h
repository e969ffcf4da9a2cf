// The digest that binds a gate (and every approval of it) to one exact proposed action.
//
// digest = lowercase hex SHA-256 of the canonical JSON text of
//   {"agent":<agent>,"arguments":<arguments>,"tool_name":<tool_name>}
// where canonical means: object members sorted by key (byte order) at every depth, no
// whitespace, strings escaped as RapidJSON's Writer does, numbers as RapidJSON writes them
// (integers exactly, doubles in shortest round-trip form). Members with equal keys keep their
// input order; the validator refuses duplicate keys before a proposal gets here. The same
// proposal therefore has the same digest whatever key order or spacing the agent used, and any
// change to tool, arguments or agent changes it.
//
// THREAD: pure functions. OWNERSHIP: nothing retained.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace pvpd::session {

// Canonical JSON of any value (exposed for tests and for digests of other gated actions).
std::string canonical_json_text(const rapidjson::Value &value);

// 64 lowercase hex characters.
std::string sha256_hex(std::string_view data);

std::string proposal_digest(std::string_view tool_name, const rapidjson::Value &arguments,
                            std::string_view agent);

}  // namespace pvpd::session
