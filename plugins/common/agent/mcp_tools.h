// McpTools: the MCP servers an agent instance uses as tool sources, seen as one catalogue of
// model-facing tools.
//
// Each server's tools are offered as `mcp__<server>__<tool>`, sanitised to [A-Za-z0-9_-] and
// capped at 64 characters with a hash suffix (model APIs reject other names; research §6.4).
// Classification for tool.propose: category "external_api", risk = the per-tool override from
// config, else high for destructiveHint, low for
// readOnlyHint, else the server's default risk. Annotations are hints from the server, so an
// operator's override always wins.
//
// THREAD: connect_all() runs on a background thread started by start(); everything else may be
// called from any thread (the clients are thread-safe, the name map is guarded).
// OWNERSHIP: owns the McpClients. LIFETIME: stop() joins the connector and shuts the servers down.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/brain.h"
#include "agent/mcp_client.h"
#include "tools/tool_runtime.h"

namespace pvpd::agent {

class McpTools {
 public:
  McpTools(std::vector<McpServerConfig> servers, McpClient::Logger logger);
  ~McpTools();

  void start();  // connects every server in the background
  void stop();
  bool empty() const { return clients_.empty(); }

  std::vector<ToolSpec> specs() const;
  bool has(const std::string &exposed_name) const;
  tools::Classification classify(const std::string &exposed_name) const;
  tools::ToolResult run(const std::string &exposed_name, const std::string &input_json,
                        const tools::CancelToken &cancel) const;

  // For tests and status: "server: N tools" or "server: <error>".
  std::vector<std::string> describe() const;
  static std::string exposed_name(const std::string &server, const std::string &tool);

 private:
  struct Entry {
    size_t client = 0;
    McpTool tool;
  };
  void rebuild();
  std::optional<Entry> find(const std::string &exposed_name) const;

  std::vector<std::unique_ptr<McpClient>> clients_;
  McpClient::Logger logger_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> by_name_;
  std::vector<std::string> status_;
  std::thread connector_;
};

}  // namespace pvpd::agent
