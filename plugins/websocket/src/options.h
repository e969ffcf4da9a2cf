// WebSocket plugin settings: the option table the host validates YAML against, and the parsed
// form of the normalized config JSON the host hands to create()/validate().
//
// THREAD: parse_settings() is pure and may run on any thread (validate runs without an instance).
// OWNERSHIP: Settings is a plain value; the option table is static and immutable.
#pragma once

#include <pvpd/plugin.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::websocket {

struct ListenAddress {
  std::string host;       // literal address or interface name; "" = every interface
  int port = 0;           // 0 = an ephemeral port chosen by the kernel
  std::string unix_path;  // "unix:/abs/path" entries: the socket file; host/port unused
  std::string text;       // as configured, for messages

  bool is_unix() const { return !unix_path.empty(); }
};

enum class OverflowPolicy { kDisconnect, kDropDroppable };

struct Settings {
  std::vector<ListenAddress> listen;
  std::string port_file;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::size_t max_message = 1024 * 1024;
  std::size_t high_water = 256;
  std::size_t queue_limit = 1024;
  OverflowPolicy on_overflow = OverflowPolicy::kDropDroppable;
  double rate_burst = 0;
  double rate_per_second = 0;
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_ip = 64;
  uint64_t idle_timeout_ms = 0;
  uint64_t ping_interval_ms = 30000;
  uint32_t max_bad_frames = 5;
  std::vector<std::string> cors_origins;
  bool http = true;
  // Static web app (the dashboard, clients/web) served under web_path.
  bool web_enabled = true;
  std::string web_path = "/";  // URL prefix; always starts and ends with '/'
  std::string web_root;        // "" = the files embedded in the plugin at build time
  // /bridge/* reverse proxy to the git bridge's HTTP API.
  bool bridge_enabled = true;
  std::string bridge_host = "127.0.0.1";
  int bridge_port = 9847;
  std::string bridge_url = "http://127.0.0.1:9847";
  bool bridge_public = false;
  std::size_t bridge_max_body = 1024 * 1024;

  bool tls() const { return !tls_cert.empty(); }
  bool rate_limited() const { return rate_burst > 0 && rate_per_second > 0; }
};

// One problem found in a config: RFC 6901 pointer into the config and a message.
struct SettingsError {
  std::string pointer;
  std::string message;
};

// Parses normalized JSON (defaults filled, sizes in bytes, durations in ms). Missing keys keep the
// defaults above, so a fake host in unit tests may pass "{}". Returns every problem found.
std::vector<SettingsError> parse_settings(std::string_view config_json, Settings *out);

// "host:port", "[v6]:port", ":port" or "unix:/absolute/path" (shorter than sun_path, no NUL,
// not a directory name); false when malformed.
bool parse_listen(std::string_view text, ListenAddress *out);

// "http://host:port" or "http://host" (port 80), optionally with a trailing '/'; false otherwise.
bool parse_http_url(std::string_view url, std::string *host, int *port);

