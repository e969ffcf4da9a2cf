// The loaded configuration model (DESIGN.md §7): what the app, CLI and plugin host consume once
// a load has succeeded, plus the seam through which the loader finds plugin descriptors.
//
// THREAD: plain values; a Config is built by one load call and then treated as immutable (the
// app swaps whole Configs on reload). PluginSchemaSource::find is called only from the thread
// running the load.
// OWNERSHIP: by value, except descriptors returned by PluginSchemaSource, which stay owned by
// the source (in the daemon: the mapped plugin .so, which is never unloaded).
#pragma once

#include <pvpd/plugin_abi.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/diagnostics.h"

namespace pvpd::config {

struct DaemonConfig {
  std::string state_dir = "/var/lib/pvpd";
  std::string runtime_dir = "/run/pvpd";
  std::string credentials_dir;           // used when $CREDENTIALS_DIRECTORY is unset; "" = none
  std::vector<std::string> plugin_dirs;  // default_plugin_dirs() when not configured
  std::string log_level = "info";        // trace|debug|info|warn|error|critical|off
  std::string log_target = "auto";       // auto|stderr|journal|file
  std::string log_file;                  // required when log_target == "file"
  uint64_t stall_warn_ms = 20;           // daemon.core.stall_warn_ms (duration)
  uint64_t inbound_queue_limit = 10000;  // daemon.core.inbound_queue_limit (int >= 1)
  uint64_t max_message_bytes = 1048576;  // daemon.core.max_message (size)
  uint64_t blocking_threads = 2;         // daemon.core.blocking_threads (1..64)
  uint64_t shutdown_grace_ms = 10000;    // daemon.shutdown_grace (duration)

  // daemon.auth: who may join (auth/authenticator.h).
  struct Token {
    std::string sha256;  // hex SHA-256 of the token text (the token itself is never stored)
    std::string participant;
    std::vector<std::string> roles;
    std::vector<std::string> capabilities;
    bool admin = false;
  };
  std::string auth_mode = "open";  // open | token
  bool auth_allow_open_remote = false;
  std::vector<Token> auth_tokens;

  // daemon.sessions: protocol policy (session/router.h).
  std::string workspace_root;  // default: <state_dir>/workspaces
  uint64_t gate_timeout_ms = 300000;
  std::string gate_timeout_resolution = "rejected";  // rejected | auto_approved | escalated
  std::string risk_threshold = "high";               // low | medium | high | critical | none
  std::vector<std::string> gated_tools;              // tool names that always gate
  uint64_t reconnect_grace_ms = 0;
  uint64_t interrupt_ack_timeout_ms = 10000;
  uint64_t max_history = 100000;

  // daemon.journal: durability (journal/journal_options.h).
  bool journal_enabled = true;
  std::string journal_fsync = "batch";  // always | batch | none
  // fsync batch: how long a delivered record may wait for its background flush, i.e. what a
  // power loss can take (docs/journal.md "Write path"); 0 = flush continuously.
  uint64_t journal_batch_interval_ms = 100;
  uint64_t journal_batch_max_records = 256;
  uint64_t journal_blob_threshold_bytes = 64 * 1024;  // 0: no blobs
  std::string journal_secret_key_credential;          // "": random key in the journal dir
  // daemon.journal.retention: 0 = keep ended sessions forever.
  uint64_t journal_retention_ended_after_ms = 0;
  std::string journal_retention_action = "archive";  // archive | delete
};

// {PVPD_DEFAULT_PLUGIN_DIR, "/usr/local/lib/pvpd/plugins"} without duplicates.
std::vector<std::string> default_plugin_dirs();

struct PluginInstanceConfig {
  std::string use;          // plugin name
  std::string id;           // unique instance id, [A-Za-z0-9_.-]+; defaults to `use`
  std::string path;         // explicit .so path (absolute after loading), or ""
  bool enabled = true;      // false: kept in the file, not loaded (and not schema-checked)
  std::string config_json;  // normalized JSON object, keys sorted (canonical: compare as text)
  Mark mark;                // where the plugins[] entry starts
  std::map<std::string, Mark> pointer_marks;  // RFC 6901 pointer in config -> YAML node mark
};

struct Config {
  int version = 1;
  DaemonConfig daemon;
  std::vector<PluginInstanceConfig> plugins;
  std::vector<std::string> files;  // main file, then each conf.d/*.yaml read, in order
};

// Finds a plugin's descriptor so its option table can be checked. The plugin host implements
// it by dlopening the .so; tests use static descriptors. Returns nullptr and sets *error to a
// one-line reason ("plugin 'foo' not found in /a, /b") when unavailable.
class PluginSchemaSource {
 public:
  virtual ~PluginSchemaSource() = default;
  virtual const pvpd_plugin_descriptor_v1 *find(const std::string &use,
                                                const std::string &explicit_path,
                                                const std::vector<std::string> &plugin_dirs,
                                                std::string *error) = 0;
};

}  // namespace pvpd::config
