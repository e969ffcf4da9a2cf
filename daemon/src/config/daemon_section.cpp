#include "config/daemon_section.h"

#include "config/schema.h"
#include "pvpd_build_info.h"

namespace pvpd::config {

std::vector<std::string> default_plugin_dirs() {
  std::vector<std::string> dirs{PVPD_DEFAULT_PLUGIN_DIR};
  if (dirs.front() != "/usr/local/lib/pvpd/plugins") {
    dirs.emplace_back("/usr/local/lib/pvpd/plugins");
  }
  return dirs;
}

namespace {

constexpr int64_t kHourMs = 60 * 60 * 1000;
constexpr int64_t kGiB = 1024 * 1024 * 1024;

constexpr pvpd_option_desc opt(const char *key, uint32_t type, const char *help,
                               const char *choices = nullptr, uint32_t flags = 0, int64_t min = 0,
                               int64_t max = 0) {
  return pvpd_option_desc{
      sizeof(pvpd_option_desc), type, flags, 0, key, nullptr, help, choices, min, max};
}

}  // namespace

const std::vector<pvpd_option_desc> &daemon_option_table() {
  // Defaults live in DaemonConfig (one place); default_json stays NULL here on purpose.
  static const std::vector<pvpd_option_desc> kTable{
      opt("state_dir", PVPD_OPT_STRING, "Writable state (journals, plugin state)."),
      opt("runtime_dir", PVPD_OPT_STRING, "Runtime files (sockets)."),
      opt("credentials_dir", PVPD_OPT_STRING,
          "Secrets directory used when $CREDENTIALS_DIRECTORY is unset."),
      opt("plugin_dirs", PVPD_OPT_STRING_LIST, "Directories searched for pvpd-<name>.so."),
      opt("log.level", PVPD_OPT_STRING, "Minimum log level.",
          "trace|debug|info|warn|error|critical|off"),
      opt("log.target", PVPD_OPT_STRING, "Where logs go.", "auto|stderr|journal|file"),
      opt("log.file", PVPD_OPT_STRING, "Log file, required when log.target is file."),
      opt("core.stall_warn_ms", PVPD_OPT_DURATION, "Warn about plugin callbacks slower than this.",
          nullptr, PVPD_OPT_RANGE, 1, kHourMs),
      opt("core.inbound_queue_limit", PVPD_OPT_INT, "Core ingress queue length.", nullptr,
          PVPD_OPT_RANGE, 1, INT64_MAX),
      opt("core.max_message", PVPD_OPT_SIZE, "Largest accepted message.", nullptr, PVPD_OPT_RANGE,
          1, kGiB),
      opt("core.blocking_threads", PVPD_OPT_INT, "Threads in the blocking pool.", nullptr,
          PVPD_OPT_RANGE, 1, 64),
      opt("shutdown_grace", PVPD_OPT_DURATION, "How long a graceful stop may take.", nullptr,
          PVPD_OPT_RANGE, 0, kHourMs),
      opt("auth.mode", PVPD_OPT_STRING,
          "open: self-declared identities (local connections only); token: joins need a token.",
          "open|token"),
      opt("auth.allow_open_remote", PVPD_OPT_BOOL,
          "Let open mode accept non-local connections (unsafe outside a trusted network)."),
      opt("auth.tokens[].sha256", PVPD_OPT_STRING,
          "Hex SHA-256 of a token (`printf %s TOKEN | sha256sum`).", nullptr, PVPD_OPT_REQUIRED),
      opt("auth.tokens[].participant", PVPD_OPT_STRING,
          "Participant id the token proves; empty = any id."),
      opt("auth.tokens[].roles", PVPD_OPT_STRING_LIST, "Roles the token may hold."),
      opt("auth.tokens[].capabilities", PVPD_OPT_STRING_LIST, "Capabilities the token may hold."),
      opt("auth.tokens[].admin", PVPD_OPT_BOOL, "The token's holder is a server admin."),
      opt("sessions.workspace_root", PVPD_OPT_STRING,
          "Parent of the sessions' working directories (default <state_dir>/workspaces)."),
      opt("sessions.gate_timeout", PVPD_OPT_DURATION, "How long a gate waits for its quorum.",
          nullptr, PVPD_OPT_RANGE, 1000, 7 * 24 * kHourMs),
      opt("sessions.gate_timeout_resolution", PVPD_OPT_STRING, "What a gate timeout does.",
          "rejected|auto_approved|escalated"),
      opt("sessions.risk_threshold", PVPD_OPT_STRING,
          "Tool proposals at or above this risk always need approval.",
          "low|medium|high|critical|none"),
      opt("sessions.gated_tools", PVPD_OPT_STRING_LIST,
          "Tool names whose proposals always need approval, whatever their category, risk or "
          "the agent's requires_approval (e.g. [bash, git_commit])."),
      opt("sessions.reconnect_grace", PVPD_OPT_DURATION,
          "Delay before a dropped connection is announced as a leave.", nullptr, PVPD_OPT_RANGE, 0,
          kHourMs),
      opt("sessions.interrupt_ack_timeout", PVPD_OPT_DURATION,
          "An interrupt not acknowledged by its target within this time is reported to the "
          "session (0 = never).",
          nullptr, PVPD_OPT_RANGE, 0, kHourMs),
      opt("sessions.max_history", PVPD_OPT_INT, "Frames kept in memory per session.", nullptr,
          PVPD_OPT_RANGE, 100, INT64_MAX),
      opt("journal.enabled", PVPD_OPT_BOOL,
          "Record every accepted message in the session's journal before delivering it."),
      opt("journal.fsync", PVPD_OPT_STRING,
          "always: deliver after fdatasync (group commit); batch: deliver once written, "
          "fdatasync within batch_interval; none: deliver once written, never fdatasync.",
          "always|batch|none"),
      opt("journal.batch_interval", PVPD_OPT_DURATION,
          "fsync: batch: the longest a written record waits for its background fdatasync, the "
          "window a power loss can take (0: flush continuously).",
          nullptr, PVPD_OPT_RANGE, 0, 10000),
      opt("journal.batch_max_records", PVPD_OPT_INT,
          "Records the journal writer takes per pass (fsync: always: per group commit).", nullptr,
          PVPD_OPT_RANGE, 1, 100000),
      opt("journal.blob_threshold", PVPD_OPT_SIZE,
          "Messages longer than this are journaled as a reference to a content-addressed blob "
          "(0: never).",
          nullptr, PVPD_OPT_RANGE, 0, kGiB),
      opt("journal.secret_key_credential", PVPD_OPT_STRING,
          "Credential holding the HMAC key for secret.share values in the journal (default: a "
          "random key in <state_dir>/journal/hmac.key)."),
      opt("journal.retention.ended_after", PVPD_OPT_DURATION,
          "Archive or delete an ended session's journal this long after its last record.", nullptr,
          PVPD_OPT_RANGE, 1, INT64_MAX),
      opt("journal.retention.action", PVPD_OPT_STRING,
          "What retention does with an old ended session's journal.", "archive|delete"),
  };
  return kTable;
}

namespace {

const rapidjson::Value *get(const rapidjson::Value &obj, const char *a, const char *b = nullptr) {
  if (!obj.IsObject()) {
    return nullptr;
  }
  auto it = obj.FindMember(a);
  if (it == obj.MemberEnd()) {
    return nullptr;
  }
  if (b == nullptr) {
    return &it->value;
  }
  return get(it->value, b);
}

void set_path(const SchemaResult &r, const PathResolver &resolve, const char *key,
              const char *pointer, std::string &out) {
  const rapidjson::Value *v = get(r.json, key);
  if (v == nullptr || !v->IsString()) {
    return;
  }
  auto m = r.pointer_marks.find(pointer);
  out = resolve(v->GetString(), m != r.pointer_marks.end() ? m->second : Mark{});
}

// Same rule as journal::valid_credential_name (config does not depend on the journal).
bool journal_credential_name_ok(const std::string &name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') {
    return false;
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

void set_u64(const rapidjson::Value *v, uint64_t &out) {
  if (v != nullptr && v->IsUint64()) {
    out = v->GetUint64();
  }
}

}  // namespace

DaemonConfig load_daemon_section(const YamlNode *node, const Mark &parent_mark,
                                 const PathResolver &resolve, DiagnosticSink &sink) {
  DaemonConfig cfg;
  cfg.plugin_dirs = default_plugin_dirs();
  SchemaResult r = validate_options(node, parent_mark, daemon_option_table(), "daemon", sink);
  const rapidjson::Value &j = r.json;

  set_path(r, resolve, "state_dir", "/state_dir", cfg.state_dir);
  set_path(r, resolve, "runtime_dir", "/runtime_dir", cfg.runtime_dir);
  set_path(r, resolve, "credentials_dir", "/credentials_dir", cfg.credentials_dir);
  if (const auto *dirs = get(j, "plugin_dirs"); dirs != nullptr && dirs->IsArray()) {
    cfg.plugin_dirs.clear();
    for (rapidjson::SizeType i = 0; i < dirs->Size(); ++i) {
      auto m = r.pointer_marks.find("/plugin_dirs/" + std::to_string(i));
      if (m == r.pointer_marks.end()) {
        m = r.pointer_marks.find("/plugin_dirs");
      }
      cfg.plugin_dirs.push_back(
          resolve((*dirs)[i].GetString(), m != r.pointer_marks.end() ? m->second : Mark{}));
    }
  }
  if (const auto *v = get(j, "log", "level"); v != nullptr && v->IsString()) {
    cfg.log_level = v->GetString();
  }
  if (const auto *v = get(j, "log", "target"); v != nullptr && v->IsString()) {
    cfg.log_target = v->GetString();
  }
  if (const auto *v = get(j, "log", "file"); v != nullptr && v->IsString()) {
    auto m = r.pointer_marks.find("/log/file");
    cfg.log_file = resolve(v->GetString(), m != r.pointer_marks.end() ? m->second : Mark{});
  }
  set_u64(get(j, "core", "stall_warn_ms"), cfg.stall_warn_ms);
  set_u64(get(j, "core", "inbound_queue_limit"), cfg.inbound_queue_limit);
  set_u64(get(j, "core", "max_message"), cfg.max_message_bytes);
  set_u64(get(j, "core", "blocking_threads"), cfg.blocking_threads);
  set_u64(get(j, "shutdown_grace"), cfg.shutdown_grace_ms);

  if (const auto *v = get(j, "auth", "mode"); v != nullptr && v->IsString()) {
    cfg.auth_mode = v->GetString();
  }
  if (const auto *v = get(j, "auth", "allow_open_remote"); v != nullptr && v->IsBool()) {
    cfg.auth_allow_open_remote = v->GetBool();
  }
  if (const auto *tokens = get(j, "auth", "tokens"); tokens != nullptr && tokens->IsArray()) {
    auto strings = [](const rapidjson::Value &obj, const char *key) {
      std::vector<std::string> out;
      auto it = obj.FindMember(key);
      if (it != obj.MemberEnd() && it->value.IsArray()) {
        for (const auto &x : it->value.GetArray()) {
          if (x.IsString()) {
            out.emplace_back(x.GetString());
          }
        }
      }
      return out;
    };
    for (const auto &t : tokens->GetArray()) {
      if (!t.IsObject()) {
        continue;
      }
      DaemonConfig::Token tok;
      if (const auto *x = get(t, "sha256"); x != nullptr && x->IsString()) {
        tok.sha256 = x->GetString();
      }
      if (const auto *x = get(t, "participant"); x != nullptr && x->IsString()) {
        tok.participant = x->GetString();
      }
      tok.roles = strings(t, "roles");
      tok.capabilities = strings(t, "capabilities");
      if (const auto *x = get(t, "admin"); x != nullptr && x->IsBool()) {
        tok.admin = x->GetBool();
      }
      cfg.auth_tokens.push_back(std::move(tok));
    }
  }
  if (const auto *v = get(j, "sessions", "workspace_root"); v != nullptr && v->IsString()) {
    auto m = r.pointer_marks.find("/sessions/workspace_root");
    cfg.workspace_root = resolve(v->GetString(), m != r.pointer_marks.end() ? m->second : Mark{});
  }
  set_u64(get(j, "sessions", "gate_timeout"), cfg.gate_timeout_ms);
  if (const auto *v = get(j, "sessions", "gate_timeout_resolution");
      v != nullptr && v->IsString()) {
    cfg.gate_timeout_resolution = v->GetString();
  }
  if (const auto *v = get(j, "sessions", "risk_threshold"); v != nullptr && v->IsString()) {
    cfg.risk_threshold = v->GetString();
  }
  if (const auto *v = get(j, "sessions", "gated_tools"); v != nullptr && v->IsArray()) {
    for (const auto &x : v->GetArray()) {
      if (x.IsString()) {
        cfg.gated_tools.emplace_back(x.GetString(), x.GetStringLength());
      }
    }
  }
  set_u64(get(j, "sessions", "reconnect_grace"), cfg.reconnect_grace_ms);
  set_u64(get(j, "sessions", "interrupt_ack_timeout"), cfg.interrupt_ack_timeout_ms);
  set_u64(get(j, "sessions", "max_history"), cfg.max_history);
  if (const auto *v = get(j, "journal", "enabled"); v != nullptr && v->IsBool()) {
    cfg.journal_enabled = v->GetBool();
  }
  if (const auto *v = get(j, "journal", "fsync"); v != nullptr && v->IsString()) {
    cfg.journal_fsync = v->GetString();
  }
  set_u64(get(j, "journal", "batch_interval"), cfg.journal_batch_interval_ms);
  set_u64(get(j, "journal", "batch_max_records"), cfg.journal_batch_max_records);
  set_u64(get(j, "journal", "blob_threshold"), cfg.journal_blob_threshold_bytes);
  if (const auto *v = get(j, "journal", "secret_key_credential"); v != nullptr && v->IsString()) {
    cfg.journal_secret_key_credential = v->GetString();
    if (!journal_credential_name_ok(cfg.journal_secret_key_credential)) {
      auto m = r.pointer_marks.find("/journal/secret_key_credential");
      sink.error(m != r.pointer_marks.end() ? m->second : parent_mark,
                 "daemon.journal.secret_key_credential",
                 "expected a credential file name (letters, digits, '_', '-', '.'; not starting "
                 "with '.')");
    }
  }
  if (const auto *ret = get(j, "journal", "retention"); ret != nullptr && ret->IsObject()) {
    set_u64(get(*ret, "ended_after"), cfg.journal_retention_ended_after_ms);
    if (const auto *v = get(*ret, "action"); v != nullptr && v->IsString()) {
      cfg.journal_retention_action = v->GetString();
    }
    // Absent (an invalid value has its own diagnostic and a mark).
    if (cfg.journal_retention_ended_after_ms == 0 &&
        r.pointer_marks.count("/journal/retention/ended_after") == 0) {
      auto m = r.pointer_marks.find("/journal/retention");
      sink.error(m != r.pointer_marks.end() ? m->second : parent_mark, "daemon.journal.retention",
                 "missing required key 'ended_after' (e.g. ended_after: 30d)");
    }
  }
  if (cfg.workspace_root.empty()) {
    cfg.workspace_root = cfg.state_dir + "/workspaces";
  }
  for (size_t i = 0; i < cfg.auth_tokens.size(); ++i) {
    const std::string &h = cfg.auth_tokens[i].sha256;
    bool hex = h.size() == 64 && h.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex) {
      std::string ptr = "/auth/tokens/" + std::to_string(i) + "/sha256";
      auto m = r.pointer_marks.find(ptr);
      sink.error(m != r.pointer_marks.end() ? m->second : parent_mark,
                 "daemon.auth.tokens[" + std::to_string(i) + "].sha256",
                 "expected 64 lowercase hex digits (the SHA-256 of the token)");
    }
  }

  if (r.ok && cfg.log_target == "file" && cfg.log_file.empty()) {
    auto m = r.pointer_marks.find("/log/target");
    sink.error(m != r.pointer_marks.end() ? m->second : parent_mark, "daemon.log.file",
               "required when daemon.log.target is 'file'");
  }
  return cfg;
}

}  // namespace pvpd::config
