// RecordingEndpoint: a bus::Endpoint for tests that keeps what it was given.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "bus/endpoint.h"
#include "bus/shared_buffer.h"

namespace pvpd::testing {

class RecordingEndpoint : public bus::Endpoint {
 public:
  struct Delivery {
    std::vector<pvpd_conn_id> conns;
    std::string type;
    std::string session;
    uint64_t seq;
    uint32_t flags;
    std::string json;
  };

  explicit RecordingEndpoint(std::string name = "test/endpoint") : name_(std::move(name)) {}

  void deliver(const pvpd_conn_id *conns, size_t n, const pvpd_msg_view &msg) override {
    Delivery d;
    d.conns.assign(conns, conns + n);
    d.type.assign(msg.type.ptr, msg.type.len);
    d.session.assign(msg.session.ptr, msg.session.len);
    d.seq = msg.seq;
    d.flags = msg.flags;
    d.json = std::string(bus::buffer_view(msg.envelope));
    deliveries.push_back(std::move(d));
  }
  void close_conn(pvpd_conn_id conn, int32_t reason) override { closed.emplace_back(conn, reason); }
  void flow(pvpd_conn_id conn, uint32_t allow) override { flows.emplace_back(conn, allow); }
  std::string_view endpoint_name() const override { return name_; }

  // Deliveries that reached `conn`.
  std::vector<Delivery> to(pvpd_conn_id conn) const {
    std::vector<Delivery> out;
    for (const auto &d : deliveries) {
      for (auto c : d.conns) {
        if (c == conn) {
          out.push_back(d);
        }
      }
    }
    return out;
  }

  std::vector<Delivery> deliveries;
  std::vector<std::pair<pvpd_conn_id, int32_t>> closed;
  std::vector<std::pair<pvpd_conn_id, uint32_t>> flows;

 private:
  std::string name_;
};

}  // namespace pvpd::testing
