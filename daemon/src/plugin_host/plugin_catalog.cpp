#include "plugin_host/plugin_catalog.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <system_error>
#include <utility>

namespace pvpd::plugin_host {
namespace {

std::string canonical_key(const std::filesystem::path &path) {
  std::error_code ec;
  std::filesystem::path c = std::filesystem::weakly_canonical(path, ec);
  if (ec) {
    c = std::filesystem::absolute(path, ec);
  }
  return c.string();
}

std::string join_dirs(const std::vector<std::string> &dirs) {
  std::string out;
  for (const std::string &d : dirs) {
    out += (out.empty() ? "" : ", ") + d;
  }
  return out.empty() ? std::string("(no plugin_dirs)") : out;
}

const char *or_empty(const char *s) {
  return s == nullptr ? "" : s;
}

// Pads every column of `rows` to its widest cell, two spaces apart; the last column is not
// padded.
std::string render_table(const std::vector<std::vector<std::string>> &rows,
                         const std::vector<std::string> &notes) {
  std::vector<std::size_t> width;
  for (const auto &row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      line += rows[r][i];
      if (i + 1 < rows[r].size()) {
        line.append(width[i] - rows[r][i].size() + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line + "\n";
    if (r < notes.size() && !notes[r].empty()) {
      out += "    " + notes[r] + "\n";
    }
  }
  return out;
}

std::string option_flags(uint32_t flags) {
  std::string out;
  auto add = [&out](const char *word) { out += (out.empty() ? "" : ",") + std::string(word); };
  if ((flags & PVPD_OPT_REQUIRED) != 0)
    add("required");
  if ((flags & PVPD_OPT_RELOADABLE) != 0)
    add("reloadable");
  if ((flags & PVPD_OPT_SECRET) != 0)
    add("secret");
  return out.empty() ? std::string("-") : out;
}

}  // namespace

std::string kinds_string(uint32_t kinds) {
  std::string out;
  auto add = [&out](const std::string &word) { out += (out.empty() ? "" : ",") + word; };
  if ((kinds & PVPD_KIND_TRANSPORT) != 0)
    add("transport");
  if ((kinds & PVPD_KIND_AGENT) != 0)
    add("agent");
  if ((kinds & PVPD_KIND_BRIDGE) != 0)
    add("bridge");
  const uint32_t unknown = kinds & ~(PVPD_KIND_TRANSPORT | PVPD_KIND_AGENT | PVPD_KIND_BRIDGE);
  if (unknown != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", unknown);
    add(buf);
  }
  return out.empty() ? std::string("-") : out;
}

std::string_view option_type_name(uint32_t type) {
  switch (type) {
    case PVPD_OPT_STRING: return "string";
    case PVPD_OPT_INT: return "int";
    case PVPD_OPT_BOOL: return "bool";
    case PVPD_OPT_DURATION: return "duration";
    case PVPD_OPT_SIZE: return "size";
    case PVPD_OPT_FLOAT: return "float";
    case PVPD_OPT_STRING_LIST: return "string-list";
    case PVPD_OPT_ANY: return "any";
    default: return "unknown";
  }
}

const LoadOutcome &PluginCatalog::load_locked(const std::filesystem::path &path) {
  const std::string key = canonical_key(path);
  auto it = by_path_.find(key);
  if (it == by_path_.end()) {
    it = by_path_.emplace(key, load_plugin_library(key)).first;
  }
  return it->second;
}

const LoadOutcome &PluginCatalog::get(std::string_view name, const std::string &explicit_path,
                                      const std::vector<std::string> &dirs) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!explicit_path.empty()) {
    return load_locked(explicit_path);
  }
  if (auto file = find_plugin_file(name, dirs)) {
    return load_locked(*file);
  }
  std::string key(name);
  for (const std::string &d : dirs) {
    key += '\n' + d;
  }
  auto it = not_found_.find(key);
  if (it == not_found_.end()) {
    LoadOutcome out;
    out.verdict = Verdict::kNotFound;
    out.message = "plugin '" + std::string(name) + "' not found: no pvpd-" + std::string(name) +
                  ".so in " + join_dirs(dirs);
    it = not_found_.emplace(std::move(key), std::move(out)).first;
  }
  return it->second;
}

std::vector<LoadOutcome> PluginCatalog::scan(const std::vector<std::string> &dirs) {
  struct Found {
    std::string name;
    std::size_t dir_index;
    std::filesystem::path path;
  };
  std::vector<Found> found;
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dirs[i], ec), end; !ec && it != end;
         it.increment(ec)) {
      std::string name = plugin_name_from_file(it->path());
      if (!name.empty()) {
        found.push_back(Found{std::move(name), i, it->path()});
      }
    }
  }
  std::sort(found.begin(), found.end(), [](const Found &a, const Found &b) {
    return a.name != b.name ? a.name < b.name : a.dir_index < b.dir_index;
  });
  std::vector<LoadOutcome> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const Found &f : found) {
    out.push_back(load_locked(f.path));
  }
  return out;
}

