// Workspace: confines every path a tool touches to one directory.
//
// A tool's path is relative to the workspace. resolve() walks it one component at a time,
// following symlinks itself (readlinkat) and refusing absolute paths, `~`, `..` above the root
// and any symlink whose target leads outside. The result is the canonical list of components
// below the root, free of symlinks and `..`. The file tools then open that canonical path from
// the root's descriptor one component at a time with O_NOFOLLOW (open_dir, open_parent), so a
// symlink swapped in between the check and the use makes the open fail instead of escaping.
//
// THREAD: const methods are safe from several threads (they only use the root descriptor).
// OWNERSHIP: owns the root directory descriptor.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pvpd::tools {

struct ResolvedPath {
  std::vector<std::string> parts;  // canonical components below the root; empty = the root
  bool exists = false;             // the final component exists (as resolved)
  std::string rel() const;         // "a/b/c", or "." for the root
};

class Workspace {
 public:
  Workspace() = default;
  ~Workspace();
  Workspace(const Workspace &) = delete;
  Workspace &operator=(const Workspace &) = delete;

  // Creates the directory if missing and opens it. `path` must be absolute.
  bool open(const std::string &path, std::string *error);
  bool is_open() const { return root_fd_ >= 0; }
  const std::string &root() const { return root_; }  // the real (symlink-free) absolute path
  int root_fd() const { return root_fd_; }

  // Resolves `path` (relative to the workspace; "" and "." are the root). With follow_final
  // false a final symlink is returned as itself (file_delete removes the link, not its target).
  bool resolve(std::string_view path, bool follow_final, ResolvedPath *out,
               std::string *error) const;

  // Opens the directory made of `parts` (canonical, from resolve) without following any
  // symlink. Returns a descriptor (O_CLOEXEC) or -1 with `error` set.
  int open_dir(std::span<const std::string> parts, std::string *error) const;
  // The same, creating missing directories (mode 0777 & ~umask) on the way.
  int make_dirs(std::span<const std::string> parts, std::string *error) const;

  std::string absolute(const ResolvedPath &p) const;  // root + "/" + rel, for chdir

 private:
  std::string root_;
  std::string configured_;  // the path as configured (symlink targets may use it)
  int root_fd_ = -1;
};

}  // namespace pvpd::tools
