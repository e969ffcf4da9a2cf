#include "scripted_brain.h"

#include <pthread.h>

#include <chrono>
#include <utility>

namespace pvpd::scripted {
namespace {

using agent::ContentBlock;
using agent::Turn;

void replace_all(std::string *s, std::string_view from, std::string_view to) {
  for (size_t pos = s->find(from); pos != std::string::npos; pos = s->find(from, pos + to.size())) {
    s->replace(pos, from.size(), to);
  }
}

// Length of the UTF-8 sequence starting with `lead` (1 for stray continuation bytes).
size_t utf8_len(unsigned char lead) {
  if (lead >= 0xF0) {
    return 4;
  }
  if (lead >= 0xE0) {
    return 3;
  }
  if (lead >= 0xC0) {
    return 2;
  }
  return 1;
}

}  // namespace

ScriptedBrain::ScriptedBrain(std::shared_ptr<const Script> script, Pace pace)
    : script_(std::move(script)), pace_(pace) {
  worker_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "pvpd-agent");  // top -H, perf, gdb
    run();
  });
}

ScriptedBrain::~ScriptedBrain() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
    cancel_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void ScriptedBrain::generate(const agent::Conversation &conversation, agent::BrainSink &sink) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = Job{conversation, &sink};
    cancel_ = false;
  }
  cv_.notify_all();
}

void ScriptedBrain::cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_ = true;
  }
  cv_.notify_all();
}

void ScriptedBrain::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return quit_ || job_.has_value(); });
    if (!job_) {
      return;  // quit with nothing to finish
    }
    Job job = std::move(*job_);
    job_.reset();
    lock.unlock();
    play(job);
    lock.lock();
  }
}

bool ScriptedBrain::wait_pace() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(pace_.delay_ms), [this] { return cancel_; });
  return !cancel_;
}

bool ScriptedBrain::stream(const std::string &text, bool thinking, agent::BrainSink &sink) {
  size_t i = 0;
  while (i < text.size()) {
    size_t end = i;
    for (uint32_t n = 0; n < pace_.chunk_chars && end < text.size(); ++n) {
      end += utf8_len(static_cast<unsigned char>(text[end]));
    }
    end = std::min(end, text.size());
    if (!wait_pace()) {
      return false;
    }
    std::string_view chunk(text.data() + i, end - i);
    if (thinking) {
      sink.on_thinking_delta(chunk);
    } else {
      sink.on_text_delta(chunk);
    }
    i = end;
  }
  return true;
}

void ScriptedBrain::play(const Job &job) {
  agent::BrainSink &sink = *job.sink;
  agent::GenerationResult result;
  result.assistant.role = Turn::Role::kAssistant;
  const agent::Conversation &conv = job.conversation;

  // The prompt is the latest user text; tool results after it mean this is the follow-up.
  std::string prompt;
  std::string results;
  bool refused = false;
  bool follow_up = false;
  for (auto it = conv.turns.rbegin(); it != conv.turns.rend(); ++it) {
    if (it->role != Turn::Role::kUser) {
      continue;
    }
    bool has_results = false;
    for (const ContentBlock &b : it->blocks) {
      if (b.kind == ContentBlock::Kind::kToolResult) {
        has_results = true;
      }
    }
    if (has_results && prompt.empty() && !follow_up) {
      follow_up = true;
      for (const ContentBlock &b : it->blocks) {
        if (b.kind == ContentBlock::Kind::kToolResult) {
          refused = refused || b.is_error;
          results += (results.empty() ? "" : "\n") + b.text;
        }
      }
      continue;
    }
    if (!has_results) {
      for (const ContentBlock &b : it->blocks) {
        if (b.kind == ContentBlock::Kind::kText) {
          prompt = b.text;
        }
      }
      break;
    }
  }
  const Rule *rule = script_->find(prompt);
  uint64_t in_chars = conv.system.size();
  for (const Turn &t : conv.turns) {
    for (const ContentBlock &b : t.blocks) {
      in_chars += b.text.size() + b.input_json.size();
    }
  }
  result.usage.input_tokens = (in_chars + 3) / 4;

  auto finish = [&](agent::FinishReason reason) {
    result.finish = reason;
    sink.on_done(std::move(result));
  };
  auto expand = [&](std::string text) {
    replace_all(&text, "{prompt}", prompt);
    replace_all(&text, "{results}", results);
    return text;
  };

  if (rule == nullptr) {
    result.error_code = "NO_RULE";
    result.error_message = "the script has no rule matching this prompt";
    finish(agent::FinishReason::kError);
    return;
  }

  if (!follow_up) {
    std::string thinking;
    for (const std::string &line : rule->think) {
      std::string l = expand(line) + "\n";
      if (!stream(l, true, sink)) {
        finish(agent::FinishReason::kInterrupted);
        return;
      }
      thinking += l;
      result.usage.thinking_tokens += (l.size() + 3) / 4;
    }
    if (!thinking.empty()) {
      ContentBlock b;
      b.kind = ContentBlock::Kind::kThinking;
      b.text = thinking;
      result.assistant.blocks.push_back(std::move(b));
    }
  }
  std::string text = follow_up
                         ? expand(refused && !rule->after_refusal.empty() ? rule->after_refusal
                                                                          : rule->after_tools)
                         : expand(rule->respond);
  if (!stream(text, false, sink)) {
    finish(agent::FinishReason::kInterrupted);
    return;
  }
  result.usage.output_tokens = result.usage.thinking_tokens + (text.size() + 3) / 4;
  if (!text.empty()) {
    ContentBlock b;
    b.kind = ContentBlock::Kind::kText;
    b.text = text;
    result.assistant.blocks.push_back(std::move(b));
  }
  if (follow_up || rule->tools.empty()) {
    finish(agent::FinishReason::kEndTurn);
    return;
  }
  for (const ScriptedTool &t : rule->tools) {
    agent::ToolCallRequest call;
    call.id = "call_" + std::to_string(++call_counter_);
    call.name = t.name;
    call.input_json = t.input_json;
    sink.on_tool_call(call);
    ContentBlock b;
    b.kind = ContentBlock::Kind::kToolUse;
    b.tool_use_id = call.id;
    b.tool_name = call.name;
    b.input_json = call.input_json;
    result.assistant.blocks.push_back(std::move(b));
  }
  bool canceled = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    canceled = cancel_;
  }
  finish(canceled ? agent::FinishReason::kInterrupted : agent::FinishReason::kToolUse);
}

}  // namespace pvpd::scripted
