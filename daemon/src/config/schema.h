// Option-table validation (phase 1 of DESIGN.md §7): checks a YAML map against a
// pvpd_option_desc table (dotted keys, "list[].key", types, units, ranges, choices, required
// keys, unknown keys with suggestions), fills defaults and produces the normalized JSON the
// plugin receives. The daemon's own section is checked with the same code and a host table.
//
// THREAD: pure functions; descriptors are only read.
// OWNERSHIP: option tables are copied out of the descriptor (read_option_table) so a short
// or oddly sized table from an older or buggy plugin is never read past its struct_size.
#pragma once

#include <pvpd/plugin_abi.h>

#include <map>
#include <string>
#include <vector>

#include "config/diagnostics.h"
#include "config/json_util.h"
#include "config/yaml_source.h"

namespace pvpd::config {

// The descriptor's option table, each entry zero-extended to the host's struct size. Empty
// when the descriptor is too small to have one or the table looks corrupt.
std::vector<pvpd_option_desc> read_option_table(const pvpd_plugin_descriptor_v1 *descriptor);

struct SchemaResult {
  rapidjson::Document json;  // always an object
  std::map<std::string, Mark> pointer_marks;
  bool ok = true;  // no errors were reported
};

// Validates `node` (nullptr or a null node = the section is absent) against `options`.
// `parent_mark` is where "missing required key" errors point when the section is absent;
// `path` prefixes diagnostics ("daemon", "plugins[ws].config").
SchemaResult validate_options(const YamlNode *node, const Mark &parent_mark,
                              const std::vector<pvpd_option_desc> &options, const std::string &path,
                              DiagnosticSink &sink);

// "string", "integer", "duration", ... for --describe-plugin and messages.
const char *option_type_name(uint32_t type);

}  // namespace pvpd::config
