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

  if (r.ok && cfg.log_target == "file" && cfg.log_file.empty()) {
    auto m = r.pointer_marks.find("/log/target");
    sink.error(m != r.pointer_marks.end() ? m->second : parent_mark, "daemon.log.file",
               "required when daemon.log.target is 'file'");
  }
  return cfg;
}

}  // namespace pvpd::config
