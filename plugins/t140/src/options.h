// T.140 plugin settings: the option table the host validates YAML against, and the parsed form
// of the normalized config JSON handed to create()/validate().
//
// THREAD: parse_settings() is pure, any thread. OWNERSHIP: Settings is a plain value (it holds
// the per-listener join token: never log it).
#pragma once

#include <pvpd/plugin.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sequence_tracker.h"
#include "srtp_receiver.h"
#include "transcript_buffer.h"

namespace pvpd::t140 {

enum class Demux { kSsrc, kSsrcCsrc, kSsrcPrefix };

struct ParticipantRule {
  std::string stream;  // "*", "ssrc:<hex>", "csrc:<n>", "prefix:<id>", "source:<ip>"
  std::string id;
  std::string name;
  std::vector<std::string> roles;
};

struct AddressRule {
  std::string text;
  int family = 0;  // AF_INET / AF_INET6
  unsigned char bytes[16] = {};
  int prefix = 0;
};

struct ListenerSettings {
  std::string name;
  std::string address = "127.0.0.1";
  int port = 5004;
  std::string port_file;
  std::string session = "t140";
  std::string session_name;
  bool create_session = true;
  bool join_by_name = false;      // target the newest live session named session_name
  bool gate_transcripts = false;  // copied from Settings: chunks ask for approval
  std::string session_config;     // JSON object for session.create (empty = the protocol defaults)
  std::string token;              // secret
  uint8_t t140_pt = 96;
  uint8_t red_pt = 98;
  Demux demux = Demux::kSsrc;
  std::vector<ParticipantRule> participants;
  std::string auto_name_prefix = "rtt-";
  std::vector<std::string> default_roles = {"navigator"};
  std::vector<AddressRule> allow_from;  // empty = any source
  double rate_per_second = 200;
  double rate_burst = 400;
  std::size_t max_streams = 64;
  bool t140llm_compat = false;
  std::string srtp_key;  // secret: binary master key + salt; empty = plain RTP
  SrtpProfile srtp_profile = SrtpProfile::kAesCm128HmacSha1_80;
  SequenceOptions sequence;
  ChunkPolicy chunking;
  uint64_t stream_timeout_ms = 30000;
};

struct Settings {
  std::vector<ListenerSettings> listeners;
  bool gate_transcripts = false;
};

struct SettingsError {
  std::string pointer;
  std::string message;
};

// Parses normalized JSON; missing keys keep the defaults above ("{}" gives one listener on
// 127.0.0.1:5004). Returns every problem found.
std::vector<SettingsError> parse_settings(std::string_view config_json, Settings *out);

// Parses "10.0.0.0/8", "::1", "127.0.0.1"; false when malformed.
bool parse_address_rule(std::string_view text, AddressRule *out);
// True when the binary address (4 or 16 bytes for `family`) matches the rule.
bool address_matches(const AddressRule &rule, int family, const unsigned char *bytes);

inline constexpr pvpd_option_desc kOptions[] = {
    pvpd::option_string("listeners[].name", nullptr,
                        "Listener name used in sources and keys (default l<index>)."),
    pvpd::option_string("listeners[].address", "\"127.0.0.1\"",
                        "Address to bind the UDP socket to (loopback unless configured)."),
    pvpd::option(PVPD_OPT_INT, "listeners[].port", "5004", "UDP port (0 = any free port).",
                 PVPD_OPT_RANGE, nullptr, 0, 65535),
    pvpd::option_string("listeners[].port_file", nullptr,
                        "If set, the bound port is written here after start (tests)."),
    pvpd::option_string("listeners[].session", "\"t140\"",
                        "Session id the streams of this listener join."),
    pvpd::option_string("listeners[].session_name", nullptr,
                        "Name given to the session when this listener creates it."),
    pvpd::option(PVPD_OPT_BOOL, "listeners[].create_session", "true",
                 "Send session.create (idempotent) before each join."),
    pvpd::option(PVPD_OPT_BOOL, "listeners[].join_by_name", "false",
                 "Join the newest live session named session_name; without one, create "
                 "session `session` with that name (create_session) or drop the text (counted)."),
    pvpd::option(PVPD_OPT_ANY, "listeners[].session_config", nullptr,
                 "SessionConfig object for session.create (default: the protocol's defaults)."),
    pvpd::option_string("listeners[].token", nullptr,
                        "Join token for daemon.auth.mode token (sent as the connection "
                        "credential).",
                        PVPD_OPT_SECRET),
    pvpd::option(PVPD_OPT_INT, "listeners[].t140_pt", "96", "RTP payload type of text/t140.",
                 PVPD_OPT_RANGE, nullptr, 0, 127),
    pvpd::option(PVPD_OPT_INT, "listeners[].red_pt", "98", "RTP payload type of red/1000.",
                 PVPD_OPT_RANGE, nullptr, 0, 127),
    pvpd::option(PVPD_OPT_STRING, "listeners[].demux", "\"ssrc\"",
                 "How streams are told apart: by SSRC, SSRC+first CSRC, or SSRC+t140llm prefix.", 0,
                 "ssrc|ssrc+csrc|ssrc+prefix"),
    pvpd::option_string("listeners[].participants[].stream", nullptr,
                        "Stream key: *, ssrc:<hex>, csrc:<n>, prefix:<id> or source:<ip>."),
    pvpd::option_string("listeners[].participants[].id", nullptr, "Participant id."),
    pvpd::option_string("listeners[].participants[].name", nullptr, "Display name."),
    pvpd::option(PVPD_OPT_STRING_LIST, "listeners[].participants[].roles", nullptr,
                 "Roles (default: listeners[].default_roles)."),
    pvpd::option_string("listeners[].auto_name_prefix", "\"rtt-\"",
                        "Prefix of automatic participant ids for unmapped streams."),
    pvpd::option(PVPD_OPT_STRING_LIST, "listeners[].default_roles", "[\"navigator\"]",
                 "Roles of participants without an explicit mapping."),
    pvpd::option(PVPD_OPT_STRING_LIST, "listeners[].allow_from", "[]",
                 "Source addresses or CIDR ranges allowed to send (empty = any)."),
    pvpd::option(PVPD_OPT_FLOAT, "listeners[].rate_limit.per_second", "200",
                 "Sustained packets per second accepted from one source address."),
    pvpd::option(PVPD_OPT_FLOAT, "listeners[].rate_limit.burst", "400",
                 "Packet burst accepted from one source address."),
    pvpd::option(PVPD_OPT_INT, "listeners[].max_streams", "64",
                 "Streams (virtual participants) at once on this listener.", PVPD_OPT_RANGE,
                 nullptr, 1, 100000),
    pvpd::option(PVPD_OPT_DURATION, "listeners[].reorder_wait", "\"1s\"",
                 "How long a gap waits for late or redundant packets before U+FFFD.",
                 PVPD_OPT_RANGE, nullptr, 0, 10000),
    pvpd::option(PVPD_OPT_BOOL, "listeners[].t140llm_compat", "false",
                 "Accept t140llm's non-standard RED headers (16-bit offset, 8-bit length)."),
    pvpd::option(PVPD_OPT_DURATION, "listeners[].sentence_settle", "\"400ms\"",
                 "A sentence end is flushed after standing this long (room for corrections).",
                 PVPD_OPT_RANGE, nullptr, 0, 60000),
    pvpd::option(PVPD_OPT_DURATION, "listeners[].idle_flush", "\"3s\"",
                 "Flush pending text after this long without input.", PVPD_OPT_RANGE, nullptr, 10,
                 3600000),
    pvpd::option(PVPD_OPT_SIZE, "listeners[].max_chunk", "\"1KiB\"",
                 "Flush when pending text reaches this size.", PVPD_OPT_RANGE, nullptr, 16,
                 256 * 1024),
    pvpd::option(PVPD_OPT_DURATION, "listeners[].stream_timeout", "\"30s\"",
                 "A stream silent this long leaves the session.", PVPD_OPT_RANGE, nullptr, 100,
                 86400000),
    pvpd::option_string("listeners[].srtp.key", nullptr,
                        "SRTP master key followed by the master salt, in hex (30 bytes for "
                        "AES_CM_128_HMAC_SHA1_80, 28 for AEAD_AES_128_GCM); enables SRTP.",
                        PVPD_OPT_SECRET),
    pvpd::option(PVPD_OPT_STRING, "listeners[].srtp.profile", "\"AES_CM_128_HMAC_SHA1_80\"",
                 "SRTP protection profile.", 0, "AES_CM_128_HMAC_SHA1_80|AEAD_AES_128_GCM"),
    pvpd::option(PVPD_OPT_BOOL, "gate_transcripts", "false",
                 "Gate transcripts behind approval (not supported: see docs/plugins/t140.md)."),
};

}  // namespace pvpd::t140
