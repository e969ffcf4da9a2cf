#include "agent/mcp_client.h"

#include <pvpd/plugin_abi.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdlib>

namespace pvpd::agent {
namespace {

constexpr const char *kOfferedVersion = "2025-11-25";
constexpr const char *kAcceptedVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
                                             "2024-11-05"};

std::string json_of(const rapidjson::Value &v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string quoted(const std::string &s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buf.GetString(), buf.GetSize());
}

std::string error_text(const rapidjson::Value &err) {
  std::string msg = "MCP error";
  if (err.IsObject()) {
    if (err.HasMember("code") && err["code"].IsInt()) {
      msg += " " + std::to_string(err["code"].GetInt());
    }
    if (err.HasMember("message") && err["message"].IsString()) {
      msg += ": " + std::string(err["message"].GetString());
    }
  }
  return msg;
}

}  // namespace

McpClient::McpClient(McpServerConfig config, Logger logger)
    : config_(std::move(config)), logger_(std::move(logger)) {}

McpClient::~McpClient() {
  shutdown();
}

void McpClient::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
  }
  stop_process();
}

void McpClient::stop_process() {
  std::shared_ptr<StdioProcess> process;
  std::thread reader;
  {
    std::lock_guard<std::mutex> lock(mu_);
    process = std::move(process_);
    reader = std::move(reader_);
    alive_ = false;
    ++generation_;
    for (auto &[id, p] : pending_) {
      p.done = true;  // response stays empty: the waiter reports the server gone
    }
  }
  cv_.notify_all();
  if (process) {
    process->terminate(1000);
  }
  if (reader.joinable()) {
    reader.join();
  }
}

std::string McpClient::connect() {
  std::lock_guard<std::mutex> connect_lock(connect_mu_);
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (shut_down_) {
      return "the client is shut down";
    }
    if (alive_) {
      return "";
    }
    // Backoff between starts: a server that crashes on start must not be respawned in a loop.
    if (starts_ > 0) {
      auto earliest = last_start_ + backoff_;
      if (cv_.wait_until(lock, earliest, [&] { return shut_down_; })) {
        return "the client is shut down";
      }
      backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(30000));
    }
  }
  stop_process();  // the dead one, if any
  std::map<std::string, std::string> env;
  for (const std::string &name : config_.env_allow) {
    if (const char *v = std::getenv(name.c_str())) {
      env[name] = v;
    }
  }
  for (const auto &[k, v] : config_.env) {
    env[k] = v;
  }
  auto process = std::make_shared<StdioProcess>();
  std::string server = config_.name;
  Logger logger = logger_;
  std::string err = process->start(config_.command, env, [logger, server](const std::string &l) {
    if (logger) {
      logger(PVPD_LOG_DEBUG, "mcp server '" + server + "' stderr: " + l);
    }
  });
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_start_ = std::chrono::steady_clock::now();
    ++starts_;
    if (!err.empty()) {
      return err;
    }
    process_ = process;
    uint64_t generation = ++generation_;
    alive_ = true;
    reader_ = std::thread([this, process, generation] { reader_loop(process, generation); });
  }
  std::string rpc_error;
  std::string response =
      request("initialize",
              std::string(R"({"protocolVersion":")") + kOfferedVersion +
                  R"(","capabilities":{},"clientInfo":{"name":"pvpd","version":"0.1.0"}})",
              config_.startup_timeout_ms, nullptr, &rpc_error);
  if (response.empty()) {
    stop_process();
    return "initialize failed: " + rpc_error;
  }
  rapidjson::Document d;
  d.Parse(response.c_str(), response.size());
  std::string version;
  if (!d.HasParseError() && d.IsObject() && d.HasMember("result") && d["result"].IsObject() &&
      d["result"].HasMember("protocolVersion") && d["result"]["protocolVersion"].IsString()) {
    version = d["result"]["protocolVersion"].GetString();
  }
  if (std::find(std::begin(kAcceptedVersions), std::end(kAcceptedVersions), version) ==
      std::end(kAcceptedVersions)) {
    stop_process();
    return version.empty() ? "initialize failed: " + (d.IsObject() && d.HasMember("error")
                                                          ? error_text(d["error"])
                                                          : std::string("no protocolVersion"))
                           : "the server speaks MCP " + version + ", which pvpd does not support";
  }
  notify("notifications/initialized", "");
  {
    std::lock_guard<std::mutex> lock(mu_);
    version_ = version;
  }
  if (std::string e = list_tools(); !e.empty()) {
    stop_process();
    return e;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    backoff_ = std::chrono::milliseconds(1000);  // a healthy start resets the backoff
  }
  return "";
}

