// Detects whether stderr is connected to journald and whether the native journal socket is
// reachable, so logging's "auto" target can pick the right sink (systemd.exec(5), JOURNAL_STREAM).
//
// THREAD: pure functions over the environment and the filesystem; call from any thread, but read
//   the environment only while no other thread modifies it (startup, reload on the core thread).
#pragma once

#include <string_view>

namespace pvpd::systemd {

// True when `journal_stream` ("<st_dev>:<st_ino>" in decimal, as systemd sets JOURNAL_STREAM)
// names the file open on `fd`. A redirected stderr (e.g. `pvpd 2>file` under systemd) keeps the
// inherited variable but no longer matches, which is why the check compares inodes.
bool fd_is_journal_stream(int fd, std::string_view journal_stream);

// fd_is_journal_stream(STDERR_FILENO, $JOURNAL_STREAM); false when the variable is unset.
bool stderr_is_journal_stream();

// journald's native socket, which sd_journal_send() writes to.
inline constexpr std::string_view kJournalSocketPath = "/run/systemd/journal/socket";

// True when `path` exists and is a socket. A cheap probe, not a guarantee: the sink still falls
// back to stderr if a send fails later.
bool journal_socket_available(std::string_view path = kJournalSocketPath);

}  // namespace pvpd::systemd
