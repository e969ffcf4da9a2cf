#include "bus/shared_buffer.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace pvpd::bus {
namespace {
std::atomic<size_t> g_alive{0};
}  // namespace

pvpd_buf *buffer_create(std::string_view bytes) noexcept {
  void *mem = std::malloc(sizeof(pvpd_buf) + bytes.size() + 1);
  if (mem == nullptr) {
    return nullptr;
  }
  auto *buf = new (mem) pvpd_buf;
  buf->refs.store(1, std::memory_order_relaxed);
  buf->len = bytes.size();
  buf->data = static_cast<char *>(mem) + sizeof(pvpd_buf);
  if (!bytes.empty()) {
    std::memcpy(buf->data, bytes.data(), bytes.size());
  }
  buf->data[bytes.size()] = '\0';
  g_alive.fetch_add(1, std::memory_order_relaxed);
  return buf;
}

void buffer_ref(const pvpd_buf *buf) noexcept {
  const_cast<pvpd_buf *>(buf)->refs.fetch_add(1, std::memory_order_relaxed);
}

void buffer_unref(const pvpd_buf *buf) noexcept {
  auto *mut = const_cast<pvpd_buf *>(buf);
  // acq_rel: the freeing thread must see every write made by threads that dropped earlier refs.
  if (mut->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    mut->~pvpd_buf();
    std::free(mut);
    g_alive.fetch_sub(1, std::memory_order_relaxed);
  }
}

size_t buffers_alive() noexcept {
  return g_alive.load(std::memory_order_relaxed);
}

}  // namespace pvpd::bus
