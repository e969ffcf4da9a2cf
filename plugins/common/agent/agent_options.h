// AgentOptions: the configuration every agent plugin shares (how it joins sessions, what it may
// see and run, how its turns are bounded), parsed from the instance's normalized config JSON.
//
// Each agent plugin declares these keys in its option table with PVPD_AGENT_COMMON_OPTIONS (so
// the daemon validates them and `pvpd --describe-plugin` documents them) and adds its own.
//
// THREAD: plain data; parse_agent_options is pure.
#pragma once

#include <pvpd/plugin.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/mcp_client.h"

namespace pvpd::agent {

struct Price {
  double input_per_mtok = 0;   // USD per million input tokens
  double output_per_mtok = 0;  // USD per million output tokens (thinking included)
};

struct AgentOptions {
  std::string name;                   // display name in participant.announce
  std::string model;                  // reported in usage and the announce metadata
  bool auto_join = false;             // join every session as it appears
  std::vector<std::string> sessions;  // sessions to join at start (created if missing)
  std::string system_prompt;
  std::string thinking_visibility = "all";  // "all" | "approvers_only"
  std::vector<std::string> tools;           // built-in tools offered to the model; empty = none
  uint64_t tool_timeout_ms = 120000;
  uint64_t tool_output_cap = 1 << 20;
  std::vector<std::string> env_allow{"PATH", "HOME", "LANG", "LC_ALL", "TERM", "TZ"};
  uint32_t max_steps = 16;  // generations per prompt (each tool round is one step)
  Price price;
  std::vector<McpServerConfig> mcp_servers;  // MCP tool sources, gated like built-in tools
};

// Returns "" or the first problem as "<json pointer>: <message>".
std::string parse_agent_options(std::string_view config_json, AgentOptions *out,
                                std::string_view default_name);

}  // namespace pvpd::agent

// The option-table entries of AgentOptions, to splice into a plugin's kOptions array.
#define PVPD_AGENT_COMMON_OPTIONS                                                                 \
  pvpd::option_string("name", nullptr, "Display name of the agent participant."),                 \
      pvpd::option(PVPD_OPT_BOOL, "auto_join", "false",                                           \
                   "Join every session as it appears (the agent's participant id is the "         \
                   "instance id)."),                                                              \
      pvpd::option(PVPD_OPT_STRING_LIST, "sessions", "[]",                                        \
                   "Sessions to join at start (created when they do not exist)."),                \
      pvpd::option_string("system_prompt", "\"\"", "System prompt given to the model."),          \
      pvpd::option(PVPD_OPT_STRING, "thinking_visibility", "\"all\"",                             \
                   "Who sees the thinking stream: all participants or approvers only.", 0,        \
                   "all|approvers_only"),                                                         \
      pvpd::option(PVPD_OPT_STRING_LIST, "tools",                                                 \
                   "[\"shell\",\"file_read\",\"file_write\",\"file_edit\",\"file_delete\","       \
                   "\"list_dir\",\"search\"]",                                                    \
                   "Built-in tools the model may propose (each call is gated by the session)."),  \
      pvpd::option(PVPD_OPT_DURATION, "tool_timeout", "\"2m\"",                                   \
                   "A running tool is killed (whole process group) after this long."),            \
      pvpd::option(PVPD_OPT_SIZE, "tool_output_cap", "\"1MiB\"",                                  \
                   "Output kept per tool call; the rest is counted and dropped."),                \
      pvpd::option(PVPD_OPT_STRING_LIST, "env_allow",                                             \
                   "[\"PATH\",\"HOME\",\"LANG\",\"LC_ALL\","                                      \
                   "\"TERM\",\"TZ\"]",                                                            \
                   "Environment variables passed to tool processes; all others are scrubbed."),   \
      pvpd::option(PVPD_OPT_INT, "max_steps", "16",                                               \
                   "Model generations per prompt (each tool round trip is one).", PVPD_OPT_RANGE, \
                   nullptr, 1, 256),                                                              \
      pvpd::option(PVPD_OPT_FLOAT, "price.input_per_mtok", "0",                                   \
                   "USD per million input tokens, for usage.cost_usd."),                          \
      pvpd::option(PVPD_OPT_FLOAT, "price.output_per_mtok", "0",                                  \
                   "USD per million output and thinking tokens, for usage.cost_usd."),            \
      pvpd::option_string("mcp_servers[].name", nullptr,                                          \
                          "MCP tool server name; its tools are offered as mcp__<name>__<tool>.",  \
                          PVPD_OPT_REQUIRED),                                                     \
      pvpd::option(PVPD_OPT_STRING_LIST, "mcp_servers[].command", nullptr,                        \
                   "argv of the MCP server (spawned over stdio, no shell).", PVPD_OPT_REQUIRED),  \
      pvpd::option(PVPD_OPT_ANY, "mcp_servers[].env", nullptr,                                    \
                   "Extra environment variables for the server (a map).", PVPD_OPT_SECRET),       \
      pvpd::option(PVPD_OPT_STRING, "mcp_servers[].risk", "\"medium\"",                           \
                   "Risk of the server's tools without a better hint.", 0,                        \
                   "low|medium|high|critical"),                                                   \
      pvpd::option(PVPD_OPT_ANY, "mcp_servers[].tool_risk", nullptr,                              \
                   "Per-tool risk overrides: {tool: low|medium|high|critical}."),                 \
      pvpd::option(PVPD_OPT_DURATION, "mcp_servers[].startup_timeout", "\"30s\"",                 \
                   "Time allowed for the server to start and answer initialize."),                \
      pvpd::option(PVPD_OPT_DURATION, "mcp_servers[].call_timeout", "\"2m\"",                     \
                   "A tool call not answered in this time is cancelled.")
