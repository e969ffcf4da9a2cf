#include "app/plugin_metrics.h"

#include <fmt/core.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <vector>

namespace pvpd::app {
namespace {

std::string sanitize(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += ok ? c : '_';
  }
  return out;
}

// Prometheus label values escape backslash, quote and newline.
std::string label_value(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

bool numeric(const rapidjson::Value &v, double *out) {
  if (v.IsBool()) {
    *out = v.GetBool() ? 1 : 0;
    return true;
  }
  if (v.IsNumber()) {
    *out = v.GetDouble();
    return true;
  }
  return false;
}

}  // namespace

std::string plugin_status_object(const std::vector<PluginStatus> &plugins) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const PluginStatus &p : plugins) {
    rapidjson::Document d;
    d.Parse(p.json.c_str(), p.json.size());
    if (d.HasParseError() || !d.IsObject()) {
      continue;
    }
    w.Key(p.instance.c_str(), static_cast<rapidjson::SizeType>(p.instance.size()));
    d.Accept(w);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string plugin_metrics_text(const std::vector<PluginStatus> &plugins) {
  // metric name -> sample lines, so each name gets one HELP/TYPE block across instances.
  std::map<std::string, std::vector<std::string>> samples;
  for (const PluginStatus &p : plugins) {
    rapidjson::Document d;
    d.Parse(p.json.c_str(), p.json.size());
    if (d.HasParseError() || !d.IsObject()) {
      continue;
    }
    std::string prefix = "pvpd_plugin_" + sanitize(p.plugin) + "_";
    std::string labels = "{instance=\"" + label_value(p.instance) + "\"}";
    auto add = [&](const std::string &key, const rapidjson::Value &v) {
      double value = 0;
      if (numeric(v, &value)) {
        samples[prefix + sanitize(key)].push_back(labels + " " + fmt::format("{}", value));
      }
    };
    for (const auto &m : d.GetObject()) {
      std::string key(m.name.GetString(), m.name.GetStringLength());
      if (m.value.IsObject()) {
        for (const auto &n : m.value.GetObject()) {
          add(key + "_" + std::string(n.name.GetString(), n.name.GetStringLength()), n.value);
        }
      } else {
        add(key, m.value);
      }
    }
  }
  std::string out;
  for (const auto &[name, lines] : samples) {
    // Status values are counters and gauges alike; "gauge" is the honest common type.
    out += "# HELP " + name + " From the plugin's status_json.\n# TYPE " + name + " gauge\n";
    for (const auto &l : lines) {
      out += name + l + "\n";
    }
  }
  return out;
}

}  // namespace pvpd::app
