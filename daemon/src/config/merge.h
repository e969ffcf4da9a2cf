// Merging of the main file and conf.d drop-ins into one tree (DESIGN.md §7, research c.6):
// maps merge recursively, later scalars and lists win, and `plugins` entries merge by instance
// id (an existing id deep-merges, a new id appends). Marks travel with the nodes, so a merged
// value still points at the file and line that set it.
//
// THREAD: pure functions over trees owned by the caller.
#pragma once

#include "config/diagnostics.h"
#include "config/yaml_source.h"

namespace pvpd::config {

// Later wins: maps merge key by key, anything else replaces, except that a null overlay (an
// empty value) keeps what is there.
void merge_nodes(YamlNode &base, YamlNode overlay);

// Merges one file's top-level map into the accumulated tree (a map, possibly empty). Reports
// duplicate instance ids within the file and a `plugins` value that is not a list.
void merge_file(YamlNode &acc, YamlNode file_root, DiagnosticSink &sink);

}  // namespace pvpd::config