// The option table (documented by `pvpd --describe-plugin websocket`).
inline constexpr pvpd_option_desc kOptions[] = {
    pvpd::option(PVPD_OPT_STRING_LIST, "listen", "[\"127.0.0.1:3000\"]",
                 "Addresses to serve WebSocket and HTTP on, host:port (port 0 = any free port) or "
                 "unix:/absolute/path (a local admin socket, mode 0600, never TLS); one listener "
                 "per entry."),
    pvpd::option_string("port_file", nullptr,
                        "If set, the first TCP listener's bound port is written here after start."),
    pvpd::option_string("tls.cert", nullptr,
                        "PEM certificate chain; enables TLS (wss://) on every listener."),
    pvpd::option_string("tls.key", nullptr, "PEM private key for tls.cert."),
    pvpd::option_string("tls.client_ca", nullptr,
                        "PEM CA bundle: when set, clients must present a certificate it signed."),
    pvpd::option(PVPD_OPT_SIZE, "max_message", "\"1MiB\"",
                 "Largest inbound message (after reassembly); larger ones get an error and close "
                 "1009.",
                 PVPD_OPT_RANGE, nullptr, 64, 256LL * 1024 * 1024),
    pvpd::option(PVPD_OPT_INT, "send_queue.high_water", "256",
                 "Queued outbound messages at which the core is told to stop sending droppable "
                 "deltas.",
                 PVPD_OPT_RANGE, nullptr, 1, 1000000),
    pvpd::option(PVPD_OPT_INT, "send_queue.limit", "1024",
                 "Queued outbound messages at which the connection overflows.", PVPD_OPT_RANGE,
                 nullptr, 1, 1000000),
    pvpd::option(
        PVPD_OPT_STRING, "send_queue.on_overflow", "\"drop_droppable\"",
        "At the limit: drop droppable deltas and close on anything else, or close at once.", 0,
        "disconnect|drop_droppable"),
    pvpd::option(PVPD_OPT_FLOAT, "rate_limit.burst", "0",
                 "Token bucket size in messages per connection (0 = no rate limit)."),
    pvpd::option(PVPD_OPT_FLOAT, "rate_limit.per_second", "0",
                 "Sustained inbound messages per second per connection (0 = no rate limit)."),
    pvpd::option(PVPD_OPT_INT, "max_connections", "1024",
                 "WebSocket connections accepted at once; more get HTTP 503.", PVPD_OPT_RANGE,
                 nullptr, 1, 1000000),
    pvpd::option(PVPD_OPT_INT, "max_connections_per_ip", "64",
                 "WebSocket connections accepted at once from one IP address; more get HTTP 503.",
                 PVPD_OPT_RANGE, nullptr, 1, 1000000),
    pvpd::option(PVPD_OPT_DURATION, "idle_timeout", "0",
                 "Close connections that send nothing for this long (0 = never).", PVPD_OPT_RANGE,
                 nullptr, 0, 7LL * 24 * 3600 * 1000),
    pvpd::option(PVPD_OPT_DURATION, "ping_interval", "\"30s\"",
                 "Send a WebSocket ping after this much silence; a peer that does not answer "
                 "within another interval is dropped (0 = no pings).",
                 PVPD_OPT_RANGE, nullptr, 0, 3600LL * 1000),
    pvpd::option(PVPD_OPT_INT, "max_bad_frames", "5",
                 "Consecutive frames that are not UTF-8 JSON objects before the connection is "
                 "closed with 1007.",
                 PVPD_OPT_RANGE, nullptr, 1, 1000000),
    pvpd::option(PVPD_OPT_STRING_LIST, "cors_origins", "[]",
                 "Origins that get CORS headers on HTTP responses (empty = no CORS headers)."),
    pvpd::option(PVPD_OPT_BOOL, "http", "true",
                 "Serve plain HTTP (health, metrics, admin API, web app, bridge proxy) on the "
                 "WebSocket port; false = every plain HTTP request gets 404."),
    pvpd::option(PVPD_OPT_BOOL, "web.enabled", "true",
                 "Serve the web dashboard (static files) on the WebSocket port."),
    pvpd::option_string("web.path", "\"/\"",
                        "URL prefix the web dashboard is served under (\"/\" = the root)."),
    pvpd::option_string("web.root", nullptr,
                        "Directory to serve the dashboard from; empty = the files embedded in the "
                        "plugin at build time (clients/web)."),
    pvpd::option(PVPD_OPT_BOOL, "bridge.enabled", "true",
                 "Proxy /bridge/* to the git bridge's HTTP API (502 while it is down)."),
    pvpd::option_string("bridge.url", "\"http://127.0.0.1:9847\"",
                        "Base URL of the git bridge HTTP API (http://host:port, no path)."),
    pvpd::option(PVPD_OPT_BOOL, "bridge.public", "false",
                 "Let /bridge/* through without the admin bearer token."),
    pvpd::option(PVPD_OPT_SIZE, "bridge.max_body", "\"1MiB\"",
                 "Largest request or response body the bridge proxy forwards.", PVPD_OPT_RANGE,
                 nullptr, 0, 64LL * 1024 * 1024),
};

}  // namespace pvpd::websocket
