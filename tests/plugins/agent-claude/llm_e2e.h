// Helpers for the LLM agent plugins' end-to-end tests: a real pvpd with pvpd-websocket.so and
// one LLM agent instance pointed at the in-process mock provider (MockLlmServer), PVP frames a
// human client sends, and waits for frames. Shared by tests/plugins/agent-openai.
//
// THREAD: single test thread.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pvpd_process.h"
#include "ws_daemon.h"

namespace pvpd::testing::llm_e2e {

using ws::WsClient;

// The daemon with websocket and `use: <plugin>` as instance `agent_id` (`config` is a one-line
// YAML map); `credentials_dir` becomes daemon.credentials_dir.
std::unique_ptr<ws::WsDaemon> start_daemon(const std::string &plugin, const std::string &agent_id,
                                           const std::string &config,
                                           const std::string &credentials_dir);

// Creates `session` (any-`approvals` quorum on writes), joins as a driver+approver, and waits
// until `agent` has joined. Returns false (with a gtest failure) otherwise.
bool open_session(WsClient &c, const std::string &session, const std::string &human,
                  const std::string &agent, int approvals);
std::string prompt_frame(const std::string &session, const std::string &sender,
                         const std::string &agent, const std::string &text);
std::string approve_frame(const std::string &session, const std::string &sender,
                          const std::string &gate);

std::string str(const rapidjson::Value &obj, const char *key);
// Frames received until one of `type` from `sender` arrives (inclusive); empty on timeout.
std::vector<rapidjson::Document> collect_until(
    WsClient &c, const std::string &type, const std::string &sender,
    std::chrono::milliseconds timeout = std::chrono::seconds(20));
// Frames received until `pred` accepts one (inclusive); empty on timeout.
std::vector<rapidjson::Document> collect_until_frame(
    WsClient &c, const std::function<bool(const rapidjson::Document &)> &pred,
    std::chrono::milliseconds timeout = std::chrono::seconds(20));
// Concatenated payload.text of the frames of `type`.
std::string text_of(const std::vector<rapidjson::Document> &frames, const std::string &type);
// Frame types in order, runs of the same type collapsed.
std::vector<std::string> types_of(const std::vector<rapidjson::Document> &frames,
                                  const std::string &sender);

}  // namespace pvpd::testing::llm_e2e
