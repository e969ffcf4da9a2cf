// Helpers shared by the loader tests: fixture paths and a private temp directory.
// THREAD: test thread only. LIFETIME: TempDir removes its tree on destruction.
#pragma once

#include <dlfcn.h>

#include <filesystem>
#include <random>
#include <string>

namespace pvpd::plugin_host::testing {

inline std::filesystem::path fixture_dir() {
  return PVPD_FIXTURE_PLUGIN_DIR;
}
inline std::filesystem::path fixture(const std::string &name) {
  return fixture_dir() / ("pvpd-" + name + ".so");
}

// True when the object at `path` is currently mapped into this process.
inline bool is_mapped(const std::filesystem::path &path) {
  void *h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (h != nullptr) {
    ::dlclose(h);
    return true;
  }
  return false;
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("pvpd-loader-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::filesystem::path &path() const { return path_; }

  // Copies a fixture into the temp dir under `file_name` with `mode` permissions.
  std::filesystem::path copy_fixture(const std::string &fixture_name, const std::string &file_name,
                                     std::filesystem::perms mode) const {
    std::filesystem::path dst = path_ / file_name;
    std::filesystem::copy_file(fixture(fixture_name), dst,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(dst, mode, std::filesystem::perm_options::replace);
    return dst;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace pvpd::plugin_host::testing
