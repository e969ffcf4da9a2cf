// Host adapter; see host_sink.h.
#include "host_sink.h"

#include <rapidjson/document.h>

#include "frames.h"

namespace pvpd::t140 {

HostSink::HostSink(pvpd::Host host, const ListenerSettings &settings, Counters *counters)
    : host_(host),
      session_(settings.session),
      session_name_(settings.session_name),
      session_config_(settings.session_config),
      create_session_(settings.create_session),
      join_by_name_(settings.join_by_name),
      gated_(settings.gate_transcripts),
      token_(settings.token),
      counters_(counters) {}

std::string HostSink::target_session() const {
  if (!join_by_name_) {
    return session_;
  }
  if (host_.has(&pvpd_host_api_v1::session_find)) {
    pvpd_buf *out = nullptr;
    if (host_.api()->session_find(host_.ctx(), pvpd::to_str(session_name_), &out) == PVPD_OK) {
      pvpd::BufRef buf(host_.api(), out);
      rapidjson::Document d;
      const std::string_view view = buf.view();
      d.Parse(view.data(), view.size());
      if (d.IsObject() && d.HasMember("id") && d["id"].IsString()) {
        return std::string(d["id"].GetString(), d["id"].GetStringLength());
      }
    }
  }
  return create_session_ ? session_ : std::string();
}

HostSink::Stream HostSink::connect(const SpeakerInfo &speaker) {
  Stream stream;
  stream.session = target_session();
  if (stream.session.empty()) {
    return stream;  // join_by_name without a session of that name, and no creating
  }
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
    return stream;
  }
  if (create_session_) {
    // Idempotent; for a session found by name the creator's config stays.
    send(speaker, conn, create_frame(stream.session, session_name_, session_config_, speaker));
  }
  send(speaker, conn, join_frame(stream.session, speaker));
  stream.conn = conn;
  return stream;
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
  Stream stream = connect(speaker);
  if (stream.conn == 0) {
    if (stream.session.empty()) {
      host_.warn("t140: stream " + speaker.source + ": no live session named '" + session_name_ +
                 "' (join_by_name, create_session false); its text is dropped until one exists");
    }
    return;
  }
  host_.info("t140: stream " + speaker.source + " from " + speaker.peer + " joined session " +
             stream.session + " as " + speaker.participant_id);
  std::lock_guard<std::mutex> lock(mu_);
  conns_[speaker.handle] = std::move(stream);
}

void HostSink::chunk(const SpeakerInfo &speaker, const Chunk &chunk) {
  Stream stream;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = conns_.find(speaker.handle);
    if (it != conns_.end() && host_closed_.count(it->second.conn) == 0) {
      stream = it->second;
    } else if (it != conns_.end()) {
      host_closed_.erase(it->second.conn);
      conns_.erase(it);
    }
  }
  if (stream.conn == 0) {
    // First text after the host closed us, or a named session appeared: join (again).
    stream = connect(speaker);
    if (stream.conn == 0) {
      if (stream.session.empty()) {
        Counters::add(counters_->no_session_chunks);
      }
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    conns_[speaker.handle] = stream;
  }
  send(speaker, stream.conn, context_frame(stream.session, speaker, chunk, gated_));
}

void HostSink::close(const SpeakerInfo &speaker) {
  pvpd_conn_id conn = 0;
  std::string session;
  bool host_closed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = conns_.find(speaker.handle);
    if (it == conns_.end()) {
      return;
    }
    conn = it->second.conn;
    session = it->second.session;
    host_closed = host_closed_.erase(conn) > 0;
    conns_.erase(it);
  }
  if (!host_closed) {
    send(speaker, conn, leave_frame(session, speaker, "t140 stream silent"));
    host_.conn_closed(conn, PVPD_CLOSE_IDLE);
  }
  host_.info("t140: stream " + speaker.source + " (" + speaker.participant_id + ") left");
}

bool HostSink::owns(pvpd_conn_id conn) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto &[handle, stream] : conns_) {
    if (stream.conn == conn) {
      return true;
    }
  }
  return false;
}

bool HostSink::on_host_close(pvpd_conn_id conn, int32_t reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    bool mine = false;
    for (const auto &[handle, stream] : conns_) {
      mine = mine || stream.conn == conn;
    }
    if (!mine || !host_closed_.insert(conn).second) {
      return mine;
    }
  }
  host_.conn_closed(conn, reason);
  return true;
}

}  // namespace pvpd::t140
