// pvpd/plugin.hpp — header-only C++17 wrapper over <pvpd/plugin_abi.h>.
//
// Compiled into each plugin, never into the host, so it imposes nothing on other plugins. A
// plugin derives from pvpd::Plugin, overrides the hooks it needs, and emits its descriptor and
// entry symbol with PVPD_PLUGIN(...):
//
//   class Echo final : public pvpd::Plugin {
//    public:
//     explicit Echo(pvpd::Host host, std::string_view config_json) : Plugin(host) {}
//     pvpd_status start() override { ... }
//     void stop() override { ... }
//   };
//   static constexpr pvpd_option_desc kOptions[] = {
//       pvpd::option_string("greeting", "\"hi\"", "Text sent on connect."),
//   };
//   PVPD_PLUGIN(Echo, "echo", "1.0.0", "Echoes frames", "MIT", PVPD_KIND_TRANSPORT, kOptions)
//
// Every trampoline is noexcept: an exception escaping a hook is logged through the host and
// becomes PVPD_E_INTERNAL. Virtual calls never cross the boundary; the static trampolines below
// cast `void *self` back to the plugin class.
//
// THREAD: hooks run where plugin_abi.h says (core thread unless stated). Host methods document
// their own rules; the wrapper adds no locking.
#ifndef PVPD_PLUGIN_HPP
#define PVPD_PLUGIN_HPP

#include <pvpd/plugin_abi.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pvpd {

inline pvpd_str to_str(std::string_view s) noexcept {
  return pvpd_str{s.data(), s.size()};
}
inline std::string_view to_view(pvpd_str s) noexcept {
  return s.len == 0 ? std::string_view() : std::string_view(s.ptr, s.len);
}

// The C status as a value with a readable name.
inline const char *status_name(pvpd_status s) noexcept {
  switch (s) {
    case PVPD_OK: return "OK";
    case PVPD_E_INVAL: return "INVAL";
    case PVPD_E_NOMEM: return "NOMEM";
    case PVPD_E_AGAIN: return "AGAIN";
    case PVPD_E_UNSUPPORTED: return "UNSUPPORTED";
    case PVPD_E_STATE: return "STATE";
    case PVPD_E_NOENT: return "NOENT";
    case PVPD_E_INTERNAL: return "INTERNAL";
    case PVPD_E_CANCELED: return "CANCELED";
    case PVPD_E_TOOBIG: return "TOOBIG";
    case PVPD_E_PERM: return "PERM";
    case PVPD_E_EXISTS: return "EXISTS";
    case PVPD_E_IO: return "IO";
    default: return "UNKNOWN";
  }
}

class Host;

// A counted reference to a host buffer. Move-only; releases its reference on destruction.
class BufRef {
 public:
  BufRef() = default;
  // Adopts an existing reference (does not add one).
  BufRef(const pvpd_host_api_v1 *api, const pvpd_buf *buf) noexcept : api_(api), buf_(buf) {}
  BufRef(BufRef &&o) noexcept : api_(o.api_), buf_(std::exchange(o.buf_, nullptr)) {}
  BufRef &operator=(BufRef &&o) noexcept {
    if (this != &o) {
      reset();
      api_ = o.api_;
      buf_ = std::exchange(o.buf_, nullptr);
    }
    return *this;
  }
  BufRef(const BufRef &) = delete;
  BufRef &operator=(const BufRef &) = delete;
  ~BufRef() { reset(); }

  // Adds a reference to a borrowed buffer (e.g. pvpd_msg_view::envelope).
  static BufRef retain(const pvpd_host_api_v1 *api, const pvpd_buf *buf) noexcept {
    if (buf != nullptr) {
      api->buf_ref(buf);
    }
    return BufRef(api, buf);
  }
  void reset() noexcept {
    if (buf_ != nullptr) {
      api_->buf_unref(buf_);
      buf_ = nullptr;
    }
  }
  std::string_view view() const noexcept {
    return buf_ == nullptr ? std::string_view() : to_view(api_->buf_view(buf_));
  }
  const pvpd_buf *get() const noexcept { return buf_; }
  explicit operator bool() const noexcept { return buf_ != nullptr; }

 private:
  const pvpd_host_api_v1 *api_ = nullptr;
  const pvpd_buf *buf_ = nullptr;
};

