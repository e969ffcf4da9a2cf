#include "agent/agent_options.h"

#include <rapidjson/document.h>

namespace pvpd::agent {
namespace {

std::string read_strings(const rapidjson::Value &obj, const char *key,
                         std::vector<std::string> *out) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd()) {
    return "";
  }
  if (!it->value.IsArray()) {
    return std::string("/") + key + ": must be a list of strings";
  }
  out->clear();
  for (const auto &v : it->value.GetArray()) {
    if (!v.IsString()) {
      return std::string("/") + key + ": must be a list of strings";
    }
    out->emplace_back(v.GetString(), v.GetStringLength());
  }
  return "";
}

}  // namespace

std::string parse_agent_options(std::string_view config_json, AgentOptions *out,
                                std::string_view default_name) {
  rapidjson::Document doc;
  std::string text(config_json.empty() ? std::string_view("{}") : config_json);
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return ": the instance config is not a JSON object";
  }
  AgentOptions o;
  o.name = std::string(default_name);
  auto str = [&](const char *key, std::string *dst) {
    auto it = doc.FindMember(key);
    if (it != doc.MemberEnd() && it->value.IsString()) {
      *dst = std::string(it->value.GetString(), it->value.GetStringLength());
    }
  };
  str("name", &o.name);
  str("model", &o.model);
  str("system_prompt", &o.system_prompt);
  str("thinking_visibility", &o.thinking_visibility);
  if (o.thinking_visibility != "all" && o.thinking_visibility != "approvers_only") {
    return "/thinking_visibility: must be all or approvers_only";
  }
  if (auto it = doc.FindMember("auto_join"); it != doc.MemberEnd() && it->value.IsBool()) {
    o.auto_join = it->value.GetBool();
  }
  for (auto [key, dst] : {std::pair{"sessions", &o.sessions}, std::pair{"tools", &o.tools},
                          std::pair{"env_allow", &o.env_allow}}) {
    if (std::string err = read_strings(doc, key, dst); !err.empty()) {
      return err;
    }
  }
  auto u64 = [&](const char *key, uint64_t *dst) {
    auto it = doc.FindMember(key);
    if (it != doc.MemberEnd() && it->value.IsUint64()) {
      *dst = it->value.GetUint64();
    }
  };
  u64("tool_timeout", &o.tool_timeout_ms);
  u64("tool_output_cap", &o.tool_output_cap);
  uint64_t steps = o.max_steps;
  u64("max_steps", &steps);
  if (steps == 0 || steps > 256) {
    return "/max_steps: must be between 1 and 256";
  }
  o.max_steps = static_cast<uint32_t>(steps);
  if (auto it = doc.FindMember("price"); it != doc.MemberEnd() && it->value.IsObject()) {
    auto num = [&](const char *key, double *dst) {
      auto m = it->value.FindMember(key);
      if (m != it->value.MemberEnd() && m->value.IsNumber()) {
        *dst = m->value.GetDouble();
      }
    };
    num("input_per_mtok", &o.price.input_per_mtok);
    num("output_per_mtok", &o.price.output_per_mtok);
  }
  if (auto it = doc.FindMember("mcp_servers"); it != doc.MemberEnd() && it->value.IsArray()) {
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
      const rapidjson::Value &m = it->value[i];
      std::string at = "/mcp_servers/" + std::to_string(i);
      if (!m.IsObject()) {
        return at + ": must be a map";
      }
      McpServerConfig c;
      if (m.HasMember("name") && m["name"].IsString()) {
        c.name = m["name"].GetString();
      }
      if (c.name.empty()) {
        return at + "/name: is required";
      }
      if (std::string err = read_strings(m, "command", &c.command); !err.empty()) {
        return at + err;
      }
      if (c.command.empty()) {
        return at + "/command: must name a program";
      }
      auto map_of = [&](const char *key, std::map<std::string, std::string> *dst) -> std::string {
        auto mit = m.FindMember(key);
        if (mit == m.MemberEnd() || mit->value.IsNull()) {
          return "";
        }
        if (!mit->value.IsObject()) {
          return at + "/" + key + ": must be a map of strings";
        }
        for (const auto &kv : mit->value.GetObject()) {
          if (!kv.value.IsString()) {
            return at + "/" + key + "/" + kv.name.GetString() + ": must be a string";
          }
          (*dst)[kv.name.GetString()] = kv.value.GetString();
        }
        return "";
      };
      if (std::string err = map_of("env", &c.env); !err.empty()) {
        return err;
      }
      if (std::string err = map_of("tool_risk", &c.tool_risk); !err.empty()) {
        return err;
      }
      for (const auto &[tool, risk] : c.tool_risk) {
        if (risk != "low" && risk != "medium" && risk != "high" && risk != "critical") {
          return at + "/tool_risk/" + tool + ": must be low, medium, high or critical";
        }
      }
      if (m.HasMember("risk") && m["risk"].IsString()) {
        c.default_risk = m["risk"].GetString();
      }
      if (m.HasMember("startup_timeout") && m["startup_timeout"].IsUint64()) {
        c.startup_timeout_ms = m["startup_timeout"].GetUint64();
      }
      if (m.HasMember("call_timeout") && m["call_timeout"].IsUint64()) {
        c.call_timeout_ms = m["call_timeout"].GetUint64();
      }
      c.env_allow = o.env_allow;
      o.mcp_servers.push_back(std::move(c));
    }
  }
  *out = std::move(o);
  return "";
}

}  // namespace pvpd::agent
