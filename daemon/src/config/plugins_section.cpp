#include "config/plugins_section.h"

#include <algorithm>
#include <cstddef>
#include <exception>
#include <map>
#include <string>

#include "config/json_util.h"
#include "config/plugin_validate.h"
#include "config/scalars.h"
#include "config/schema.h"
#include "config/suggest.h"
#include "config/tree_walk.h"

namespace pvpd::config {

namespace {

const std::vector<std::string> kEntryKeys{"use", "id", "path", "enabled", "config"};

bool valid_id(const std::string &id) {
  if (id.empty()) {
    return false;
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

uint32_t descriptor_flags(const pvpd_plugin_descriptor_v1 *d) {
  constexpr size_t kNeed = offsetof(pvpd_plugin_descriptor_v1, flags) + sizeof(uint32_t);
  return d->struct_size >= kNeed ? d->flags : PVPD_PLUGIN_MULTI_INSTANCE;
}

// Reads a string-valued entry key; reports a non-string. Returns nullptr when absent or null.
const YamlNode *string_key(const YamlNode &entry, const char *key, const std::string &path,
                           DiagnosticSink &sink, bool &ok) {
  const YamlNode *n = entry.find(key);
  if (n == nullptr || n->is_null()) {
    return nullptr;
  }
  if (!n->is_scalar()) {
    sink.error(n->mark, child_path(path, key), "expected a string, got " + n->describe());
    ok = false;
    return nullptr;
  }
  return n;
}

}  // namespace

std::vector<PluginInstanceConfig> load_plugins_section(const YamlNode *node,
                                                       const DaemonConfig &daemon,
                                                       PluginSchemaSource &plugins,
                                                       const PathResolver &resolve,
                                                       bool call_validate, DiagnosticSink &sink) {
  std::vector<PluginInstanceConfig> out;
  if (node == nullptr || node->is_null()) {
    return out;
  }
  if (!node->is_sequence()) {
    // merge_file has reported it already for each file; nothing to build.
    return out;
  }
  std::map<std::string, Mark> ids;
  std::map<std::string, std::string> single_instance_users;  // use -> first id
  for (size_t i = 0; i < node->items.size(); ++i) {
    const YamlNode &entry = node->items[i];
    std::string path = "plugins[" + instance_label(entry, i) + "]";
    if (!entry.is_map()) {
      sink.error(entry.mark, path,
                 "expected a map like {use: NAME, id: ID, config: {...}}, got " + entry.describe());
      continue;
    }
    bool ok = true;
    for (const auto &[k, v] : entry.entries) {
      if (std::find(kEntryKeys.begin(), kEntryKeys.end(), k.scalar) == kEntryKeys.end()) {
        sink.error(k.mark, child_path(path, k.scalar),
                   "unknown key '" + k.scalar + "'" + did_you_mean(k.scalar, kEntryKeys));
        ok = false;
      }
    }
    for (const char *key : {"use", "id", "path", "enabled"}) {
      if (const YamlNode *n = entry.find(key); n != nullptr && n->expand_failed) {
        ok = false;  // reported by ${VAR} expansion
      }
    }
    PluginInstanceConfig inst;
    inst.mark = entry.mark;
    const YamlNode *use = string_key(entry, "use", path, sink, ok);
    const YamlNode *id = string_key(entry, "id", path, sink, ok);
    const YamlNode *so_path = string_key(entry, "path", path, sink, ok);
    if (use == nullptr) {
      const YamlNode *raw = entry.find("use");
      if (raw == nullptr || raw->is_null()) {
        sink.error(entry.mark, child_path(path, "use"), "missing required key 'use'");
      }
      ok = false;
    } else if (use->scalar.empty()) {
      sink.error(use->mark, child_path(path, "use"), "must not be empty");
      ok = false;
    } else {
      inst.use = use->scalar;
    }
    inst.id = id != nullptr ? id->scalar : inst.use;
    const Mark &id_mark = id != nullptr ? id->mark : (use != nullptr ? use->mark : entry.mark);
    if (!inst.id.empty() && !valid_id(inst.id)) {
      sink.error(id_mark, child_path(path, "id"),
                 "invalid instance id '" + inst.id + "' (use letters, digits, '_', '.' and '-')");
      ok = false;
    } else if (!inst.id.empty()) {
      if (auto it = ids.find(inst.id); it != ids.end()) {
        sink.error(id_mark, child_path(path, "id"),
                   "duplicate plugin instance id '" + inst.id + "' (first defined at " +
                       format_mark(it->second) + ")");
        ok = false;
      } else {
        ids.emplace(inst.id, id_mark);
      }
    }
    if (so_path != nullptr && !so_path->scalar.empty()) {
      inst.path = resolve(so_path->scalar, so_path->mark);
    }
    if (const YamlNode *en = entry.find("enabled"); en != nullptr && !en->is_null()) {
      auto b = en->is_scalar() ? parse_bool(en->scalar) : std::nullopt;
      if (!b) {
        sink.error(en->mark, child_path(path, "enabled"),
                   "expected true or false, got " + en->describe());
        ok = false;
      } else {
        inst.enabled = *b;
      }
    }
    const YamlNode *config = entry.find("config");
    const Mark &config_mark = config != nullptr ? config->mark : entry.mark;
    const std::string config_path = child_path(path, "config");
    if (config != nullptr && !config->is_null() && !config->is_map()) {
      sink.error(config->mark, config_path, "expected a map, got " + config->describe());
      ok = false;
    }
    if (!ok) {
      continue;
    }

    if (!inst.enabled) {
      // Not loaded, so its plugin may not even be installed: keep the config as written.
      rapidjson::Document doc;
      rapidjson::Value v(rapidjson::kObjectType);
      if (config != nullptr && config->is_map()) {
        v = yaml_to_json(*config, "", doc.GetAllocator(), inst.pointer_marks);
      }
      inst.config_json = canonical_json(v);
      out.push_back(std::move(inst));
      continue;
    }

    std::string error;
    const pvpd_plugin_descriptor_v1 *desc = nullptr;
    try {
      desc = plugins.find(inst.use, inst.path, daemon.plugin_dirs, &error);
    } catch (const std::exception &e) {
      error = e.what();
    }
    if (desc == nullptr) {
      sink.error(use->mark, child_path(path, "use"),
                 error.empty() ? "plugin '" + inst.use + "' not found" : error);
      continue;
    }
    if ((descriptor_flags(desc) & PVPD_PLUGIN_MULTI_INSTANCE) == 0) {
      auto [it, first] = single_instance_users.emplace(inst.use, inst.id);
      if (!first) {
        sink.error(use->mark, child_path(path, "use"),
                   "plugin '" + inst.use + "' allows only one instance (already used by '" +
                       it->second + "')");
        continue;
      }
    }
    SchemaResult r =
        validate_options(config, config_mark, read_option_table(desc), config_path, sink);
    inst.config_json = canonical_json(r.json);
    inst.pointer_marks = std::move(r.pointer_marks);
    if (r.ok && call_validate) {
      run_plugin_validate(desc, inst.config_json, inst.pointer_marks, config_mark, config_path,
                          sink);
    }
    out.push_back(std::move(inst));
  }
  return out;
}

}  // namespace pvpd::config
