#include "agent/session_agent.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <utility>

namespace pvpd::agent {
namespace {

std::string member_string(const rapidjson::Value &obj, const char *key) {
  if (!obj.IsObject()) {
    return std::string();
  }
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString()) {
    return std::string();
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::string to_json(const rapidjson::Value &v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

// Context content as the model reads it: strings as they are, anything else as JSON.
std::string content_text(const rapidjson::Value &payload) {
  auto it = payload.FindMember("content");
  if (it == payload.MemberEnd()) {
    it = payload.FindMember("new_content");  // context.update
  }
  if (it == payload.MemberEnd()) {
    return std::string();
  }
  if (it->value.IsString()) {
    return std::string(it->value.GetString(), it->value.GetStringLength());
  }
  return to_json(it->value);
}

}  // namespace

// Hops brain events to the core thread. Events of a generation that is no longer current are
// dropped there (SessionAgent checks the generation number).
class SessionAgent::Sink final : public BrainSink {
 public:
  Sink(pvpd::Host host, std::weak_ptr<SessionAgent> agent)
      : host_(host), agent_(std::move(agent)) {}
  void set_generation(uint64_t g) { generation_.store(g, std::memory_order_release); }

  void on_thinking_delta(std::string_view text) override {
    hop([t = std::string(text)](SessionAgent &a, uint64_t g) { a.on_thinking(g, t); });
  }
  void on_text_delta(std::string_view text) override {
    hop([t = std::string(text)](SessionAgent &a, uint64_t g) { a.on_text(g, t); });
  }
  void on_tool_call(const ToolCallRequest &call) override {
    hop([c = call](SessionAgent &a, uint64_t g) { a.on_tool_call(g, c); });
  }
  void on_done(GenerationResult result) override {
    hop([r = std::move(result)](SessionAgent &a, uint64_t g) mutable {
      a.on_done(g, std::move(r));
    });
  }

 private:
  template <typename Fn>
  void hop(Fn fn) {
    uint64_t g = generation_.load(std::memory_order_acquire);
    host_.post([weak = agent_, g, fn = std::move(fn)](pvpd_status st) mutable {
      if (st != PVPD_OK) {
        return;
      }
      if (auto a = weak.lock()) {
        fn(*a, g);
      }
    });
  }

  pvpd::Host host_;
  std::weak_ptr<SessionAgent> agent_;
  std::atomic<uint64_t> generation_{0};
};

SessionAgent::SessionAgent(pvpd::Host host, const AgentOptions &options, std::string session_id,
                           std::string participant_id, pvpd_conn_id conn,
                           std::unique_ptr<Brain> brain, std::string state_dir,
                           std::shared_ptr<McpTools> mcp)
    : host_(host),
      options_(options),
      session_(std::move(session_id)),
      self_(std::move(participant_id)),
      conn_(conn),
      brain_(std::move(brain)),
      state_dir_(std::move(state_dir)),
      mcp_(std::move(mcp)) {}

SessionAgent::~SessionAgent() {
  shutdown();
}

void SessionAgent::shutdown() {
  if (shut_down_) {
    return;
  }
  shut_down_ = true;
  if (turn_) {
    for (Call &c : turn_->calls) {
      if (c.cancel) {
        c.cancel->cancel();
      }
    }
  }
  // The brain's destructor waits for its on_done; the sink must outlive it.
  brain_.reset();
  std::map<std::string, std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(threads_mu_);
    threads.swap(tool_threads_);
  }
  for (auto &[id, t] : threads) {
    if (t.joinable()) {
      t.join();
    }
  }
  sink_.reset();
}

uint64_t SessionAgent::now_ms() const {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

Frame SessionAgent::frame(std::string_view type, std::string_view id) const {
  return Frame(type, session_, self_, id);
}

void SessionAgent::send_now(const std::string &json) {
  if (shut_down_) {
    return;
  }
  host_.conn_inbound(conn_, json);
}

void SessionAgent::emit(const Frame &f, bool holdable) {
  if (holdable && paused_) {
    held_.push_back(f.str());
    return;
  }
  send_now(f.str());
}

void SessionAgent::join(uint64_t live_from_seq) {
  live_from_seq_ = live_from_seq;
  Frame f = frame("session.join");
  auto &a = f.allocator();
  rapidjson::Value p(rapidjson::kObjectType);
  auto sv = [&](std::string_view s) {
    rapidjson::Value v;
    v.SetString(s.empty() ? "" : s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
    return v;
  };
  p.AddMember("id", sv(self_), a);
  p.AddMember("name", sv(options_.name), a);
  p.AddMember("type", "agent", a);
  rapidjson::Value roles(rapidjson::kArrayType);
  roles.PushBack("navigator", a);
  p.AddMember("roles", roles, a);
  p.AddMember("transport", "internal", a);
  rapidjson::Value caps(rapidjson::kArrayType);
  caps.PushBack("add_context", a);
  p.AddMember("capabilities", caps, a);
  rapidjson::Value md(rapidjson::kObjectType);
  if (!options_.model.empty()) {
    md.AddMember("model", sv(options_.model), a);
  }
  p.AddMember("metadata", md, a);
  f.payload().AddMember("participant", p, a);
  rapidjson::Value versions(rapidjson::kArrayType);
  versions.PushBack(1, a);
  f.payload().AddMember("supported_versions", versions, a);
  sink_ = std::make_unique<Sink>(host_, weak_from_this());
  send_now(f.str());
}

void SessionAgent::on_frame(const pvpd_msg_view &msg) {
  if (shut_down_ || msg.envelope == nullptr) {
    return;
  }
  std::string_view type = pvpd::to_view(msg.type);
  std::string_view bytes = pvpd::to_view(host_.api()->buf_view(msg.envelope));
  rapidjson::Document doc;
  doc.Parse(bytes.empty() ? "" : bytes.data(), bytes.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return;
  }
  auto pit = doc.FindMember("payload");
  if (pit == doc.MemberEnd() || !pit->value.IsObject()) {
    return;
  }
  const rapidjson::Value &payload = pit->value;
  std::string_view id = pvpd::to_view(msg.id);
  std::string_view sender = pvpd::to_view(msg.sender);
  bool live =
      (msg.flags & PVPD_MSG_REPLAY) == 0 || (live_from_seq_ != 0 && msg.seq >= live_from_seq_);

  if (type.rfind("context.", 0) == 0) {
    handle_context(type, payload);
    return;
  }
  if (type == "session.end") {
    ended_ = true;
    stop_everything(std::string());
    return;
  }
  if (type == "error" && live) {
    // Refusals of our own frames come back as errors to us alone: they are bugs or policy.
    host_.warn("session " + session_ + ": the daemon refused a frame: " +
               member_string(payload, "code") + ": " + member_string(payload, "message"));
    return;
  }
  if (!live || sender == self_) {
    return;
  }
  if (type == "prompt.submit") {
    handle_prompt(payload, id);
  } else if (type == "interrupt.raise") {
    handle_interrupt(payload, id);
  } else if (type == "tool.execute" || type == "tool.reject" || type == "gate.reject" ||
             type == "gate.timeout") {
    handle_decision(type, payload);
  }
}

void SessionAgent::handle_context(std::string_view type, const rapidjson::Value &payload) {
  std::string key = member_string(payload, "key");
  if (key.empty()) {
    return;
  }
  if (type == "context.remove") {
    context_.erase(key);
    return;
  }
  if (type == "context.add" || type == "context.update") {
    std::string text = content_text(payload);
    if (key == "session:working_directory") {
      workspace_ = text;
      runtime_.reset();  // rebuilt for the new directory on next use
    }
    context_[key] = std::move(text);
  }
}

void SessionAgent::handle_prompt(const rapidjson::Value &payload, std::string_view id) {
  std::string target = member_string(payload, "target_agent");
  if (target != self_) {
    return;
  }
  std::string text = content_text(payload);
  ++counters_.prompts;
  if (paused_) {
    // A new prompt is a decision to go on: what was held is released first.
    paused_ = false;
    for (auto &h : held_) {
      send_now(h);
    }
    held_.clear();
  }
  if (turn_) {
    queued_prompts_.emplace_back(std::string(id), std::move(text));
    return;
  }
  start_turn(std::string(id), text);
}

void SessionAgent::start_turn(const std::string &prompt_ref, const std::string &text) {
  turn_.emplace();
  turn_->prompt_ref = prompt_ref;
  Turn user;
  user.role = Turn::Role::kUser;
  ContentBlock b;
  b.kind = ContentBlock::Kind::kText;
  b.text = text;
  user.blocks.push_back(std::move(b));
  conversation_.turns.push_back(std::move(user));
  generate();
}

std::string SessionAgent::system_prompt() const {
  std::string s = options_.system_prompt;
  bool any = false;
  for (const auto &[key, value] : context_) {
    if (!any) {
      s += s.empty() ? "" : "\n\n";
      s += "Shared session context (added by the participants):\n";
      any = true;
    }
    s += "[" + key + "]\n" + value + "\n";
  }
  return s;
}

std::vector<ToolSpec> SessionAgent::offered_tools() {
  std::vector<ToolSpec> out;
  if (mcp_) {
    out = mcp_->specs();
  }
  if (options_.tools.empty()) {
    return out;
  }
  std::shared_ptr<tools::ToolRuntime> rt = runtime();
  if (rt == nullptr) {
    return out;
  }
  for (auto &spec : rt->tool_specs()) {
    if (std::find(options_.tools.begin(), options_.tools.end(), spec.name) !=
        options_.tools.end()) {
      out.push_back(std::move(spec));
    }
  }
  return out;
}

std::shared_ptr<tools::ToolRuntime> SessionAgent::runtime() {
  if (runtime_) {
    return runtime_;
  }
  std::filesystem::path ws = workspace_;
  if (ws.empty() || ws.is_relative()) {
    // The core announces a bare name when it manages no workspace root; keep the agent's
    // files under its own state directory then.
    ws = std::filesystem::path(state_dir_) / "workspaces" / (ws.empty() ? session_ : ws.string());
  }
  tools::RuntimeOptions ro;
  ro.workspace = ws.string();
  ro.env_allow = options_.env_allow;
  ro.timeout_ms = options_.tool_timeout_ms;
  ro.output_cap = static_cast<size_t>(options_.tool_output_cap);
  try {
    runtime_ = std::make_shared<tools::ToolRuntime>(std::move(ro));
  } catch (const std::exception &e) {
    host_.error("session " + session_ + ": cannot prepare the tool workspace: " + e.what());
    return nullptr;
  }
  return runtime_;
}

void SessionAgent::generate() {
  TurnState &t = *turn_;
  ++t.steps;
  t.generation = ++generation_counter_;
  t.generating = true;
  t.thinking_open = false;
  t.response_open = false;
  t.calls.clear();
  t.generation_started_ms = now_ms();
  conversation_.system = system_prompt();
  conversation_.tools = offered_tools();
  ++counters_.generations;
  sink_->set_generation(t.generation);
  brain_->generate(conversation_, *sink_);
}

void SessionAgent::close_thinking() {
  TurnState &t = *turn_;
  if (!t.thinking_open) {
    return;
  }
  t.thinking_open = false;
  emit(frame("thinking.end").set("duration_ms", now_ms() - t.thinking_started_ms));
}

void SessionAgent::open_response() {
  TurnState &t = *turn_;
  if (t.response_open) {
    return;
  }
  t.response_open = true;
  emit(frame("response.start").set("agent", self_).set("prompt_ref", t.prompt_ref));
}

void SessionAgent::on_thinking(uint64_t gen, const std::string &text) {
  // After a stop nothing more of the stream is emitted (the daemon would refuse it anyway).
  if (!turn_ || turn_->generation != gen || text.empty() || turn_->stopping) {
    return;
  }
  TurnState &t = *turn_;
  if (!t.thinking_open) {
    t.thinking_open = true;
    t.thinking_started_ms = now_ms();
    emit(frame("thinking.start")
             .set("agent", self_)
             .set("prompt_ref", t.prompt_ref)
             .set("visible_to", options_.thinking_visibility));
  }
  emit(frame("thinking.chunk").set("text", text));
}

void SessionAgent::on_text(uint64_t gen, const std::string &text) {
  if (!turn_ || turn_->generation != gen || text.empty() || turn_->stopping) {
    return;
  }
  close_thinking();
  open_response();
  emit(frame("response.chunk").set("text", text));
}

void SessionAgent::on_tool_call(uint64_t gen, const ToolCallRequest &call) {
  if (!turn_ || turn_->generation != gen) {
    return;
  }
  close_thinking();
  TurnState &t = *turn_;
  Call c;
  c.request = call;
  c.proposal_id = new_frame_id("tool");
  bool from_mcp = mcp_ && mcp_->has(call.name);
  bool offered = from_mcp || (std::find(options_.tools.begin(), options_.tools.end(), call.name) !=
                                  options_.tools.end() &&
                              runtime() != nullptr && runtime()->has_tool(call.name));
  if (!offered) {
    // Nothing to gate: the model asked for a tool it was not given.
    c.state = Call::State::kDone;
    c.is_error = true;
    c.result = "tool '" + call.name + "' is not available to this agent";
    t.calls.push_back(std::move(c));
    return;
  }
  tools::Classification cls =
      from_mcp ? mcp_->classify(call.name) : tools::classify(call.name, call.input_json);
  ++counters_.proposals;
  Frame f = frame("tool.propose", c.proposal_id);
  f.set("tool_name", call.name)
      .set_json("arguments", call.input_json.empty() ? "{}" : call.input_json)
      .set("agent", self_)
      .set("risk_level", tools::risk_name(cls.risk))
      .set("description", cls.reason.empty() ? "run " + call.name : cls.reason)
      .set("requires_approval", cls.risk != tools::Risk::kLow)
      .set("category", cls.category);
  if (!f.payload()["arguments"].IsObject()) {
    f.set_json("arguments", "{}");
  }
  t.calls.push_back(std::move(c));
  // Proposals are never held by a pause: the humans decide on them while the agent waits.
  emit(f, /*holdable=*/false);
}

void SessionAgent::on_done(uint64_t gen, GenerationResult result) {
  if (!turn_ || turn_->generation != gen) {
    return;
  }
  TurnState &t = *turn_;
  t.generating = false;
  close_thinking();
  counters_.usage.input_tokens += result.usage.input_tokens;
  counters_.usage.output_tokens += result.usage.output_tokens;
  counters_.usage.thinking_tokens += result.usage.thinking_tokens;
  bool interrupted = result.finish == FinishReason::kInterrupted;
  if (t.response_open || result.finish != FinishReason::kToolUse || interrupted) {
    open_response();
    // Thinking tokens are already counted in output_tokens (brain.h).
    double cost =
        (static_cast<double>(result.usage.input_tokens) * options_.price.input_per_mtok +
         static_cast<double>(result.usage.output_tokens) * options_.price.output_per_mtok) /
        1e6;
    Frame end = frame("response.end");
    end.set("finish_reason", finish_reason_name(result.finish))
        .set_in("usage", "input_tokens", result.usage.input_tokens)
        .set_in("usage", "output_tokens", result.usage.output_tokens)
        .set_in("usage", "thinking_tokens", result.usage.thinking_tokens)
        .set_in("usage", "cost_usd", cost)
        .set_in("usage", "latency_ms", now_ms() - t.generation_started_ms);
    if (!options_.model.empty()) {
      end.set_in("usage", "model", options_.model);
    }
    emit(end);
    t.response_open = false;
  }
  if (!result.assistant.blocks.empty()) {
    conversation_.turns.push_back(std::move(result.assistant));
  }
  if (result.finish == FinishReason::kError) {
    ++counters_.errors;
    Frame err = frame("error");
    err.set("code", "AGENT_ERROR")
        .set("message",
             (result.error_code.empty() ? "" : result.error_code + ": ") + result.error_message)
        .set("recoverable", true)
        .set("related_to", t.prompt_ref);
    emit(err, false);
  }
  for (const PendingAck &ack : acks_after_done_) {
    send_ack(ack.interrupt_id, ack.action);
  }
  acks_after_done_.clear();
  if (t.stopping || result.finish == FinishReason::kError) {
    for (Call &c : t.calls) {
      if (c.state == Call::State::kProposed) {
        c.state = Call::State::kDone;
      }
    }
    end_turn();
    return;
  }
  if (!t.restart_with.empty()) {
    // Pause with injected context: the humans course-corrected; go on with their words.
    std::string text = std::move(t.restart_with);
    t.restart_with.clear();
    Turn user;
    ContentBlock b;
    b.text = "[Interrupt from the session] " + text;
    user.blocks.push_back(std::move(b));
    conversation_.turns.push_back(std::move(user));
    if (t.steps < options_.max_steps) {
      generate();
    } else {
      end_turn();
    }
    return;
  }
  if (result.finish == FinishReason::kToolUse && !t.calls.empty()) {
    step_done_if_ready();
    return;
  }
  end_turn();
}

void SessionAgent::handle_decision(std::string_view type, const rapidjson::Value &payload) {
  if (!turn_) {
    return;
  }
  std::string ref = member_string(
      payload, type == "gate.reject" || type == "gate.timeout" ? "gate" : "tool_proposal");
  auto it = std::find_if(turn_->calls.begin(), turn_->calls.end(),
                         [&](const Call &c) { return c.proposal_id == ref; });
  if (it == turn_->calls.end() || it->state != Call::State::kProposed) {
    return;
  }
  if (type == "tool.execute") {
    run_tool(*it);
    return;
  }
  if (type == "gate.timeout") {
    std::string resolution = member_string(payload, "resolution");
    if (resolution != "rejected") {
      return;  // auto_approved: tool.execute follows; escalated: still open
    }
    refuse(*it, "the approval gate timed out without enough approvals");
    return;
  }
  std::string reason = member_string(payload, "reason");
  std::string who = member_string(payload, "rejector");
  refuse(*it, "rejected" + (who.empty() ? std::string() : " by " + who) +
                  (reason.empty() ? std::string() : ": " + reason));
}

void SessionAgent::refuse(Call &call, const std::string &why) {
  ++counters_.tools_refused;
  call.state = Call::State::kDone;
  call.is_error = true;
  call.result = "The humans did not approve this tool call (" + why +
                "). It was not run. Adjust your plan accordingly.";
  step_done_if_ready();
}

void SessionAgent::run_tool(Call &call) {
  std::shared_ptr<tools::ToolRuntime> rt = runtime();
  bool from_mcp = mcp_ && mcp_->has(call.request.name);
  if (rt == nullptr && !from_mcp) {
    call.state = Call::State::kDone;
    call.is_error = true;
    call.result = "the session workspace is not available";
    step_done_if_ready();
    return;
  }
  std::shared_ptr<McpTools> mcp = from_mcp ? mcp_ : nullptr;
  ++counters_.tools_run;
  call.state = Call::State::kRunning;
  call.cancel = std::make_shared<tools::CancelToken>();
  std::weak_ptr<SessionAgent> weak = weak_from_this();
  pvpd::Host host = host_;
  std::string id = call.proposal_id;
  std::string name = call.request.name;
  std::string input = call.request.input_json;
  std::shared_ptr<tools::CancelToken> cancel = call.cancel;
  std::lock_guard<std::mutex> lock(threads_mu_);
  tool_threads_[id] = std::thread([rt, mcp, host, weak, id, name, input, cancel] {
    auto on_output = [&](std::string_view stream, std::string_view chunk) {
      host.post([weak, id, s = std::string(stream), c = std::string(chunk)](pvpd_status st) {
        if (st != PVPD_OK) {
          return;
        }
        if (auto a = weak.lock()) {
          a->on_tool_output(id, s, c);
        }
      });
    };
    tools::ToolResult r;
    if (mcp) {
      r = mcp->run(name, input, *cancel);
      if (rt) {
        r.output = rt->redact(r.output);
        r.error = rt->redact(r.error);
      }
    } else {
      r = rt->run(name, input, on_output, *cancel);
    }
    host.post([weak, id, r = std::move(r)](pvpd_status st) mutable {
      if (st != PVPD_OK) {
        return;
      }
      if (auto a = weak.lock()) {
        a->on_tool_finished(id, std::move(r));
      }
    });
  });
}

void SessionAgent::on_tool_output(const std::string &proposal_id, const std::string &stream,
                                  const std::string &chunk) {
  emit(frame("tool.output")
           .set("tool_proposal", proposal_id)
           .set("stream", stream == "stderr" ? "stderr" : "stdout")
           .set("text", chunk)
           .set("complete", false));
}

void SessionAgent::on_tool_finished(const std::string &proposal_id, tools::ToolResult r) {
  {
    // The thread posted this as its last act: joining it here takes a moment at most.
    std::thread done;
    {
      std::lock_guard<std::mutex> lock(threads_mu_);
      auto it = tool_threads_.find(proposal_id);
      if (it != tool_threads_.end()) {
        done = std::move(it->second);
        tool_threads_.erase(it);
      }
    }
    if (done.joinable()) {
      done.join();
    }
  }
  emit(frame("tool.output")
           .set("tool_proposal", proposal_id)
           .set("stream", "stdout")
           .set("text", "")
           .set("complete", true));
  Frame res = frame("tool.result");
  res.set("tool_proposal", proposal_id).set("success", r.success).set("duration_ms", r.duration_ms);
  if (r.success) {
    res.set("result", r.output);
  } else {
    res.set("error", r.error.empty() ? r.output : r.error);
  }
  emit(res);
  if (!turn_) {
    return;
  }
  auto it = std::find_if(turn_->calls.begin(), turn_->calls.end(),
                         [&](const Call &c) { return c.proposal_id == proposal_id; });
  if (it == turn_->calls.end()) {
    return;
  }
  it->state = Call::State::kDone;
  it->is_error = !r.success;
  std::string text =
      r.success ? r.output : (r.error.empty() ? r.output : r.error + "\n" + r.output);
  if (r.timed_out) {
    text += "\n[the tool timed out and was killed]";
  } else if (r.canceled) {
    text += "\n[the tool was stopped by an interrupt]";
  }
  if (r.truncated) {
    text += "\n[output truncated]";
  }
  it->result = std::move(text);
  step_done_if_ready();
}

void SessionAgent::step_done_if_ready() {
  if (!turn_ || turn_->generating) {
    return;
  }
  TurnState &t = *turn_;
  for (const Call &c : t.calls) {
    if (c.state != Call::State::kDone) {
      return;
    }
  }
  if (t.stopping) {
    end_turn();
    return;
  }
  Turn results;
  results.role = Turn::Role::kUser;
  for (const Call &c : t.calls) {
    ContentBlock b;
    b.kind = ContentBlock::Kind::kToolResult;
    b.tool_use_id = c.request.id;
    b.text = c.result;
    b.is_error = c.is_error;
    results.blocks.push_back(std::move(b));
  }
  conversation_.turns.push_back(std::move(results));
  if (t.steps >= options_.max_steps) {
    emit(frame("error")
             .set("code", "AGENT_ERROR")
             .set("message", "stopped after max_steps (" + std::to_string(options_.max_steps) +
                                 ") model generations for one prompt")
             .set("recoverable", true)
             .set("related_to", t.prompt_ref),
         false);
    end_turn();
    return;
  }
  generate();
}

void SessionAgent::end_turn() {
  turn_.reset();
  if (!queued_prompts_.empty() && !ended_) {
    auto [id, text] = std::move(queued_prompts_.front());
    queued_prompts_.pop_front();
    start_turn(id, text);
  }
}

void SessionAgent::send_ack(const std::string &interrupt_id, const std::string &action) {
  if (interrupt_id.empty()) {
    return;
  }
  send_now(frame("interrupt.acknowledge")
               .set("interrupt", interrupt_id)
               .set("by", self_)
               .set("action_taken", action)
               .str());
}

void SessionAgent::stop_everything(const std::string &interrupt_id) {
  // What was held is the truthful record of what the model produced: release it, then end.
  paused_ = false;
  for (auto &h : held_) {
    send_now(h);
  }
  held_.clear();
  queued_prompts_.clear();
  if (!turn_) {
    send_ack(interrupt_id, "stopped");
    return;
  }
  TurnState &t = *turn_;
  t.stopping = true;
  t.restart_with.clear();
  for (Call &c : t.calls) {
    if (c.cancel) {
      c.cancel->cancel();
    }
    if (c.state == Call::State::kProposed) {
      c.state = Call::State::kDone;
      c.is_error = true;
      c.result = "stopped by an interrupt before it was approved";
    }
  }
  if (t.generating) {
    acks_after_done_.push_back({interrupt_id, "stopped"});
    brain_->cancel();  // on_done(kInterrupted) ends the response and sends the ack
    return;
  }
  send_ack(interrupt_id, "stopped");
  // Running tools report back (canceled) and step_done_if_ready ends the turn; with none
  // running, end it now.
  bool running = std::any_of(t.calls.begin(), t.calls.end(),
                             [](const Call &c) { return c.state == Call::State::kRunning; });
  if (!running) {
    end_turn();
  }
}

void SessionAgent::handle_interrupt(const rapidjson::Value &payload, std::string_view id) {
  std::string target = member_string(payload, "target");
  if (!target.empty() && target != self_) {
    return;
  }
  ++counters_.interrupts;
  std::string urgency = member_string(payload, "urgency");
  std::string iid(id);
  if (urgency == "stop" || urgency == "emergency") {
    stop_everything(iid);
    return;
  }
  if (urgency != "pause") {
    send_ack(iid, "ignored");
    return;
  }
  std::string inject = member_string(payload, "inject_context");
  if (!inject.empty()) {
    if (turn_ && turn_->generating) {
      // Course correction: drop what was held (it is superseded), stop this generation and
      // continue the same prompt with the injected words.
      held_.clear();
      paused_ = false;
      turn_->restart_with = inject;
      acks_after_done_.push_back({iid, "paused"});
      brain_->cancel();
      return;
    }
    // Idle or waiting on gates: the context arrives as context.add for the next generation.
    send_ack(iid, "acknowledged");
    return;
  }
  if (paused_) {
    paused_ = false;
    for (auto &h : held_) {
      send_now(h);
    }
    held_.clear();
    send_ack(iid, "acknowledged");
    return;
  }
  paused_ = true;
  pause_interrupt_ = iid;
  send_ack(iid, "paused");
}

}  // namespace pvpd::agent
