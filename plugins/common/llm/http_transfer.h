// HttpTransfer: one streaming HTTP POST through a libcurl multi handle, driven on the calling
// thread until it completes, fails or is cancelled.
//
// The 2xx response body is handed to `on_body` as the bytes arrive (nothing is buffered); a
// non-2xx body is collected (capped) for the error message. Proxies come from the environment
// (curl's defaults: http_proxy, https_proxy, no_proxy). Cancellation: the caller sets its flag
// and calls curl_multi_wakeup() on the same multi handle from any thread; the loop notices
// within the wakeup, removes the easy handle and so closes the connection at once.
// Nothing here logs; header values (the API key) never leave the request.
//
// THREAD: run() blocks the calling thread; one transfer per multi handle at a time.
// OWNERSHIP: borrows the multi handle and the callbacks for the duration of run().
// LIFETIME: curl_global_acquire() must be in effect during run().
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <curl/curl.h>

namespace pvpd::llm {

// curl_global_init / curl_global_cleanup around each user (an LlmBrain): libcurl counts the
// calls itself and, built thread-safe (CURL_VERSION_THREADSAFE, Debian's 7.88 is), may be
// called from any thread, so the library's global state is released when the last brain goes
// (no leak when the plugin is unloaded). Without that feature bit: initialized once under
// std::call_once and never cleaned up.
void curl_global_acquire();
void curl_global_release();

struct HttpRequest {
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds idle_timeout{90000};
  std::chrono::milliseconds total_timeout{0};
};

struct HttpOutcome {
  enum class Kind {
    kCompleted,       // the response ended normally (any status)
    kStopped,         // on_body returned false (the consumer has what it needs)
    kCancelled,       // the cancel flag was seen
    kTransportError,  // connect/TLS/timeout/connection reset...
  };
  Kind kind = Kind::kCompleted;
  long status = 0;  // HTTP status, 0 before one arrived
  bool timed_out = false;
  std::string error;                           // kTransportError: curl's description
  std::string error_body;                      // non-2xx body, first 64 KiB
  std::map<std::string, std::string> headers;  // final response, lower-case names
};

class HttpTransfer {
 public:
  using BodyFn = std::function<bool(std::string_view bytes)>;
  using CancelledFn = std::function<bool()>;

  static HttpOutcome run(CURLM *multi, const HttpRequest &request, const BodyFn &on_body,
                         const CancelledFn &cancelled);
};

}  // namespace pvpd::llm
