#include "router_test_util.h"

#include <cstdio>
#include <cstdlib>

namespace pvpd::testing {

ProtocolHarness::ProtocolHarness(session::RouterOptions options) {
  router_ = std::make_unique<session::Router>(conns_, bus_, std::move(options),
                                              [this] { return now_ms; });
}

pvpd_conn_id ProtocolHarness::connect(bool local, std::string credential) {
  bus::Connection c;
  c.id = bus::ConnectionTable::allocate_id();
  c.endpoint = &ep_;
  c.flags = local ? PVPD_CONN_LOCAL : 0;
  c.credential = std::move(credential);
  pvpd_conn_id id = conns_.add(std::move(c)).id;
  cursor_[id] = ep_.deliveries.size();
  return id;
}

pvpd_conn_id ProtocolHarness::connect_internal(const std::string &owner) {
  pvpd_conn_id id = connect(true);
  bus::Connection *c = conns_.find(id);
  c->flags |= PVPD_CONN_INTERNAL;
  c->internal_owner = owner;
  return id;
}

void ProtocolHarness::close(pvpd_conn_id conn) {
  router_->on_closed(conn);
  conns_.remove(conn);
}

std::string ProtocolHarness::create(const std::string &session, const std::string &sender,
                                    const std::string &config_json) {
  std::string cfg =
      config_json.empty()
          ? R"({"require_approval_for":[],"default_gate_quorum":{"type":"any","count":1},)"
            R"("allow_forks":true,"max_participants":10,"ordering_mode":"total",)"
            R"("on_participant_timeout":"skip","heartbeat_interval_seconds":30,)"
            R"("idle_timeout_seconds":120,"away_timeout_seconds":300})"
          : config_json;
  return frame("session.create", session, sender, R"({"name":"Test","config":)" + cfg + "}");
}

std::string ProtocolHarness::join(const std::string &session, const std::string &id,
                                  const std::string &type, const std::string &roles_json,
                                  const std::string &caps_json, const std::string &extra) {
  return frame("session.join", session, id,
               R"({"participant":{"id":")" + id + R"(","name":")" + id + R"(","type":")" + type +
                   R"(","roles":)" + roles_json + R"(,"capabilities":)" + caps_json +
                   R"(,"transport":"websocket"},"supported_versions":[1])" + extra + "}");
}

std::string ProtocolHarness::frame(const std::string &type, const std::string &session,
                                   const std::string &sender, const std::string &payload_json,
                                   const std::string &extra) {
  return R"({"v":1,"type":")" + type + R"(","session":")" + session + R"(","sender":")" + sender +
         R"(","payload":)" + payload_json + extra + "}";
}

pvpd_conn_id ProtocolHarness::join_as(const std::string &session, const std::string &id,
                                      const std::string &type, const std::string &roles_json,
                                      const std::string &caps_json) {
  pvpd_conn_id c = connect();
  send(c, join(session, id, type, roles_json, caps_json));
  clear_all();
  return c;
}

std::vector<Frame> ProtocolHarness::take(pvpd_conn_id conn) {
  std::vector<Frame> out;
  size_t &from = cursor_[conn];
  for (size_t i = from; i < ep_.deliveries.size(); ++i) {
    for (auto c : ep_.deliveries[i].conns) {
      if (c == conn) {
        Frame f;
        f.json = ep_.deliveries[i].json;
        if (getenv("PVPD_TEST_TRACE") != nullptr) {
          fprintf(stderr, "  -> %llu: %s\n", static_cast<unsigned long long>(conn), f.json.c_str());
        }
        f.doc.Parse(f.json.c_str());
        out.push_back(std::move(f));
      }
    }
  }
  from = ep_.deliveries.size();
  return out;
}

std::vector<std::string> ProtocolHarness::types(pvpd_conn_id conn) {
  std::vector<std::string> out;
  for (auto &f : take(conn)) {
    out.push_back(f.type());
    if (getenv("PVPD_TEST_TRACE") != nullptr) {
      fprintf(stderr, "conn %llu got %s\n", static_cast<unsigned long long>(conn), f.json.c_str());
    }
  }
  return out;
}

void ProtocolHarness::clear_all() {
  for (auto &[conn, pos] : cursor_) {
    pos = ep_.deliveries.size();
  }
}

}  // namespace pvpd::testing
