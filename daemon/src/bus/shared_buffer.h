// SharedBuffer: the host's implementation of the ABI's opaque `pvpd_buf`.
//
// An accepted message is serialized once into one SharedBuffer; fan-out to any number of
// receivers hands out references, never copies (DESIGN.md §1 "serialize once").
//
// THREAD: the refcount is atomic, so references may be taken and dropped on any thread. The
// bytes are immutable after creation, so reading them needs no synchronization.
// OWNERSHIP: create() returns a buffer with one reference owned by the caller; the last unref
// frees it. BufferRef is the RAII holder used inside the daemon.
#pragma once

#include <pvpd/plugin_abi.h>

#include <atomic>
#include <cstddef>
#include <string_view>
#include <utility>

// The ABI declares `struct pvpd_buf` opaque; this is its only definition.
struct pvpd_buf {
  std::atomic<uint32_t> refs;
  size_t len;
  char *data;  // points just past this header, inside the same allocation
};

namespace pvpd::bus {

// Returns a new buffer holding a copy of `bytes` (NUL-terminated for convenience, the NUL is
// not counted in len), refcount 1; nullptr if allocation fails.
pvpd_buf *buffer_create(std::string_view bytes) noexcept;
void buffer_ref(const pvpd_buf *buf) noexcept;
void buffer_unref(const pvpd_buf *buf) noexcept;
inline std::string_view buffer_view(const pvpd_buf *buf) noexcept {
  return std::string_view(buf->data, buf->len);
}
// Current number of live buffers in the process (for tests and /metrics).
size_t buffers_alive() noexcept;

// Intrusive, copyable reference.
class BufferRef {
 public:
  BufferRef() = default;
  static BufferRef adopt(pvpd_buf *buf) noexcept { return BufferRef(buf); }
  static BufferRef copy_of(std::string_view bytes) noexcept { return adopt(buffer_create(bytes)); }
  BufferRef(const BufferRef &o) noexcept : buf_(o.buf_) {
    if (buf_ != nullptr) {
      buffer_ref(buf_);
    }
  }
  BufferRef(BufferRef &&o) noexcept : buf_(std::exchange(o.buf_, nullptr)) {}
  BufferRef &operator=(BufferRef o) noexcept {
    std::swap(buf_, o.buf_);
    return *this;
  }
  ~BufferRef() {
    if (buf_ != nullptr) {
      buffer_unref(buf_);
    }
  }
  const pvpd_buf *get() const noexcept { return buf_; }
  std::string_view view() const noexcept {
    return buf_ == nullptr ? std::string_view() : buffer_view(buf_);
  }
  explicit operator bool() const noexcept { return buf_ != nullptr; }

 private:
  explicit BufferRef(pvpd_buf *buf) noexcept : buf_(buf) {}
  pvpd_buf *buf_ = nullptr;
};

}  // namespace pvpd::bus
