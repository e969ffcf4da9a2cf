#include "config/dump.h"

#include <rapidjson/document.h>
#include <yaml-cpp/emitter.h>
#include <yaml-cpp/emittermanip.h>

#include <exception>
#include <map>
#include <string_view>

#include "config/daemon_section.h"
#include "config/scalars.h"
#include "config/schema.h"
#include "config/units.h"

namespace pvpd::config {

namespace {

constexpr const char *kRedacted = "<redacted>";

// Option descriptors by schema key ("tls.cert", "listeners[].port").
using OptionIndex = std::map<std::string, pvpd_option_desc, std::less<>>;

OptionIndex index_options(const std::vector<pvpd_option_desc> &options) {
  OptionIndex out;
  for (const auto &o : options) {
    if (o.key != nullptr) {
      out.emplace(o.key, o);
    }
  }
  return out;
}

// Strings that would read back as another type are quoted, and "${" is escaped so the dump
// loads back without expanding anything a second time.
// Keys are never expanded, so they are never escaped.
void emit_string(YAML::Emitter &e, std::string_view raw, bool is_key = false) {
  std::string escaped;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (!is_key && raw.compare(i, 2, "${") == 0) {
      escaped += '$';
    }
    escaped += raw[i];
  }
  std::string_view s = escaped;
  bool ambiguous = s.empty() || parse_bool(s) || parse_int64(s) || parse_double(s) || s == "~" ||
                   s == "null" || s == "Null" || s == "NULL";
  if (ambiguous) {
    e << YAML::DoubleQuoted << std::string(s);
  } else {
    e << std::string(s);
  }
}

class ConfigEmitter {
 public:
  ConfigEmitter(YAML::Emitter &e, const OptionIndex *options) : e_(e), options_(options) {}

  void emit(const rapidjson::Value &v, const std::string &schema_key) {
    const pvpd_option_desc *opt = find(schema_key);
    if (options_ == nullptr && !v.IsObject() && !v.IsArray() && !v.IsNull()) {
      e_ << kRedacted;
      return;
    }
    if (opt != nullptr) {
      if ((opt->flags & PVPD_OPT_SECRET) != 0 && !v.IsNull()) {
        e_ << kRedacted;
        return;
      }
      if (opt->type == PVPD_OPT_DURATION && v.IsUint64()) {
        e_ << format_duration_ms(v.GetUint64());
        return;
      }
      if (opt->type == PVPD_OPT_SIZE && v.IsUint64()) {
        e_ << format_size_bytes(v.GetUint64());
        return;
      }
    }
    bool list_of_maps = opt == nullptr && v.IsArray();
    if ((v.IsObject() && v.MemberCount() == 0) || (v.IsArray() && v.Empty())) {
      e_ << YAML::Flow << (v.IsObject() ? YAML::BeginMap : YAML::BeginSeq)
         << (v.IsObject() ? YAML::EndMap : YAML::EndSeq);
    } else if (v.IsObject()) {
      e_ << YAML::BeginMap;
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        std::string name(it->name.GetString(), it->name.GetStringLength());
        e_ << YAML::Key;
        emit_string(e_, name, true);
        e_ << YAML::Value;
        emit(it->value, opt != nullptr ? schema_key : join(schema_key, name));
      }
      e_ << YAML::EndMap;
    } else if (v.IsArray()) {
      e_ << YAML::BeginSeq;
      for (const auto &item : v.GetArray()) {
        emit(item, list_of_maps ? schema_key + "[]" : schema_key);
      }
      e_ << YAML::EndSeq;
    } else if (v.IsNull()) {
      e_ << YAML::Null;
    } else if (v.IsBool()) {
      e_ << v.GetBool();
    } else if (v.IsInt64()) {
      e_ << v.GetInt64();
    } else if (v.IsUint64()) {
      e_ << v.GetUint64();
    } else if (v.IsNumber()) {
      e_ << v.GetDouble();
    } else if (v.IsString()) {
      emit_string(e_, std::string_view(v.GetString(), v.GetStringLength()));
    }
  }

 private:
  static std::string join(const std::string &a, const std::string &b) {
    return a.empty() ? b : a + "." + b;
  }

  // Inside an ANY or STRING_LIST leaf, descendants keep the leaf's key so its flags apply.
  const pvpd_option_desc *find(const std::string &key) const {
    if (options_ == nullptr || key.empty()) {
      return nullptr;
    }
    auto it = options_->find(key);
    return it != options_->end() ? &it->second : nullptr;
  }

  YAML::Emitter &e_;
  const OptionIndex *options_;
};