// A view of the host service table for one instance. Cheap to copy.
class Host {
 public:
  Host() = default;
  Host(pvpd_host_ctx *ctx, const pvpd_host_api_v1 *api) noexcept : ctx_(ctx), api_(api) {}

  pvpd_host_ctx *ctx() const noexcept { return ctx_; }
  const pvpd_host_api_v1 *api() const noexcept { return api_; }

  // True when the host's table has the slot at `member` (a newer plugin on an older host).
  template <typename Member>
  bool has(Member pvpd_host_api_v1::*member) const noexcept {
    const auto *base = reinterpret_cast<const unsigned char *>(api_);
    const auto *field = reinterpret_cast<const unsigned char *>(&(api_->*member));
    return static_cast<std::size_t>(field - base) + sizeof(Member) <= api_->struct_size &&
           api_->*member != nullptr;
  }

  void log(int32_t level, std::string_view msg) const noexcept {
    api_->log(ctx_, level, to_str(msg));
  }
  void trace(std::string_view m) const noexcept { log(PVPD_LOG_TRACE, m); }
  void debug(std::string_view m) const noexcept { log(PVPD_LOG_DEBUG, m); }
  void info(std::string_view m) const noexcept { log(PVPD_LOG_INFO, m); }
  void warn(std::string_view m) const noexcept { log(PVPD_LOG_WARN, m); }
  void error(std::string_view m) const noexcept { log(PVPD_LOG_ERROR, m); }

  BufRef copy(std::string_view bytes) const noexcept {
    return BufRef(api_, api_->buf_copy(ctx_, bytes.data(), bytes.size()));
  }

  pvpd_status conn_open(const pvpd_conn_info &info, pvpd_conn_id *out) const noexcept {
    return api_->conn_open(ctx_, &info, out);
  }
  pvpd_status conn_inbound(pvpd_conn_id conn, std::string_view json) const noexcept {
    return api_->conn_inbound(ctx_, conn, to_str(json));
  }
  pvpd_status conn_closed(pvpd_conn_id conn, int32_t reason) const noexcept {
    return api_->conn_closed(ctx_, conn, reason);
  }
  pvpd_status conn_pressure(pvpd_conn_id conn, uint32_t level) const noexcept {
    return api_->conn_pressure(ctx_, conn, level);
  }
  pvpd_status publish(std::string_view json) const noexcept {
    return api_->publish(ctx_, to_str(json));
  }

  // Runs `fn(status)` on the core thread. status is PVPD_E_CANCELED if the instance stopped
  // first. The callable is moved to the heap and freed after it ran.
  pvpd_status post(std::function<void(pvpd_status)> fn) const noexcept {
    auto *boxed = new (std::nothrow) std::function<void(pvpd_status)>(std::move(fn));
    if (boxed == nullptr) {
      return PVPD_E_NOMEM;
    }
    pvpd_status s = api_->post(ctx_, &Host::run_boxed, boxed);
    if (s != PVPD_OK) {
      delete boxed;
    }
    return s;
  }

  // One-shot timer. `fn(PVPD_OK)` after delay_ms, or `fn(PVPD_E_CANCELED)` if cancelled.
  pvpd_status after(uint64_t delay_ms, std::function<void(pvpd_status)> fn,
                    pvpd_timer_id *out = nullptr) const noexcept {
    auto *boxed = new (std::nothrow) std::function<void(pvpd_status)>(std::move(fn));
    if (boxed == nullptr) {
      return PVPD_E_NOMEM;
    }
    pvpd_timer_id id = 0;
    pvpd_status s = api_->timer_start(ctx_, delay_ms, 0, &Host::run_boxed, boxed, &id);
    if (s != PVPD_OK) {
      delete boxed;
    } else if (out != nullptr) {
      *out = id;
    }
    return s;
  }

  std::string_view state_dir() const noexcept { return to_view(api_->state_dir(ctx_)); }

 private:
  static void run_boxed(void *user, pvpd_status status) noexcept {
    auto *boxed = static_cast<std::function<void(pvpd_status)> *>(user);
    try {
      (*boxed)(status);
    } catch (...) {
      // Nothing may unwind into the host; the plugin's own logging is the place for details.
    }
    delete boxed;
  }

  pvpd_host_ctx *ctx_ = nullptr;
  const pvpd_host_api_v1 *api_ = nullptr;
};

