// The file side of a `unix:/path` listener: refusing to take over a live daemon's socket,
// replacing a stale one, restricting the bound socket to its owner (0600) and removing it at
// stop only if it is still ours.
//
// libwebsockets 4.1 binds the socket itself (LWS_SERVER_OPTION_UNIX_SOCK) and unlinks whatever
// is at the path first, so the checks that must happen before that run in prepare().
// THREAD: plain functions on the caller's thread (the plugin's start/stop on the core thread).
// OWNERSHIP: UnixSocketFile is a value remembering which inode was bound.
#pragma once

#include <sys/types.h>

#include <string>

namespace pvpd::websocket {

class UnixSocketFile {
 public:
  explicit UnixSocketFile(std::string path) : path_(std::move(path)) {}

  // Before binding: "" when nothing is at the path or a stale socket (nobody accepts on it) was
  // removed; an error when a server answers there or the path is not a socket.
  std::string prepare() const;

  // After binding: chmod 0600 and remember the inode. "" or an error.
  std::string secure();

  // At stop: unlink the path if it is still the socket secure() saw (another daemon may have
  // replaced it meanwhile). Safe to call more than once.
  void remove();

  const std::string &path() const { return path_; }

 private:
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  bool bound_ = false;
};

}  // namespace pvpd::websocket
