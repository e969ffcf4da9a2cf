// URL parsing (see url.h).
#include "pvpclient/url.h"

#include <sys/un.h>

#include <charconv>

namespace pvpd::client {

namespace {

std::string host_for_display(const std::string &host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

std::optional<Url> parse_url(const std::string &text, std::string *error) {
  auto fail = [&](const std::string &why) -> std::optional<Url> {
    if (error != nullptr) {
      *error = why;
    }
    return std::nullopt;
  };
  Url u;
  std::string rest;
  if (text.rfind("ws+unix://", 0) == 0) {
    rest = text.substr(10);
    const size_t query = rest.find('?');
    u.unix_path = rest.substr(0, query);
    if (query != std::string::npos) {
      u.path = "/" + rest.substr(query);
    }
    if (u.unix_path.size() < 2 || u.unix_path[0] != '/') {
      return fail(
          "ws+unix:// needs an absolute socket path, as in ws+unix:///run/pvpd/admin.sock "
          "(got '" +
          text + "')");
    }
    if (u.unix_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
      return fail("socket path too long (at most " +
                  std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes) in '" + text + "'");
    }
    u.host = "localhost";
    u.port = 0;
    return u;
  }
  if (text.rfind("ws://", 0) == 0) {
    rest = text.substr(5);
  } else if (text.rfind("wss://", 0) == 0) {
    u.tls = true;
    rest = text.substr(6);
  } else {
    return fail("URL must start with ws://, wss:// or ws+unix:// (got '" + text + "')");
  }
  const size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    u.path = rest.substr(slash);
    if (u.path[0] == '?') {
      u.path = "/" + u.path;
    }
  }
  if (authority.find('@') != std::string::npos) {
    return fail("user:password@ is not supported in the URL; use --token");
  }
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) {
      return fail("unterminated IPv6 address in '" + text + "'");
    }
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        return fail("bad characters after the IPv6 address in '" + text + "'");
      }
      port_text = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (u.host.empty()) {
    return fail("no host in '" + text + "'");
  }
  if (port_text.empty()) {
    u.port = u.tls ? 443 : 80;
  } else {
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return fail("bad port '" + port_text + "' in '" + text + "'");
    }
    u.port = port;
  }
  return u;
}

std::string Url::redacted() const {
  std::string p = path;
  for (size_t pos = p.find("token="); pos != std::string::npos; pos = p.find("token=", pos)) {
    if (pos > 0 && p[pos - 1] != '?' && p[pos - 1] != '&') {
      pos += 6;
      continue;
    }
    const size_t start = pos + 6;
    const size_t end = p.find('&', start);
    p.replace(start, end == std::string::npos ? std::string::npos : end - start, "***");
    pos = start + 3;
  }
  if (is_unix()) {
    return "ws+unix://" + unix_path + (p == "/" ? std::string() : p.substr(1));
  }
  return std::string(tls ? "wss://" : "ws://") + host_for_display(host) + ":" +
         std::to_string(port) + p;
}

std::string Url::http_base() const {
  if (is_unix()) {
    return std::string();
  }
  return std::string(tls ? "https://" : "http://") + host_for_display(host) + ":" +
         std::to_string(port);
}

}  // namespace pvpd::client
