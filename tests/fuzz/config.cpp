// Fuzz target: the YAML configuration loader (operators' files are trusted less than they
// look: templated, merged from drop-ins, edited by hand). It must report, never crash.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "config/loader.h"

namespace {
class NoPlugins : public pvpd::config::PluginSchemaSource {
 public:
  const pvpd_plugin_descriptor_v1 *find(const std::string &use, const std::string &,
                                        const std::vector<std::string> &,
                                        std::string *error) override {
    *error = "plugin '" + use + "' not found";
    return nullptr;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  NoPlugins plugins;
  auto env = [](const std::string &name) -> std::optional<std::string> {
    if (name == "SET") {
      return std::string("value");
    }
    return std::nullopt;
  };
  pvpd::config::LoadResult r = pvpd::config::load_string(text, "fuzz.yaml", plugins, env);
  for (const auto &d : r.diagnostics) {
    (void)d.format();
  }
  if (r.config) {
    (void)pvpd::config::dump_yaml(*r.config, plugins);
  }
  return 0;
}
