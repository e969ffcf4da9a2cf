#include "config/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>

#include "config/daemon_section.h"
#include "config/merge.h"
#include "config/open_mode_check.h"
#include "config/plugins_section.h"
#include "config/scalars.h"
#include "config/suggest.h"
#include "config/yaml_source.h"

namespace pvpd::config {

namespace fs = std::filesystem;

namespace {

constexpr int kSupportedVersion = 1;
constexpr size_t kMaxFileBytes = 16 * 1024 * 1024;
const std::vector<std::string> kTopLevelKeys{"version", "daemon", "plugins"};

fs::path absolute_dir_of(const std::string &file) {
  std::error_code ec;
  fs::path parent = fs::path(file).parent_path();
  fs::path abs = fs::absolute(parent.empty() ? fs::path(".") : parent, ec);
  if (ec) {
    return parent;
  }
  return abs.lexically_normal();
}

// One load: the files read so far, their merged tree, and the diagnostics.
class Loader {
 public:
  Loader(PluginSchemaSource &plugins, const EnvLookup &env, const LoadOptions &opts)
      : plugins_(plugins), env_(env), opts_(opts) {
    merged_.kind = YamlNode::Kind::kMap;
  }

  DiagnosticSink &sink() { return sink_; }

  void add_file(const std::string &display, const std::string &text) {
    files_.push_back(display);
    base_dirs_[display] = absolute_dir_of(display);
    std::optional<YamlNode> root = parse_yaml(text, display, sink_);
    if (!root) {
      return;
    }
    if (root->is_null()) {
      return;  // an empty file (or only comments) adds nothing
    }
    if (!root->is_map()) {
      sink_.error(root->mark, "",
                  "expected a map at the top level (keys: version, daemon, plugins), got " +
                      root->describe());
      return;
    }
    if (merged_.mark.file.empty()) {
      merged_.mark = root->mark;
    }
    expand_env_in_tree(*root, env_, sink_);
    check_version(*root);
    merge_file(merged_, std::move(*root), sink_);
  }

  // Reads a file from disk; false (with a diagnostic) when it cannot be read.
  bool read_file(const std::string &path, std::string *text) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      sink_.error(Mark{path, 0, 0}, "", "cannot read config file: is a directory");
      return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      sink_.error(Mark{path, 0, 0}, "",
                  std::string("cannot read config file: ") + std::strerror(errno));
      return false;
    }
    // Bounded read rather than a size check: pipes and /dev/fd/N (pvpd -t -c <(...)) have no
    // size, and an endless file must not exhaust memory.
    std::string data;
    char chunk[65536];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
      data.append(chunk, static_cast<size_t>(in.gcount()));
      if (data.size() > kMaxFileBytes) {
        sink_.error(Mark{path, 0, 0}, "",
                    "config file is too large (limit " + std::to_string(kMaxFileBytes) + " bytes)");
        return false;
      }
    }
    if (in.bad()) {
      sink_.error(Mark{path, 0, 0}, "", "cannot read config file: read error");
      return false;
    }
    *text = std::move(data);
    return true;
  }

  LoadResult finish() {
    for (const auto &[k, v] : merged_.entries) {
      if (std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), k.scalar) == kTopLevelKeys.end()) {
        sink_.error(k.mark, k.scalar,
                    "unknown key '" + k.scalar + "'" + did_you_mean(k.scalar, kTopLevelKeys));
      }
    }
    Config cfg;
    cfg.version = kSupportedVersion;
    cfg.files = files_;
    PathResolver resolve = [this](const std::string &value, const Mark &mark) {
      return resolve_path(value, mark);
    };
    const Mark &root_mark = merged_.mark;
    cfg.daemon = load_daemon_section(merged_.find("daemon"), root_mark, resolve, sink_);
    cfg.plugins = load_plugins_section(merged_.find("plugins"), cfg.daemon, plugins_, resolve,
                                       opts_.run_plugin_validate, sink_);
    if (sink_.error_count() == 0) {  // reported once the rest is right, as it may be moot
      check_open_mode_listeners(cfg, sink_);
    }
    return result(std::move(cfg));
  }

  LoadResult result(std::optional<Config> cfg) {
    LoadResult r;
    if (sink_.error_count() == 0) {
      r.config = std::move(cfg);
    }
    r.diagnostics = sink_.take_sorted(files_, opts_.max_errors);
    return r;
  }

  void note_file(const std::string &display) { files_.push_back(display); }

 private:
  void check_version(const YamlNode &root) {
    const YamlNode *v = root.find("version");
    if (v == nullptr || v->expand_failed) {
      return;  // version 1 is the default; a failed ${VAR} was reported already
    }
    auto n = v->is_scalar() ? parse_int64(v->scalar) : std::nullopt;
    if (!n) {
      sink_.error(v->mark, "version", "expected an integer, got " + v->describe());
    } else if (*n != kSupportedVersion) {
      sink_.error(v->mark, "version",
                  "unsupported config version " + std::to_string(*n) + " (this pvpd supports " +
                      std::to_string(kSupportedVersion) + ")");
    }
  }

  std::string resolve_path(const std::string &value, const Mark &mark) const {
    if (value.empty() || fs::path(value).is_absolute()) {
      return value;
    }
    auto it = base_dirs_.find(mark.file);
    fs::path base = it != base_dirs_.end() ? it->second : absolute_dir_of(mark.file);
    return (base / value).lexically_normal().string();
  }

  PluginSchemaSource &plugins_;
  const EnvLookup &env_;
  LoadOptions opts_;
  DiagnosticSink sink_;
  std::vector<std::string> files_;
  std::map<std::string, fs::path> base_dirs_;
  YamlNode merged_;
};

