// Unit tests of the scripted agent's script parser and brain: rules, streaming in chunks,
// tool calls, follow-ups after tool results, cancellation, exactly one on_done per generation.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "script.h"
#include "scripted_brain.h"

namespace pvpd::scripted {
namespace {

using namespace std::chrono_literals;

class RecordingSink final : public agent::BrainSink {
 public:
  void on_thinking_delta(std::string_view text) override { add("think:" + std::string(text)); }
  void on_text_delta(std::string_view text) override { add("text:" + std::string(text)); }
  void on_tool_call(const agent::ToolCallRequest &call) override {
    add("tool:" + call.name + " " + call.input_json);
  }
  void on_done(agent::GenerationResult result) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++done_count_;
    result_ = std::move(result);
    cv_.notify_all();
  }
  bool wait_done(int count = 1) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return done_count_ >= count; });
  }
  bool wait_events(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return events_.size() >= n; });
  }
  std::vector<std::string> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::string joined(const std::string &prefix) {
    std::string out;
    for (const auto &e : events()) {
      if (e.rfind(prefix, 0) == 0) {
        out += e.substr(prefix.size());
      }
    }
    return out;
  }
  agent::GenerationResult result() {
    std::lock_guard<std::mutex> lock(mu_);
    return result_;
  }
  int done_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return done_count_;
  }

 private:
  void add(std::string e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(e));
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
  agent::GenerationResult result_;
  int done_count_ = 0;
};

std::shared_ptr<Script> script_of(const std::string &json) {
  auto s = std::make_shared<Script>();
  std::string err = parse_script(json, s.get());
  EXPECT_EQ(err, "");
  return s;
}

agent::Conversation prompt(const std::string &text) {
  agent::Conversation c;
  agent::Turn t;
  agent::ContentBlock b;
  b.text = text;
  t.blocks.push_back(b);
  c.turns.push_back(t);
  return c;
}

const char *kRules = R"([
  {"match": "alpha", "think": ["one", "two"], "respond": "héllo {prompt}",
   "tools": [{"name": "file_write", "input": {"path": "a.txt", "content": "x"}}],
   "after_tools": "done: {results}", "after_refusal": "refused: {results}"},
  {"match": ".*", "respond": "fallback"}
])";

TEST(ScriptParse, ReportsPointerOfTheBadRule) {
  Script s;
  EXPECT_EQ(parse_script("{}", &s), ": rules must be a list");
  EXPECT_EQ(
      parse_script(R"([{"match": "("}])", &s).rfind("/0/match: invalid regular expression", 0), 0u);
  EXPECT_EQ(parse_script(R"([{"respond": 3}])", &s), "/0/respond: must be a string");
  EXPECT_EQ(parse_script(R"([{}, {"tools": [{"input": {}}]}])", &s),
            "/1/tools/0: a tool needs a name");
  EXPECT_EQ(parse_script(R"([{"tools": [{"name": "x", "input": [1]}]}])", &s),
            "/0/tools/0/input: must be a map");
  EXPECT_EQ(parse_script(R"([{"think": [1]}])", &s),
            "/0/think: must be a string or a list of strings");
}

TEST(ScriptParse, BuiltinDemoScriptParsesAndAnswersEverything) {
  Script s;
  ASSERT_EQ(parse_script(builtin_demo_script(), &s), "");
  EXPECT_NE(s.find("please write a file"), nullptr);
  EXPECT_EQ(s.find("please write a file")->tools.at(0).name, "file_write");
  EXPECT_EQ(s.find("list files")->tools.at(0).name, "list_dir");
  ASSERT_NE(s.find("what can you do?"), nullptr);
  EXPECT_TRUE(s.find("what can you do?")->tools.empty());
}

TEST(ScriptedBrain, StreamsThinkingThenTextThenProposesTools) {
  RecordingSink sink;
  ScriptedBrain brain(script_of(kRules), Pace{0, 3});
  brain.generate(prompt("alpha"), sink);
  ASSERT_TRUE(sink.wait_done());
  EXPECT_EQ(sink.joined("think:"), "one\ntwo\n");
  EXPECT_EQ(sink.joined("text:"), "héllo alpha");
  auto events = sink.events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), R"(tool:file_write {"path":"a.txt","content":"x"})");
  // Chunks of 3 characters, UTF-8 never split: "hél" is 4 bytes.
  EXPECT_NE(std::find(events.begin(), events.end(), "text:hél"), events.end());
  auto r = sink.result();
  EXPECT_EQ(r.finish, agent::FinishReason::kToolUse);
  EXPECT_GT(r.usage.output_tokens, 0u);
  EXPECT_GT(r.usage.thinking_tokens, 0u);
  ASSERT_EQ(r.assistant.blocks.size(), 3u);
  EXPECT_EQ(r.assistant.blocks[0].kind, agent::ContentBlock::Kind::kThinking);
  EXPECT_EQ(r.assistant.blocks[2].kind, agent::ContentBlock::Kind::kToolUse);
  EXPECT_EQ(r.assistant.blocks[2].tool_name, "file_write");
}

