// Daemon logging: configures spdlog's default logger for journald, stderr or a file, and carries
// structured fields (plugin, instance, session, connection, MESSAGE_ID) to whichever sink is
// active (DESIGN.md §7, research c.4).
//
// Targets:
//   journal - native journal via sd_journal_send (systemd/journal_sink.h); fields become
//             PVPD_PLUGIN=, PVPD_INSTANCE=, PVPD_SESSION=, PVPD_CONN=, MESSAGE_ID=.
//   stderr  - one readable line per message:
//             "2026-11-22T04:37:00.123Z info [websocket/ws1 session=s1 conn=7] text"
//   file    - the same lines, appended to Options::file.
//   auto    - journal when $JOURNAL_STREAM names our stderr (systemd.exec(5)). If stderr is a
//             journal stream but the journald socket cannot be reached, stderr lines are written
//             as "<N>[fields] text" instead: journald parses the <N> syslog priority and adds its
//             own timestamp. Anything else resolves to plain stderr.
// In stderr/file output control characters in messages are escaped (\n, \xNN), so one message
// is always one line and a client cannot forge log lines.
//
// THREAD: log(), flush() and spdlog's own free functions are safe from any thread. init() and
//   set_level() may be called from any one thread at a time (the core thread on reload) while
//   other threads keep logging: init() swaps the sink under the logger's sink mutex instead of
//   replacing the default logger, which spdlog does not make safe against concurrent use.
// The FIRST init() must run before any other thread logs (it installs the default logger);
// every later init() is safe while other threads log.
// LIFETIME: the default logger created by the first init() lives until process exit.
#pragma once

#include <spdlog/common.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace pvpd::logging {

struct Options {
  std::string level = "info";   // trace|debug|info|warn|error|critical|off
  std::string target = "auto";  // auto|journal|stderr|file
  std::string file;             // required when target == "file"
};

// What an "auto" (or explicit) target resolved to; exposed for diagnostics and tests.
enum class Target {
  kNone,  // init() not called yet: spdlog's stock default logger is in use
  kJournal,
  kStderr,
  kStderrSyslogPrefix,  // stderr is a journal stream but journald's socket is unusable
  kFile,
};

// (Re)configures spdlog's default logger. On error the previous configuration stays active.
Status init(const Options &opts);
Status set_level(std::string_view level);
std::optional<spdlog::level::level_enum> parse_level(std::string_view level);
Target current_target();
std::string_view target_name(Target target);

// Structured context for one message. Views are borrowed for the duration of log() only.
// Every member has a default initializer so designated initializers may name any subset
// (`{.plugin = "websocket", .conn = id}`) without -Wmissing-field-initializers.
struct Fields {
  std::string_view plugin{}, instance{}, session{};
  uint64_t conn = 0;              // 0 = no connection
  std::string_view message_id{};  // 32 hex digits, see systemd/message_ids.h
};

// Logs through the default logger with `fields` attached. Never throws.
void log(spdlog::level::level_enum lvl, const Fields &fields, std::string_view msg);
void flush();

// Attaches `fields` to every message this thread logs while the scope is alive, including plain
// spdlog::info(...) calls: e.g. the plugin host wraps a plugin callback so whatever it logs is
// tagged with the plugin and instance. log() replaces (does not merge) the scoped fields.
// LIFETIME: `fields` and the views inside it must outlive the scope; scopes nest.
class ScopedFields {
 public:
  explicit ScopedFields(const Fields *fields) noexcept;
  ~ScopedFields();
  ScopedFields(const ScopedFields &) = delete;
  ScopedFields &operator=(const ScopedFields &) = delete;

 private:
  const Fields *previous_;
};

// The fields in effect on this thread (innermost ScopedFields or log() call), or nullptr.
// For sinks and formatters: the pointer is valid while the sink call runs.
const Fields *current_fields() noexcept;

// Appends the readable "[plugin/instance session=S conn=N] " prefix for `fields` (nothing when
// all are empty). Shared by the stderr and file formatters.
void append_field_prefix(const Fields *fields, std::string &out);

}  // namespace pvpd::logging
