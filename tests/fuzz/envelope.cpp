// Fuzz target: the envelope parser (every inbound frame from every transport) and the
// encoder that serializes what it accepted.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bus/envelope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view json(reinterpret_cast<const char *>(data), size);
  pvpd::bus::Envelope env;
  pvpd::bus::EnvelopeError err;
  if (pvpd::bus::parse_envelope(json, 1 << 20, &env, &err)) {
    env.set_string("sender", "fuzz");
    env.set_uint("seq", 1);
    pvpd::bus::BufferRef out = env.encode();
    // What we accepted and re-encoded must parse again.
    pvpd::bus::Envelope again;
    if (!pvpd::bus::parse_envelope(out.view(), 4 << 20, &again, &err)) {
      __builtin_trap();
    }
  }
  return 0;
}