std::string McpClient::list_tools() {
  std::vector<McpTool> all;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    std::string params = cursor.empty() ? "{}" : R"({"cursor":)" + quoted(cursor) + "}";
    std::string error;
    std::string response =
        request("tools/list", params, config_.startup_timeout_ms, nullptr, &error);
    if (response.empty()) {
      return "tools/list failed: " + error;
    }
    rapidjson::Document d;
    d.Parse(response.c_str(), response.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("result") || !d["result"].IsObject() ||
        !d["result"].HasMember("tools") || !d["result"]["tools"].IsArray()) {
      return "tools/list failed: " +
             (d.IsObject() && d.HasMember("error") ? error_text(d["error"]) : "malformed result");
    }
    for (const auto &t : d["result"]["tools"].GetArray()) {
      if (!t.IsObject() || !t.HasMember("name") || !t["name"].IsString()) {
        continue;
      }
      McpTool tool;
      tool.name = t["name"].GetString();
      if (t.HasMember("description") && t["description"].IsString()) {
        tool.description = t["description"].GetString();
      }
      tool.input_schema_json = t.HasMember("inputSchema") && t["inputSchema"].IsObject()
                                   ? json_of(t["inputSchema"])
                                   : R"({"type":"object"})";
      if (t.HasMember("annotations") && t["annotations"].IsObject()) {
        const auto &a = t["annotations"];
        tool.read_only = a.HasMember("readOnlyHint") && a["readOnlyHint"].IsBool() &&
                         a["readOnlyHint"].GetBool();
        tool.destructive = a.HasMember("destructiveHint") && a["destructiveHint"].IsBool() &&
                           a["destructiveHint"].GetBool();
      }
      all.push_back(std::move(tool));
    }
    const auto &r = d["result"];
    if (r.HasMember("nextCursor") && r["nextCursor"].IsString() &&
        r["nextCursor"].GetStringLength() > 0) {
      cursor = r["nextCursor"].GetString();
    } else {
      break;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  tools_ = std::move(all);
  return "";
}

std::vector<McpTool> McpClient::tools() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tools_;
}

std::string McpClient::protocol_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

bool McpClient::notify(const std::string &method, const std::string &params_json) {
  std::shared_ptr<StdioProcess> process;
  {
    std::lock_guard<std::mutex> lock(mu_);
    process = process_;
  }
  if (!process) {
    return false;
  }
  std::string line = R"({"jsonrpc":"2.0","method":)" + quoted(method) +
                     (params_json.empty() ? "" : ",\"params\":" + params_json) + "}";
  return process->write_line(line);
}

std::string McpClient::request(const std::string &method, const std::string &params_json,
                               uint64_t timeout_ms, const tools::CancelToken *cancel,
                               std::string *error, bool *canceled, bool *timed_out) {
  std::shared_ptr<StdioProcess> process;
  int64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!process_ || !alive_) {
      *error = "the server is not running";
      return "";
    }
    process = process_;
    id = next_id_++;
    pending_[id];
  }
  std::string line = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":)" +
                     quoted(method) + ",\"params\":" + params_json + "}";
  if (!process->write_line(line)) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(id);
    *error = "the server closed its input";
    return "";
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto it = pending_.find(id);
    if (it->second.done) {
      std::string response = std::move(it->second.response);
      pending_.erase(it);
      if (response.empty()) {
        *error = "the server exited";
      }
      return response;
    }
    bool stop = cancel != nullptr && cancel->canceled();
    bool late = std::chrono::steady_clock::now() >= deadline;
    if (stop || late) {
      pending_.erase(it);
      lock.unlock();
      // Tell the server to stop; a late response is ignored (its id is gone).
      notify("notifications/cancelled",
             R"({"requestId":)" + std::to_string(id) + R"(,"reason":)" +
                 quoted(stop ? "interrupted by the session" : "timed out") + "}");
      *error = stop ? "canceled" : "timed out after " + std::to_string(timeout_ms) + " ms";
      if (canceled != nullptr) {
        *canceled = stop;
      }
      if (timed_out != nullptr) {
        *timed_out = late && !stop;
      }
      return "";
    }
    // Cancel tokens are polled: the token has no way to wake us.
    cv_.wait_until(
        lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
  }
}

