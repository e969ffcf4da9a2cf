// Fuzz target: a sequence of frames from two connections through the router, the bus and
// the subscriber tables. Input: frames separated by newlines; the first byte of each frame
// picks the connection.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bus/bus.h"
#include "session/router.h"

namespace {
class NullEndpoint : public pvpd::bus::Endpoint {
 public:
  void deliver(const pvpd_conn_id *, size_t, const pvpd_msg_view &msg) override {
    bytes += msg.envelope->len;
  }
  void close_conn(pvpd_conn_id, int32_t) override {}
  void flow(pvpd_conn_id, uint32_t) override {}
  std::string_view endpoint_name() const override { return "fuzz"; }
  size_t bytes = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  NullEndpoint ep;
  pvpd::bus::ConnectionTable conns;
  pvpd::bus::Bus bus(conns);
  pvpd::session::Router router(conns, bus, pvpd::session::RouterOptions{64 * 1024});
  pvpd_conn_id ids[2];
  for (auto &id : ids) {
    pvpd::bus::Connection c;
    c.id = pvpd::bus::ConnectionTable::allocate_id();
    c.endpoint = &ep;
    id = conns.add(std::move(c)).id;
  }
  std::string_view input(reinterpret_cast<const char *>(data), size);
  while (!input.empty()) {
    size_t nl = input.find('\n');
    std::string_view frame = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    if (frame.empty()) {
      continue;
    }
    pvpd_conn_id conn = ids[static_cast<unsigned char>(frame[0]) & 1u];
    if (frame[0] == 'X') {
      router.on_closed(conn);
      continue;
    }
    router.on_inbound(conn, frame.substr(1));
  }
  return 0;
}
