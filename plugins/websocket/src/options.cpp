// Parsing of the normalized instance config (see options.h).
#include "options.h"

#include <rapidjson/document.h>
#include <sys/un.h>

#include <charconv>

namespace pvpd::websocket {
namespace {

const rapidjson::Value *member(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return nullptr;
  }
  auto it = obj.FindMember(key);
  return it == obj.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

class Reader {
 public:
  explicit Reader(std::vector<SettingsError> *errors) : errors_(errors) {}

  void string(const rapidjson::Value *v, const char *pointer, std::string *out) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsString()) {
      fail(pointer, "expected a string");
      return;
    }
    out->assign(v->GetString(), v->GetStringLength());
  }

  void strings(const rapidjson::Value *v, const char *pointer, std::vector<std::string> *out) {
    if (v == nullptr) {
      return;
    }
    if (v->IsString()) {
      out->assign(1, std::string(v->GetString(), v->GetStringLength()));
      return;
    }
    if (!v->IsArray()) {
      fail(pointer, "expected a list of strings");
      return;
    }
    out->clear();
    for (const auto &item : v->GetArray()) {
      if (!item.IsString()) {
        fail(pointer, "expected a list of strings");
        return;
      }
      out->emplace_back(item.GetString(), item.GetStringLength());
    }
  }

  template <typename T>
  void count(const rapidjson::Value *v, const char *pointer, T *out, uint64_t min_value = 0) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsUint64() || v->GetUint64() < min_value) {
      fail(pointer, "expected an integer >= " + std::to_string(min_value));
      return;
    }
    *out = static_cast<T>(v->GetUint64());
  }

  void number(const rapidjson::Value *v, const char *pointer, double *out) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsNumber() || v->GetDouble() < 0) {
      fail(pointer, "expected a number >= 0");
      return;
    }
    *out = v->GetDouble();
  }

  void boolean(const rapidjson::Value *v, const char *pointer, bool *out) {
    if (v == nullptr) {
      return;
    }
    if (!v->IsBool()) {
      fail(pointer, "expected true or false");
      return;
    }
    *out = v->GetBool();
  }

  void fail(std::string pointer, std::string message) {
    errors_->push_back({std::move(pointer), std::move(message)});
  }

 private:
  std::vector<SettingsError> *errors_;
};

}  // namespace

bool parse_listen(std::string_view text, ListenAddress *out) {
  static constexpr std::string_view kUnix = "unix:";
  if (text.substr(0, kUnix.size()) == kUnix) {
    std::string_view path = text.substr(kUnix.size());
    // Relative paths would depend on the daemon's working directory; the abstract namespace
    // ('@') has no file permissions, so it could not be the 0600 admin endpoint.
    if (path.size() < 2 || path.front() != '/' || path.back() == '/' ||
        path.size() >= sizeof(sockaddr_un{}.sun_path) ||
        path.find('\0') != std::string_view::npos) {
      return false;
    }
    *out = ListenAddress{};
    out->unix_path = std::string(path);
    out->text = std::string(text);
    return true;
  }
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= text.size() || text.size() - colon > 6) {
    return false;
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return false;  // a bare IPv6 address needs brackets
  }
  std::string_view port = text.substr(colon + 1);
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value < 0 || value > 65535) {
    return false;
  }
  out->host = std::string(host);
  out->port = value;
  out->text = std::string(text);
  return true;
}

bool parse_http_url(std::string_view url, std::string *host, int *port) {
  static constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return false;
  }
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return false;
  }
  ListenAddress a;
  if (rest.back() == ']' || rest.find(':') == std::string_view::npos) {
    if (!parse_listen(std::string(rest) + ":80", &a)) {
      return false;
    }
  } else if (!parse_listen(rest, &a) || a.port == 0) {
    return false;
  }
  if (a.host.empty() || a.is_unix()) {
    return false;
  }
  *host = a.host;
  *port = a.port;
  return true;
}

