// A minimal pvpd_host_api_v1 for the loader tests: enough to create, start, stop and destroy a
// fixture plugin and see what it logged. Only log and the buffer slots do anything; every other
// slot returns PVPD_E_UNSUPPORTED.
//
// THREAD: single-threaded tests only. OWNERSHIP: buffers are heap std::string with a plain
// counter; the test owns the LoaderFakeHost and must outlive every instance it created.
#pragma once

#include <pvpd/plugin_abi.h>

#include <string>
#include <vector>

namespace pvpd::plugin_host::testing {

// Not `struct pvpd_buf`: pvpd_core defines the real one, and the test links pvpd_core.
struct FakeBuf {
  std::string bytes;
  int refs = 1;
};
inline FakeBuf *fake(const pvpd_buf *b) {
  return reinterpret_cast<FakeBuf *>(const_cast<pvpd_buf *>(b));
}

class LoaderFakeHost {
 public:
  LoaderFakeHost() {
    api_.struct_size = sizeof(api_);
    api_.abi_major = PVPD_ABI_MAJOR;
    api_.abi_minor = PVPD_ABI_MINOR;
    api_.log = &LoaderFakeHost::log;
    api_.buf_copy = &LoaderFakeHost::buf_copy;
    api_.buf_ref = [](const pvpd_buf *b) { ++fake(b)->refs; };
    api_.buf_unref = [](const pvpd_buf *b) {
      if (--fake(b)->refs == 0) {
        delete fake(b);
      }
    };
    api_.buf_view = [](const pvpd_buf *b) {
      return pvpd_str{fake(b)->bytes.data(), fake(b)->bytes.size()};
    };
    api_.conn_closed = [](pvpd_host_ctx *, pvpd_conn_id, int32_t) -> pvpd_status {
      return PVPD_OK;
    };
  }

  const pvpd_host_api_v1 *api() const { return &api_; }
  // The context is this object: the fake needs no per-instance state.
  pvpd_host_ctx *ctx() { return reinterpret_cast<pvpd_host_ctx *>(this); }
  const std::vector<std::string> &lines() const { return lines_; }
  std::string joined() const {
    std::string out;
    for (const std::string &l : lines_) {
      out += l + "\n";
    }
    return out;
  }

 private:
  static void log(pvpd_host_ctx *ctx, int32_t /*level*/, pvpd_str message) {
    reinterpret_cast<LoaderFakeHost *>(ctx)->lines_.emplace_back(message.ptr, message.len);
  }
  static pvpd_buf *buf_copy(pvpd_host_ctx *, const void *data, size_t len) {
    auto *b = new FakeBuf;
    b->bytes.assign(static_cast<const char *>(data), len);
    return reinterpret_cast<pvpd_buf *>(b);
  }

  pvpd_host_api_v1 api_{};
  std::vector<std::string> lines_;
};

}  // namespace pvpd::plugin_host::testing
