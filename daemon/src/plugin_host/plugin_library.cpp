#include "plugin_host/plugin_library.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

// Boost 1.74's library_info.hpp uses std::vector without including it.
#include <vector>

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <string>
#include <system_error>
#include <utility>

namespace pvpd::plugin_host {

// The v1.0 sizes must stay the end of the last v1.0 member, whatever later minors append.
static_assert(offsetof(pvpd_plugin_descriptor_v1, vtable) + sizeof(void *) == kDescriptorV1_0Size);
static_assert(offsetof(pvpd_plugin_vtable_v1, status_json) + sizeof(void *) == kVtableV1_0Size);
static_assert(offsetof(pvpd_option_desc, max_value) + sizeof(int64_t) == kOptionDescV1_0Size);

namespace {

constexpr std::string_view kEntryPrefix = "pvpd_plugin_entry_v";
constexpr std::string_view kFilePrefix = "pvpd-";
constexpr std::string_view kFileSuffix = ".so";

LoadOutcome fail(Verdict verdict, std::string message, const std::filesystem::path &path) {
  LoadOutcome out;
  out.verdict = verdict;
  out.message = std::move(message);
  out.path = path;
  return out;
}

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Regular file, owned by root or by us, not writable by group or others: anyone who can write
// the file can run code as pvpd.
std::optional<LoadOutcome> check_file(const std::filesystem::path &path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    std::error_code ec(errno, std::generic_category());
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
      return fail(Verdict::kNotFound, "no such file", path);
    }
    return fail(Verdict::kUnsafeFile, "cannot stat the file: " + ec.message(), path);
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(Verdict::kUnsafeFile, "not a regular file", path);
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return fail(Verdict::kUnsafeFile,
                "the file is group- or world-writable (mode " + octal_mode(st.st_mode) +
                    "); fix with chmod go-w",
                path);
  }
  const uid_t euid = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != euid) {
    return fail(Verdict::kUnsafeFile,
                "the file is owned by uid " + std::to_string(st.st_uid) +
                    ", which is neither root nor the uid pvpd runs as (" + std::to_string(euid) +
                    ")",
                path);
  }
  return std::nullopt;
}

