#include "llm/llm_brain.h"

#include <algorithm>
#include <string>
#include <vector>

#include "llm/http_transfer.h"
#include "llm/json_util.h"
#include "llm/request_builder.h"
#include "llm/retry_policy.h"
#include "llm/sse_parser.h"
#include "llm/stream_decoder.h"

namespace pvpd::llm {
namespace {

using agent::FinishReason;
using agent::GenerationResult;

// Forwards deltas unless the generation was cancelled meanwhile: a sink that called cancel()
// gets nothing more from the chunk being decoded.
class GuardedSink final : public agent::BrainSink {
 public:
  GuardedSink(agent::BrainSink &inner, std::function<bool()> cancelled)
      : inner_(inner), cancelled_(std::move(cancelled)) {}
  void on_thinking_delta(std::string_view text) override {
    if (!cancelled_()) {
      inner_.on_thinking_delta(text);
    }
  }
  void on_text_delta(std::string_view text) override {
    if (!cancelled_()) {
      inner_.on_text_delta(text);
    }
  }
  void on_tool_call(const agent::ToolCallRequest &call) override {
    if (!cancelled_()) {
      delivered_tools_.push_back(call.id);
      inner_.on_tool_call(call);
    }
  }
  // An interrupted turn keeps only the tool calls the agent was told about: a tool_use the
  // agent never saw would get no tool_result, which the providers reject on the next request.
  void drop_undelivered_tools(GenerationResult &r) const {
    auto &blocks = r.assistant.blocks;
    blocks.erase(std::remove_if(blocks.begin(), blocks.end(),
                                [this](const agent::ContentBlock &b) {
                                  return b.kind == agent::ContentBlock::Kind::kToolUse &&
                                         std::find(delivered_tools_.begin(), delivered_tools_.end(),
                                                   b.tool_use_id) == delivered_tools_.end();
                                }),
                 blocks.end());
  }
  void on_done(GenerationResult) override {}  // the brain calls the real sink's on_done

 private:
  agent::BrainSink &inner_;
  std::function<bool()> cancelled_;
  std::vector<std::string> delivered_tools_;
};

GenerationResult error_result(std::string code, std::string message) {
  GenerationResult r;
  r.finish = FinishReason::kError;
  r.assistant.role = agent::Turn::Role::kAssistant;
  r.error_code = std::move(code);
  r.error_message = std::move(message);
  return r;
}

GenerationResult interrupted_result() {
  GenerationResult r;
  r.finish = FinishReason::kInterrupted;
  r.assistant.role = agent::Turn::Role::kAssistant;
  return r;
}

std::string code_for_status(long status, std::string_view provider_type) {
  if (status == 401 || status == 403) {
    return "AUTH";
  }
  if (status == 429) {
    return "RATE_LIMITED";
  }
  if (status == 529 || provider_type == "overloaded_error") {
    return "OVERLOADED";
  }
  if (status >= 500) {
    return "HTTP_5XX";
  }
  return "HTTP_4XX";
}

// The provider's error type/code and message from an error body (Anthropic:
// {"type":"error","error":{type,message}}; OpenAI: {"error":{message,type,code}}).
void read_error_body(std::string_view body, std::string *type, std::string *message) {
  rapidjson::Document doc;
  if (!json::parse(body, doc, nullptr)) {
    return;
  }
  const auto *error = json::object_member(doc, "error");
  if (error == nullptr) {
    return;
  }
  std::string_view code = json::string_member(*error, "code");
  std::string_view kind = json::string_member(*error, "type");
  type->assign(code.empty() ? kind : code);
  message->assign(json::string_member(*error, "message"));
  if (const auto *details = json::object_member(*error, "details")) {
    std::string_view detail_code = json::string_member(*details, "error_code");
    if (!detail_code.empty()) {
      type->assign(detail_code);
    }
  }
}

std::string header(const HttpOutcome &o, const char *name) {
  auto it = o.headers.find(name);
  return it == o.headers.end() ? std::string() : it->second;
}

}  // namespace

LlmBrain::LlmBrain(LlmOptions options)
    : options_(std::move(options)), rng_(std::random_device{}()) {
  curl_global_acquire();
  multi_ = curl_multi_init();
}

LlmBrain::~LlmBrain() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cancelled_up_to_.store(next_id_ - 1);
  }
  cv_.notify_all();
  if (multi_ != nullptr) {
    curl_multi_wakeup(multi_);
  }
  if (worker_.joinable()) {
    worker_.join();
  }
  if (multi_ != nullptr) {
    curl_multi_cleanup(multi_);
  }
  curl_global_release();
}

void LlmBrain::generate(const agent::Conversation &conversation, agent::BrainSink &sink) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(Job{next_id_++, conversation, &sink});
    if (!worker_.joinable()) {
      worker_ = std::thread([this] { worker_main(); });
    }
  }
  cv_.notify_all();
}

void LlmBrain::cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_up_to_.store(next_id_ - 1);
  }
  if (multi_ != nullptr) {
    curl_multi_wakeup(multi_);
  }
  cv_.notify_all();
}

void LlmBrain::worker_main() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    GenerationResult result = run_job(job);
    job.sink->on_done(std::move(result));
  }
}

