// lws glue for plain HTTP (see http_frontend.h).
#include "http_frontend.h"

#include <openssl/sha.h>
#include <strings.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

#include "static_site.h"

namespace pvpd::websocket {
namespace {

constexpr std::size_t kBodyChunk = 16 * 1024;
constexpr std::size_t kHeaderSpace = 4096;
constexpr std::size_t kWorkers = 4;
constexpr std::size_t kMaxQueued = 64;

std::string header(struct lws *wsi, enum lws_token_indexes token) {
  int len = lws_hdr_total_length(wsi, token);
  if (len <= 0) {
    return std::string();
  }
  std::string out(static_cast<std::size_t>(len) + 1, '\0');
  int n = lws_hdr_copy(wsi, out.data(), len + 1, token);
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

const char *method_name(int m) {
  switch (m) {
    case LWSHUMETH_GET: return "GET";
    case LWSHUMETH_POST: return "POST";
    case LWSHUMETH_OPTIONS: return "OPTIONS";
    case LWSHUMETH_PUT: return "PUT";
    case LWSHUMETH_PATCH: return "PATCH";
    case LWSHUMETH_DELETE: return "DELETE";
    case LWSHUMETH_HEAD: return "HEAD";
    default: return "OTHER";
  }
}

// The query as decoded name/value pairs (lws splits it at '&' and decodes %XX).
std::vector<std::pair<std::string, std::string>> query_of(struct lws *wsi) {
  std::vector<std::pair<std::string, std::string>> out;
  std::array<char, 2048> buf{};
  for (int i = 0; i < 64; ++i) {
    int n = lws_hdr_copy_fragment(wsi, buf.data(), static_cast<int>(buf.size()),
                                  WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n < 0) {
      break;
    }
    std::string_view arg(buf.data(), static_cast<std::size_t>(n));
    std::size_t eq = arg.find('=');
    out.emplace_back(std::string(arg.substr(0, eq)), eq == std::string_view::npos
                                                         ? std::string()
                                                         : std::string(arg.substr(eq + 1)));
  }
  return out;
}

// SHA-256 of a token, as the cache key (raw tokens are not kept around).
std::string token_digest(const std::string &token) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char *>(token.data()), token.size(), md);
  return std::string(reinterpret_cast<const char *>(md), sizeof md);
}

}  // namespace

AdminSlots admin_slots_of(pvpd::Host host) {
  AdminSlots s;
  if (host.has(&pvpd_host_api_v1::admin_sessions_json)) {
    s.sessions = [host](std::string_view token, std::string *out) -> int32_t {
      pvpd_buf *b = nullptr;
      pvpd_status st = host.api()->admin_sessions_json(host.ctx(), pvpd::to_str(token), &b);
      if (b != nullptr) {
        pvpd::BufRef ref(host.api(), b);
        if (st == PVPD_OK) {
          out->assign(ref.view());
        }
      }
      return st;
    };
  }
  if (host.has(&pvpd_host_api_v1::admin_transcript)) {
    s.transcript = [host](std::string_view token, std::string_view session, uint64_t from,
                          uint32_t format, std::string *out) -> int32_t {
      pvpd_buf *b = nullptr;
      pvpd_status st = host.api()->admin_transcript(host.ctx(), pvpd::to_str(token),
                                                    pvpd::to_str(session), from, format, &b);
      if (b != nullptr) {
        pvpd::BufRef ref(host.api(), b);
        if (st == PVPD_OK) {
          out->assign(ref.view());
        }
      }
      return st;
    };
  }
  return s;
}

HttpFrontend::HttpFrontend(pvpd::Host host, const Settings &settings, Metrics &metrics,
                           std::function<std::string()> health_json,
                           std::function<std::string()> metrics_text, std::function<void()> wake)
    : settings_(settings),
      metrics_(metrics),
      admin_(admin_slots_of(host)),
      proxy_(settings.bridge_host, settings.bridge_port, settings.bridge_max_body),
      routes_(settings.cors_origins,
              HttpRoutes::Providers{
                  std::move(health_json), std::move(metrics_text),
                  [this](const HttpRequest &r) { return admin_response(admin_, r); },
                  settings.bridge_enabled ? std::function<HttpResponse(const HttpRequest &)>(
                                                [this](const HttpRequest &r) { return bridge(r); })
                                          : nullptr},
              settings.web_enabled
                  ? std::make_shared<const StaticSite>(settings.web_path, settings.web_root)
                  : nullptr),
      wake_(std::move(wake)),
      pool_(kWorkers, kMaxQueued) {}

HttpFrontend::~HttpFrontend() {
  stop();
}

void HttpFrontend::stop() {
  pool_.stop();
}

bool HttpFrontend::handles(enum lws_callback_reasons reason) {
  switch (reason) {
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_CLOSED_HTTP: return true;
    default: return false;
  }
}

