// Typed builders for the PVP frames clients send (libpvpclient; docs/protocol.md).
//
// Every builder returns the frame's id with its text so callers can match the server's echo or
// an error's `related_to`. Strings are escaped by RapidJSON; callers pass plain text.
// THREAD/OWNERSHIP: pure functions returning values (new_id() uses a thread-local generator).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pvpd::client {

struct Frame {
  std::string id;
  std::string text;
};

// A ULID-shaped id (26 Crockford base32 characters, millisecond time prefix).
std::string new_id();

struct JoinRequest {
  std::string session;
  std::string id;
  std::string name;
  std::string type = "human";  // or "agent"
  std::vector<std::string> roles;
  std::vector<std::string> capabilities;
  std::optional<uint64_t> resume_from;  // participant.metadata.resume_from
};

Frame create_frame(const std::string &session, const std::string &sender, const std::string &name);
Frame join_frame(const JoinRequest &j);
Frame leave_frame(const std::string &session, const std::string &sender, const std::string &reason);
Frame pong_frame(const std::string &session, const std::string &sender, const std::string &ref);
Frame prompt_submit_frame(const std::string &session, const std::string &sender,
                          const std::string &content, const std::string &target_agent,
                          const std::vector<std::string> &contributors);
Frame prompt_draft_frame(const std::string &session, const std::string &sender,
                         const std::string &content, const std::string &target_agent,
                         const std::vector<std::string> &contributors);
Frame gate_approve_frame(const std::string &session, const std::string &sender,
                         const std::string &gate, const std::string &comment,
                         const std::string &digest);
Frame gate_reject_frame(const std::string &session, const std::string &sender,
                        const std::string &gate, const std::string &reason);
// urgency: pause | stop | emergency. `target` may be empty.
Frame interrupt_frame(const std::string &session, const std::string &sender,
                      const std::string &urgency, const std::string &message,
                      const std::string &target);
Frame interrupt_ack_frame(const std::string &session, const std::string &sender,
                          const std::string &interrupt, const std::string &action_taken);
// Any type with a payload given as JSON text; nullopt and *error when it is not a JSON object.
std::optional<Frame> custom_frame(const std::string &session, const std::string &sender,
                                  const std::string &type, const std::string &payload_json,
                                  std::string *error);

}  // namespace pvpd::client