GenerationResult LlmBrain::run_job(const Job &job) {
  if (cancelled(job.id)) {
    return interrupted_result();
  }
  if (multi_ == nullptr) {
    return error_result("NETWORK", "curl_multi_init failed");
  }
  if (std::string invalid = validate(options_); !invalid.empty()) {
    return error_result("CONFIG", invalid);
  }
  std::string error;
  HttpRequest request;
  request.body = build_request(job.conversation, options_, &error);
  if (request.body.empty()) {
    return error_result("BAD_REQUEST", error);
  }
  request.url = request_url(options_);
  request.connect_timeout = options_.connect_timeout;
  request.idle_timeout = options_.idle_timeout;
  request.total_timeout = options_.total_timeout;
  request.headers = {"Content-Type: application/json", "Accept: text/event-stream", "Expect:"};
  if (options_.provider == Provider::kAnthropic) {
    request.headers.push_back("anthropic-version: " + options_.anthropic_version);
    if (!options_.api_key.empty()) {
      request.headers.push_back("x-api-key: " + options_.api_key);
    }
  } else if (!options_.api_key.empty()) {
    request.headers.push_back("Authorization: Bearer " + options_.api_key);
  }
  for (const auto &[name, value] : options_.extra_headers) {
    request.headers.push_back(name + ": " + value);
  }

  auto is_cancelled = [this, &job] { return cancelled(job.id); };
  GuardedSink sink(*job.sink, is_cancelled);
  for (uint32_t attempt = 0;; ++attempt) {
    std::unique_ptr<StreamDecoder> decoder = make_decoder(options_.api, sink);
    SseParser parser;
    HttpOutcome out = HttpTransfer::run(
        multi_, request,
        [&parser, &decoder](std::string_view bytes) {
          return feed_stream(parser, *decoder, bytes);
        },
        is_cancelled);
    if (out.kind == HttpOutcome::Kind::kCancelled || cancelled(job.id)) {
      GenerationResult r = decoder->finish(StreamEnd{StreamEnd::Kind::kCancelled, {}, {}});
      sink.drop_undelivered_tools(r);
      return r;
    }

    bool retryable = false;
    std::optional<std::chrono::milliseconds> server_delay;
    GenerationResult failure;
    bool ok_status = out.status >= 200 && out.status < 300;
    if (out.status == 0) {
      // No response at all (connect, TLS, timeout): always safe to retry.
      retryable = true;
      failure = error_result(out.timed_out ? "TIMEOUT" : "NETWORK",
                             scrub("request failed: " + out.error));
    } else if (ok_status) {
      StreamEnd end;
      if (out.kind == HttpOutcome::Kind::kTransportError) {
        end = StreamEnd{StreamEnd::Kind::kTransportError, out.timed_out ? "TIMEOUT" : "NETWORK",
                        scrub(out.error)};
      }
      parser.finish();
      if (decoder->complete() || decoder->emitted()) {
        return decoder->finish(end);  // done, or output already shown: no retry
      }
      std::string code = decoder->error_code();
      // Nothing shown yet: a transport failure, a truncated stream, or an overload/rate limit
      // reported in the stream may be retried; a malformed stream may not.
      retryable = code.empty() || code == "OVERLOADED" || code == "RATE_LIMITED" ||
                  code == "PROVIDER_ERROR";
      failure = decoder->finish(end);
      failure.error_message = scrub(failure.error_message);
    } else {
      std::string type;
      std::string message;
      read_error_body(out.error_body, &type, &message);
      std::string code = code_for_status(out.status, type);
      failure = error_result(code, scrub("HTTP " + std::to_string(out.status) +
                                         (message.empty() ? std::string() : ": " + message) +
                                         (type.empty() ? std::string() : " (" + type + ")")));
      retryable = retryable_status(out.status) && type != "insufficient_quota" &&
                  type != "enforced_spend_limit_reached";
      std::string should_retry = header(out, "x-should-retry");
      if (should_retry == "true") {
        retryable = true;
      } else if (should_retry == "false") {
        retryable = false;
      }
      auto now = std::chrono::system_clock::now();
      if (std::string ms = header(out, "retry-after-ms"); !ms.empty()) {
        if (auto seconds = parse_retry_after(ms, now)) {
          server_delay = std::chrono::milliseconds(seconds->count() / 1000);
        }
      }
      if (!server_delay) {
        if (std::string after = header(out, "retry-after"); !after.empty()) {
          server_delay = parse_retry_after(after, now);
        }
      }
    }
    if (!retryable || attempt >= options_.max_retries) {
      return failure;
    }
    if (server_delay && *server_delay > options_.max_retry_after) {
      log("not retrying: the provider asks to wait " + std::to_string(server_delay->count()) +
          " ms (" + failure.error_message + ")");
      return failure;
    }
    std::chrono::milliseconds delay =
        server_delay ? *server_delay
                     : backoff_delay(attempt, options_.backoff_base, options_.backoff_max, rng_);
    log("attempt " + std::to_string(attempt + 1) + " failed (" + failure.error_code + ": " +
        failure.error_message + "); retrying in " + std::to_string(delay.count()) + " ms");
    if (!sleep_unless_cancelled(job.id, delay)) {
      return interrupted_result();
    }
  }
}

bool LlmBrain::sleep_unless_cancelled(uint64_t job_id, std::chrono::milliseconds delay) {
  auto deadline = std::chrono::steady_clock::now() + delay;
  while (!cancelled(job_id)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return true;
    }
    // curl_multi_wakeup() from cancel() ends the wait early.
    curl_multi_poll(multi_, nullptr, 0, static_cast<int>(std::min<int64_t>(left.count(), 1000)),
                    nullptr);
  }
  return false;
}

std::string LlmBrain::scrub(std::string text) const {
  const std::string &key = options_.api_key;
  if (key.size() < 4) {
    return text;
  }
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
    text.replace(at, key.size(), "[REDACTED]");
  }
  return text;
}

void LlmBrain::log(const std::string &message) const {
  if (options_.log) {
    options_.log(scrub(message));
  }
}

}  // namespace pvpd::llm