void McpClient::reader_loop(std::shared_ptr<StdioProcess> process, uint64_t generation) {
  std::string line;
  while (process->read_line(&line)) {
    rapidjson::Document d;
    d.Parse(line.c_str(), line.size());
    if (d.HasParseError() || !d.IsObject()) {
      if (logger_) {
        logger_(PVPD_LOG_WARN, "mcp server '" + config_.name + "' wrote a line that is not JSON");
      }
      continue;
    }
    bool has_method = d.HasMember("method") && d["method"].IsString();
    bool has_id = d.HasMember("id") && !d["id"].IsNull();
    if (has_method && has_id) {
      // A request from the server: we implement none of them but ping.
      std::string method = d["method"].GetString();
      std::string id = json_of(d["id"]);
      std::string reply = method == "ping"
                              ? R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":{}})"
                              : R"({"jsonrpc":"2.0","id":)" + id +
                                    R"(,"error":{"code":-32601,"message":"Method not found"}})";
      process->write_line(reply);
      continue;
    }
    if (has_method) {
      if (std::string(d["method"].GetString()) == "notifications/tools/list_changed") {
        relist_ = true;
      }
      continue;
    }
    if (!has_id || !d["id"].IsInt64()) {
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(d["id"].GetInt64());
    if (it != pending_.end() && !it->second.done) {
      it->second.done = true;
      it->second.response = std::move(line);
      line.clear();
    }
    cv_.notify_all();
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (generation_ == generation) {
    alive_ = false;
    for (auto &[id, p] : pending_) {
      p.done = true;
    }
    if (logger_) {
      logger_(PVPD_LOG_WARN, "mcp server '" + config_.name + "' exited");
    }
  }
  cv_.notify_all();
}

McpCallResult McpClient::call(const std::string &tool, const std::string &arguments_json,
                              const tools::CancelToken &cancel) {
  McpCallResult out;
  if (!alive_) {
    std::string err = connect();
    if (!err.empty()) {
      out.text = "the MCP server '" + config_.name + "' is not available: " + err;
      return out;
    }
  }
  if (relist_.exchange(false)) {
    list_tools();
  }
  std::string error;
  std::string args = arguments_json.empty() ? "{}" : arguments_json;
  std::string response =
      request("tools/call", R"({"name":)" + quoted(tool) + R"(,"arguments":)" + args + "}",
              config_.call_timeout_ms, &cancel, &error, &out.canceled, &out.timed_out);
  if (response.empty()) {
    out.text = error;
    return out;
  }
  rapidjson::Document d;
  d.Parse(response.c_str(), response.size());
  if (d.HasParseError() || !d.IsObject()) {
    out.text = "malformed response from the MCP server";
    return out;
  }
  if (d.HasMember("error")) {
    out.text = error_text(d["error"]);
    return out;
  }
  if (!d.HasMember("result") || !d["result"].IsObject()) {
    out.text = "the MCP server returned no result";
    return out;
  }
  const auto &r = d["result"];
  bool is_error = r.HasMember("isError") && r["isError"].IsBool() && r["isError"].GetBool();
  std::string text;
  if (r.HasMember("content") && r["content"].IsArray()) {
    for (const auto &c : r["content"].GetArray()) {
      if (!text.empty()) {
        text += "\n";
      }
      if (c.IsObject() && c.HasMember("type") && c["type"].IsString() &&
          std::string(c["type"].GetString()) == "text" && c.HasMember("text") &&
          c["text"].IsString()) {
        text += c["text"].GetString();
      } else {
        text += json_of(c);
      }
    }
  }
  if (text.empty() && r.HasMember("structuredContent")) {
    text = json_of(r["structuredContent"]);
  }
  out.success = !is_error;
  out.text = std::move(text);
  return out;
}

}  // namespace pvpd::agent