// conf.d/*.yaml next to the main file, in lexical (byte) order of their names.
std::vector<std::string> dropin_files(const std::string &main_path, DiagnosticSink &sink) {
  fs::path parent = fs::path(main_path).parent_path();
  fs::path dir = parent / "conf.d";
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    return {};
  }
  if (!fs::is_directory(dir, ec)) {
    sink.warning(Mark{dir.string(), 0, 0}, "", "not a directory, ignored");
    return {};
  }
  fs::directory_iterator it(dir, ec);
  if (ec) {
    sink.error(Mark{dir.string(), 0, 0}, "", "cannot read directory: " + ec.message());
    return {};
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') {
      continue;
    }
    bool yaml = name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0;
    bool yml = name.size() > 4 && name.compare(name.size() - 4, 4, ".yml") == 0;
    std::error_code fec;
    if (!fs::is_regular_file(it->path(), fec)) {
      continue;
    }
    if (yaml) {
      names.push_back(name);
    } else if (yml) {
      sink.warning(Mark{(dir / name).string(), 0, 0}, "",
                   "ignored: only *.yaml files are read from conf.d");
    }
  }
  if (ec) {
    sink.error(Mark{dir.string(), 0, 0}, "", "cannot read directory: " + ec.message());
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> out;
  for (const auto &n : names) {
    out.push_back((dir / n).string());
  }
  return out;
}

template <typename Fn>
LoadResult guarded(Loader &loader, Fn &&fn) {
  try {
    return fn();
  } catch (const std::exception &e) {
    loader.sink().error(Mark{}, "",
                        std::string("internal error while loading config: ") + e.what());
  } catch (...) {
    loader.sink().error(Mark{}, "", "internal error while loading config");
  }
  try {
    return loader.result(std::nullopt);
  } catch (...) {
    LoadResult r;
    r.diagnostics.push_back(Diagnostic{Mark{}, Severity::kError, "", "out of memory"});
    return r;
  }
}

}  // namespace

LoadResult load_file(const std::string &main_path, PluginSchemaSource &plugins,
                     const EnvLookup &env, const LoadOptions &opts) {
  Loader loader(plugins, env, opts);
  return guarded(loader, [&]() -> LoadResult {
    std::string text;
    if (main_path.empty()) {
      loader.sink().error(Mark{}, "", "no config file given");
      return loader.result(std::nullopt);
    }
    if (!loader.read_file(main_path, &text)) {
      loader.note_file(main_path);
      return loader.result(std::nullopt);
    }
    loader.add_file(main_path, text);
    for (const auto &file : dropin_files(main_path, loader.sink())) {
      if (loader.read_file(file, &text)) {
        loader.add_file(file, text);
      } else {
        loader.note_file(file);
      }
    }
    return loader.finish();
  });
}

LoadResult load_string(const std::string &yaml_text, const std::string &display_name,
                       PluginSchemaSource &plugins, const EnvLookup &env, const LoadOptions &opts) {
  Loader loader(plugins, env, opts);
  return guarded(loader, [&]() -> LoadResult {
    loader.add_file(display_name, yaml_text);
    return loader.finish();
  });
}

}  // namespace pvpd::config
