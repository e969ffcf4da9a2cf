// Endpoint: what the bus delivers to. A plugin instance that owns connections (a transport, or
// an agent using internal connections) is an Endpoint; tests implement it directly.
//
// THREAD: every method is called on the core thread only.
// LIFETIME: an Endpoint outlives every Connection that names it; the plugin host removes an
// instance's connections from the bus before the instance is destroyed.
#pragma once

#include <pvpd/plugin_abi.h>

#include <cstddef>
#include <string_view>

namespace pvpd::bus {

class Endpoint {
 public:
  virtual ~Endpoint() = default;
  // Queue one message to each of `conns` (one call per message per endpoint).
  virtual void deliver(const pvpd_conn_id *conns, size_t n, const pvpd_msg_view &msg) = 0;
  // Ask the transport to close a connection; it reports back through conn_closed.
  virtual void close_conn(pvpd_conn_id conn, int32_t reason) = 0;
  // Resume (1) reading from a connection paused by ingress backpressure.
  virtual void flow(pvpd_conn_id conn, uint32_t allow_reads) = 0;
  // For logs: "websocket/ws-public".
  virtual std::string_view endpoint_name() const = 0;
};

}  // namespace pvpd::bus
