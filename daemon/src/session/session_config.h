// SessionConfig: a session's settings as sent in session.create and changed by
// session.config_update, with the reference server's auto-create defaults.
//
// The config is kept as typed fields for the core's decisions and as the exact JSON object the
// clients sent (so relays and replays show what they sent, unknown keys included).
//
// THREAD: plain value, owned by its Session (core thread).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pvpd::session {

struct SessionConfig {
  std::vector<std::string> require_approval_for;  // tool categories, may contain "all"
  rapidjson::Document default_gate_quorum;        // QuorumRule JSON ({"type":"any","count":1})
  bool allow_forks = true;
  uint32_t max_participants = 10;
  std::string ordering_mode = "causal";         // "causal" | "total" (pvpd stamps seq in both)
  std::string on_participant_timeout = "wait";  // wait | skip | pause_session
  uint32_t heartbeat_interval_seconds = 30;
  uint32_t idle_timeout_seconds = 300;
  uint32_t away_timeout_seconds = 600;

  SessionConfig();
  SessionConfig(const SessionConfig &other);
  SessionConfig &operator=(const SessionConfig &other);

  // The reference server's defaults for a session auto-created by session.join
  // (pvp-anchor.md §2.2).
  static SessionConfig auto_create_defaults() { return SessionConfig(); }

  // Applies the keys present in `changes` (already schema-validated). Shallow, as the
  // reference does: a nested object replaces the old one.
  void merge(const rapidjson::Value &changes);
  void write(rapidjson::Value &out, rapidjson::Document::AllocatorType &alloc) const;
};

}  // namespace pvpd::session
