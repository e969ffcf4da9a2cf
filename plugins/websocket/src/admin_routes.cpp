// Operator HTTP API (see admin_routes.h).
#include "admin_routes.h"

#include <pvpd/plugin_abi.h>
#include <strings.h>

#include <charconv>

#include "frames.h"

namespace pvpd::websocket {
namespace {

constexpr std::string_view kPrefix = "/sessions";
constexpr std::size_t kMaxSessionId = 256;

bool valid_session_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxSessionId) {
    return false;
  }
  for (char ch : id) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
      return false;
    }
  }
  return true;
}

bool accepts_markdown(std::string_view accept) {
  // Markdown only when asked for by name; "*/*" and JSON-ish types keep JSONL.
  for (std::size_t i = 0; i + 13 <= accept.size(); ++i) {
    if (strncasecmp(accept.data() + i, "text/markdown", 13) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

HttpResponse json_error(unsigned status, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.body = "{\"error\":" + json_quote(message) + "}";
  return r;
}

bool is_admin_path(std::string_view path) {
  return path == kPrefix ||
         (path.size() > kPrefix.size() && path.substr(0, kPrefix.size()) == kPrefix &&
          path[kPrefix.size()] == '/');
}

std::string bearer_token(std::string_view auth) {
  static constexpr std::string_view kBearer = "bearer ";
  if (auth.size() <= kBearer.size() || strncasecmp(auth.data(), "bearer ", kBearer.size()) != 0) {
    return std::string();
  }
  std::string_view t = auth.substr(kBearer.size());
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) {
    t.remove_prefix(1);
  }
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) {
    t.remove_suffix(1);
  }
  return std::string(t);
}

std::optional<AdminTarget> parse_admin_target(const HttpRequest &req, unsigned *status,
                                              std::string *error) {
  AdminTarget t;
  std::string_view path = req.path;
  if (path == kPrefix || path == "/sessions/") {
    t.transcript = false;
  } else {
    std::string_view rest = path.substr(kPrefix.size() + 1);  // after "/sessions/"
    static constexpr std::string_view kTail = "/transcript";
    if (rest.size() <= kTail.size() || rest.substr(rest.size() - kTail.size()) != kTail ||
        !valid_session_id(rest.substr(0, rest.size() - kTail.size()))) {
      *status = 404;
      *error = "Not found";
      return std::nullopt;
    }
    t.transcript = true;
    t.session = std::string(rest.substr(0, rest.size() - kTail.size()));
  }
  bool format_given = false;
  for (const auto &[name, value] : req.query) {
    if (name == "from" && t.transcript) {
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), t.from_seq);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
        *status = 400;
        *error = "from is a sequence number (a non-negative integer)";
        return std::nullopt;
      }
    } else if (name == "format" && t.transcript) {
      if (value == "jsonl") {
        t.markdown = false;
      } else if (value == "markdown" || value == "md") {
        t.markdown = true;
      } else {
        *status = 400;
        *error = "format is jsonl or markdown";
        return std::nullopt;
      }
      format_given = true;
    } else if (name == "token") {
      *status = 400;
      *error = "send the token as Authorization: Bearer, not in the URL";
      return std::nullopt;
    }
  }
  if (t.transcript && !format_given) {
    t.markdown = accepts_markdown(req.accept);
  }
  return t;
}

HttpResponse admin_response(const AdminSlots &slots, const HttpRequest &req) {
  if (req.method != "GET" && req.method != "HEAD") {
    HttpResponse r = json_error(405, "Method not allowed");
    r.headers.emplace_back("allow", "GET, HEAD");
    return r;
  }
  unsigned status = 0;
  std::string error;
  std::optional<AdminTarget> t = parse_admin_target(req, &status, &error);
  if (!t) {
    return json_error(status, error);
  }
  if (t->transcript ? !slots.transcript : !slots.sessions) {
    return json_error(501, "this pvpd does not offer the admin API (plugin ABI 1.2)");
  }
  const std::string token = bearer_token(req.authorization);
  std::string body;
  int32_t st =
      t->transcript
          ? slots.transcript(token, t->session, t->from_seq,
                             t->markdown ? PVPD_TRANSCRIPT_MARKDOWN : PVPD_TRANSCRIPT_JSONL, &body)
          : slots.sessions(token, &body);
  switch (st) {
    case PVPD_OK: break;
    case PVPD_E_PERM: {
      if (token.empty()) {
        HttpResponse r = json_error(401, "Authorization: Bearer <admin token> required");
        r.headers.emplace_back("www-authenticate", "Bearer");
        return r;
      }
      return json_error(403, "Forbidden: not an admin token");
    }
    case PVPD_E_NOENT: return json_error(404, "No such session");
    case PVPD_E_INVAL: return json_error(400, "Bad request");
    case PVPD_E_UNSUPPORTED: return json_error(501, "Not supported by this pvpd");
    default: return json_error(500, "Internal error");
  }
  HttpResponse r;
  r.status = 200;
  r.body = std::move(body);
  if (!t->transcript) {
    r.content_type = "application/json";
  } else if (t->markdown) {
    r.content_type = "text/markdown; charset=utf-8";
  } else {
    r.content_type = "application/x-ndjson";
  }
  r.headers.emplace_back("cache-control", "no-store");
  return r;
}

}  // namespace pvpd::websocket
