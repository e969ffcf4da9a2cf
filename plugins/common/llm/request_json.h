// Helpers shared by the request builders (internal to pvpd_llm): JSON texts from the
// conversation parsed into a document's allocator, opaque round-trip data read back.
//
// THREAD: pure functions. OWNERSHIP: values live in the caller's allocator. LIFETIME: n/a.
#pragma once

#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "llm/json_util.h"

namespace pvpd::llm::request_json {

// Parses `text` (a JSON object) into `out`, allocated in `a`; `what` names it in the error.
bool parse_object(std::string_view text, json::Value &out, json::Alloc &a, const std::string &what,
                  std::string *error);

// `opaque` parsed as an object whose "type" is `type`, copied into `out`; false otherwise.
bool opaque_of_type(std::string_view opaque, std::string_view type, json::Value &out,
                    json::Alloc &a);

// A tool's input schema (JSON text), or the empty object schema when it is empty.
bool parse_schema(std::string_view schema, json::Value &out, json::Alloc &a,
                  const std::string &tool, std::string *error);

// Whether OpenAI strict function calling accepts `schema`: every object has
// additionalProperties:false and requires all its properties, recursively.
bool strict_compatible(const json::Value &schema);

}  // namespace pvpd::llm::request_json