// Reads the exported symbols from the ELF file without mapping it, so a file that is not a
// plugin (or speaks another major) is rejected before any of its constructors can run.
std::optional<LoadOutcome> check_symbols(const std::filesystem::path &path) {
  std::vector<std::string> symbols;
  try {
    boost::dll::library_info info(path, true);
    symbols = info.symbols();
  } catch (const std::exception &e) {
    return fail(Verdict::kLoadFailed, std::string("not a loadable ELF shared object: ") + e.what(),
                path);
  }
  std::vector<std::string> other_majors;
  for (const std::string &s : symbols) {
    if (s == PVPD_PLUGIN_ENTRY_V1_SYMBOL) {
      return std::nullopt;
    }
    if (s.size() > kEntryPrefix.size() && s.compare(0, kEntryPrefix.size(), kEntryPrefix) == 0) {
      const std::string digits = s.substr(kEntryPrefix.size());
      if (std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        other_majors.push_back(digits);
      }
    }
  }
  if (!other_majors.empty()) {
    std::sort(other_majors.begin(), other_majors.end());
    return fail(Verdict::kWrongMajor,
                "built for plugin ABI v" + other_majors.back() + "; this pvpd supports v" +
                    std::to_string(PVPD_ABI_MAJOR),
                path);
  }
  return fail(Verdict::kNoEntry,
              std::string("not a pvpd plugin: no ") + PVPD_PLUGIN_ENTRY_V1_SYMBOL + " symbol",
              path);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

// Descriptor checks after the major/minor negotiation. Returns an empty string when fine.
std::string check_descriptor(const pvpd_plugin_descriptor_v1 &d,
                             const std::filesystem::path &path) {
  if (d.name == nullptr || !valid_name(d.name)) {
    return "the descriptor's name is missing or not made of [A-Za-z0-9._-]";
  }
  const std::string expected = plugin_name_from_file(path);
  if (!expected.empty() && expected != d.name) {
    return std::string("the descriptor is named '") + d.name + "' but the file is " +
           path.filename().string() + " (expected name '" + expected + "')";
  }
  if (d.kinds == 0) {
    return "the descriptor declares no kinds (transport, agent or bridge)";
  }
  const pvpd_plugin_vtable_v1 *vt = d.vtable;
  if (vt == nullptr) {
    return "the descriptor has no vtable";
  }
  if (vt->struct_size < kVtableV1_0Size) {
    return "the vtable's struct_size " + std::to_string(vt->struct_size) +
           " is smaller than the v1.0 size " + std::to_string(kVtableV1_0Size);
  }
  std::vector<std::string> missing;
  if (vt->create == nullptr)
    missing.emplace_back("create");
  if (vt->start == nullptr)
    missing.emplace_back("start");
  if (vt->stop == nullptr)
    missing.emplace_back("stop");
  if (vt->destroy == nullptr)
    missing.emplace_back("destroy");
  if ((d.kinds & PVPD_KIND_TRANSPORT) != 0) {
    if (vt->deliver == nullptr)
      missing.emplace_back("deliver");
    if (vt->close_conn == nullptr)
      missing.emplace_back("close_conn");
  }
  if (!missing.empty()) {
    std::string list;
    for (const std::string &m : missing) {
      list += (list.empty() ? "" : ", ") + m;
    }
    return "the vtable lacks required hooks: " + list +
           ((d.kinds & PVPD_KIND_TRANSPORT) != 0 ? " (a transport needs deliver and close_conn)"
                                                 : "");
  }
  if (d.option_count > 0) {
    if (d.options == nullptr) {
      return "option_count is " + std::to_string(d.option_count) + " but options is NULL";
    }
    const uint32_t stride = d.options[0].struct_size;
    if (stride < kOptionDescV1_0Size || stride % alignof(pvpd_option_desc) != 0) {
      return "option 0 has struct_size " + std::to_string(stride) + "; expected at least " +
             std::to_string(kOptionDescV1_0Size);
    }
    for (uint32_t i = 0; i < d.option_count; ++i) {
      const pvpd_option_desc &o = option_at(d, i);
      if (o.struct_size != stride) {
        return "option " + std::to_string(i) + " has struct_size " + std::to_string(o.struct_size) +
               ", option 0 has " + std::to_string(stride);
      }
      if (o.key == nullptr || o.key[0] == '\0') {
        return "option " + std::to_string(i) + " has no key";
      }
    }
  }
  return std::string();
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk: return "ok";
    case Verdict::kNotFound: return "not found";
    case Verdict::kUnsafeFile: return "unsafe file";
    case Verdict::kLoadFailed: return "load failed";
    case Verdict::kNoEntry: return "no entry symbol";
    case Verdict::kWrongMajor: return "wrong ABI major";
    case Verdict::kNeedsNewerHost: return "needs newer pvpd";
    case Verdict::kBadDescriptor: return "bad descriptor";
  }
  return "unknown";
}

PluginLibrary::PluginLibrary(std::unique_ptr<boost::dll::shared_library> library,
                             const pvpd_plugin_descriptor_v1 *descriptor,
                             std::filesystem::path path)
    : library_(std::move(library)), descriptor_(descriptor), path_(std::move(path)) {}

// dlclose is a no-op for a pinned object (see load_plugin_library), so this only drops
// Boost's handle count.
PluginLibrary::~PluginLibrary() = default;

std::string plugin_name_from_file(const std::filesystem::path &path) {
  const std::string file = path.filename().string();
  if (file.size() <= kFilePrefix.size() + kFileSuffix.size() ||
      file.compare(0, kFilePrefix.size(), kFilePrefix) != 0 ||
      file.compare(file.size() - kFileSuffix.size(), kFileSuffix.size(), kFileSuffix) != 0) {
    return std::string();
  }
  return file.substr(kFilePrefix.size(), file.size() - kFilePrefix.size() - kFileSuffix.size());
}

const pvpd_option_desc &option_at(const pvpd_plugin_descriptor_v1 &descriptor, uint32_t index) {
  const auto *base = reinterpret_cast<const unsigned char *>(descriptor.options);
  const std::size_t stride = descriptor.options[0].struct_size;
  return *reinterpret_cast<const pvpd_option_desc *>(base + stride * index);
}

