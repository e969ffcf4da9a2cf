// file_read, file_write, file_edit, file_delete, list_dir (see file_tools.h).
//
// Every open goes through the workspace's canonical path with O_NOFOLLOW on each component
// (Workspace::open_dir) and on the final one, so nothing a tool touches is reached through a
// symlink that was swapped in after resolve().
#include "tools/file_tools.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>

#include "tools/tool_runtime.h"

namespace pvpd::tools {
namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr int kMaxTreeDepth = 128;

std::string q(std::string_view p) {
  return "`" + std::string(p) + "`";
}

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  ~Fd() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

std::span<const std::string> parent_of(const ResolvedPath &p) {
  return std::span<const std::string>(p.parts).subspan(0, p.parts.empty() ? 0 : p.parts.size() - 1);
}

// Opens the final component of `p` (which must not be the root) with O_NOFOLLOW.
int open_final(const Workspace &ws, const ResolvedPath &p, int flags, std::string *error) {
  Fd dir(ws.open_dir(parent_of(p), error));
  if (dir.fd < 0) {
    return -1;
  }
  int fd = ::openat(dir.fd, p.parts.back().c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    *error = errno == ELOOP ? q(p.rel()) + " changed into a symbolic link while in use"
                            : "cannot open " + q(p.rel()) + ": " + std::strerror(errno);
  }
  return fd;
}

// Reads a regular file whole (up to `limit` bytes).
bool read_regular(const Workspace &ws, const ResolvedPath &p, size_t limit, std::string *out,
                  mode_t *mode, std::string *error) {
  Fd fd(open_final(ws, p, O_RDONLY | O_NONBLOCK, error));
  if (fd.fd < 0) {
    return false;
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = q(p.rel()) + (S_ISDIR(st.st_mode) ? " is a directory" : " is not a regular file");
    return false;
  }
  if (static_cast<uint64_t>(st.st_size) > limit) {
    *error = q(p.rel()) + " is too large (" + std::to_string(st.st_size) + " bytes; at most " +
             std::to_string(limit) + ")";
    return false;
  }
  *mode = st.st_mode & 07777;
  out->clear();
  std::string buf(kChunk, '\0');
  while (true) {
    ssize_t n = ::read(fd.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      *error = "cannot read " + q(p.rel()) + ": " + std::strerror(errno);
      return false;
    }
    if (n == 0) {
      return true;
    }
    out->append(buf.data(), static_cast<size_t>(n));
    if (out->size() > limit) {
      *error = q(p.rel()) + " is too large (more than " + std::to_string(limit) + " bytes)";
      return false;
    }
  }
}

// Writes `content` to `p` atomically: a temporary file in the same directory, then rename.
bool write_atomic(const Workspace &ws, const ResolvedPath &p, std::string_view content,
                  const mode_t *keep_mode, std::string *error) {
  Fd dir(ws.make_dirs(parent_of(p), error));
  if (dir.fd < 0) {
    return false;
  }
  static std::atomic<uint64_t> counter{0};
  std::string tmp;
  Fd fd;
  for (int attempt = 0; attempt < 16 && fd.fd < 0; ++attempt) {
    uint64_t n = counter.fetch_add(1) ^
                 static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    tmp = ".pvpd-write-" + std::to_string(::getpid()) + "-" + std::to_string(n % 1000000007);
    fd.fd =
        ::openat(dir.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd.fd < 0 && errno != EEXIST) {
      *error = "cannot write next to " + q(p.rel()) + ": " + std::strerror(errno);
      return false;
    }
  }
  if (fd.fd < 0) {
    *error = "cannot create a temporary file next to " + q(p.rel());
    return false;
  }
  size_t done = 0;
  bool ok = true;
  while (done < content.size()) {
    ssize_t n = ::write(fd.fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      *error = "cannot write " + q(p.rel()) + ": " + std::strerror(errno);
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (ok && keep_mode != nullptr) {
    ::fchmod(fd.fd, *keep_mode);
  }
  if (ok && ::close(fd.fd) != 0) {
    *error = "cannot write " + q(p.rel()) + ": " + std::strerror(errno);
    ok = false;
  }
  fd.fd = -1;
  if (ok && ::renameat(dir.fd, tmp.c_str(), dir.fd, p.parts.back().c_str()) != 0) {
    *error = "cannot replace " + q(p.rel()) + ": " + std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    ::unlinkat(dir.fd, tmp.c_str(), 0);
  }
  return ok;
}

bool resolve_target(const ToolContext &ctx, const std::string &path, bool follow, ResolvedPath *p,
                    ToolOutcome *o) {
  if (path.empty()) {
    o->error = "`path` is empty";
    return false;
  }
  return ctx.ws.resolve(path, follow, p, &o->error);
}

std::vector<std::string> sorted_entries(int dirfd) {
  std::vector<std::string> names;
  // Its own open file description: fdopendir/readdir move the offset.
  int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup < 0) {
    return names;
  }
  DIR *d = ::fdopendir(dup);
  if (d == nullptr) {
    ::close(dup);
    return names;
  }
  while (dirent *e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") {
      names.emplace_back(n);
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// Deletes the directory `name` in `parent` and everything below it, never following a link.
bool remove_tree(int parent, const std::string &name, int depth, size_t *count,
                 std::string *error) {
  if (depth > kMaxTreeDepth) {
    *error = "the directory tree is too deep to delete";
    return false;
  }
  Fd dir(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dir.fd < 0) {
    *error = "cannot open " + q(name) + ": " + std::strerror(errno);
    return false;
  }
  for (const std::string &child : sorted_entries(dir.fd)) {
    struct stat st {};
    if (::fstatat(dir.fd, child.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      if (!remove_tree(dir.fd, child, depth + 1, count, error)) {
        return false;
      }
    } else if (::unlinkat(dir.fd, child.c_str(), 0) != 0) {
      *error = "cannot delete " + q(child) + ": " + std::strerror(errno);
      return false;
    } else {
      ++*count;
    }
  }
  if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0) {
    *error = "cannot delete " + q(name) + ": " + std::strerror(errno);
    return false;
  }
  ++*count;
  return true;
}

}  // namespace

ToolOutcome file_read(const ToolContext &ctx, const FileReadArgs &args) {
  ToolOutcome o;
  ResolvedPath p;
  if (!resolve_target(ctx, args.path, true, &p, &o)) {
    return o;
  }
  if (p.parts.empty()) {
    o.error = q(args.path) + " is the workspace directory: use list_dir";
    return o;
  }
  if (!p.exists) {
    o.error = q(args.path) + " does not exist";
    return o;
  }
  Fd fd(open_final(ctx.ws, p, O_RDONLY | O_NONBLOCK, &o.error));
  if (fd.fd < 0) {
    return o;
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) {
    o.error = "cannot read " + q(args.path) + ": " + std::strerror(errno);
    return o;
  }
  if (S_ISDIR(st.st_mode)) {
    o.error = q(args.path) + " is a directory: use list_dir";
    return o;
  }
  if (!S_ISREG(st.st_mode)) {
    o.error = q(args.path) + " is not a regular file";
    return o;
  }
  ::fcntl(fd.fd, F_SETFL, ::fcntl(fd.fd, F_GETFL) & ~O_NONBLOCK);

  const uint64_t first = args.offset == 0 ? 1 : args.offset;
  const uint64_t end = args.limit == 0 ? UINT64_MAX : first + args.limit;  // exclusive
  uint64_t line = 1;
  bool sniffed = false;
  bool any = false;
  std::string buf(kChunk, '\0');
  while (line < end) {
    ssize_t n = ::read(fd.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      o.error = "cannot read " + q(args.path) + ": " + std::strerror(errno);
      return o;
    }
    if (n == 0) {
      break;
    }
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    if (!sniffed) {
      sniffed = true;
      if (chunk.substr(0, kBinarySniffBytes).find('\0') != std::string_view::npos) {
        o.error = q(args.path) + " looks like a binary file (" + std::to_string(st.st_size) +
                  " bytes); file_read returns text only";
        return o;
      }
    }
    size_t pos = 0;
    while (pos < chunk.size() && line < end) {
      size_t nl = chunk.find('\n', pos);
      size_t stop = nl == std::string_view::npos ? chunk.size() : nl + 1;
      if (line >= first) {
        ctx.out.add(1, chunk.substr(pos, stop - pos));
        any = true;
        if (ctx.out.full()) {
          o.success = true;
          o.note =
              "file_read stopped at the output cap; read on with offset=" + std::to_string(line) +
              " (and a limit)";
          ctx.out.finish(false);
          return o;
        }
      }
      if (nl != std::string_view::npos) {
        ++line;
      }
      pos = stop;
    }
  }
  if (!any && args.offset > 1) {
    o.error = "offset " + std::to_string(args.offset) + " is past the end of " + q(args.path) +
              " (" + std::to_string(line) + " lines)";
    return o;
  }
  ctx.out.finish(true);
  o.success = true;
  return o;
}

ToolOutcome file_write(const ToolContext &ctx, const FileWriteArgs &args) {
  ToolOutcome o;
  ResolvedPath p;
  if (!resolve_target(ctx, args.path, true, &p, &o)) {
    return o;
  }
  if (p.parts.empty()) {
    o.error = q(args.path) + " is the workspace directory, not a file";
    return o;
  }
  mode_t mode = 0;
  bool existed = false;
  if (p.exists) {
    Fd dir(ctx.ws.open_dir(parent_of(p), &o.error));
    if (dir.fd < 0) {
      return o;
    }
    struct stat st {};
    if (::fstatat(dir.fd, p.parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (S_ISDIR(st.st_mode)) {
        o.error = q(args.path) + " is a directory";
        return o;
      }
      if (!S_ISREG(st.st_mode)) {
        o.error = q(args.path) + " is not a regular file";
        return o;
      }
      mode = st.st_mode & 07777;
      existed = true;
    }
  }
  if (!write_atomic(ctx.ws, p, args.content, existed ? &mode : nullptr, &o.error)) {
    return o;
  }
  ctx.out.add(1, std::string(existed ? "overwrote " : "created ") + p.rel() + " (" +
                     std::to_string(args.content.size()) + " bytes)\n");
  ctx.out.finish(true);
  o.success = true;
  return o;
}

ToolOutcome file_edit(const ToolContext &ctx, const FileEditArgs &args) {
  ToolOutcome o;
  ResolvedPath p;
  if (!resolve_target(ctx, args.path, true, &p, &o)) {
    return o;
  }
  if (args.old_string.empty()) {
    o.error = "`old_string` must not be empty (use file_write to create a file)";
    return o;
  }
  if (args.old_string == args.new_string) {
    o.error = "`old_string` and `new_string` are the same: nothing to change";
    return o;
  }
  if (p.parts.empty() || !p.exists) {
    o.error = q(args.path) + " does not exist";
    return o;
  }
  std::string content;
  mode_t mode = 0;
  if (!read_regular(ctx.ws, p, kMaxEditFileBytes, &content, &mode, &o.error)) {
    return o;
  }
  std::vector<size_t> at;
  for (size_t pos = content.find(args.old_string); pos != std::string::npos;
       pos = content.find(args.old_string, pos + args.old_string.size())) {
    at.push_back(pos);
  }
  if (at.empty()) {
    o.error = "`old_string` was not found in " + q(args.path) +
              " (it must match exactly, whitespace and indentation included)";
    return o;
  }
  if (at.size() > 1 && !args.replace_all) {
    o.error = "`old_string` occurs " + std::to_string(at.size()) + " times in " + q(args.path) +
              ": include more surrounding lines to make it unique, or set replace_all";
    return o;
  }
  std::string updated;
  updated.reserve(content.size() + at.size() * args.new_string.size());
  size_t prev = 0;
  for (size_t pos : at) {
    updated.append(content, prev, pos - prev);
    updated.append(args.new_string);
    prev = pos + args.old_string.size();
  }
  updated.append(content, prev, std::string::npos);
  if (!write_atomic(ctx.ws, p, updated, &mode, &o.error)) {
    return o;
  }
  ctx.out.add(1, "replaced " + std::to_string(at.size()) +
                     (at.size() == 1 ? " occurrence in " : " occurrences in ") + p.rel() + "\n");
  ctx.out.finish(true);
  o.success = true;
  return o;
}

ToolOutcome file_delete(const ToolContext &ctx, const FileDeleteArgs &args) {
  ToolOutcome o;
  ResolvedPath p;
  if (!resolve_target(ctx, args.path, false, &p, &o)) {
    return o;
  }
  if (p.parts.empty()) {
    o.error = "refusing to delete the workspace directory itself";
    return o;
  }
  if (!p.exists) {
    o.error = q(args.path) + " does not exist";
    return o;
  }
  Fd dir(ctx.ws.open_dir(parent_of(p), &o.error));
  if (dir.fd < 0) {
    return o;
  }
  const std::string &name = p.parts.back();
  struct stat st {};
  if (::fstatat(dir.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    o.error = q(args.path) + " does not exist";
    return o;
  }
  std::string what;
  if (S_ISDIR(st.st_mode)) {
    if (args.recursive) {
      size_t count = 0;
      if (!remove_tree(dir.fd, name, 0, &count, &o.error)) {
        return o;
      }
      what = "deleted the directory " + p.rel() + " (" + std::to_string(count) + " entries)";
    } else if (::unlinkat(dir.fd, name.c_str(), AT_REMOVEDIR) != 0) {
      o.error = errno == ENOTEMPTY || errno == EEXIST
                    ? q(args.path) +
                          " is a directory that is not empty: set recursive to true "
                          "to delete it and everything in it"
                    : "cannot delete " + q(args.path) + ": " + std::strerror(errno);
      return o;
    } else {
      what = "deleted the empty directory " + p.rel();
    }
  } else if (::unlinkat(dir.fd, name.c_str(), 0) != 0) {
    o.error = "cannot delete " + q(args.path) + ": " + std::strerror(errno);
    return o;
  } else {
    what = std::string(S_ISLNK(st.st_mode) ? "deleted the symbolic link " : "deleted ") + p.rel();
  }
  ctx.out.add(1, what + "\n");
  ctx.out.finish(true);
  o.success = true;
  return o;
}

namespace {

struct Lister {
  const ToolContext &ctx;
  bool recursive;
  size_t entries = 0;
  bool stopped = false;

  void walk(int dirfd, const std::string &prefix, int depth) {
    for (const std::string &name : sorted_entries(dirfd)) {
      if (stopped) {
        return;
      }
      if (++entries > kMaxListEntries || ctx.out.full()) {
        stopped = true;
        return;
      }
      struct stat st {};
      if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        continue;
      }
      std::string shown = prefix + name;
      if (S_ISDIR(st.st_mode)) {
        ctx.out.add(1, shown + "/\n");
        if (recursive && name != ".git" && depth < kMaxTreeDepth) {
          Fd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
          if (sub.fd >= 0) {
            walk(sub.fd, shown + "/", depth + 1);
          }
        }
      } else if (S_ISLNK(st.st_mode)) {
        char target[PATH_MAX];
        ssize_t n = ::readlinkat(dirfd, name.c_str(), target, sizeof(target) - 1);
        ctx.out.add(
            1, shown + " -> " + (n > 0 ? std::string(target, static_cast<size_t>(n)) : "?") + "\n");
      } else {
        ctx.out.add(1, shown + "\n");
      }
    }
  }
};

}  // namespace

ToolOutcome list_dir(const ToolContext &ctx, const ListDirArgs &args) {
  ToolOutcome o;
  ResolvedPath p;
  if (!ctx.ws.resolve(args.path.empty() ? "." : args.path, true, &p, &o.error)) {
    return o;
  }
  if (!p.exists) {
    o.error = q(args.path) + " does not exist";
    return o;
  }
  Fd dir(ctx.ws.open_dir(p.parts, &o.error));
  if (dir.fd < 0) {
    return o;
  }
  Lister lister{ctx, args.recursive};
  lister.walk(dir.fd, "", 0);
  if (lister.entries == 0) {
    ctx.out.add(1, "(empty directory)\n");
  }
  ctx.out.finish(true);
  if (lister.stopped) {
    o.truncated = true;
    o.note = "list_dir stopped after " + std::to_string(lister.entries - 1) +
             " entries; list a subdirectory to see more";
  }
  o.success = true;
  return o;
}

}  // namespace pvpd::tools
