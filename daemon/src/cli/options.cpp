#include "cli/options.h"

#include <getopt.h>

#include <array>

namespace pvpd::cli {
namespace {

enum LongOnly : int {
  kOptVersion = 1000,
  kOptListPlugins,
  kOptDescribePlugin,
  kOptLogLevel,
  kOptLogTarget,
  kOptForeground,
  kOptHelp,
};

bool set_command(Options &o, Command c, std::string *error) {
  if (o.command != Command::kRun && o.command != c) {
    *error = "choose only one of -t, -T, --list-plugins, --describe-plugin, --version, --help";
    return false;
  }
  o.command = c;
  return true;
}

}  // namespace

std::string usage_text() {
  return "Usage: pvpd [OPTIONS]\n"
         "Pair Vibecoding Protocol daemon. Runs in the foreground (it never daemonizes).\n"
         "\n"
         "  -c, --config PATH        configuration file (default $PVPD_CONFIG or "
         "/etc/pvpd/pvpd.yaml);\n"
         "                           drop-ins are read from conf.d/ next to it\n"
         "  -t, --check-config       validate the configuration and plugins, then exit 0 or 78\n"
         "  -q, --quiet              with -t: print nothing when the configuration is valid\n"
         "  -T, --dump-config        print the effective configuration (secrets redacted)\n"
         "      --list-plugins       list plugins found in plugin_dirs with their load verdict\n"
         "      --describe-plugin NAME  show a plugin's options\n"
         "      --log-level LEVEL    trace|debug|info|warn|error|critical|off\n"
         "      --log-target TARGET  auto|stderr|journal|file\n"
         "      --foreground         accepted for compatibility; always the case\n"
         "      --version            print versions (pvpd, plugin ABI, protocol, libraries)\n"
         "  -h, --help               show this help\n"
         "\n"
         "Exit codes: 0 ok, 1 runtime failure, 64 usage error, 78 configuration error.\n";
}

ParseResult parse_command_line(const std::vector<std::string> &args,
                               const std::string &env_config) {
  static const std::array<option, 12> kLong = {{
      {"config", required_argument, nullptr, 'c'},
      {"check-config", no_argument, nullptr, 't'},
      {"dump-config", no_argument, nullptr, 'T'},
      {"quiet", no_argument, nullptr, 'q'},
      {"version", no_argument, nullptr, kOptVersion},
      {"list-plugins", no_argument, nullptr, kOptListPlugins},
      {"describe-plugin", required_argument, nullptr, kOptDescribePlugin},
      {"log-level", required_argument, nullptr, kOptLogLevel},
      {"log-target", required_argument, nullptr, kOptLogTarget},
      {"foreground", no_argument, nullptr, kOptForeground},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  }};
  std::vector<std::string> storage = args;
  std::vector<char *> argv;
  argv.reserve(storage.size() + 1);
  for (auto &s : storage) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);
  int argc = static_cast<int>(storage.size());

  ParseResult result;
  Options o;
  o.config_path = env_config.empty() ? kDefaultConfigPath : env_config;
  optind = 0;  // reset getopt (GNU: 0 also re-initializes), so parsing is repeatable in tests
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv.data(), "+:c:tTqh", kLong.data(), nullptr)) != -1) {
    switch (c) {
      case 'c': o.config_path = optarg; break;
      case 't':
        if (!set_command(o, Command::kCheckConfig, &result.error))
          return result;
        break;
      case 'T':
        if (!set_command(o, Command::kDumpConfig, &result.error))
          return result;
        break;
      case 'q': o.quiet = true; break;
      case 'h':
        if (!set_command(o, Command::kHelp, &result.error))
          return result;
        break;
      case kOptVersion:
        if (!set_command(o, Command::kVersion, &result.error))
          return result;
        break;
      case kOptListPlugins:
        if (!set_command(o, Command::kListPlugins, &result.error))
          return result;
        break;
      case kOptDescribePlugin:
        if (!set_command(o, Command::kDescribePlugin, &result.error))
          return result;
        o.plugin_name = optarg;
        break;
      case kOptLogLevel: o.log_level = optarg; break;
      case kOptLogTarget: o.log_target = optarg; break;
      case kOptForeground: break;
      case ':':
        result.error =
            "option " + std::string(argv[static_cast<size_t>(optind - 1)]) + " needs a value";
        return result;
      default:
        result.error = "unknown option " + std::string(argv[static_cast<size_t>(optind - 1)]);
        return result;
    }
  }
  if (optind < argc) {
    result.error = "unexpected argument '" + storage[static_cast<size_t>(optind)] + "'";
    return result;
  }
  if (o.config_path.empty()) {
    result.error = "--config needs a non-empty path";
    return result;
  }
  if (o.log_level) {
    static const std::array<const char *, 7> kLevels = {"trace", "debug",    "info", "warn",
                                                        "error", "critical", "off"};
    bool ok = false;
    for (const char *l : kLevels) {
      ok = ok || *o.log_level == l;
    }
    if (!ok) {
      result.error = "--log-level must be one of trace, debug, info, warn, error, critical, off";
      return result;
    }
  }
  if (o.log_target && *o.log_target != "auto" && *o.log_target != "stderr" &&
      *o.log_target != "journal" && *o.log_target != "file") {
    result.error = "--log-target must be one of auto, stderr, journal, file";
    return result;
  }
  result.options = o;
  return result;
}

}  // namespace pvpd::cli
