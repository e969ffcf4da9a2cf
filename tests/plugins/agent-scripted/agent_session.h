// Helpers for end-to-end agent tests: a real pvpd with websocket + agent-scripted, PVP frames a
// human client sends, and waits for frames by type and predicate.
//
// THREAD: single test thread.
#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ws_daemon.h"

namespace pvpd::testing::agent {

using ws::Message;
using ws::WsClient;

// A daemon with the websocket transport and one scripted agent instance `agent_id`.
// `agent_config` is the agent's config map as one-line YAML/JSON ({...}).
std::unique_ptr<ws::WsDaemon> start_daemon(const std::string &agent_id,
                                           const std::string &agent_config);

std::string session_config_json(int approvals_needed);
std::string create_frame(const std::string &session, const std::string &sender,
                         const std::string &config_json);
std::string human_join_frame(const std::string &session, const std::string &id,
                             const std::vector<std::string> &roles);
std::string prompt_frame(const std::string &session, const std::string &sender,
                         const std::string &agent, const std::string &text);
std::string vote_frame(const std::string &session, const std::string &sender,
                       const std::string &gate, bool approve, const std::string &reason = "");
std::string interrupt_frame(const std::string &session, const std::string &sender,
                            const std::string &agent, const std::string &urgency,
                            const std::string &inject = "");

// The next frame of `type` (and matching `pred`), skipping others; nullopt after `timeout`.
std::optional<rapidjson::Document> wait_type(
    WsClient &c, const std::string &type,
    const std::function<bool(const rapidjson::Document &)> &pred = nullptr,
    std::chrono::milliseconds timeout = std::chrono::seconds(15));
std::string str(const rapidjson::Value &obj, const char *key);
// Every frame received until one of `type` arrives (inclusive); empty on timeout.
std::vector<rapidjson::Document> collect_until(
    WsClient &c, const std::string &type,
    std::chrono::milliseconds timeout = std::chrono::seconds(15));

}  // namespace pvpd::testing::agent