int HttpFrontend::callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                           std::size_t len) {
  switch (reason) {
    case LWS_CALLBACK_HTTP: return on_http(wsi);
    case LWS_CALLBACK_HTTP_BODY: {
      auto it = txns_.find(wsi);
      if (it == txns_.end()) {
        return -1;
      }
      Txn &t = *it->second;
      if (!t.waiting_body) {
        return 0;  // answered early (413); the rest of the body is ignored
      }
      if (t.body_too_big || t.req.body.size() + len > kMaxRequestBody) {
        t.body_too_big = true;
        t.req.body.clear();
      } else {
        t.req.body.append(static_cast<const char *>(in), len);
      }
      return 0;
    }
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
      auto it = txns_.find(wsi);
      if (it == txns_.end() || !it->second->waiting_body) {
        return -1;
      }
      Txn &t = *it->second;
      t.waiting_body = false;
      if (t.body_too_big) {
        respond(wsi, t, json_error(413, "request body too large"));
      } else {
        dispatch(wsi, t);
      }
      return 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE: return on_writeable(wsi);
    case LWS_CALLBACK_CLOSED_HTTP: {
      auto it = txns_.find(wsi);
      if (it != txns_.end()) {
        by_id_.erase(it->second->id);
        txns_.erase(it);
      }
      break;
    }
    default: break;
  }
  return lws_callback_http_dummy(wsi, reason, user, in, len);
}

int HttpFrontend::on_http(struct lws *wsi) {
  Metrics::bump(metrics_.http_requests);
  char *uri_ptr = nullptr;
  int uri_len = 0;
  int method = lws_http_get_uri_and_method(wsi, &uri_ptr, &uri_len);
  auto t = std::make_unique<Txn>();
  t->id = next_id_++;
  t->req.method = method_name(method);
  t->req.path = uri_ptr != nullptr && uri_len > 0
                    ? std::string(uri_ptr, static_cast<std::size_t>(uri_len))
                    : std::string("/");
  t->req.origin = header(wsi, WSI_TOKEN_ORIGIN);
  t->req.query = query_of(wsi);
  t->req.authorization = header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
  t->req.accept = header(wsi, WSI_TOKEN_HTTP_ACCEPT);
  t->req.if_none_match = header(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH);
  t->req.content_type = header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
  t->head = method == LWSHUMETH_HEAD;
  t->close_after =
      method != LWSHUMETH_GET && method != LWSHUMETH_HEAD && method != LWSHUMETH_OPTIONS;
  const std::string length = header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
  const bool has_body = (!length.empty() && length != "0") ||
                        lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
  Txn &txn = *t;
  by_id_[t->id] = wsi;
  std::unique_ptr<Txn> &slot = txns_[wsi];
  if (slot) {
    by_id_.erase(slot->id);  // lws started a new transaction: the old one's answer is void
  }
  slot = std::move(t);
  if (!settings_.http) {
    respond(wsi, txn, json_error(404, "Not found"));
  } else if (has_body && txn.close_after) {
    // lws delivers the body in LWS_CALLBACK_HTTP_BODY chunks, then BODY_COMPLETION.
    // An announced body over the limit is still read (and dropped) so that the client, which
    // is usually still sending, gets the 413 instead of a reset; a huge one is cut short.
    txn.waiting_body = true;
    const unsigned long long announced = std::strtoull(length.c_str(), nullptr, 10);
    txn.body_too_big = announced > kMaxRequestBody;
    if (announced > kMaxDiscardedBody) {
      txn.waiting_body = false;
      respond(wsi, txn, json_error(413, "request body too large"));
    }
  } else {
    dispatch(wsi, txn);
  }
  return 0;
}

void HttpFrontend::dispatch(struct lws *wsi, Txn &t) {
  RouteResult r = routes_.handle(t.req);
  if (!r.deferred) {
    respond(wsi, t, std::move(r.response));
    return;
  }
  auto extra = std::move(r.response.headers);
  const uint64_t id = t.id;
  bool queued = pool_.submit([this, id, job = std::move(r.deferred), extra = std::move(extra)] {
    HttpResponse resp;
    try {
      resp = job();
    } catch (const std::exception &) {
      resp = json_error(500, "Internal error");
    }
    resp.headers.insert(resp.headers.end(), extra.begin(), extra.end());
    {
      std::lock_guard<std::mutex> lock(done_mu_);
      done_.emplace_back(id, std::move(resp));
    }
    wake_();
  });
  if (!queued) {
    respond(wsi, t, json_error(503, "busy, try again"));
    return;
  }
  // The worker may take a while (journal reads, the bridge's timeout); lws must not time the
  // connection out meanwhile. A peer that hangs up still closes it (CLOSED_HTTP).
  lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
}

void HttpFrontend::respond(struct lws *wsi, Txn &t, HttpResponse resp) {
  t.resp = std::move(resp);
  t.ready = true;
  lws_callback_on_writable(wsi);
}

