#include "session/router.h"

#include <rapidjson/document.h>

#include "bus/routed_message.h"

namespace pvpd::session {

uint64_t Router::last_seq(const std::string &session) const {
  auto it = seq_.find(session);
  return it == seq_.end() ? 0 : it->second;
}

void Router::on_inbound(pvpd_conn_id conn_id, std::string_view json) {
  bus::Connection *conn = connections_.find(conn_id);
  if (conn == nullptr) {
    return;  // closed while the frame was queued
  }
  bus::Envelope env;
  bus::EnvelopeError error;
  if (!bus::parse_envelope(json, options_.max_message_bytes, &env, &error)) {
    ++counters_.rejected;
    send_error(conn_id, error.code, error.message, {}, {});
    return;
  }
  std::string session(env.session());
  if (session.empty()) {
    ++counters_.rejected;
    send_error(conn_id, "INVALID_MESSAGE", "field 'session' is required", env.id(), {});
    return;
  }
  // The server decides who the sender is: the identity is bound once per connection and
  // every later claim is overwritten.
  if (conn->participant.empty()) {
    std::string_view claimed = env.sender();
    conn->participant = claimed.empty() ? "conn-" + std::to_string(conn_id) : std::string(claimed);
  }
  bus_.join(session, conn_id);
  route(env, conn->participant);
}

void Router::on_publish(std::string_view identity, std::string_view json) {
  bus::Envelope env;
  bus::EnvelopeError error;
  if (!bus::parse_envelope(json, options_.max_message_bytes, &env, &error) ||
      env.session().empty()) {
    ++counters_.rejected;
    return;
  }
  route(env, identity);
}

void Router::on_closed(pvpd_conn_id conn) { bus_.drop_connection(conn); }

void Router::route(bus::Envelope &env, std::string_view sender) {
  uint64_t now = unix_now_ms();
  std::string session(env.session());
  if (env.id().empty()) {
    env.set_string("id", ids_.next(now));
  }
  env.set_string("ts", iso8601_ms(now));
  env.set_string("sender", sender);
  uint64_t seq = ++seq_[session];
  env.set_uint("seq", seq);
  uint32_t flags = bus::is_droppable_type(env.type()) ? PVPD_MSG_DROPPABLE : 0;
  bus::RoutedMessage msg = bus::RoutedMessage::from(env, seq, flags);
  if (!msg.buffer) {
    return;  // out of memory: the message is not acknowledged to anyone
  }
  ++counters_.accepted;
  bus_.broadcast(msg);
}

void Router::send_error(pvpd_conn_id conn, std::string_view code, std::string_view message,
                        std::string_view related_to, std::string_view session) {
  uint64_t now = unix_now_ms();
  bus::Envelope env =
      bus::Envelope::make("error", session, "system", ids_.next(now), iso8601_ms(now));
  auto &alloc = env.allocator();
  rapidjson::Value &payload = env.payload();
  auto str = [&](std::string_view s) {
    return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
  };
  payload.AddMember("code", str(code), alloc);
  payload.AddMember("message", str(message), alloc);
  payload.AddMember("recoverable", true, alloc);
  if (!related_to.empty()) {
    payload.AddMember("related_to", str(related_to), alloc);
  }
  bus::RoutedMessage msg = bus::RoutedMessage::from(env, 0, 0);
  if (msg.buffer) {
    bus_.send(conn, msg);
  }
}

}  // namespace pvpd::session
