// ${VAR} expansion in config values: "${VAR}", "${VAR:-default}" (default when unset or empty)
// and "$${" for a literal "${". Applies to scalar VALUES only, never to keys, and runs before
// type conversion so "port: ${PORT:-8080}" is an integer.
//
// THREAD: pure functions; the lookup is called synchronously. process_env() reads the process
// environment with getenv and must not race with setenv in another thread (none do in pvpd).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/diagnostics.h"
#include "config/yaml_source.h"

namespace pvpd::config {

using EnvLookup = std::function<std::optional<std::string>(const std::string &name)>;

// getenv-based lookup.
EnvLookup process_env();

// Returns the expanded text, or nullopt with *error set to a one-line reason.
std::optional<std::string> expand_env(std::string_view text, const EnvLookup &env,
                                      std::string *error);

// Expands every scalar value in the tree in place; each failure is one diagnostic at the node.
void expand_env_in_tree(YamlNode &root, const EnvLookup &env, DiagnosticSink &sink);

}  // namespace pvpd::config
