// Config loading (DESIGN.md §7): reads the main file and its conf.d/*.yaml drop-ins, merges
// them, expands ${VAR}, validates the daemon section and every plugin instance (option table,
// then the plugin's validate()), and returns either a Config or every diagnostic found.
//
// This is the public entry point for the app, the CLI (--check-config, --dump-config) and
// reload. Bad input never throws: it becomes diagnostics. The result is the same for the same
// files, environment and plugins, so --check-config and SIGHUP agree.
//
// THREAD: each call is independent and runs wholly on the calling thread (including plugin
// validate() hooks); calls may run concurrently if the PluginSchemaSource and EnvLookup allow.
// OWNERSHIP: results are plain values owned by the caller.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/diff.h"
#include "config/dump.h"
#include "config/env_expand.h"
#include "config/units.h"

namespace pvpd::config {

struct LoadOptions {
  bool run_plugin_validate = true;  // phase 2; false for a quick structural check
  size_t max_errors = 100;          // errors beyond this are summarized in one line
};

struct LoadResult {
  std::optional<Config> config;         // set only when there are no errors
  std::vector<Diagnostic> diagnostics;  // all errors and warnings, in file order
  bool ok() const { return config.has_value(); }
};

// Loads `main_path` and, in lexical order, every conf.d/*.yaml in its directory. Diagnostics
// name files as they were opened (main_path as given, then <dir of main_path>/conf.d/<name>).
// Relative paths in the config resolve against the directory of the file that set them.
LoadResult load_file(const std::string &main_path, PluginSchemaSource &plugins,
                     const EnvLookup &env, const LoadOptions &opts = {});

// Loads one document from memory, named `display_name` in diagnostics (no conf.d). Relative
// paths resolve against the directory part of display_name. Safe on arbitrary bytes.
LoadResult load_string(const std::string &yaml_text, const std::string &display_name,
                       PluginSchemaSource &plugins, const EnvLookup &env,
                       const LoadOptions &opts = {});

}  // namespace pvpd::config
