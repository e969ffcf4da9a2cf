#include "plugin_host/host_api.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "bus/bus.h"
#include "bus/shared_buffer.h"
#include "plugin_host/plugin_instance.h"

namespace pvpd::plugin_host {
namespace {

std::string_view view_of(pvpd_str s) {
  return s.len == 0 || s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

PluginInstance *instance_of(pvpd_host_ctx *ctx) {
  return ctx == nullptr ? nullptr : ctx->instance;
}

// Runs `fn` for a live instance, mapping a missing context, a stopped instance and any
// exception to a status, so no slot can crash or unwind into the plugin.
template <typename Fn>
pvpd_status guarded(pvpd_host_ctx *ctx, Fn &&fn) noexcept {
  PluginInstance *inst = instance_of(ctx);
  if (inst == nullptr) {
    return PVPD_E_INVAL;
  }
  if (!inst->accepting_calls()) {
    return PVPD_E_STATE;
  }
  try {
    return fn(*inst);
  } catch (const std::bad_alloc &) {
    return PVPD_E_NOMEM;
  } catch (...) {
    return PVPD_E_INTERNAL;
  }
}

void api_log(pvpd_host_ctx *ctx, int32_t level, pvpd_str message) noexcept {
  PluginInstance *inst = instance_of(ctx);
  if (inst == nullptr) {
    return;
  }
  try {
    inst->log(level, view_of(message));
  } catch (...) {
  }
}

pvpd_buf *api_buf_copy(pvpd_host_ctx * /*ctx*/, const void *data, size_t len) noexcept {
  if (data == nullptr && len != 0) {
    return nullptr;
  }
  return bus::buffer_create(std::string_view(static_cast<const char *>(data), len));
}
void api_buf_ref(const pvpd_buf *buf) noexcept {
  if (buf != nullptr) {
    bus::buffer_ref(buf);
  }
}
void api_buf_unref(const pvpd_buf *buf) noexcept {
  if (buf != nullptr) {
    bus::buffer_unref(buf);
  }
}
pvpd_str api_buf_view(const pvpd_buf *buf) noexcept {
  if (buf == nullptr) {
    return pvpd_str{nullptr, 0};
  }
  return pvpd_str{buf->data, buf->len};
}

pvpd_status api_conn_open(pvpd_host_ctx *ctx, const pvpd_conn_info *info,
                          pvpd_conn_id *out) noexcept {
  if (info == nullptr || out == nullptr || info->struct_size < sizeof(uint32_t) * 2) {
    return PVPD_E_INVAL;
  }
  return guarded(ctx, [&](PluginInstance &i) { return i.core().conn_open(i, *info, out); });
}
pvpd_status api_conn_inbound(pvpd_host_ctx *ctx, pvpd_conn_id conn, pvpd_str json) noexcept {
  return guarded(ctx,
                 [&](PluginInstance &i) { return i.core().conn_inbound(i, conn, view_of(json)); });
}
pvpd_status api_conn_closed(pvpd_host_ctx *ctx, pvpd_conn_id conn, int32_t reason) noexcept {
  return guarded(ctx, [&](PluginInstance &i) { return i.core().conn_closed(i, conn, reason); });
}
pvpd_status api_conn_pressure(pvpd_host_ctx *ctx, pvpd_conn_id conn, uint32_t level) noexcept {
  return guarded(ctx, [&](PluginInstance &i) { return i.core().conn_pressure(i, conn, level); });
}
pvpd_status api_publish(pvpd_host_ctx *ctx, pvpd_str json) noexcept {
  return guarded(ctx, [&](PluginInstance &i) { return i.core().publish(i, view_of(json)); });
}

pvpd_status api_subscribe(pvpd_host_ctx *ctx, const pvpd_sub_filter *filter, pvpd_msg_fn on_msg,
                          void *user, pvpd_sub_id *out) noexcept {
  if (on_msg == nullptr || out == nullptr) {
    return PVPD_E_INVAL;
  }
  return guarded(ctx, [&](PluginInstance &i) {
    std::string session;
    std::string prefix;
    if (filter != nullptr &&
        filter->struct_size >= offsetof(pvpd_sub_filter, type_prefix) + sizeof(pvpd_str)) {
      session = std::string(view_of(filter->session));
      prefix = std::string(view_of(filter->type_prefix));
    }
    *out = i.core().bus().subscribe(&i, std::move(session), std::move(prefix), on_msg, user);
    return PVPD_OK;
  });
}
pvpd_status api_unsubscribe(pvpd_host_ctx *ctx, pvpd_sub_id sub) noexcept {
  return guarded(ctx, [&](PluginInstance &i) {
    return i.core().bus().unsubscribe(&i, sub) ? PVPD_OK : PVPD_E_NOENT;
  });
}

pvpd_status api_post(pvpd_host_ctx *ctx, pvpd_task_fn fn, void *user) noexcept {
  return guarded(ctx, [&](PluginInstance &i) { return i.post_task(fn, user); });
}
pvpd_status api_timer_start(pvpd_host_ctx *ctx, uint64_t delay_ms, uint64_t period_ms,
                            pvpd_task_fn fn, void *user, pvpd_timer_id *out) noexcept {
  return guarded(
      ctx, [&](PluginInstance &i) { return i.start_timer(delay_ms, period_ms, fn, user, out); });
}
pvpd_status api_timer_cancel(pvpd_host_ctx *ctx, pvpd_timer_id timer) noexcept {
  return guarded(ctx, [&](PluginInstance &i) { return i.cancel_timer(timer); });
}
pvpd_status api_run_blocking(pvpd_host_ctx *ctx, pvpd_task_fn work, pvpd_task_fn done,
                             void *user) noexcept {
  return guarded(ctx, [&](PluginInstance &i) { return i.run_blocking(work, done, user); });
}

pvpd_status api_take_listen_fd(pvpd_host_ctx *ctx, pvpd_str name, int32_t *fd_out) noexcept {
  if (fd_out == nullptr) {
    return PVPD_E_INVAL;
  }
  return guarded(ctx, [&](PluginInstance &i) {
    auto fd = i.core().take_listen_fd(view_of(name));
    if (!fd) {
      return PVPD_E_NOENT;
    }
    *fd_out = *fd;
    return PVPD_OK;
  });
}

pvpd_str api_state_dir(pvpd_host_ctx *ctx) noexcept {
  PluginInstance *inst = instance_of(ctx);
  if (inst == nullptr) {
    return pvpd_str{nullptr, 0};
  }
  // std::string storage is NUL-terminated, as the ABI promises.
  return pvpd_str{inst->state_dir().c_str(), inst->state_dir().size()};
}

bool valid_credential_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") {
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '@';
    if (!ok) {
      return false;
    }
  }
  return true;
}

pvpd_status api_read_credential(pvpd_host_ctx *ctx, pvpd_str name, pvpd_buf **out) noexcept {
  if (out == nullptr) {
    return PVPD_E_INVAL;
  }
  return guarded(ctx, [&](PluginInstance &i) -> pvpd_status {
    std::string_view n = view_of(name);
    if (!valid_credential_name(n)) {
      return PVPD_E_INVAL;  // also keeps "../x" from escaping the credentials directory
    }
    std::string dir = i.core().credentials_dir();
    if (dir.empty()) {
      return PVPD_E_NOENT;
    }
    std::string path = dir + "/" + std::string(n);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
      return errno == ENOENT ? PVPD_E_NOENT : PVPD_E_PERM;
    }
    std::string data;
    char chunk[4096];
    for (;;) {
      ssize_t r = ::read(fd, chunk, sizeof(chunk));
      if (r < 0 && errno == EINTR) {
        continue;
      }
      if (r <= 0) {
        break;
      }
      data.append(chunk, static_cast<size_t>(r));
      if (data.size() > (1u << 20)) {
        ::close(fd);
        return PVPD_E_TOOBIG;
      }
    }
    ::close(fd);
    // Credential files conventionally end with a newline that is not part of the secret.
    while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) {
      data.pop_back();
    }
    *out = bus::buffer_create(data);
    std::fill(data.begin(), data.end(), '\0');
    return *out == nullptr ? PVPD_E_NOMEM : PVPD_OK;
  });
}