void emit_daemon(YAML::Emitter &e, const DaemonConfig &d) {
  e << YAML::Key << "daemon" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "state_dir" << YAML::Value;
  emit_string(e, d.state_dir);
  e << YAML::Key << "runtime_dir" << YAML::Value;
  emit_string(e, d.runtime_dir);
  e << YAML::Key << "credentials_dir" << YAML::Value;
  emit_string(e, d.credentials_dir);
  e << YAML::Key << "plugin_dirs" << YAML::Value << YAML::BeginSeq;
  for (const auto &dir : d.plugin_dirs) {
    emit_string(e, dir);
  }
  e << YAML::EndSeq;
  e << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "level" << YAML::Value << d.log_level;
  e << YAML::Key << "target" << YAML::Value << d.log_target;
  e << YAML::Key << "file" << YAML::Value;
  emit_string(e, d.log_file);
  e << YAML::EndMap;
  e << YAML::Key << "core" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "stall_warn_ms" << YAML::Value << format_duration_ms(d.stall_warn_ms);
  e << YAML::Key << "inbound_queue_limit" << YAML::Value << d.inbound_queue_limit;
  e << YAML::Key << "max_message" << YAML::Value << format_size_bytes(d.max_message_bytes);
  e << YAML::Key << "blocking_threads" << YAML::Value << d.blocking_threads;
  e << YAML::EndMap;
  e << YAML::Key << "shutdown_grace" << YAML::Value << format_duration_ms(d.shutdown_grace_ms);
  e << YAML::Key << "auth" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "mode" << YAML::Value << d.auth_mode;
  e << YAML::Key << "allow_open_remote" << YAML::Value << d.auth_allow_open_remote;
  e << YAML::Key << "tokens" << YAML::Value << YAML::BeginSeq;
  for (const auto &t : d.auth_tokens) {
    e << YAML::BeginMap;
    // Only the hash is configured, but it still identifies a credential: not shown.
    e << YAML::Key << "sha256" << YAML::Value << "<redacted>";
    e << YAML::Key << "participant" << YAML::Value;
    emit_string(e, t.participant);
    for (auto [key, list] :
         {std::pair{"roles", &t.roles}, std::pair{"capabilities", &t.capabilities}}) {
      e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto &v : *list) {
        emit_string(e, v);
      }
      e << YAML::EndSeq;
    }
    e << YAML::Key << "admin" << YAML::Value << t.admin;
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
  e << YAML::EndMap;
  e << YAML::Key << "sessions" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "workspace_root" << YAML::Value;
  emit_string(e, d.workspace_root);
  e << YAML::Key << "gate_timeout" << YAML::Value << format_duration_ms(d.gate_timeout_ms);
  e << YAML::Key << "gate_timeout_resolution" << YAML::Value << d.gate_timeout_resolution;
  e << YAML::Key << "risk_threshold" << YAML::Value << d.risk_threshold;
  e << YAML::Key << "gated_tools" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const std::string &tool : d.gated_tools) {
    emit_string(e, tool);
  }
  e << YAML::EndSeq;
  e << YAML::Key << "reconnect_grace" << YAML::Value << format_duration_ms(d.reconnect_grace_ms);
  e << YAML::Key << "interrupt_ack_timeout" << YAML::Value
    << format_duration_ms(d.interrupt_ack_timeout_ms);
  e << YAML::Key << "max_history" << YAML::Value << d.max_history;
  e << YAML::EndMap;
  e << YAML::Key << "journal" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "enabled" << YAML::Value << d.journal_enabled;
  e << YAML::Key << "fsync" << YAML::Value << d.journal_fsync;
  e << YAML::Key << "batch_interval" << YAML::Value
    << format_duration_ms(d.journal_batch_interval_ms);
  e << YAML::Key << "batch_max_records" << YAML::Value << d.journal_batch_max_records;
  e << YAML::Key << "blob_threshold" << YAML::Value
    << format_size_bytes(d.journal_blob_threshold_bytes);
  if (!d.journal_secret_key_credential.empty()) {
    // The credential's name, not its content.
    e << YAML::Key << "secret_key_credential" << YAML::Value << d.journal_secret_key_credential;
  }
  if (d.journal_retention_ended_after_ms != 0) {
    e << YAML::Key << "retention" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "ended_after" << YAML::Value
      << format_duration_ms(d.journal_retention_ended_after_ms);
    e << YAML::Key << "action" << YAML::Value << d.journal_retention_action;
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  e << YAML::EndMap;
}

void emit_instance(YAML::Emitter &e, const PluginInstanceConfig &inst, const DaemonConfig &d,
                   PluginSchemaSource &plugins) {
  e << YAML::BeginMap;
  e << YAML::Key << "use" << YAML::Value;
  emit_string(e, inst.use);
  e << YAML::Key << "id" << YAML::Value;
  emit_string(e, inst.id);
  if (!inst.path.empty()) {
    e << YAML::Key << "path" << YAML::Value;
    emit_string(e, inst.path);
  }
  e << YAML::Key << "enabled" << YAML::Value << inst.enabled;

  std::string error;
  const pvpd_plugin_descriptor_v1 *desc = nullptr;
  try {
    desc = plugins.find(inst.use, inst.path, d.plugin_dirs, &error);
  } catch (const std::exception &) {
    desc = nullptr;
  }
  OptionIndex options;
  if (desc != nullptr) {
    options = index_options(read_option_table(desc));
  }
  rapidjson::Document doc;
  doc.Parse(inst.config_json);
  if (doc.HasParseError() || !doc.IsObject()) {
    doc.SetObject();
  }
  e << YAML::Key << "config" << YAML::Value;
  if (desc == nullptr && doc.MemberCount() > 0) {
    e << YAML::Comment("plugin descriptor unavailable: every value redacted");
  }
  ConfigEmitter(e, desc != nullptr ? &options : nullptr).emit(doc, "");
  e << YAML::EndMap;
}

}  // namespace

std::string dump_yaml(const Config &cfg, PluginSchemaSource &plugins) {
  YAML::Emitter e;
  e.SetIndent(2);
  e << YAML::BeginMap;
  e << YAML::Key << "version" << YAML::Value << cfg.version;
  emit_daemon(e, cfg.daemon);
  e << YAML::Key << "plugins" << YAML::Value;
  if (cfg.plugins.empty()) {
    e << YAML::Flow;
  }
  e << YAML::BeginSeq;
  for (const auto &inst : cfg.plugins) {
    emit_instance(e, inst, cfg.daemon, plugins);
  }
  e << YAML::EndSeq;
  e << YAML::EndMap;
  std::string out = e.c_str();
  out += '\n';
  return out;
}

}  // namespace pvpd::config
