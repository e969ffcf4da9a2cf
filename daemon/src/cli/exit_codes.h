// Process exit codes (sysexits.h values, which systemd shows by name).
// RestartPreventExitStatus=64 78 in pvpd.service keeps a bad command line or config from
// turning into a restart loop.
#pragma once

namespace pvpd::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // runtime failure (a plugin failed to start, I/O)
inline constexpr int kExitUsage = 64;   // EX_USAGE: bad command line
inline constexpr int kExitConfig = 78;  // EX_CONFIG: invalid configuration

}  // namespace pvpd::cli
