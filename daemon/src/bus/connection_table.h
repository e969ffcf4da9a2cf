// ConnectionTable: every live connection the core knows, by id.
//
// A connection is registered by a transport's conn_open and removed once the core has
// processed its conn_closed. Ids are never reused (a 64-bit counter), so a stale id simply is
// not found: that is the "generation tag" of the ABI.
//
// THREAD: core thread only (ids are allocated with an atomic counter on any thread, see
// allocate_id()).
#pragma once

#include <pvpd/plugin_abi.h>

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>

#include "bus/endpoint.h"

namespace pvpd::bus {

struct Connection {
  pvpd_conn_id id = 0;
  Endpoint *endpoint = nullptr;  // not owned
  uint32_t flags = 0;            // PVPD_CONN_*
  std::string transport;
  std::string peer;
  std::string credential;  // secret: never logged
  std::string tls_peer_subject;
  std::string participant;         // bound identity once authenticated/joined; empty before
  std::string internal_owner;      // PVPD_CONN_INTERNAL: the agent instance id that opened it
  std::set<std::string> sessions;  // sessions this connection receives
  bool under_pressure = false;     // transport reported its queue over high water
  bool reads_paused = false;       // conn_inbound answered AGAIN; waiting for flow(1)
  uint64_t dropped_while_pressured = 0;
};

class ConnectionTable {
 public:
  // THREAD: any. Never returns 0.
  static pvpd_conn_id allocate_id() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }

  Connection &add(Connection conn);
  Connection *find(pvpd_conn_id id);
  // Returns false when the id is unknown.
  bool remove(pvpd_conn_id id);
  size_t size() const { return conns_.size(); }
  template <typename Fn>
  void for_each(Fn &&fn) {
    for (auto &[id, conn] : conns_) {
      fn(conn);
    }
  }

 private:
  std::unordered_map<pvpd_conn_id, Connection> conns_;
};

}  // namespace pvpd::bus
