// The MCP tools the plugin offers: names, JSON Schemas and descriptions written for the model
// that reads them (tools/list), plus the server's `instructions` text.
//
// THREAD: immutable static data; safe from any thread (the compact catalog is built once, on
// first use, under C++ static-initialization locking).
// OWNERSHIP/LIFETIME: the returned views point at static storage valid for the whole process.
#pragma once

#include <string_view>

namespace pvpd::mcp {

// JSON array text for tools/list `result.tools`.
std::string_view tool_catalog_json();

// True when `name` is one of the catalog's tools.
bool is_known_tool(std::string_view name);

// `instructions` of the initialize result (appended to the model's context by Claude Code).
std::string_view server_instructions();

}  // namespace pvpd::mcp
