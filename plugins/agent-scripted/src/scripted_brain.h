// ScriptedBrain: an offline, deterministic Brain that answers from a Script, streaming at a
// configurable pace — the demo agent of the default config and the workhorse of end-to-end
// tests (no model, no network).
//
// A generation whose last user turn is a prompt plays the matching rule: its think lines as
// thinking deltas, its respond text as text deltas (`chunk_chars` characters per delta, one
// delta per `pace`), then its tool calls (finish tool_use). A generation whose last user turn
// holds tool results plays `after_tools` (or `after_refusal` if any result is an error) and
// ends the turn. Usage is estimated as one token per four characters.
//
// THREAD: one worker thread per brain, started in the constructor; generate/cancel from any
// thread; sink events from the worker.
// LIFETIME: the destructor cancels, lets on_done run, and joins the worker.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "agent/brain.h"
#include "script.h"

namespace pvpd::scripted {

struct Pace {
  uint64_t delay_ms = 40;    // between deltas
  uint32_t chunk_chars = 8;  // characters per delta (UTF-8 sequences are never split)
};

class ScriptedBrain final : public agent::Brain {
 public:
  ScriptedBrain(std::shared_ptr<const Script> script, Pace pace);
  ~ScriptedBrain() override;

  void generate(const agent::Conversation &conversation, agent::BrainSink &sink) override;
  void cancel() override;

 private:
  struct Job {
    agent::Conversation conversation;
    agent::BrainSink *sink;
  };
  void run();
  void play(const Job &job);
  // Streams `text` in chunks; false when cancelled.
  bool stream(const std::string &text, bool thinking, agent::BrainSink &sink);
  bool wait_pace();

  std::shared_ptr<const Script> script_;
  Pace pace_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Job> job_;
  bool cancel_ = false;
  bool quit_ = false;
  std::thread worker_;
  uint64_t call_counter_ = 0;
};

}  // namespace pvpd::scripted
