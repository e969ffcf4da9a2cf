// Canonical JSON text: object keys sorted by byte order at every depth, no whitespace, written
// by RapidJSON. Two documents that mean the same produce the same text, so it serves for
// comparisons (config reload diffs) and for digests (gate proposals).
//
// THREAD: pure function.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace pvpd {

std::string canonical_json(const rapidjson::Value &value);

}  // namespace pvpd