TEST(ScriptedBrain, FollowUpAfterToolResultsUsesAfterToolsOrAfterRefusal) {
  for (bool refused : {false, true}) {
    RecordingSink sink;
    ScriptedBrain brain(script_of(kRules), Pace{0, 100});
    agent::Conversation c = prompt("alpha");
    agent::Turn assistant;
    assistant.role = agent::Turn::Role::kAssistant;
    c.turns.push_back(assistant);
    agent::Turn results;
    agent::ContentBlock b;
    b.kind = agent::ContentBlock::Kind::kToolResult;
    b.text = "RESULT";
    b.is_error = refused;
    results.blocks.push_back(b);
    c.turns.push_back(results);
    brain.generate(c, sink);
    ASSERT_TRUE(sink.wait_done());
    EXPECT_EQ(sink.joined("text:"), refused ? "refused: RESULT" : "done: RESULT");
    EXPECT_EQ(sink.joined("think:"), "");
    EXPECT_EQ(sink.result().finish, agent::FinishReason::kEndTurn);
  }
}

TEST(ScriptedBrain, CancelEndsTheGenerationInterruptedAndOnlyOnce) {
  RecordingSink sink;
  ScriptedBrain brain(script_of(R"([{"respond": "a very long answer that takes a while"}])"),
                      Pace{200, 1});
  brain.generate(prompt("x"), sink);
  ASSERT_TRUE(sink.wait_events(1));
  brain.cancel();
  ASSERT_TRUE(sink.wait_done());
  EXPECT_EQ(sink.result().finish, agent::FinishReason::kInterrupted);
  EXPECT_LT(sink.joined("text:").size(), std::string("a very long answer").size());
  // Still exactly one on_done, and the brain takes a new generation afterwards.
  brain.generate(prompt("x"), sink);
  brain.cancel();
  ASSERT_TRUE(sink.wait_done(2));
  EXPECT_EQ(sink.done_count(), 2);
}

TEST(ScriptedBrain, DestroyingWhileGeneratingStillDeliversOnDone) {
  RecordingSink sink;
  {
    ScriptedBrain brain(script_of(R"([{"respond": "slow slow slow"}])"), Pace{500, 1});
    brain.generate(prompt("x"), sink);
  }
  EXPECT_EQ(sink.done_count(), 1);
  EXPECT_EQ(sink.result().finish, agent::FinishReason::kInterrupted);
}

TEST(ScriptedBrain, NoMatchingRuleIsAnError) {
  RecordingSink sink;
  ScriptedBrain brain(script_of(R"([{"match": "^only this$", "respond": "x"}])"), Pace{0, 8});
  brain.generate(prompt("something else"), sink);
  ASSERT_TRUE(sink.wait_done());
  EXPECT_EQ(sink.result().finish, agent::FinishReason::kError);
  EXPECT_EQ(sink.result().error_code, "NO_RULE");
}

}  // namespace
}  // namespace pvpd::scripted