std::vector<SettingsError> parse_settings(std::string_view config_json, Settings *out) {
  std::vector<SettingsError> errors;
  rapidjson::Document doc;
  doc.Parse(config_json.data(), config_json.size());
  if (config_json.empty()) {
    doc.SetObject();
  } else if (doc.HasParseError() || !doc.IsObject()) {
    errors.push_back({"", "config is not a JSON object"});
    return errors;
  }
  Settings s;
  Reader r(&errors);
  std::vector<std::string> listen = {"127.0.0.1:3000"};
  r.strings(member(doc, "listen"), "/listen", &listen);
  s.listen.clear();
  for (std::size_t i = 0; i < listen.size(); ++i) {
    ListenAddress a;
    if (!parse_listen(listen[i], &a)) {
      r.fail("/listen/" + std::to_string(i),
             "listen entries are host:port, [v6]:port or unix:/absolute/path (shorter than " +
                 std::to_string(sizeof(sockaddr_un{}.sun_path)) + " bytes), got '" + listen[i] +
                 "'");
      continue;
    }
    s.listen.push_back(std::move(a));
  }
  if (listen.empty()) {
    r.fail("/listen", "at least one listen address is required");
  }
  r.string(member(doc, "port_file"), "/port_file", &s.port_file);
  if (const rapidjson::Value *tls = member(doc, "tls")) {
    r.string(member(*tls, "cert"), "/tls/cert", &s.tls_cert);
    r.string(member(*tls, "key"), "/tls/key", &s.tls_key);
    r.string(member(*tls, "client_ca"), "/tls/client_ca", &s.tls_client_ca);
  }
  if (s.tls_cert.empty() != s.tls_key.empty()) {
    r.fail(s.tls_cert.empty() ? "/tls/key" : "/tls/cert",
           "tls.cert and tls.key must be given together");
  }
  if (!s.tls_client_ca.empty() && s.tls_cert.empty()) {
    r.fail("/tls/client_ca", "tls.client_ca needs tls.cert and tls.key");
  }
  r.count(member(doc, "max_message"), "/max_message", &s.max_message, 1);
  if (const rapidjson::Value *q = member(doc, "send_queue")) {
    r.count(member(*q, "high_water"), "/send_queue/high_water", &s.high_water, 1);
    r.count(member(*q, "limit"), "/send_queue/limit", &s.queue_limit, 1);
    std::string policy = "drop_droppable";
    r.string(member(*q, "on_overflow"), "/send_queue/on_overflow", &policy);
    if (policy == "disconnect") {
      s.on_overflow = OverflowPolicy::kDisconnect;
    } else if (policy != "drop_droppable") {
      r.fail("/send_queue/on_overflow", "expected disconnect or drop_droppable");
    }
  }
  if (s.high_water > s.queue_limit) {
    r.fail("/send_queue/high_water", "high_water must not exceed send_queue.limit");
  }
  if (const rapidjson::Value *rl = member(doc, "rate_limit")) {
    r.number(member(*rl, "burst"), "/rate_limit/burst", &s.rate_burst);
    r.number(member(*rl, "per_second"), "/rate_limit/per_second", &s.rate_per_second);
  }
  if ((s.rate_burst > 0) != (s.rate_per_second > 0)) {
    r.fail("/rate_limit", "rate_limit.burst and rate_limit.per_second are both 0 or both > 0");
  }
  r.count(member(doc, "max_connections"), "/max_connections", &s.max_connections, 1);
  r.count(member(doc, "max_connections_per_ip"), "/max_connections_per_ip",
          &s.max_connections_per_ip, 1);
  r.count(member(doc, "idle_timeout"), "/idle_timeout", &s.idle_timeout_ms);
  r.count(member(doc, "ping_interval"), "/ping_interval", &s.ping_interval_ms);
  if (s.ping_interval_ms > 0 && s.ping_interval_ms < 1000) {
    r.fail("/ping_interval", "ping_interval is 0 (off) or at least 1s");
  }
  r.count(member(doc, "max_bad_frames"), "/max_bad_frames", &s.max_bad_frames, 1);
  r.strings(member(doc, "cors_origins"), "/cors_origins", &s.cors_origins);
  for (const std::string &o : s.cors_origins) {
    if (o == "*") {
      r.fail("/cors_origins", "'*' is not allowed; list the origins explicitly");
    }
  }
  r.boolean(member(doc, "http"), "/http", &s.http);
  if (const rapidjson::Value *web = member(doc, "web")) {
    r.boolean(member(*web, "enabled"), "/web/enabled", &s.web_enabled);
    r.string(member(*web, "path"), "/web/path", &s.web_path);
    r.string(member(*web, "root"), "/web/root", &s.web_root);
  }
  if (s.web_path.empty() || s.web_path.front() != '/' ||
      s.web_path.find_first_of("?#\\ ") != std::string::npos ||
      s.web_path.find("/./") != std::string::npos || s.web_path.find("/../") != std::string::npos) {
    r.fail("/web/path", "web.path is a URL path starting with '/', got '" + s.web_path + "'");
  } else if (s.web_path.back() != '/') {
    s.web_path += '/';
  }
  if (const rapidjson::Value *bridge = member(doc, "bridge")) {
    r.boolean(member(*bridge, "enabled"), "/bridge/enabled", &s.bridge_enabled);
    r.string(member(*bridge, "url"), "/bridge/url", &s.bridge_url);
    r.boolean(member(*bridge, "public"), "/bridge/public", &s.bridge_public);
    r.count(member(*bridge, "max_body"), "/bridge/max_body", &s.bridge_max_body);
  }
  if (!parse_http_url(s.bridge_url, &s.bridge_host, &s.bridge_port)) {
    r.fail("/bridge/url", "bridge.url is http://host:port, got '" + s.bridge_url + "'");
  }
  if (errors.empty()) {
    *out = std::move(s);
  }
  return errors;
}

}  // namespace pvpd::websocket
