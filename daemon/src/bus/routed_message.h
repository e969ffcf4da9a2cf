// RoutedMessage: an accepted, stamped message ready for fan-out: the one shared buffer plus
// the header fields transports and subscribers filter on.
//
// THREAD: immutable once built; the buffer is refcounted, so copies are cheap and may travel
// to any thread.
#pragma once

#include <pvpd/plugin_abi.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "bus/envelope.h"
#include "bus/shared_buffer.h"

namespace pvpd::bus {

struct RoutedMessage {
  BufferRef buffer;
  std::string type;
  std::string session;
  std::string sender;
  std::string id;
  uint64_t seq = 0;
  uint32_t flags = 0;  // PVPD_MSG_*

  // Encodes `env` once and captures its header fields.
  static RoutedMessage from(const Envelope &env, uint64_t seq, uint32_t flags);

  // A view whose strings borrow from this object; valid while it lives.
  pvpd_msg_view view() const;
};

// True for the streaming deltas a transport may drop or coalesce under pressure.
bool is_droppable_type(std::string_view type);

}  // namespace pvpd::bus
