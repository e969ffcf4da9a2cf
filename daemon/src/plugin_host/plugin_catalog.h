// PluginCatalog: the process-wide cache of plugin load outcomes, plus the text the CLI prints
// for `--list-plugins` and `--describe-plugin`.
//
// Every .so is loaded at most once per process (keyed by canonical path), whether the config
// checker, the CLI or the running daemon asks first; a failed load is remembered too, so the
// same file is never dlopened twice and the verdict stays stable across a reload.
//
// THREAD: all methods may be called from any thread (one internal mutex); in practice the
// control plane uses it. References returned by get() stay valid for the catalog's lifetime.
// OWNERSHIP: the catalog owns the outcomes; a successful outcome shares its PluginLibrary with
// every instance created from it.
// LIFETIME: create one catalog for the process and keep it until exit (libraries stay mapped
// regardless, see plugin_library.h).
#pragma once

#include <pvpd/plugin_abi.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "plugin_host/plugin_library.h"

namespace pvpd::plugin_host {

class PluginCatalog : public config::PluginSchemaSource {
 public:
  PluginCatalog() = default;
  ~PluginCatalog() override = default;
  PluginCatalog(const PluginCatalog &) = delete;
  PluginCatalog &operator=(const PluginCatalog &) = delete;

  // The plugin for a config entry `use: <name>` (with optional `path: <explicit_path>`): the
  // explicit path if non-empty, else the first pvpd-<name>.so in `dirs`. A plugin that is not
  // found yields a kNotFound outcome naming the searched directories. A loaded plugin whose
  // descriptor name differs from `name` is reported by find(), not here (the outcome is per
  // file and shared).
  const LoadOutcome &get(std::string_view name, const std::string &explicit_path,
                         const std::vector<std::string> &dirs);

  // Every pvpd-*.so in `dirs`, each loaded (once) and sorted by name, then directory order.
  // A name found in several dirs is listed every time; the first one is the one `use:` picks.
  std::vector<LoadOutcome> scan(const std::vector<std::string> &dirs);

  // config::PluginSchemaSource: the descriptor for `use`, or nullptr with *error set to a
  // one-line reason ("plugin 'x' not found in ...", "<path>: wrong ABI major: ...").
  const pvpd_plugin_descriptor_v1 *find(const std::string &use, const std::string &explicit_path,
                                        const std::vector<std::string> &plugin_dirs,
                                        std::string *error) override;

  // How many distinct files this catalog has tried to load (tests: "loaded at most once").
  std::size_t load_count() const;

 private:
  const LoadOutcome &load_locked(const std::filesystem::path &path);

  mutable std::mutex mu_;
  std::map<std::string, LoadOutcome> by_path_;    // canonical path -> outcome
  std::map<std::string, LoadOutcome> not_found_;  // name + dirs -> kNotFound outcome
};

// "transport,agent" for PVPD_KIND_* bits; unknown bits as "0x..".
std::string kinds_string(uint32_t kinds);
// "string", "int", "bool", "duration", "size", "float", "string-list", "any", or "type N".
std::string_view option_type_name(uint32_t type);

// The --list-plugins table: NAME VERSION ABI KINDS VERDICT PATH, one row per outcome, and for
// rows that are not ok an indented line with the message.
std::string format_plugin_list(const std::vector<LoadOutcome> &outcomes);

// The --describe-plugin text: identity, ABI built/min host, then the options table.
std::string describe_plugin(const pvpd_plugin_descriptor_v1 &descriptor);

}  // namespace pvpd::plugin_host
