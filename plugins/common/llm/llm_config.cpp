#include "llm/llm_config.h"

#include <rapidjson/document.h>

#include "llm/json_util.h"

namespace pvpd::llm {
namespace {

// Reads optional members with type checks; the first problem wins.
class Reader {
 public:
  explicit Reader(std::string *error) : error_(error) {}

  void str(const rapidjson::Value &obj, const char *key, const std::string &where,
           std::string *out) {
    const auto *v = json::member(obj, key);
    if (v == nullptr || v->IsNull()) {
      return;
    }
    if (!v->IsString()) {
      fail(where + key, "must be a string");
      return;
    }
    out->assign(v->GetString(), v->GetStringLength());
  }
  void u32(const rapidjson::Value &obj, const char *key, const std::string &where, uint32_t *out) {
    const auto *v = json::member(obj, key);
    if (v == nullptr || v->IsNull()) {
      return;
    }
    if (!v->IsUint()) {
      fail(where + key, "must be a non-negative integer");
      return;
    }
    *out = v->GetUint();
  }
  // Durations arrive normalized as integers of milliseconds.
  void ms(const rapidjson::Value &obj, const char *key, std::chrono::milliseconds *out) {
    const auto *v = json::member(obj, key);
    if (v == nullptr || v->IsNull()) {
      return;
    }
    if (!v->IsUint64()) {
      fail(std::string("/") + key, "must be a duration");
      return;
    }
    *out = std::chrono::milliseconds(static_cast<int64_t>(v->GetUint64()));
  }
  void fail(const std::string &where, const std::string &message) {
    if (error_->empty()) {
      *error_ = where + ": " + message;
    }
  }

 private:
  std::string *error_;
};

}  // namespace

std::string parse_llm_config(std::string_view config_json, Provider provider,
                             LlmPluginConfig *out) {
  rapidjson::Document doc;
  std::string error;
  if (!json::parse(config_json.empty() ? std::string_view("{}") : config_json, doc, &error) ||
      !doc.IsObject()) {
    return ": the instance config is not a JSON object";
  }
  LlmPluginConfig c;
  LlmOptions &o = c.llm;
  o.provider = provider;
  if (provider == Provider::kAnthropic) {
    o.api = Api::kMessages;
    o.model = "claude-sonnet-4-6";
    o.max_tokens = 16000;
  } else {
    o.api = Api::kResponses;
    o.model = "gpt-5";
    o.max_tokens = 0;
  }
  Reader r(&error);
  std::string api;
  r.str(doc, "api", "/", &api);
  if (!api.empty() && !parse_api(api, &o.api)) {
    r.fail("/api", "must be messages, responses or chat");
  }
  r.str(doc, "base_url", "/", &o.base_url);
  r.str(doc, "model", "/", &o.model);
  r.u32(doc, "max_tokens", "/", &o.max_tokens);
  r.str(doc, "anthropic_version", "/", &o.anthropic_version);
  r.str(doc, "chat_system_role", "/", &o.chat_system_role);
  if (const auto *t = json::member(doc, "thinking"); t != nullptr && !t->IsNull()) {
    if (!t->IsObject()) {
      r.fail("/thinking", "must be a map");
    } else {
      std::string mode;
      r.str(*t, "mode", "/thinking/", &mode);
      if (!mode.empty() && !parse_thinking_mode(mode, &o.thinking.mode)) {
        r.fail("/thinking/mode", "must be adaptive, budget or off");
      }
      r.u32(*t, "budget_tokens", "/thinking/", &o.thinking.budget_tokens);
      r.str(*t, "effort", "/thinking/", &o.thinking.effort);
      r.str(*t, "display", "/thinking/", &o.thinking.display);
      r.str(*t, "summary", "/thinking/", &o.thinking.summary);
    }
  }
  r.ms(doc, "connect_timeout", &o.connect_timeout);
  r.ms(doc, "idle_timeout", &o.idle_timeout);
  r.ms(doc, "total_timeout", &o.total_timeout);
  r.u32(doc, "max_retries", "/", &o.max_retries);
  r.ms(doc, "backoff_base", &o.backoff_base);
  r.ms(doc, "backoff_max", &o.backoff_max);
  r.str(doc, "api_key_credential", "/", &c.api_key_credential);
  r.str(doc, "api_key_env", "/", &c.api_key_env);
  if (const auto *h = json::member(doc, "extra_headers"); h != nullptr && !h->IsNull()) {
    if (!h->IsObject()) {
      r.fail("/extra_headers", "must be a map of header name to value");
    } else {
      for (const auto &m : h->GetObject()) {
        if (!m.value.IsString()) {
          r.fail("/extra_headers", "values must be strings");
          break;
        }
        o.extra_headers.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()),
                                     std::string(m.value.GetString(), m.value.GetStringLength()));
      }
    }
  }
  if (!c.api_key_credential.empty() && !c.api_key_env.empty()) {
    r.fail("/api_key_credential", "set api_key_credential or api_key_env, not both");
  }
  if (!error.empty()) {
    return error;
  }
  if (std::string invalid = validate(o); !invalid.empty()) {
    return ": " + invalid;
  }
  *out = std::move(c);
  return "";
}

}  // namespace pvpd::llm
