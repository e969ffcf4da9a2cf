// Host adapter; see host_sink.h.
#include "host_sink.h"

#include "frames.h"

namespace pvpd::t140 {

HostSink::HostSink(pvpd::Host host, const ListenerSettings &settings, Counters *counters)
    : host_(host),
      session_(settings.session),
      session_name_(settings.session_name),
      session_config_(settings.session_config),
      create_session_(settings.create_session),
      token_(settings.token),
      counters_(counters) {}

pvpd_conn_id HostSink::connect(const SpeakerInfo &speaker) {
  pvpd_conn_info info{};
  info.struct_size = sizeof info;
  // Open auth mode admits only local peers: say so only when the sender really is one.
  info.flags = speaker.loopback ? PVPD_CONN_LOCAL : 0;
  info.transport = pvpd::to_str("t140");
  info.peer = pvpd::to_str(speaker.peer);
  info.credential = pvpd::to_str(token_);
  pvpd_conn_id conn = 0;
  pvpd_status s = host_.conn_open(info, &conn);
  if (s != PVPD_OK) {
    host_.warn("t140: conn_open for " + speaker.source + " failed: " + pvpd::status_name(s));
    Counters::add(counters_->host_errors);
    return 0;
  }
  if (create_session_) {
    send(speaker, conn, create_frame(session_, session_name_, session_config_, speaker));
  }
  send(speaker, conn, join_frame(session_, speaker));
  return conn;
}

void HostSink::send(const SpeakerInfo &speaker, pvpd_conn_id conn, const std::string &frame) {
  pvpd_status s = host_.conn_inbound(conn, frame);
  if (s == PVPD_E_AGAIN) {
    // Accepted; UDP cannot push back, so only count it (the core's queue bounds memory).
    Counters::add(counters_->ingress_backpressure);
  } else if (s != PVPD_OK) {
    Counters::add(counters_->host_errors);
    host_.warn("t140: conn_inbound for " + speaker.source + " failed: " + pvpd::status_name(s));
  }
}

void HostSink::open(const SpeakerInfo &speaker) {
  pvpd_conn_id conn = connect(speaker);
  std::lock_guard<std::mutex> lock(mu_);
  if (conn != 0) {
    conns_[speaker.handle] = conn;
  }
  host_.info("t140: stream " + speaker.source + " from " + speaker.peer + " joined session " +
             session_ + " as " + speaker.participant_id);
}

void HostSink::chunk(const SpeakerInfo &speaker, const Chunk &chunk) {
  pvpd_conn_id conn = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = conns_.find(speaker.handle);
    if (it != conns_.end() && host_closed_.count(it->second) == 0) {
      conn = it->second;
    } else if (it != conns_.end()) {
      host_closed_.erase(it->second);
      conns_.erase(it);
    }
  }
  if (conn == 0) {
    conn = connect(speaker);  // first text after the host closed us: join again
    if (conn == 0) {
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    conns_[speaker.handle] = conn;
  }
  send(speaker, conn, context_frame(session_, speaker, chunk));
}

void HostSink::close(const SpeakerInfo &speaker) {
  pvpd_conn_id conn = 0;
  bool host_closed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = conns_.find(speaker.handle);
    if (it == conns_.end()) {
      return;
    }
    conn = it->second;
    host_closed = host_closed_.erase(conn) > 0;
    conns_.erase(it);
  }
  if (!host_closed) {
    send(speaker, conn, leave_frame(session_, speaker, "t140 stream silent"));
    host_.conn_closed(conn, PVPD_CLOSE_IDLE);
  }
  host_.info("t140: stream " + speaker.source + " (" + speaker.participant_id + ") left");
}

bool HostSink::owns(pvpd_conn_id conn) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto &[handle, c] : conns_) {
    if (c == conn) {
      return true;
    }
  }
  return false;
}

bool HostSink::on_host_close(pvpd_conn_id conn, int32_t reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    bool mine = false;
    for (const auto &[handle, c] : conns_) {
      mine = mine || c == conn;
    }
    if (!mine || !host_closed_.insert(conn).second) {
      return mine;
    }
  }
  host_.conn_closed(conn, reason);
  return true;
}

}  // namespace pvpd::t140
