#include "cli/commands.h"

#include <fmt/core.h>
#include <openssl/opensslv.h>
#include <rapidjson/rapidjson.h>
#include <spdlog/version.h>
#include <boost/version.hpp>

#include <filesystem>
#include <ostream>

#include "cli/exit_codes.h"
#include "config/loader.h"
#include "plugin_host/plugin_catalog.h"
#include "pvpd_build_info.h"

namespace pvpd::cli {
namespace {

size_t print_diagnostics(const std::vector<config::Diagnostic> &diags, std::ostream &err) {
  size_t errors = 0;
  for (const auto &d : diags) {
    err << d.format() << "\n";
    errors += d.severity == config::Severity::kError ? 1 : 0;
  }
  return errors;
}

// plugin_dirs from the configuration when it loads, else the built-in defaults: listing
// plugins must work even when the configuration is what is broken.
std::vector<std::string> plugin_dirs_for(const Options &o, plugin_host::PluginCatalog &catalog) {
  if (std::filesystem::exists(o.config_path)) {
    config::LoadOptions lo;
    lo.run_plugin_validate = false;
    config::LoadResult r = config::load_file(o.config_path, catalog, config::process_env(), lo);
    if (r.config) {
      return r.config->daemon.plugin_dirs;
    }
  }
  return config::default_plugin_dirs();
}

}  // namespace

int check_config(const Options &o, std::ostream &out, std::ostream &err) {
  plugin_host::PluginCatalog catalog;
  config::LoadResult r = config::load_file(o.config_path, catalog, config::process_env());
  size_t errors = print_diagnostics(r.diagnostics, err);
  if (!r.ok()) {
    err << "pvpd: " << o.config_path << ": " << errors << " error(s)\n";
    return kExitConfig;
  }
  if (!o.quiet) {
    out << "pvpd: configuration " << o.config_path << " is valid (" << r.config->plugins.size()
        << " plugin instance(s), " << r.config->files.size() << " file(s))\n";
  }
  return kExitOk;
}

int dump_config(const Options &o, std::ostream &out, std::ostream &err) {
  plugin_host::PluginCatalog catalog;
  config::LoadResult r = config::load_file(o.config_path, catalog, config::process_env());
  print_diagnostics(r.diagnostics, err);
  if (!r.ok()) {
    return kExitConfig;
  }
  out << config::dump_yaml(*r.config, catalog);
  return kExitOk;
}

int list_plugins(const Options &o, std::ostream &out, std::ostream & /*err*/) {
  plugin_host::PluginCatalog catalog;
  std::vector<std::string> dirs = plugin_dirs_for(o, catalog);
  auto outcomes = catalog.scan(dirs);
  out << plugin_host::format_plugin_list(outcomes);
  if (outcomes.empty()) {
    out << "(no pvpd-*.so found in";
    for (const auto &d : dirs) {
      out << " " << d;
    }
    out << ")\n";
  }
  return kExitOk;
}

int describe_plugin(const Options &o, std::ostream &out, std::ostream &err) {
  plugin_host::PluginCatalog catalog;
  std::vector<std::string> dirs = plugin_dirs_for(o, catalog);
  const plugin_host::LoadOutcome &outcome = catalog.get(o.plugin_name, "", dirs);
  if (outcome.verdict != plugin_host::Verdict::kOk) {
    err << "pvpd: plugin '" << o.plugin_name << "': " << outcome.message << "\n";
    return kExitFailure;
  }
  out << plugin_host::describe_plugin(outcome.library->descriptor());
  return kExitOk;
}

void print_version(std::ostream &out) {
  out << "pvpd " << PVPD_VERSION << " (" << PVPD_GIT_SHA << ", " << PVPD_BUILD_TYPE << ")\n"
      << "plugin ABI " << PVPD_ABI_MAJOR << "." << PVPD_ABI_MINOR << "\n"
      << "PVP protocol v" << PVPD_PROTOCOL_VERSION << "\n"
      << "libraries: Boost " << BOOST_VERSION / 100000 << "." << BOOST_VERSION / 100 % 1000 << "."
      << BOOST_VERSION % 100 << ", yaml-cpp " << PVPD_YAML_CPP_VERSION << ", spdlog "
      << SPDLOG_VER_MAJOR << "." << SPDLOG_VER_MINOR << "." << SPDLOG_VER_PATCH << ", fmt "
      << FMT_VERSION / 10000 << "." << FMT_VERSION / 100 % 100 << "." << FMT_VERSION % 100
      << ", RapidJSON " << RAPIDJSON_VERSION_STRING << ", libsystemd " << PVPD_LIBSYSTEMD_VERSION
      << ", " << OPENSSL_VERSION_TEXT << "\n";
}

}  // namespace pvpd::cli
