// MCP-stdio plugin settings: the option table the host validates YAML against, and the parsed
// form of the normalized config JSON the host hands to create()/validate().
//
// THREAD: parse_settings() is pure and may run on any thread (validate runs without an instance).
// OWNERSHIP: Settings is a plain value; the option table is static and immutable.
#pragma once

#include <pvpd/plugin.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::mcp {

// What pvp_permission proposes for one tool name (PVP RiskLevel / ToolCategory enums).
struct ToolRisk {
  std::string risk = "medium";
  std::string category;  // "" = the built-in guess for the tool name
};

enum class PushMode { kAuto, kAlways, kNever };

struct Settings {
  std::string socket;                  // "" = <state_dir>/mcp.sock
  uint32_t socket_mode = 0600;         // file mode of the socket
  std::size_t max_line = 1 << 20;      // longest JSON-RPC line accepted
  std::size_t max_buffered = 1000;     // PVP messages kept per connection for the read tool
  std::size_t max_connections = 64;    // MCP clients at once
  std::size_t max_output = 16u << 20;  // unsent bytes per connection before it is dropped
  uint64_t max_wait_ms = 60000;        // cap of pvp_read_messages' wait_seconds
  uint64_t join_timeout_ms = 10000;    // how long pvp_join waits for the join reply
  uint64_t permission_timeout_ms = 0;  // 0 = until the gate decides or times out
  double rate_burst = 200;             // token bucket over inbound lines (0 = unlimited)
  double rate_per_second = 50;
  PushMode push = PushMode::kAuto;
  std::vector<std::string> default_roles = {"navigator"};
  std::map<std::string, ToolRisk> risk;  // tool name -> risk and category
};

struct SettingsError {
  std::string pointer;
  std::string message;
};

// Parses normalized JSON. Missing keys keep the defaults above ("" or "{}" is valid).
std::vector<SettingsError> parse_settings(std::string_view config_json, Settings *out);

// The risk and category pvp_permission proposes for `tool_name` (config first, then a built-in
// guess from Claude Code's tool names: Bash -> shell_execute, Write/Edit -> file_write, ...).
// With `input_json` (the tool's input), a `Bash` call not configured in `risk` is classified
// by the agents' tool runtime (plugins/common/tools): every segment of the command counts, so
// `ls` is low and `git status && rm -rf x` is high.
ToolRisk risk_for(const Settings &s, std::string_view tool_name, std::string_view input_json = {});

inline constexpr pvpd_option_desc kOptions[] = {
    pvpd::option_string("socket", nullptr,
                        "Unix socket path MCP bridges connect to (default <state_dir>/mcp.sock)."),
    pvpd::option_string("socket_mode", "\"0600\"",
                        "File mode of the socket, octal; 0600 lets only the daemon's user in."),
    pvpd::option(PVPD_OPT_SIZE, "max_line", "\"1MiB\"",
                 "Longest JSON-RPC message; longer ones get a JSON-RPC error and are skipped.",
                 PVPD_OPT_RANGE, nullptr, 1024, 64LL * 1024 * 1024),
    pvpd::option(PVPD_OPT_INT, "max_buffered", "1000",
                 "Session messages kept per MCP connection for pvp_read_messages (oldest go).",
                 PVPD_OPT_RANGE, nullptr, 10, 1000000),
    pvpd::option(PVPD_OPT_INT, "max_connections", "64", "MCP connections accepted at once.",
                 PVPD_OPT_RANGE, nullptr, 1, 100000),
    pvpd::option(PVPD_OPT_SIZE, "max_output", "\"16MiB\"",
                 "Unsent bytes per connection before it is closed as a slow consumer.",
                 PVPD_OPT_RANGE, nullptr, 65536, 1LL << 32),
    pvpd::option(PVPD_OPT_DURATION, "max_wait", "\"60s\"",
                 "Longest long-poll wait of pvp_read_messages.", PVPD_OPT_RANGE, nullptr, 0,
                 3600LL * 1000),
    pvpd::option(PVPD_OPT_DURATION, "join_timeout", "\"10s\"",
                 "How long pvp_join waits for the session's answer.", PVPD_OPT_RANGE, nullptr, 100,
                 600LL * 1000),
    pvpd::option(PVPD_OPT_DURATION, "permission_timeout", "0",
                 "Deny pvp_permission after this long without a decision (0 = wait for the "
                 "gate's own timeout).",
                 PVPD_OPT_RANGE, nullptr, 0, 24LL * 3600 * 1000),
    pvpd::option(PVPD_OPT_FLOAT, "rate_limit.burst", "200",
                 "Token bucket size in JSON-RPC messages per connection (0 = no limit)."),
    pvpd::option(PVPD_OPT_FLOAT, "rate_limit.per_second", "50",
                 "Sustained JSON-RPC messages per second per connection."),
    pvpd::option(PVPD_OPT_STRING, "push", "\"auto\"",
                 "Channel notifications: auto (when the client declares claude/channel), "
                 "always, never.",
                 0, "auto|always|never"),
    pvpd::option(PVPD_OPT_STRING_LIST, "default_roles", "[\"navigator\"]",
                 "Roles pvp_join requests when the caller names none."),
    pvpd::option(PVPD_OPT_ANY, "risk", "{}",
                 "Map tool name -> {risk: low|medium|high|critical, category: <ToolCategory>} "
                 "for pvp_permission (default medium)."),
};

}  // namespace pvpd::mcp
