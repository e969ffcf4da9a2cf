#include "llm/http_transfer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <mutex>

namespace pvpd::llm {
namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;

struct Context {
  CURL *easy = nullptr;
  const HttpTransfer::BodyFn *on_body = nullptr;
  const HttpTransfer::CancelledFn *cancelled = nullptr;
  HttpOutcome *outcome = nullptr;
  bool stopped = false;
  // Last byte received (headers or body): the idle watchdog's reference point.
  std::chrono::steady_clock::time_point last_activity;
};

size_t on_write(char *ptr, size_t size, size_t nmemb, void *user) {
  auto *ctx = static_cast<Context *>(user);
  size_t n = size * nmemb;
  ctx->last_activity = std::chrono::steady_clock::now();
  if ((*ctx->cancelled)()) {
    return 0;  // aborts the transfer
  }
  if (ctx->outcome->status == 0) {
    curl_easy_getinfo(ctx->easy, CURLINFO_RESPONSE_CODE, &ctx->outcome->status);
  }
  long status = ctx->outcome->status;
  if (status >= 200 && status < 300) {
    if (!(*ctx->on_body)(std::string_view(ptr, n))) {
      ctx->stopped = true;
      return 0;
    }
    return n;
  }
  std::string &body = ctx->outcome->error_body;
  body.append(ptr, std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, body.size())));
  return n;
}

size_t on_header(char *ptr, size_t size, size_t nmemb, void *user) {
  auto *ctx = static_cast<Context *>(user);
  size_t n = size * nmemb;
  ctx->last_activity = std::chrono::steady_clock::now();
  std::string_view line(ptr, n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after 100-continue or a proxy's CONNECT answer): only the last counts.
    ctx->outcome->headers.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return n;
  }
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  if (ctx->outcome->headers.size() < 200) {
    ctx->outcome->headers[name] = std::string(value);
  }
  return n;
}

struct SlistDeleter {
  void operator()(curl_slist *l) const { curl_slist_free_all(l); }
};
struct EasyDeleter {
  void operator()(CURL *e) const { curl_easy_cleanup(e); }
};

}  // namespace

namespace {

bool curl_threadsafe() {
  const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
  return info != nullptr && (info->features & CURL_VERSION_THREADSAFE) != 0;
}

}  // namespace

void curl_global_acquire() {
  if (curl_threadsafe()) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return;
  }
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void curl_global_release() {
  if (curl_threadsafe()) {
    curl_global_cleanup();
  }
}

HttpOutcome HttpTransfer::run(CURLM *multi, const HttpRequest &request, const BodyFn &on_body,
                              const CancelledFn &cancelled) {
  HttpOutcome outcome;
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) {
    outcome.kind = HttpOutcome::Kind::kTransportError;
    outcome.error = "curl_easy_init failed";
    return outcome;
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const std::string &h : request.headers) {
    curl_slist *next = curl_slist_append(headers.get(), h.c_str());
    if (next == nullptr) {
      outcome.kind = HttpOutcome::Kind::kTransportError;
      outcome.error = "out of memory building headers";
      return outcome;
    }
    (void)headers.release();
    headers.reset(next);
  }
  Context ctx{easy.get(), &on_body, &cancelled, &outcome, false, std::chrono::steady_clock::now()};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  CURL *e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(e, CURLOPT_USERAGENT, "pvpd");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &ctx);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &ctx);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(request.total_timeout.count()));
  // The idle watchdog is ours (below): CURLOPT_LOW_SPEED_* averages over several seconds and
  // counts the request upload, so it fires seconds late.

  if (curl_multi_add_handle(multi, e) != CURLM_OK) {
    outcome.kind = HttpOutcome::Kind::kTransportError;
    outcome.error = "curl_multi_add_handle failed";
    return outcome;
  }
  CURLcode result = CURLE_OK;
  bool done = false;
  bool idle = false;
  ctx.last_activity = std::chrono::steady_clock::now();
  while (!done) {
    if (cancelled()) {
      break;
    }
    auto quiet = std::chrono::steady_clock::now() - ctx.last_activity;
    if (request.idle_timeout.count() > 0 && quiet >= request.idle_timeout) {
      idle = true;
      break;
    }
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg *msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == e) {
        done = true;
        result = msg->data.result;
      }
    }
    if (done) {
      break;
    }
    if (mc != CURLM_OK) {
      result = CURLE_RECV_ERROR;
      std::snprintf(error_buffer, sizeof error_buffer, "%s", curl_multi_strerror(mc));
      done = true;
      break;
    }
    // Wakes on socket activity, curl's own timers, or curl_multi_wakeup() from cancel().
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request.idle_timeout - quiet);
    int wait_ms = static_cast<int>(std::clamp<int64_t>(left.count() + 1, 1, 1000));
    curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
  }
  if (outcome.status == 0) {
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &outcome.status);
  }
  // Removing an unfinished transfer closes its connection: that is how a stream is stopped.
  curl_multi_remove_handle(multi, e);
  if (cancelled()) {
    outcome.kind = HttpOutcome::Kind::kCancelled;
  } else if (ctx.stopped) {
    outcome.kind = HttpOutcome::Kind::kStopped;
  } else if (idle) {
    outcome.kind = HttpOutcome::Kind::kTransportError;
    outcome.timed_out = true;
    outcome.error = "no data for " + std::to_string(request.idle_timeout.count()) + " ms";
  } else if (result != CURLE_OK) {
    outcome.kind = HttpOutcome::Kind::kTransportError;
    outcome.timed_out = result == CURLE_OPERATION_TIMEDOUT;
    outcome.error = error_buffer[0] != '\0' ? std::string(error_buffer)
                                            : std::string(curl_easy_strerror(result));
  }
  return outcome;
}

}  // namespace pvpd::llm
