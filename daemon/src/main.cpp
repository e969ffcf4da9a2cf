// pvpd entry point: command-line parsing and dispatch only (DESIGN.md §2). Everything else
// lives in pvpd_core so tests exercise the same code.
#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "app/application.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/options.h"

int main(int argc, char **argv) {
  // Peers that vanish must surface as write errors on their socket, not kill the daemon.
  std::signal(SIGPIPE, SIG_IGN);
  // A file-size limit must fail the journal write (reported, recoverable), not kill pvpd.
  std::signal(SIGXFSZ, SIG_IGN);
  std::vector<std::string> args(argv, argv + argc);
  const char *env_config = std::getenv("PVPD_CONFIG");
  pvpd::cli::ParseResult parsed =
      pvpd::cli::parse_command_line(args, env_config == nullptr ? "" : env_config);
  if (!parsed.options) {
    std::cerr << "pvpd: " << parsed.error << "\nTry 'pvpd --help'.\n";
    return pvpd::cli::kExitUsage;
  }
  const pvpd::cli::Options &o = *parsed.options;
  try {
    switch (o.command) {
      case pvpd::cli::Command::kHelp: std::cout << pvpd::cli::usage_text(); return 0;
      case pvpd::cli::Command::kVersion: pvpd::cli::print_version(std::cout); return 0;
      case pvpd::cli::Command::kCheckConfig:
        return pvpd::cli::check_config(o, std::cout, std::cerr);
      case pvpd::cli::Command::kDumpConfig: return pvpd::cli::dump_config(o, std::cout, std::cerr);
      case pvpd::cli::Command::kListPlugins:
        return pvpd::cli::list_plugins(o, std::cout, std::cerr);
      case pvpd::cli::Command::kDescribePlugin:
        return pvpd::cli::describe_plugin(o, std::cout, std::cerr);
      case pvpd::cli::Command::kRun: return pvpd::app::run_daemon(o);
    }
  } catch (const std::exception &e) {
    // Control-plane failures that escaped their own handling: report, never abort.
    std::cerr << "pvpd: fatal: " << e.what() << "\n";
    return pvpd::cli::kExitFailure;
  }
  return pvpd::cli::kExitFailure;
}
