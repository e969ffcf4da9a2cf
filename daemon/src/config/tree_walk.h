// Tree walking helpers shared by the config passes: config paths as users see them
// ("daemon.log.level", "plugins[ws-public].config.tls.cert") and whole-tree passes that must
// name nodes the same way everywhere (duplicate keys, ${VAR} expansion).
//
// THREAD: pure functions over trees owned by the caller.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "config/diagnostics.h"
#include "config/yaml_source.h"

namespace pvpd::config {

// "a" + "b" -> "a.b"; "" + "b" -> "b".
std::string child_path(const std::string &parent, std::string_view key);
// "a" + 3 -> "a[3]".
std::string index_path(const std::string &parent, size_t index);

// How diagnostics name a plugins[] entry: its id, else its `use`, else its index.
std::string instance_label(const YamlNode &entry, size_t index);

// Path of element `index` of a sequence at `parent`: instances get labels, not indices.
std::string element_path(const std::string &parent, const YamlNode &element, size_t index);

// Reports duplicate and non-string keys in every map and drops them (the first one stays).
void remove_duplicate_keys(YamlNode &root, DiagnosticSink &sink);

// Calls fn for every scalar VALUE (never a map key) with its config path.
void for_each_scalar_value(YamlNode &root,
                           const std::function<void(YamlNode &, const std::string &)> &fn);

}  // namespace pvpd::config
