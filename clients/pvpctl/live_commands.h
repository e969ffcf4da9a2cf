// pvpctl's live commands: talk to a running server over WebSocket as a short-lived participant
// (docs/clients/pvpctl.md "Live commands"): watch, send, prompt, approve, reject, gates.
//
// Each command joins the session (as --as ID, default "pvpctl-$USER"), does its one thing,
// waits for the server's answer to its own frame (the relayed echo, or an `error` whose
// related_to names it) and leaves. `watch` stays, reconnecting and resuming after drops.
// Exit codes: 0 ok, 1 protocol error reply (or no reply), 64 usage, 69 cannot connect.
// THREAD: single-threaded (the connection runs its own lws thread inside libpvpclient).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pvpctl {

inline constexpr int kExitUnavailable = 69;  // sysexits EX_UNAVAILABLE: no connection

struct LiveArgs {
  std::string command;  // watch | send | prompt | approve | reject | gates | agent (attach)
  std::vector<std::string> positional;
  std::string url;  // default $PVP_URL or ws://127.0.0.1:3000
  std::string token;
  std::string as;  // participant id
  std::string to, comment, reason;
  std::optional<std::string> role;
  bool json = false;
  bool insecure = false;
  std::optional<uint64_t> count;  // watch: exit after this many frames
  unsigned timeout_seconds = 10;
};

bool is_live_command(const std::string &command);
int run_live(const LiveArgs &args);

}  // namespace pvpctl