// Collects validate() findings.
class ValidationReport {
 public:
  ValidationReport(pvpd_report_fn fn, void *user) noexcept : fn_(fn), user_(user) {}
  void add(std::string_view json_pointer, std::string_view message) noexcept {
    ++count_;
    fn_(user_, to_str(json_pointer), to_str(message));
  }
  int count() const noexcept { return count_; }

 private:
  pvpd_report_fn fn_;
  void *user_;
  int count_ = 0;
};

// Base class for plugin instances. Override what the plugin's kinds need.
class Plugin {
 public:
  explicit Plugin(Host host) noexcept : host_(host) {}
  virtual ~Plugin() = default;
  Plugin(const Plugin &) = delete;
  Plugin &operator=(const Plugin &) = delete;

  virtual pvpd_status start() { return PVPD_OK; }
  // Default: the host re-creates the instance with the new config.
  virtual pvpd_status reload(std::string_view /*config_json*/) { return PVPD_E_UNSUPPORTED; }
  virtual void stop() {}
  virtual pvpd_status deliver(const pvpd_conn_id * /*conns*/, std::size_t /*n*/,
                              const pvpd_msg_view & /*msg*/) {
    return PVPD_E_UNSUPPORTED;
  }
  virtual void close_conn(pvpd_conn_id /*conn*/, int32_t /*reason*/) {}
  virtual void flow(pvpd_conn_id /*conn*/, uint32_t /*allow_reads*/) {}
  // Return a JSON object, or an empty string for "no status".
  virtual std::string status_json() { return std::string(); }

  const Host &host() const noexcept { return host_; }

 private:
  Host host_;
};

// Option table helpers (constexpr, so descriptors stay constant-initialized).
constexpr pvpd_option_desc option(uint32_t type, const char *key, const char *default_json,
                                  const char *help, uint32_t flags = 0,
                                  const char *choices = nullptr, int64_t min_value = 0,
                                  int64_t max_value = 0) noexcept {
  return pvpd_option_desc{sizeof(pvpd_option_desc),
                          type,
                          flags,
                          0,
                          key,
                          default_json,
                          help,
                          choices,
                          min_value,
                          max_value};
}
constexpr pvpd_option_desc option_string(const char *key, const char *default_json,
                                         const char *help, uint32_t flags = 0) noexcept {
  return option(PVPD_OPT_STRING, key, default_json, help, flags);
}

namespace detail {

// Detects an optional `static void validate(std::string_view, ValidationReport&)`.
template <typename T, typename = void>
struct HasValidate : std::false_type {};
template <typename T>
struct HasValidate<T, std::void_t<decltype(T::validate(std::declval<std::string_view>(),
                                                       std::declval<ValidationReport &>()))>>
    : std::true_type {};

inline void log_exception(const Host &host, const char *hook) noexcept {
  try {
    throw;
  } catch (const std::exception &e) {
    std::string msg = std::string("exception in ") + hook + ": " + e.what();
    host.error(msg);
  } catch (...) {
    std::string msg = std::string("unknown exception in ") + hook;
    host.error(msg);
  }
}

template <typename T>
struct Trampolines {
  static T *self(void *p) noexcept { return static_cast<T *>(p); }