void HttpFrontend::on_wake() {
  std::vector<std::pair<uint64_t, HttpResponse>> done;
  {
    std::lock_guard<std::mutex> lock(done_mu_);
    done.swap(done_);
  }
  for (auto &[id, resp] : done) {
    auto w = by_id_.find(id);
    if (w == by_id_.end()) {
      continue;  // the client went away meanwhile
    }
    auto it = txns_.find(w->second);
    if (it == txns_.end() || it->second->id != id) {
      continue;
    }
    respond(w->second, *it->second, std::move(resp));
  }
}

int HttpFrontend::on_writeable(struct lws *wsi) {
  auto it = txns_.find(wsi);
  if (it == txns_.end()) {
    return 0;
  }
  Txn &t = *it->second;
  if (!t.ready) {
    return 0;
  }
  const HttpResponse &resp = t.resp;
  if (!t.headers_sent) {
    std::size_t extra = 0;
    for (const auto &[name, value] : resp.headers) {
      extra += name.size() + value.size() + 4;
    }
    buf_.resize(LWS_PRE + kHeaderSpace + extra);
    unsigned char *start = buf_.data() + LWS_PRE;
    unsigned char *p = start;
    unsigned char *end = buf_.data() + buf_.size();
    const lws_filepos_t length =
        resp.status == 304 || resp.status == 204 ? LWS_ILLEGAL_HTTP_CONTENT_LEN : resp.body.size();
    if (lws_add_http_common_headers(wsi, resp.status,
                                    resp.content_type.empty() ? nullptr : resp.content_type.c_str(),
                                    length, &p, end) != 0) {
      return -1;
    }
    for (const auto &[name, value] : resp.headers) {
      std::string n = name + ":";
      if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char *>(n.c_str()),
                                      reinterpret_cast<const unsigned char *>(value.data()),
                                      static_cast<int>(value.size()), &p, end) != 0) {
        return -1;
      }
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end) != 0) {
      return -1;
    }
    t.headers_sent = true;
    if (t.head || resp.body.empty()) {
      return finish(wsi);
    }
    lws_callback_on_writable(wsi);
    return 0;
  }
  const std::size_t n = std::min(kBodyChunk, resp.body.size() - t.sent);
  const bool last = t.sent + n == resp.body.size();
  buf_.resize(std::max(buf_.size(), LWS_PRE + kBodyChunk));
  std::memcpy(buf_.data() + LWS_PRE, resp.body.data() + t.sent, n);
  if (lws_write(wsi, buf_.data() + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) <
      static_cast<int>(n)) {
    return -1;
  }
  t.sent += n;
  if (last) {
    return finish(wsi);
  }
  lws_callback_on_writable(wsi);
  return 0;
}

int HttpFrontend::finish(struct lws *wsi) {
  auto it = txns_.find(wsi);
  bool close = true;
  if (it != txns_.end()) {
    close = it->second->close_after;
    by_id_.erase(it->second->id);
    txns_.erase(it);
  }
  if (close) {
    return -1;
  }
  return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
}

bool HttpFrontend::recently_admin(const std::string &token) const {
  const std::string key = token_digest(token);
  std::lock_guard<std::mutex> lock(auth_mu_);
  auto it = admin_ok_.find(key);
  return it != admin_ok_.end() && std::chrono::steady_clock::now() < it->second;
}

void HttpFrontend::remember_admin(const std::string &token) const {
  const std::string key = token_digest(token);
  std::lock_guard<std::mutex> lock(auth_mu_);
  if (admin_ok_.size() >= kMaxRememberedTokens) {
    admin_ok_.clear();
  }
  admin_ok_[key] = std::chrono::steady_clock::now() + kAdminVerdictTtl;
}

HttpResponse HttpFrontend::bridge(const HttpRequest &req) const {
  if (!settings_.bridge_public) {
    if (!admin_.sessions) {
      return json_error(501, "the bridge proxy needs bridge.public or a pvpd with ABI 1.2");
    }
    // The admin check of the admin API: the host authenticates the bearer token. A positive
    // verdict is remembered briefly (by digest, not the token), since the host answers it by
    // reading every journal and a dashboard may poll the bridge.
    const std::string token = bearer_token(req.authorization);
    if (token.empty() || !recently_admin(token)) {
      std::string ignored;
      int32_t st = admin_.sessions(token, &ignored);
      if (st == PVPD_E_PERM) {
        if (token.empty()) {
          HttpResponse r = json_error(401, "Authorization: Bearer <admin token> required");
          r.headers.emplace_back("www-authenticate", "Bearer");
          return r;
        }
        return json_error(403, "Forbidden: not an admin token");
      }
      if (st != PVPD_OK) {
        return json_error(500, "Internal error");
      }
      if (!token.empty()) {
        remember_admin(token);
      }
    }
  }
  return proxy_.forward(req);
}

}  // namespace pvpd::websocket
