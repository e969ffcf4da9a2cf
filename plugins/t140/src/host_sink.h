// Turns pipeline events into host calls: each stream becomes a host connection (conn_open,
// transport "t140", PVPD_CONN_LOCAL for loopback senders, the listener's token as the connect
// credential) that sends session.create/session.join, then context.add per chunk, and
// session.leave + conn_closed when the stream expires.
//
// THREAD: open/chunk/close run on the plugin's listener thread and only make host calls
// documented THREAD: any. on_host_close and on_error are called on the core thread; the state
// they share with the listener thread is behind mu_.
// OWNERSHIP: one per listener, owned by the Receiver; borrows Counters.
#pragma once

#include <pvpd/plugin.hpp>

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "counters.h"
#include "listener_pipeline.h"
#include "options.h"

namespace pvpd::t140 {

class HostSink final : public SpeakerSink {
 public:
  HostSink(pvpd::Host host, const ListenerSettings &settings, Counters *counters);

  void open(const SpeakerInfo &speaker) override;
  void chunk(const SpeakerInfo &speaker, const Chunk &chunk) override;
  void close(const SpeakerInfo &speaker) override;

  // Core thread: the host closed one of our connections (shutdown, policy). Returns false when
  // the id is not one of this sink's.
  bool on_host_close(pvpd_conn_id conn, int32_t reason);
  bool owns(pvpd_conn_id conn) const;

 private:
  struct Stream {
    pvpd_conn_id conn = 0;
    std::string session;  // the session this stream joined
  };
  // The session a new stream joins: `session`, or with join_by_name the newest live session
  // named session_name (falling back to `session` when it may create one). Empty: none.
  std::string target_session() const;
  // Opens the connection and joins; conn 0 on failure (logged) or without a target session.
  Stream connect(const SpeakerInfo &speaker);
  void send(const SpeakerInfo &speaker, pvpd_conn_id conn, const std::string &frame);

  pvpd::Host host_;
  std::string session_;
  std::string session_name_;
  std::string session_config_;
  bool create_session_;
  bool join_by_name_;
  bool gated_;
  std::string token_;
  Counters *counters_;
  mutable std::mutex mu_;
  std::map<uint64_t, Stream> conns_;    // speaker handle -> live connection
  std::set<pvpd_conn_id> host_closed_;  // closed by the host; reopened on next text
};

}  // namespace pvpd::t140
