#include "config/open_mode_check.h"

#include <rapidjson/document.h>

namespace pvpd::config {
namespace {

std::string host_of(const std::string &host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    size_t close = host_port.find(']');
    return close == std::string::npos ? host_port : host_port.substr(1, close - 1);
  }
  size_t colon = host_port.rfind(':');
  return colon == std::string::npos ? host_port : host_port.substr(0, colon);
}

}  // namespace

bool is_loopback_listen_address(const std::string &host_port) {
  std::string host = host_of(host_port);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

void check_open_mode_listeners(const Config &cfg, DiagnosticSink &sink) {
  if (cfg.daemon.auth_mode != "open" || cfg.daemon.auth_allow_open_remote) {
    return;
  }
  for (const PluginInstanceConfig &p : cfg.plugins) {
    if (!p.enabled) {
      continue;
    }
    rapidjson::Document d;
    d.Parse(p.config_json.c_str(), p.config_json.size());
    if (d.HasParseError() || !d.IsObject()) {
      continue;
    }
    auto report = [&](const std::string &pointer, const std::string &path,
                      const std::string &address) {
      // Only "host:port" values are network listeners (a unix socket path is local anyway).
      size_t colon = address.rfind(':');
      bool host_port = colon != std::string::npos && colon + 1 < address.size() &&
                       address.find_first_not_of("0123456789", colon + 1) == std::string::npos;
      if (!host_port || is_loopback_listen_address(address)) {
        return;
      }
      auto m = p.pointer_marks.find(pointer);
      sink.error(m != p.pointer_marks.end() ? m->second : p.mark,
                 "plugins[" + p.id + "].config." + path,
                 "'" + address +
                     "' is not a loopback address, and daemon.auth.mode is open (self-declared "
                     "identities); use daemon.auth.mode: token, or set "
                     "daemon.auth.allow_open_remote: true on a trusted network");
    };
    if (auto it = d.FindMember("listen"); it != d.MemberEnd()) {
      if (it->value.IsString()) {
        report("/listen", "listen", it->value.GetString());
      } else if (it->value.IsArray()) {
        for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
          if (it->value[i].IsString()) {
            report("/listen/" + std::to_string(i), "listen[" + std::to_string(i) + "]",
                   it->value[i].GetString());
          }
        }
      }
    }
    if (auto it = d.FindMember("listeners"); it != d.MemberEnd() && it->value.IsArray()) {
      for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
        const auto &l = it->value[i];
        if (l.IsObject() && l.HasMember("address") && l["address"].IsString()) {
          std::string at = std::to_string(i);
          report("/listeners/" + at + "/address", "listeners[" + at + "].address",
                 l["address"].GetString());
        }
      }
    }
  }
}

}  // namespace pvpd::config