pvpd_status copy_out(const std::string &text, pvpd_buf **out) {
  *out = bus::buffer_create(text);
  return *out == nullptr ? PVPD_E_NOMEM : PVPD_OK;
}

pvpd_status api_daemon_status_json(pvpd_host_ctx *ctx, pvpd_buf **out) noexcept {
  if (out == nullptr) {
    return PVPD_E_INVAL;
  }
  return guarded(ctx,
                 [&](PluginInstance &i) { return copy_out(i.core().daemon_status_json(), out); });
}

pvpd_status api_metrics_text(pvpd_host_ctx *ctx, pvpd_buf **out) noexcept {
  if (out == nullptr) {
    return PVPD_E_INVAL;
  }
  return guarded(ctx, [&](PluginInstance &i) { return copy_out(i.core().metrics_text(), out); });
}

// ---- 1.2 ----

bool on_core_thread(PluginInstance &i) {
  return i.core().core_context().get_executor().running_in_this_thread();
}

pvpd_status string_out(pvpd_status st, const std::string &text, pvpd_buf **out) {
  return st == PVPD_OK ? copy_out(text, out) : st;
}

pvpd_str api_instance_id(pvpd_host_ctx *ctx) noexcept {
  PluginInstance *inst = instance_of(ctx);
  if (inst == nullptr) {
    return pvpd_str{nullptr, 0};
  }
  return pvpd_str{inst->id().c_str(), inst->id().size()};
}