std::optional<std::filesystem::path> find_plugin_file(std::string_view name,
                                                      const std::vector<std::string> &dirs) {
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..") {
    return std::nullopt;
  }
  const std::string file = std::string(kFilePrefix) + std::string(name) + std::string(kFileSuffix);
  for (const std::string &dir : dirs) {
    if (dir.empty()) {
      continue;
    }
    std::filesystem::path candidate = std::filesystem::path(dir) / file;
    std::error_code ec;
    if (std::filesystem::exists(candidate, ec)) {
      return candidate;
    }
  }
  return std::nullopt;
}

LoadOutcome load_plugin_library(const std::filesystem::path &requested) {
  std::error_code ec;
  std::filesystem::path path = std::filesystem::absolute(requested, ec);
  if (ec) {
    path = requested;
  }
  if (auto bad = check_file(path)) {
    return std::move(*bad);
  }
  if (auto bad = check_symbols(path)) {
    return std::move(*bad);
  }

  // Runs the plugin's ELF constructors: from here on we trust the file as much as its owner.
  auto library = std::make_unique<boost::dll::shared_library>();
  try {
    library->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception &e) {
    // The throwing overload keeps dlerror(), e.g. "undefined symbol: missing_fn".
    return fail(Verdict::kLoadFailed, std::string("dlopen failed: ") + e.what(), path);
  }

  const pvpd_plugin_descriptor_v1 *d = nullptr;
  try {
    auto &entry = library->get<const pvpd_plugin_descriptor_v1 *()>(PVPD_PLUGIN_ENTRY_V1_SYMBOL);
    d = entry();
  } catch (const std::exception &e) {
    return fail(Verdict::kBadDescriptor,
                std::string(PVPD_PLUGIN_ENTRY_V1_SYMBOL) + " failed: " + e.what(), path);
  } catch (...) {
    return fail(Verdict::kBadDescriptor,
                std::string(PVPD_PLUGIN_ENTRY_V1_SYMBOL) + " threw an exception", path);
  }
  if (d == nullptr) {
    return fail(Verdict::kBadDescriptor,
                std::string(PVPD_PLUGIN_ENTRY_V1_SYMBOL) + " returned NULL", path);
  }
  // abi_major lies within every struct_size that could ever be valid, so check it first: a
  // v2 descriptor reached through a v1 symbol must read as "wrong major", not "too small".
  if (d->struct_size >= offsetof(pvpd_plugin_descriptor_v1, abi_minor_built) &&
      d->abi_major != PVPD_ABI_MAJOR) {
    return fail(Verdict::kWrongMajor,
                "built for plugin ABI v" + std::to_string(d->abi_major) +
                    " (descriptor abi_major); this pvpd supports v" +
                    std::to_string(PVPD_ABI_MAJOR),
                path);
  }
  if (d->struct_size < kDescriptorV1_0Size) {
    return fail(Verdict::kBadDescriptor,
                "the descriptor's struct_size " + std::to_string(d->struct_size) +
                    " is smaller than the v1.0 size " + std::to_string(kDescriptorV1_0Size),
                path);
  }
  if (d->min_host_minor > PVPD_ABI_MINOR) {
    return fail(Verdict::kNeedsNewerHost,
                "needs a newer pvpd (plugin ABI >= " + std::to_string(PVPD_ABI_MAJOR) + "." +
                    std::to_string(d->min_host_minor) + "); this pvpd has " +
                    std::to_string(PVPD_ABI_MAJOR) + "." + std::to_string(PVPD_ABI_MINOR),
                path);
  }
  if (std::string why = check_descriptor(*d, path); !why.empty()) {
    return fail(Verdict::kBadDescriptor, why, path);
  }

  // Pin the object: a later dlclose (last shared_ptr gone, process teardown order) must not
  // unmap code that a plugin thread, a type_info or an exception might still point into.
  if (void *pin = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD | RTLD_NODELETE)) {
    ::dlclose(pin);
  }

  LoadOutcome out;
  out.verdict = Verdict::kOk;
  out.path = path;
  out.library = std::make_shared<PluginLibrary>(std::move(library), d, path);
  return out;
}

}  // namespace pvpd::plugin_host
