// RecordingSink: a BrainSink for tests that records every event as a readable line
// ("thinking:<text>", "text:<text>", "tool:<id> <name> <json>", "done:<finish> in=.. out=..
// think=.. [<error code>]") and lets a test wait for on_done.
//
// THREAD: events may arrive on any thread; accessors are thread-safe.
// OWNERSHIP / LIFETIME: must outlive the generation it is given to.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/brain.h"

namespace pvpd::llm::testing {

inline const char *finish_label(agent::FinishReason r) {
  switch (r) {
    case agent::FinishReason::kEndTurn: return "end_turn";
    case agent::FinishReason::kToolUse: return "tool_use";
    case agent::FinishReason::kMaxTokens: return "max_tokens";
    case agent::FinishReason::kInterrupted: return "interrupted";
    case agent::FinishReason::kError: return "error";
  }
  return "?";
}

inline std::string done_line(const agent::GenerationResult &r) {
  std::string s = std::string("done:") + finish_label(r.finish) +
                  " in=" + std::to_string(r.usage.input_tokens) +
                  " out=" + std::to_string(r.usage.output_tokens) +
                  " think=" + std::to_string(r.usage.thinking_tokens);
  if (!r.error_code.empty()) {
    s += " " + r.error_code;
  }
  return s;
}

inline agent::ContentBlock make_block(agent::ContentBlock::Kind kind, std::string text) {
  agent::ContentBlock b;
  b.kind = kind;
  b.text = std::move(text);
  return b;
}

class RecordingSink : public agent::BrainSink {
 public:
  void on_thinking_delta(std::string_view text) override { add("thinking:" + std::string(text)); }
  void on_text_delta(std::string_view text) override { add("text:" + std::string(text)); }
  void on_tool_call(const agent::ToolCallRequest &call) override {
    add("tool:" + call.id + " " + call.name + " " + call.input_json);
  }
  void on_done(agent::GenerationResult result) override {
    std::lock_guard lock(mu_);
    events_.push_back(done_line(result));
    ++done_count_;
    result_ = std::move(result);
    cv_.notify_all();
  }

  bool wait_done(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return result_.has_value(); });
  }
  // Waits until some event satisfies `pred`.
  bool wait_for(const std::function<bool(const std::string &)> &pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto &e : events_) {
        if (pred(e)) {
          return true;
        }
      }
      return false;
    });
  }
  std::vector<std::string> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  agent::GenerationResult result() const {
    std::lock_guard lock(mu_);
    return result_.value_or(agent::GenerationResult{});
  }
  int done_count() const {
    std::lock_guard lock(mu_);
    return done_count_;
  }
  // Called (on the emitting thread) after each delta/tool event is recorded.
  std::function<void(const std::string &)> on_event;

 private:
  void add(std::string line) {
    {
      std::lock_guard lock(mu_);
      events_.push_back(line);
    }
    cv_.notify_all();
    if (on_event) {
      on_event(line);
    }
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
  std::optional<agent::GenerationResult> result_;
  int done_count_ = 0;
};

}  // namespace pvpd::llm::testing
