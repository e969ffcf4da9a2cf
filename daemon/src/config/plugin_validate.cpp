#include "config/plugin_validate.h"

#include <cstddef>
#include <string_view>
#include <vector>

namespace pvpd::config {

std::string pointer_to_path(const std::string &path, const std::string &pointer) {
  std::string out = path;
  std::string_view rest(pointer);
  if (!rest.empty() && rest[0] == '/') {
    rest.remove_prefix(1);
  } else if (rest.empty()) {
    return out;
  }
  while (true) {
    size_t slash = rest.find('/');
    std::string_view raw = rest.substr(0, slash);
    std::string seg;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        seg += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        seg += raw[i];
      }
    }
    bool numeric = !seg.empty() && seg.find_first_not_of("0123456789") == std::string::npos;
    if (numeric) {
      out += "[" + seg + "]";
    } else {
      out += (out.empty() ? "" : ".") + seg;
    }
    if (slash == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  return out;
}

namespace {

struct Report {
  std::string pointer;
  std::string message;
};

void collect(void *user, pvpd_str json_pointer, pvpd_str message) {
  // A C callback: nothing may throw out of it.
  try {
    auto *reports = static_cast<std::vector<Report> *>(user);
    constexpr size_t kMaxReports = 1000;
    constexpr size_t kMaxLen = 4096;
    if (reports->size() >= kMaxReports) {
      return;
    }
    Report r;
    if (json_pointer.ptr != nullptr) {
      r.pointer.assign(json_pointer.ptr, std::min(json_pointer.len, kMaxLen));
    }
    if (message.ptr != nullptr) {
      r.message.assign(message.ptr, std::min(message.len, kMaxLen));
    }
    reports->push_back(std::move(r));
  } catch (...) {
  }
}

const Mark &mark_for(const std::map<std::string, Mark> &marks, std::string pointer,
                     const Mark &fallback) {
  while (true) {
    if (auto it = marks.find(pointer); it != marks.end()) {
      return it->second;
    }
    size_t slash = pointer.rfind('/');
    if (slash == std::string::npos || pointer.empty()) {
      return fallback;
    }
    pointer.resize(slash);
  }
}

}  // namespace

void run_plugin_validate(const pvpd_plugin_descriptor_v1 *d, const std::string &config_json,
                         const std::map<std::string, Mark> &pointer_marks, const Mark &config_mark,
                         const std::string &path, DiagnosticSink &sink) {
  constexpr size_t kNeedDesc =
      offsetof(pvpd_plugin_descriptor_v1, vtable) + sizeof(const pvpd_plugin_vtable_v1 *);
  constexpr size_t kNeedVtable =
      offsetof(pvpd_plugin_vtable_v1, validate) + sizeof(pvpd_plugin_vtable_v1::validate);
  if (d == nullptr || d->struct_size < kNeedDesc || d->vtable == nullptr ||
      d->vtable->struct_size < kNeedVtable || d->vtable->validate == nullptr) {
    return;
  }
  std::vector<Report> reports;
  pvpd_status status = PVPD_OK;
  try {
    status =
        d->vtable->validate(pvpd_str{config_json.data(), config_json.size()}, &collect, &reports);
  } catch (...) {
    // The ABI forbids this; a C++ plugin that lets an exception escape still must not take
    // the loader down.
    sink.error(config_mark, path, "the plugin's validate() threw an exception (a plugin bug)");
    return;
  }
  for (const auto &r : reports) {
    sink.error(mark_for(pointer_marks, r.pointer, config_mark), pointer_to_path(path, r.pointer),
               r.message.empty() ? "invalid value" : r.message);
  }
  if (status != PVPD_OK && reports.empty()) {
    sink.error(config_mark, path,
               "the plugin rejected this config (validate() returned " + std::to_string(status) +
                   " without details)");
  }
}

}  // namespace pvpd::config