  static pvpd_status create(pvpd_host_ctx *ctx, const pvpd_host_api_v1 *api, pvpd_str cfg,
                            void **out) noexcept {
    Host host(ctx, api);
    try {
      *out = new T(host, to_view(cfg));
      return PVPD_OK;
    } catch (const std::bad_alloc &) {
      return PVPD_E_NOMEM;
    } catch (...) {
      log_exception(host, "create");
      return PVPD_E_INTERNAL;
    }
  }
  static pvpd_status start(void *p) noexcept {
    try {
      return self(p)->start();
    } catch (...) {
      log_exception(self(p)->host(), "start");
      return PVPD_E_INTERNAL;
    }
  }
  static pvpd_status reload(void *p, pvpd_str cfg) noexcept {
    try {
      return self(p)->reload(to_view(cfg));
    } catch (...) {
      log_exception(self(p)->host(), "reload");
      return PVPD_E_INTERNAL;
    }
  }
  static void stop(void *p) noexcept {
    try {
      self(p)->stop();
    } catch (...) {
      log_exception(self(p)->host(), "stop");
    }
  }
  static void destroy(void *p) noexcept {
    try {
      delete self(p);
    } catch (...) {
      // A throwing destructor has nowhere to report to: the host context may be half gone.
    }
  }
  static pvpd_status deliver(void *p, const pvpd_conn_id *conns, std::size_t n,
                             const pvpd_msg_view *msg) noexcept {
    try {
      return self(p)->deliver(conns, n, *msg);
    } catch (...) {
      log_exception(self(p)->host(), "deliver");
      return PVPD_E_INTERNAL;
    }
  }
  static void close_conn(void *p, pvpd_conn_id conn, int32_t reason) noexcept {
    try {
      self(p)->close_conn(conn, reason);
    } catch (...) {
      log_exception(self(p)->host(), "close_conn");
    }
  }
  static void flow(void *p, pvpd_conn_id conn, uint32_t allow) noexcept {
    try {
      self(p)->flow(conn, allow);
    } catch (...) {
      log_exception(self(p)->host(), "flow");
    }
  }
  static pvpd_status validate(pvpd_str cfg, pvpd_report_fn fn, void *user) noexcept {
    ValidationReport report(fn, user);
    try {
      if constexpr (HasValidate<T>::value) {
        T::validate(to_view(cfg), report);
      }
    } catch (...) {
      report.add("", "validate threw an exception");
    }
    return report.count() == 0 ? PVPD_OK : PVPD_E_INVAL;
  }
  static pvpd_status status_json(void *p, pvpd_buf **out) noexcept {
    try {
      std::string s = self(p)->status_json();
      if (s.empty()) {
        return PVPD_E_UNSUPPORTED;
      }
      const Host &h = self(p)->host();
      *out = h.api()->buf_copy(h.ctx(), s.data(), s.size());
      return *out == nullptr ? PVPD_E_NOMEM : PVPD_OK;
    } catch (...) {
      log_exception(self(p)->host(), "status_json");
      return PVPD_E_INTERNAL;
    }
  }

  static constexpr pvpd_plugin_vtable_v1 kVtable = {
      sizeof(pvpd_plugin_vtable_v1),
      0,
      &create,
      &start,
      &reload,
      &stop,
      &destroy,
      &deliver,
      &close_conn,
      &flow,
      HasValidate<T>::value ? &validate : nullptr,
      &status_json,
  };
};

constexpr uint32_t count_of(std::nullptr_t) noexcept {
  return 0;
}
template <std::size_t N>
constexpr uint32_t count_of(const pvpd_option_desc (&)[N]) noexcept {
  return static_cast<uint32_t>(N);
}

}  // namespace detail
}  // namespace pvpd

// Emits the descriptor and the exported entry symbol for plugin class CLASS.
// OPTIONS is a static constexpr array of pvpd_option_desc (use PVPD_NO_OPTIONS for none).
// MIN_HOST_MINOR defaults to 0 via PVPD_PLUGIN; use PVPD_PLUGIN_EX to require a newer host.
#define PVPD_PLUGIN_EX(CLASS, NAME, VERSION, DESCRIPTION, LICENSE, KINDS, FLAGS, OPTIONS,     \
                       OPTION_COUNT, MIN_HOST_MINOR)                                          \
  extern "C" PVPD_PLUGIN_EXPORT const pvpd_plugin_descriptor_v1 *pvpd_plugin_entry_v1(void) { \
    static constexpr pvpd_plugin_descriptor_v1 kDescriptor = {                                \
        sizeof(pvpd_plugin_descriptor_v1),                                                    \
        PVPD_ABI_MAJOR,                                                                       \
        PVPD_ABI_MINOR,                                                                       \
        (MIN_HOST_MINOR),                                                                     \
        (NAME),                                                                               \
        (VERSION),                                                                            \
        (DESCRIPTION),                                                                        \
        (LICENSE),                                                                            \
        (KINDS),                                                                              \
        (FLAGS),                                                                              \
        (OPTIONS),                                                                            \
        (OPTION_COUNT),                                                                       \
        0,                                                                                    \
        &::pvpd::detail::Trampolines<CLASS>::kVtable,                                         \
    };                                                                                        \
    return &kDescriptor;                                                                      \
  }

#define PVPD_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION, LICENSE, KINDS, OPTIONS)                 \
  PVPD_PLUGIN_EX(CLASS, NAME, VERSION, DESCRIPTION, LICENSE, KINDS, PVPD_PLUGIN_MULTI_INSTANCE, \
                 OPTIONS, ::pvpd::detail::count_of(OPTIONS), 0)

#define PVPD_NO_OPTIONS nullptr

#endif  // PVPD_PLUGIN_HPP