const pvpd_plugin_descriptor_v1 *PluginCatalog::find(const std::string &use,
                                                     const std::string &explicit_path,
                                                     const std::vector<std::string> &plugin_dirs,
                                                     std::string *error) {
  const LoadOutcome &o = get(use, explicit_path, plugin_dirs);
  std::string why;
  if (o.verdict != Verdict::kOk) {
    why = o.verdict == Verdict::kNotFound && explicit_path.empty()
              ? o.message
              : o.path.string() + ": " + std::string(verdict_name(o.verdict)) + ": " + o.message;
  } else if (o.library->name() != use) {
    why = o.path.string() + ": the plugin is named '" + std::string(o.library->name()) +
          "', not '" + use + "'";
  } else {
    return &o.library->descriptor();
  }
  if (error != nullptr) {
    *error = std::move(why);
  }
  return nullptr;
}

std::size_t PluginCatalog::load_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_path_.size();
}

std::string format_plugin_list(const std::vector<LoadOutcome> &outcomes) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
  rows.push_back({"NAME", "VERSION", "ABI", "KINDS", "VERDICT", "PATH"});
  notes.emplace_back();
  for (const LoadOutcome &o : outcomes) {
    if (o.verdict == Verdict::kOk && o.library) {
      const pvpd_plugin_descriptor_v1 &d = o.library->descriptor();
      rows.push_back({std::string(o.library->name()), or_empty(d.version),
                      std::to_string(d.abi_major) + "." + std::to_string(d.abi_minor_built),
                      kinds_string(d.kinds), std::string(verdict_name(o.verdict)),
                      o.path.string()});
      notes.emplace_back();
    } else {
      std::string name = plugin_name_from_file(o.path);
      rows.push_back({name.empty() ? std::string("-") : name, "-", "-", "-",
                      std::string(verdict_name(o.verdict)), o.path.string()});
      notes.push_back(o.message);
    }
  }
  return render_table(rows, notes);
}

std::string describe_plugin(const pvpd_plugin_descriptor_v1 &d) {
  std::ostringstream os;
  os << "name:        " << or_empty(d.name) << "\n"
     << "version:     " << or_empty(d.version) << "\n"
     << "description: " << or_empty(d.description) << "\n"
     << "license:     " << or_empty(d.license) << "\n"
     << "kinds:       " << kinds_string(d.kinds) << "\n"
     << "instances:   " << ((d.flags & PVPD_PLUGIN_MULTI_INSTANCE) != 0 ? "multiple" : "single")
     << "\n"
     << "ABI:         built against " << d.abi_major << "." << d.abi_minor_built
     << ", needs host >= " << d.abi_major << "." << d.min_host_minor << "\n";
  if (d.option_count == 0 || d.options == nullptr) {
    os << "options:     none\n";
    return os.str();
  }
  os << "options:\n";
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"KEY", "TYPE", "DEFAULT", "FLAGS", "CHOICES", "RANGE", "HELP"});
  for (uint32_t i = 0; i < d.option_count; ++i) {
    const pvpd_option_desc &o = option_at(d, i);
    std::string range = "-";
    if ((o.flags & PVPD_OPT_RANGE) != 0) {
      range = std::to_string(o.min_value) + ".." + std::to_string(o.max_value);
    }
    rows.push_back({std::string("  ") + or_empty(o.key), std::string(option_type_name(o.type)),
                    o.default_json != nullptr ? std::string(o.default_json) : std::string("-"),
                    option_flags(o.flags),
                    o.choices != nullptr ? std::string(o.choices) : std::string("-"), range,
                    or_empty(o.help)});
  }
  rows[0][0] = "  KEY";
  os << render_table(rows, {});
  return os.str();
}

}  // namespace pvpd::plugin_host
