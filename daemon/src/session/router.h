// Router: the core's ingress for PVP messages: parse, check, stamp, route.
//
// Foundation scope: the router validates the envelope, binds each connection to one
// participant identity chosen by the server (the first frame's `sender`, or "conn-<id>"),
// overwrites `sender` on every later frame with that identity, makes a connection a member of
// each session it sends to, stamps `id` (when absent), `ts` and a per-session `seq`, and
// broadcasts to the session's members. Malformed frames are answered with a PVP `error` frame
// to the sender only. The full PVP session protocol (join, roles, gates, forks) builds on this
// in session/ (issue "protocol").
//
// THREAD: core thread only.
#pragma once

#include <pvpd/plugin_abi.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bus/bus.h"
#include "bus/connection_table.h"
#include "bus/envelope.h"
#include "util/ulid.h"

namespace pvpd::session {

struct RouterOptions {
  size_t max_message_bytes = 1 << 20;
};

struct RouterCounters {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
};

class Router {
 public:
  Router(bus::ConnectionTable &connections, bus::Bus &bus, RouterOptions options)
      : connections_(connections), bus_(bus), options_(options) {}

  void set_options(const RouterOptions &options) { options_ = options; }

  // One frame from a connection.
  void on_inbound(pvpd_conn_id conn, std::string_view json);
  // One frame published by a bridge plugin instance, sent as `identity`.
  void on_publish(std::string_view identity, std::string_view json);
  // Answers a frame refused before parsing (e.g. over the size limit) with an error frame.
  void reject(pvpd_conn_id conn, std::string_view code, std::string_view message) {
    ++counters_.rejected;
    send_error(conn, code, message, {}, {});
  }
  // The connection is gone: leave every session.
  void on_closed(pvpd_conn_id conn);

  uint64_t last_seq(const std::string &session) const;
  const RouterCounters &counters() const { return counters_; }

 private:
  // Stamps and broadcasts an accepted envelope.
  void route(bus::Envelope &env, std::string_view sender);
  void send_error(pvpd_conn_id conn, std::string_view code, std::string_view message,
                  std::string_view related_to, std::string_view session);

  bus::ConnectionTable &connections_;
  bus::Bus &bus_;
  RouterOptions options_;
  RouterCounters counters_;
  std::unordered_map<std::string, uint64_t> seq_;
  UlidGenerator ids_;
};

}  // namespace pvpd::session
