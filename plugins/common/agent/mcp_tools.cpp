#include "agent/mcp_tools.h"

#include <pvpd/plugin_abi.h>

#include <chrono>
#include <cstdio>
#include <functional>

namespace pvpd::agent {

McpTools::McpTools(std::vector<McpServerConfig> servers, McpClient::Logger logger)
    : logger_(std::move(logger)) {
  for (auto &s : servers) {
    clients_.push_back(std::make_unique<McpClient>(std::move(s), logger_));
    status_.push_back(clients_.back()->config().name + ": starting");
  }
}

McpTools::~McpTools() {
  stop();
}

void McpTools::start() {
  if (clients_.empty()) {
    return;
  }
  connector_ = std::thread([this] {
    for (size_t i = 0; i < clients_.size(); ++i) {
      std::string err = clients_[i]->connect();
      std::lock_guard<std::mutex> lock(mu_);
      const std::string &name = clients_[i]->config().name;
      if (err.empty()) {
        status_[i] = name + ": " + std::to_string(clients_[i]->tools().size()) + " tools (MCP " +
                     clients_[i]->protocol_version() + ")";
        if (logger_) {
          logger_(PVPD_LOG_INFO, "mcp server " + status_[i]);
        }
      } else {
        status_[i] = name + ": " + err;
        if (logger_) {
          logger_(PVPD_LOG_ERROR, "mcp server '" + name + "' failed to start: " + err);
        }
      }
    }
    rebuild();
  });
}

void McpTools::stop() {
  if (connector_.joinable()) {
    connector_.join();
  }
  for (auto &c : clients_) {
    c->shutdown();
  }
}

std::string McpTools::exposed_name(const std::string &server, const std::string &tool) {
  std::string raw = "mcp__" + server + "__" + tool;
  std::string out;
  for (char c : raw) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.size() > 64) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "_%08zx", std::hash<std::string>{}(raw)&0xffffffffu);
    out = out.substr(0, 64 - 9) + suffix;
  }
  return out;
}

void McpTools::rebuild() {
  std::map<std::string, Entry> names;
  for (size_t i = 0; i < clients_.size(); ++i) {
    for (McpTool &t : clients_[i]->tools()) {
      // The name first: in `a[f(t)] = g(std::move(t))` the right side is evaluated first.
      std::string exposed = exposed_name(clients_[i]->config().name, t.name);
      names[exposed] = Entry{i, std::move(t)};
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  by_name_ = std::move(names);
}

std::optional<McpTools::Entry> McpTools::find(const std::string &exposed) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_name_.find(exposed);
  if (it == by_name_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<ToolSpec> McpTools::specs() const {
  // A server may have been restarted or re-listed its tools since the last look.
  const_cast<McpTools *>(this)->rebuild();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ToolSpec> out;
  for (const auto &[name, e] : by_name_) {
    out.push_back(ToolSpec{name, e.tool.description, e.tool.input_schema_json});
  }
  return out;
}

bool McpTools::has(const std::string &exposed) const {
  return find(exposed).has_value();
}

tools::Classification McpTools::classify(const std::string &exposed) const {
  tools::Classification c;
  auto e = find(exposed);
  if (!e) {
    c.category = "external_api";
    c.risk = tools::Risk::kHigh;
    c.reason = "unknown MCP tool";
    return c;
  }
  const McpServerConfig &cfg = clients_[e->client]->config();
  c.category = "external_api";
  auto over = cfg.tool_risk.find(e->tool.name);
  if (over != cfg.tool_risk.end() && tools::parse_risk(over->second, &c.risk)) {
    c.reason = "MCP tool " + cfg.name + "/" + e->tool.name + ": risk set by the configuration";
    return c;
  }
  if (e->tool.destructive) {
    c.risk = tools::Risk::kHigh;
    c.reason = "MCP tool " + cfg.name + "/" + e->tool.name + " declares itself destructive";
  } else if (e->tool.read_only) {
    c.risk = tools::Risk::kLow;
    c.reason = "MCP tool " + cfg.name + "/" + e->tool.name + " declares itself read-only";
  } else {
    if (!tools::parse_risk(cfg.default_risk, &c.risk)) {
      c.risk = tools::Risk::kMedium;
    }
    c.reason = "MCP tool " + cfg.name + "/" + e->tool.name + " (server default risk)";
  }
  return c;
}

tools::ToolResult McpTools::run(const std::string &exposed, const std::string &input_json,
                                const tools::CancelToken &cancel) const {
  tools::ToolResult r;
  auto start = std::chrono::steady_clock::now();
  auto e = find(exposed);
  if (!e) {
    r.error = "unknown MCP tool " + exposed;
    return r;
  }
  McpCallResult c = clients_[e->client]->call(e->tool.name, input_json, cancel);
  r.success = c.success;
  r.canceled = c.canceled;
  r.timed_out = c.timed_out;
  if (c.success) {
    r.output = std::move(c.text);
  } else {
    r.error = std::move(c.text);
  }
  r.exit_code = c.success ? 0 : 1;
  r.duration_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - start)
                                            .count());
  return r;
}

std::vector<std::string> McpTools::describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

}  // namespace pvpd::agent
