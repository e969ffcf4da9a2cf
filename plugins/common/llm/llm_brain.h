// LlmBrain: agent::Brain backed by a real model API (Anthropic Messages, OpenAI Responses,
// OpenAI Chat Completions), streaming over libcurl's multi interface.
//
// generate() queues the job for the brain's own worker thread (started on first use): it
// builds the request (request_builder.h), POSTs it, feeds the body through the SSE parser into
// the API's decoder, which forwards deltas to the sink as they arrive, and ends with exactly
// one on_done. Failures before anything reached the sink (connection errors, 408/409/429/5xx/
// 529, an overload/rate-limit error event) are retried with exponential backoff and full
// jitter, honouring retry-after / retry-after-ms / x-should-retry; anything else ends the
// generation with FinishReason::kError and a stable code (AUTH, HTTP_4XX, RATE_LIMITED,
// OVERLOADED, HTTP_5XX, NETWORK, TIMEOUT, BAD_STREAM, BAD_REQUEST, ...) and the provider's
// message scrubbed of the API key. cancel() wakes the multi loop; the transfer is removed (the
// connection closes) and on_done(kInterrupted) follows at once; a retry back-off is cut short
// the same way.
//
// THREAD: generate()/cancel() from any thread; sink events come from the worker thread, one
// generation at a time, in order. A sink may call cancel() (not generate()) from an event.
// OWNERSHIP: the options are copied; the sink is borrowed until its on_done has returned.
// LIFETIME: the destructor cancels what runs or is queued (each still gets its on_done) and
// joins the worker.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include <curl/curl.h>

#include "agent/brain.h"
#include "llm/llm_options.h"

namespace pvpd::llm {

class LlmBrain final : public agent::Brain {
 public:
  explicit LlmBrain(LlmOptions options);
  ~LlmBrain() override;
  LlmBrain(const LlmBrain &) = delete;
  LlmBrain &operator=(const LlmBrain &) = delete;

  void generate(const agent::Conversation &conversation, agent::BrainSink &sink) override;
  void cancel() override;

  const LlmOptions &options() const { return options_; }

 private:
  struct Job {
    uint64_t id = 0;
    agent::Conversation conversation;
    agent::BrainSink *sink = nullptr;
  };

  void worker_main();
  agent::GenerationResult run_job(const Job &job);
  bool cancelled(uint64_t job_id) const { return job_id <= cancelled_up_to_.load(); }
  // Waits `delay` unless the job is cancelled first; returns false when it was.
  bool sleep_unless_cancelled(uint64_t job_id, std::chrono::milliseconds delay);
  std::string scrub(std::string text) const;
  void log(const std::string &message) const;

  const LlmOptions options_;
  CURLM *multi_ = nullptr;
  std::mt19937_64 rng_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread worker_;
  // Jobs with an id up to this one are cancelled (covers a job cancelled before it started).
  std::atomic<uint64_t> cancelled_up_to_{0};
};

}  // namespace pvpd::llm
