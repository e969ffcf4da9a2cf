// Participant: one member of one session, as the server knows it.
//
// `announce` is the ParticipantAnnouncePayload the participant joined with (roles and
// capabilities replaced by what authentication allowed), replayed verbatim to later joiners.
// Delivery is keyed on the participant: `conn` is the connection currently bound to it (0 while
// disconnected); a newer connection for the same id replaces the older one.
//
// THREAD: plain value, owned by its Session (core thread).
#pragma once

#include <pvpd/plugin_abi.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace pvpd::session {

struct Participant {
  std::string id;
  std::string name;
  std::string type;  // "human" | "agent"
  std::vector<std::string> roles;
  std::vector<std::string> capabilities;
  bool admin = false;            // granted by the token/config, not self-declared
  rapidjson::Document announce;  // the announce payload as stored
  pvpd_conn_id conn = 0;
  std::string presence = "active";  // active | idle | away | disconnected
  uint64_t last_active_ms = 0;
  uint64_t disconnected_ms = 0;
  uint64_t last_ping_ms = 0;
  std::string current_fork;  // empty = main line
  uint64_t join_order = 0;

  bool has_role(std::string_view r) const {
    return std::find(roles.begin(), roles.end(), r) != roles.end();
  }
  bool has_cap(std::string_view c) const {
    return std::find(capabilities.begin(), capabilities.end(), c) != capabilities.end();
  }
  bool connected() const { return conn != 0; }
};

}  // namespace pvpd::session
