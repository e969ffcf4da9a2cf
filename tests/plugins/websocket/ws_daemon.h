// Test fixture pieces for end-to-end tests of the websocket plugin: a real pvpd with the plugin
// listening on an ephemeral loopback port, and PVP frame builders.
//
// The frames are valid for the full protocol core (schemas, join before anything else) and for
// the earlier relay core alike, so these tests exercise the transport, not the core's rules.
//
// THREAD: single test thread (clients bring their own lws threads).
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>

#include "pvpd_process.h"
#include "ws_test_client.h"

namespace pvpd::testing::ws {

class WsDaemon {
 public:
  // `plugin_config` is YAML for the plugin's `config:` map, indented by 6 spaces per line,
  // without `listen` and `port_file` (added here).
  explicit WsDaemon(const std::string &plugin_config = "");
  // With more plugin instances after the websocket one: `extra_plugins` is YAML list items
  // ("  - use: NAME\n    id: ID\n    config: {...}\n"); `daemon_yaml` lines go under
  // `daemon:` (indented by 2 spaces); `instances` counts every instance, websocket included.
  WsDaemon(const std::string &plugin_config, const std::string &extra_plugins, int instances,
           const std::string &daemon_yaml = "");
  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  PvpdProcess &process() { return *pvpd_; }
  const TempDir &dir() const { return dir_; }
  ClientOptions options(std::string path = "/") const;
  // GET /metrics value of `pvpd_websocket_<name>`, or -1.
  long long metric(const std::string &name) const;
  // Resident memory of the daemon in KiB (VmRSS), or -1.
  long long rss_kib() const;

 private:
  TempDir dir_;
  std::unique_ptr<PvpdProcess> pvpd_;
  int port_ = 0;
};

std::string join_frame(const std::string &session, const std::string &id,
                       const std::string &type = "human");
std::string draft_frame(const std::string &session, const std::string &id,
                        const std::string &content);
std::string chunk_frame(const std::string &session, const std::string &id, const std::string &text);

rapidjson::Document parse(const std::string &s);
std::string type_of(const Message &m);
// payload.content or payload.text of a frame ("" when absent).
std::string content_of(const Message &m);

// Joins `session` as `id` and waits for the server's first non-error answer.
bool join(WsClient &c, const std::string &session, const std::string &id,
          const std::string &type = "human");

}  // namespace pvpd::testing::ws
