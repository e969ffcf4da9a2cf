// Command-line parsing for pvpd (DESIGN.md §7, research c.7). Parsing only: no side effects,
// so every combination is unit-testable. pvpd never daemonizes; --foreground is accepted for
// scripts that pass it and changes nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pvpd::cli {

enum class Command {
  kRun,
  kCheckConfig,
  kDumpConfig,
  kListPlugins,
  kDescribePlugin,
  kVersion,
  kHelp
};

struct Options {
  Command command = Command::kRun;
  std::string config_path;                // -c; default $PVPD_CONFIG, else /etc/pvpd/pvpd.yaml
  bool quiet = false;                     // -q with -t: print nothing on success
  std::optional<std::string> log_level;   // --log-level
  std::optional<std::string> log_target;  // --log-target
  std::string plugin_name;                // --describe-plugin NAME
};

struct ParseResult {
  std::optional<Options> options;  // set on success
  std::string error;               // one line, for "pvpd: <error>" + usage hint (exit 64)
};

// `env_config` is $PVPD_CONFIG (empty when unset).
ParseResult parse_command_line(const std::vector<std::string> &args, const std::string &env_config);
std::string usage_text();

inline constexpr const char *kDefaultConfigPath = "/etc/pvpd/pvpd.yaml";

}  // namespace pvpd::cli
