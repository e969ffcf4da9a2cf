// WsDaemon and frame helpers (see ws_daemon.h).
#include "ws_daemon.h"

#include <fstream>
#include <sstream>

namespace pvpd::testing::ws {

WsDaemon::WsDaemon(const std::string &plugin_config) : WsDaemon(plugin_config, "", 1) {}

WsDaemon::WsDaemon(const std::string &plugin_config, const std::string &extra_plugins,
                   int instances, const std::string &daemon_yaml) {
  auto port_file = dir_.path() / "port";
  auto cfg = dir_.write(
      "pvpd.yaml", config_prelude(dir_, (build_dir() / "lib/pvpd/plugins").string(), daemon_yaml) +
                       websocket_plugin_yaml(port_file, plugin_config) + extra_plugins);
  pvpd_ = std::make_unique<PvpdProcess>(cfg, dir_.path());
  if (!pvpd_->wait_for_log("running: " + std::to_string(instances) + " plugin instance(s)")) {
    return;
  }
  if (!eventually([&] { return std::filesystem::exists(port_file); })) {
    return;
  }
  std::ifstream(port_file) >> port_;
}

ClientOptions WsDaemon::options(std::string path) const {
  ClientOptions o;
  o.port = port_;
  o.path = std::move(path);
  return o;
}

long long WsDaemon::metric(const std::string &name) const {
  HttpResult r = http_request(port_, "GET", "/metrics");
  if (r.status != 200) {
    return -1;
  }
  std::istringstream in(r.body);
  std::string line;
  const std::string key = "pvpd_websocket_" + name + " ";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      return std::stoll(line.substr(key.size()));
    }
  }
  return -1;
}

long long WsDaemon::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(pvpd_->pid()) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stoll(line.substr(6));
    }
  }
  return -1;
}

std::string join_frame(const std::string &session, const std::string &id, const std::string &type) {
  return R"({"v":1,"type":"session.join","session":")" + session + R"(","sender":")" + id +
         R"(","payload":{"participant":{"id":")" + id + R"(","name":")" + id + R"(","type":")" +
         type + R"(","roles":["driver"],"transport":"websocket"},"supported_versions":[1]}})";
}

std::string draft_frame(const std::string &session, const std::string &id,
                        const std::string &content) {
  return R"({"v":1,"type":"prompt.draft","session":")" + session + R"(","sender":")" + id +
         R"(","payload":{"content":")" + content + R"(","contributors":[")" + id + R"("]}})";
}

std::string chunk_frame(const std::string &session, const std::string &id,
                        const std::string &text) {
  return R"({"v":1,"type":"thinking.chunk","session":")" + session + R"(","sender":")" + id +
         R"(","payload":{"text":")" + text + R"("}})";
}

rapidjson::Document parse(const std::string &s) {
  rapidjson::Document d;
  d.Parse(s.c_str(), s.size());
  return d;
}

std::string type_of(const Message &m) {
  auto d = parse(m.data);
  if (!d.IsObject() || !d.HasMember("type") || !d["type"].IsString()) {
    return "";
  }
  return d["type"].GetString();
}

std::string content_of(const Message &m) {
  auto d = parse(m.data);
  if (!d.IsObject() || !d.HasMember("payload") || !d["payload"].IsObject()) {
    return "";
  }
  const auto &p = d["payload"];
  for (const char *k : {"content", "text"}) {
    if (p.HasMember(k) && p[k].IsString()) {
      return p[k].GetString();
    }
  }
  return "";
}

bool join(WsClient &c, const std::string &session, const std::string &id, const std::string &type) {
  if (!c.wait_open() || !c.send_text(join_frame(session, id, type))) {
    return false;
  }
  auto m = c.next();
  return m.has_value() && type_of(*m) != "error";
}

}  // namespace pvpd::testing::ws
