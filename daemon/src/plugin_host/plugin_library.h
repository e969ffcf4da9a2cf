// PluginLibrary and load_plugin_library(): turn a `pvpd-<name>.so` file into a checked plugin
// descriptor, or into a verdict that says exactly why not (plugin-api/docs/ABI.md, "How the
// loader decides").
//
// Loading happens in stages so that no plugin code runs before the file is known to be safe
// and to speak our ABI: file checks (regular, owner, not group/world-writable) -> ELF symbol
// scan without mapping (boost::dll::library_info) -> dlopen(RTLD_NOW | RTLD_LOCAL) through
// the throwing Boost.DLL overload (keeps the dlerror text) -> call the side-effect-free entry
// point -> check the descriptor (size, major, min host minor, hooks, name, option table).
//
// THREAD: load_plugin_library() and find_plugin_file() are safe on any thread (dlopen is
// thread-safe); callers normally use them from the control plane through PluginCatalog.
// A PluginLibrary is immutable after construction and may be read from any thread.
// OWNERSHIP: a PluginLibrary owns the mapped object. Instances hold shared_ptr<PluginLibrary>.
// LIFETIME: the object is pinned (RTLD_NODELETE) once it loaded successfully, so it stays
// mapped until the process exits even after the last shared_ptr is gone: code, static
// descriptors, type_info and thread functions of a plugin must never disappear under us.
#pragma once

#include <pvpd/plugin_abi.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::dll {
class shared_library;
}  // namespace boost::dll

namespace pvpd::plugin_host {

// The sizes of the v1.0 structs: the smallest a plugin built against any 1.x header may hand
// us. Frozen; a later minor only ever appends, so these numbers never change within major 1.
inline constexpr uint32_t kDescriptorV1_0Size = 80;
inline constexpr uint32_t kVtableV1_0Size = 88;
inline constexpr uint32_t kOptionDescV1_0Size = 64;

enum class Verdict {
  kOk,
  kNotFound,
  kUnsafeFile,
  kLoadFailed,
  kNoEntry,
  kWrongMajor,
  kNeedsNewerHost,
  kBadDescriptor,
};

// "ok", "not found", "unsafe file", "load failed", "no entry symbol", "wrong ABI major",
// "needs newer pvpd", "bad descriptor".
std::string_view verdict_name(Verdict verdict);

class PluginLibrary {
 public:
  // Used by load_plugin_library(); `descriptor` must already have passed every check.
  PluginLibrary(std::unique_ptr<boost::dll::shared_library> library,
                const pvpd_plugin_descriptor_v1 *descriptor, std::filesystem::path path);
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary &) = delete;
  PluginLibrary &operator=(const PluginLibrary &) = delete;

  const pvpd_plugin_descriptor_v1 &descriptor() const { return *descriptor_; }
  const std::filesystem::path &path() const { return path_; }
  std::string_view name() const { return descriptor_->name; }

 private:
  std::unique_ptr<boost::dll::shared_library> library_;
  const pvpd_plugin_descriptor_v1 *descriptor_;
  std::filesystem::path path_;
};

struct LoadOutcome {
  Verdict verdict = Verdict::kNotFound;
  std::string message;  // empty for kOk; one sentence otherwise, without the path
  std::filesystem::path path;
  std::shared_ptr<PluginLibrary> library;  // set iff verdict == kOk
};

// Never throws for plugin problems: every failure becomes a verdict and a message.
LoadOutcome load_plugin_library(const std::filesystem::path &path);

// The first `<dir>/pvpd-<name>.so` that exists, searching `dirs` in order. nullopt for names
// that are empty or contain a path separator.
std::optional<std::filesystem::path> find_plugin_file(std::string_view name,
                                                      const std::vector<std::string> &dirs);

// "websocket" for ".../pvpd-websocket.so"; empty when the file name does not follow the
// convention (an explicit `path:` may point anywhere).
std::string plugin_name_from_file(const std::filesystem::path &path);

// Element `index` of the descriptor's option table. The array stride is the plugin's own
// sizeof(pvpd_option_desc) (options[0].struct_size), which is larger than ours when the plugin
// was built against a newer minor; never index `options[i]` directly. The loader has checked
// that every element is at least the v1.0 size and that all share one struct_size.
const pvpd_option_desc &option_at(const pvpd_plugin_descriptor_v1 &descriptor, uint32_t index);

}  // namespace pvpd::plugin_host