// A 1.2 query whose answer is a new buffer: `query(core, &text)` fills it. Queries that read
// journal files (`off_core`) are refused on the core thread, which must not block.
template <typename Query>
pvpd_status query_out(pvpd_host_ctx *ctx, pvpd_buf **out, bool off_core, Query &&query) noexcept {
  if (out == nullptr) {
    return PVPD_E_INVAL;
  }
  return guarded(ctx, [&](PluginInstance &i) {
    if (off_core && on_core_thread(i)) {
      return PVPD_E_STATE;
    }
    std::string text;
    return string_out(query(i.core(), &text), text, out);
  });
}

pvpd_status api_journal_head(pvpd_host_ctx *ctx, pvpd_str session, pvpd_buf **out) noexcept {
  return query_out(ctx, out, false, [&](CoreServices &core, std::string *text) {
    return core.journal_head(view_of(session), text);
  });
}

pvpd_status api_session_find(pvpd_host_ctx *ctx, pvpd_str name, pvpd_buf **out) noexcept {
  return query_out(ctx, out, false, [&](CoreServices &core, std::string *text) {
    return core.session_find(view_of(name), text);
  });
}

pvpd_status api_admin_sessions_json(pvpd_host_ctx *ctx, pvpd_str token, pvpd_buf **out) noexcept {
  return query_out(ctx, out, true, [&](CoreServices &core, std::string *text) {
    return core.admin_sessions_json(view_of(token), text);
  });
}

pvpd_status api_admin_transcript(pvpd_host_ctx *ctx, pvpd_str token, pvpd_str session,
                                 uint64_t from_seq, uint32_t format, pvpd_buf **out) noexcept {
  return query_out(ctx, out, true, [&](CoreServices &core, std::string *text) {
    return core.admin_transcript(view_of(token), view_of(session), from_seq, format, text);
  });
}

pvpd_status api_session_set_workdir(pvpd_host_ctx *ctx, pvpd_str session, pvpd_str path) noexcept {
  return guarded(ctx, [&](PluginInstance &i) {
    if (!on_core_thread(i)) {
      return PVPD_E_STATE;
    }
    return i.core().session_set_workdir(view_of(session), view_of(path));
  });
}

const pvpd_host_api_v1 kTable = {
    sizeof(pvpd_host_api_v1),
    PVPD_ABI_MAJOR,
    PVPD_ABI_MINOR,
    0,
    &api_log,
    &api_buf_copy,
    &api_buf_ref,
    &api_buf_unref,
    &api_buf_view,
    &api_conn_open,
    &api_conn_inbound,
    &api_conn_closed,
    &api_conn_pressure,
    &api_publish,
    &api_subscribe,
    &api_unsubscribe,
    &api_post,
    &api_timer_start,
    &api_timer_cancel,
    &api_run_blocking,
    &api_take_listen_fd,
    &api_state_dir,
    &api_read_credential,
    // 1.1
    &api_daemon_status_json,
    &api_metrics_text,
    // 1.2
    &api_instance_id,
    &api_journal_head,
    &api_session_find,
    &api_admin_sessions_json,
    &api_admin_transcript,
    &api_session_set_workdir,
};

}  // namespace

const pvpd_host_api_v1 &host_api_table() {
  return kTable;
}

}  // namespace pvpd::plugin_host
