// Stable journal MESSAGE_ID values for pvpd lifecycle events.
//
// Operators and monitoring match on these (`journalctl MESSAGE_ID=...`), so they are part of the
// operational interface: never change or reuse a value; add new ids for new events. Each was
// generated once with `systemd-id128 new` (32 lowercase hex digits, the journal's format).
//
// THREAD: constants, usable anywhere.
#pragma once

#include <string_view>

namespace pvpd::systemd::message_ids {

// The daemon finished starting and sent READY=1.
inline constexpr std::string_view kStarted = "f56063f80cf2419da57ca5caef510750";
// SIGTERM/SIGINT received; graceful shutdown begins.
inline constexpr std::string_view kStopping = "695190d739e649f9b49000177c54d127";
// A SIGHUP reload applied a new configuration.
inline constexpr std::string_view kReloaded = "314798367b714d2e9077cc0dbd503a23";
// A SIGHUP reload was rejected; the previous configuration stays active.
inline constexpr std::string_view kReloadFailed = "ae4a9ba0c23b4dc3be9580c844e6d759";
// A plugin was refused at load time (ABI mismatch, unsafe permissions, missing hooks, ...).
inline constexpr std::string_view kPluginRefused = "7ab8bcd36bf546fab27a1263a461e0e4";

}  // namespace pvpd::systemd::message_ids
