// Parsing of the normalized instance config (see options.h).
#include "options.h"

#include "tools/tool_runtime.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>

namespace pvpd::mcp {
namespace {

constexpr std::array<std::string_view, 4> kRiskLevels = {"low", "medium", "high", "critical"};
constexpr std::array<std::string_view, 9> kCategories = {
    "file_read", "file_write", "file_delete",   "shell_execute", "network_request",
    "deploy",    "database",   "secret_access", "external_api"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N> &set, std::string_view v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

const rapidjson::Value *member(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return nullptr;
  }
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::string text(const rapidjson::Value &v) {
  return std::string(v.GetString(), v.GetStringLength());
}

}  // namespace

std::vector<SettingsError> parse_settings(std::string_view config_json, Settings *out) {
  std::vector<SettingsError> errors;
  auto fail = [&errors](std::string pointer, std::string message) {
    errors.push_back({std::move(pointer), std::move(message)});
  };
  rapidjson::Document doc;
  if (config_json.empty()) {
    doc.SetObject();
  } else {
    doc.Parse(config_json.data(), config_json.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      fail("", "config is not a JSON object");
      return errors;
    }
  }
  Settings s;
  auto count = [&](const char *key, auto *dst, uint64_t min_value) {
    const rapidjson::Value *v = member(doc, key);
    if (v == nullptr) {
      return;
    }
    if (!v->IsUint64() || v->GetUint64() < min_value) {
      fail(std::string("/") + key, "expected an integer >= " + std::to_string(min_value));
      return;
    }
    *dst = static_cast<std::remove_pointer_t<decltype(dst)>>(v->GetUint64());
  };
  if (const rapidjson::Value *v = member(doc, "socket")) {
    if (!v->IsString()) {
      fail("/socket", "expected a string");
    } else {
      s.socket = text(*v);
      if (s.socket.size() >= 108) {
        fail("/socket", "a unix socket path must be shorter than 108 bytes");
      }
    }
  }
  if (const rapidjson::Value *v = member(doc, "socket_mode")) {
    std::string mode = v->IsString() ? text(*v) : std::string();
    bool ok = !mode.empty() && mode.size() <= 4 &&
              std::all_of(mode.begin(), mode.end(), [](char c) { return c >= '0' && c <= '7'; });
    if (!ok) {
      fail("/socket_mode", "expected an octal file mode such as \"0600\"");
    } else {
      s.socket_mode = static_cast<uint32_t>(std::stoul(mode, nullptr, 8));
    }
  }
  count("max_line", &s.max_line, 1024);
  count("max_buffered", &s.max_buffered, 10);
  count("max_connections", &s.max_connections, 1);
  count("max_output", &s.max_output, 65536);
  count("max_wait", &s.max_wait_ms, 0);
  count("join_timeout", &s.join_timeout_ms, 100);
  count("permission_timeout", &s.permission_timeout_ms, 0);
  if (const rapidjson::Value *rl = member(doc, "rate_limit")) {
    for (auto [key, dst] :
         {std::pair{"burst", &s.rate_burst}, std::pair{"per_second", &s.rate_per_second}}) {
      const rapidjson::Value *v = member(*rl, key);
      if (v == nullptr) {
        continue;
      }
      if (!v->IsNumber() || v->GetDouble() < 0) {
        fail(std::string("/rate_limit/") + key, "expected a number >= 0");
        continue;
      }
      *dst = v->GetDouble();
    }
  }
  if (const rapidjson::Value *v = member(doc, "push")) {
    std::string p = v->IsString() ? text(*v) : std::string();
    if (p == "auto") {
      s.push = PushMode::kAuto;
    } else if (p == "always") {
      s.push = PushMode::kAlways;
    } else if (p == "never") {
      s.push = PushMode::kNever;
    } else {
      fail("/push", "expected auto, always or never");
    }
  }
  if (const rapidjson::Value *v = member(doc, "default_roles")) {
    if (v->IsString()) {
      s.default_roles = {text(*v)};
    } else if (v->IsArray()) {
      s.default_roles.clear();
      for (const auto &r : v->GetArray()) {
        if (!r.IsString()) {
          fail("/default_roles", "expected a list of strings");
          break;
        }
        s.default_roles.push_back(text(r));
      }
    } else {
      fail("/default_roles", "expected a list of strings");
    }
  }
  if (const rapidjson::Value *v = member(doc, "risk")) {
    if (!v->IsObject()) {
      fail("/risk", "expected a map of tool name -> {risk, category}");
    } else {
      for (const auto &m : v->GetObject()) {
        std::string name = text(m.name);
        std::string pointer = "/risk/" + name;
        ToolRisk r;
        if (m.value.IsString()) {
          r.risk = text(m.value);  // shorthand: `Bash: high`
        } else if (m.value.IsObject()) {
          if (const rapidjson::Value *rv = member(m.value, "risk")) {
            r.risk = rv->IsString() ? text(*rv) : std::string("?");
          }
          if (const rapidjson::Value *cv = member(m.value, "category")) {
            r.category = cv->IsString() ? text(*cv) : std::string("?");
          }
        } else {
          fail(pointer, "expected a risk level or {risk, category}");
          continue;
        }
        if (!one_of(kRiskLevels, r.risk)) {
          fail(pointer, "risk must be one of low, medium, high, critical");
        }
        if (!r.category.empty() && !one_of(kCategories, r.category)) {
          fail(pointer, "category must be a PVP tool category (file_read, shell_execute, ...)");
        }
        s.risk[name] = r;
      }
    }
  }
  if (errors.empty()) {
    *out = std::move(s);
  }
  return errors;
}

ToolRisk risk_for(const Settings &s, std::string_view tool_name, std::string_view input_json) {
  ToolRisk r;
  auto it = s.risk.find(std::string(tool_name));
  if (it != s.risk.end()) {
    r = it->second;
  } else if (tool_name == "Bash" && !input_json.empty()) {
    // Claude Code's Bash input is {"command": "..."}: the same shape as the runtime's shell tool.
    tools::Classification c = tools::classify("shell", input_json);
    r.risk = tools::risk_name(c.risk);
    r.category = c.category;
    return r;
  }
  if (r.category.empty()) {
    // Claude Code's built-in tool names; MCP tools (mcp__server__tool) call out of the process.
    static const std::pair<std::string_view, std::string_view> kGuesses[] = {
        {"Bash", "shell_execute"},
        {"BashOutput", "shell_execute"},
        {"KillShell", "shell_execute"},
        {"Write", "file_write"},
        {"Edit", "file_write"},
        {"MultiEdit", "file_write"},
        {"NotebookEdit", "file_write"},
        {"Read", "file_read"},
        {"Glob", "file_read"},
        {"Grep", "file_read"},
        {"LS", "file_read"},
        {"NotebookRead", "file_read"},
        {"WebFetch", "network_request"},
        {"WebSearch", "network_request"},
    };
    r.category = "external_api";
    for (const auto &[name, category] : kGuesses) {
      if (name == tool_name) {
        r.category = std::string(category);
        break;
      }
    }
  }
  return r;
}

}  // namespace pvpd::mcp
