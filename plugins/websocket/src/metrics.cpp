// Prometheus and JSON renderings of the plugin counters (see metrics.h).
#include "metrics.h"

#include "frames.h"

namespace pvpd::websocket {
namespace {

struct Row {
  const char *name;  // without prefix
  const char *type;  // "counter" or "gauge"
  const char *help;
  const std::atomic<uint64_t> Metrics::*field;
};

constexpr Row kRows[] = {
    {"connections", "gauge", "Open WebSocket connections.", &Metrics::connections_current},
    {"connections_total", "counter", "WebSocket connections accepted.",
     &Metrics::connections_total},
    {"connections_refused_total", "counter",
     "Upgrades refused with HTTP 503 by max_connections or max_connections_per_ip.",
     &Metrics::connections_refused},
    {"frames_in_total", "counter", "Inbound messages handed to the core.", &Metrics::frames_in},
    {"frames_out_total", "counter", "Outbound messages written to clients.", &Metrics::frames_out},
    {"bytes_in_total", "counter", "Inbound message bytes handed to the core.", &Metrics::bytes_in},
    {"bytes_out_total", "counter", "Outbound message bytes written to clients.",
     &Metrics::bytes_out},
    {"queue_drops_total", "counter", "Droppable messages dropped at a full send queue.",
     &Metrics::queue_drops},
    {"slow_consumer_disconnects_total", "counter",
     "Connections closed because their send queue overflowed.",
     &Metrics::slow_consumer_disconnects},
    {"rate_limited_total", "counter", "Inbound messages dropped by the rate limit.",
     &Metrics::rate_limited},
    {"bad_frames_total", "counter", "Inbound frames that were not UTF-8 JSON objects.",
     &Metrics::bad_frames},
    {"oversized_total", "counter", "Inbound messages larger than max_message.",
     &Metrics::oversized},
    {"http_requests_total", "counter", "Plain HTTP requests served.", &Metrics::http_requests},
};

}  // namespace

std::string render_prometheus(const Metrics &m) {
  std::string out;
  for (const Row &r : kRows) {
    std::string name = std::string("pvpd_websocket_") + r.name;
    out += "# HELP " + name + " " + r.help + "\n";
    out += "# TYPE " + name + " " + r.type + "\n";
    out += name + " " + std::to_string(Metrics::get(m.*(r.field))) + "\n";
  }
  return out;
}

std::string counters_json(const Metrics &m) {
  std::string out;
  for (const Row &r : kRows) {
    if (!out.empty()) {
      out.push_back(',');
    }
    out += json_quote(r.name) + ":" + std::to_string(Metrics::get(m.*(r.field)));
  }
  return out;
}

}  // namespace pvpd::websocket
