// Path confinement (see path_confinement.h).
#include "tools/path_confinement.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>

namespace pvpd::tools {
namespace {

constexpr int kMaxSymlinks = 40;

std::vector<std::string> split(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t slash = p.find('/', i);
    if (slash == std::string_view::npos) {
      slash = p.size();
    }
    if (slash > i) {
      out.emplace_back(p.substr(i, slash - i));
    }
    i = slash + 1;
  }
  return out;
}

std::string join(const std::vector<std::string> &parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n && i < parts.size(); ++i) {
    if (i > 0) {
      out.push_back('/');
    }
    out += parts[i];
  }
  return out;
}

std::string ticked(std::string_view p) {
  return "`" + std::string(p) + "`";
}

}  // namespace

std::string ResolvedPath::rel() const {
  return parts.empty() ? std::string(".") : join(parts, parts.size());
}

Workspace::~Workspace() {
  if (root_fd_ >= 0) {
    ::close(root_fd_);
  }
}

bool Workspace::open(const std::string &path, std::string *error) {
  if (path.empty() || path[0] != '/') {
    *error = "the workspace must be an absolute path (got " + ticked(path) + ")";
    return false;
  }
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    *error = "cannot create the workspace " + ticked(path) + ": " + ec.message();
    return false;
  }
  char *real = ::realpath(path.c_str(), nullptr);
  if (real == nullptr) {
    *error = "cannot resolve the workspace " + ticked(path) + ": " + std::strerror(errno);
    return false;
  }
  root_ = real;
  std::free(real);
  configured_ = path;
  while (configured_.size() > 1 && configured_.back() == '/') {
    configured_.pop_back();
  }
  root_fd_ = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0) {
    *error = "cannot open the workspace " + ticked(root_) + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool Workspace::resolve(std::string_view path, bool follow_final, ResolvedPath *out,
                        std::string *error) const {
  out->parts.clear();
  out->exists = false;
  if (root_fd_ < 0) {
    *error = "the workspace is not available";
    return false;
  }
  if (path.find('\0') != std::string_view::npos) {
    *error = "the path contains a NUL character";
    return false;
  }
  if (!path.empty() && path[0] == '/') {
    *error = "absolute paths are not allowed (" + ticked(path) +
             "): give a path relative to the workspace root";
    return false;
  }
  if (!path.empty() && path[0] == '~') {
    *error =
        "`~` is not expanded (" + ticked(path) + "): give a path relative to the workspace root";
    return false;
  }
  std::deque<std::string> pending;
  for (std::string &c : split(path)) {
    pending.push_back(std::move(c));
  }
  std::vector<std::string> &stack = out->parts;
  bool exists = true;
  int links = 0;
  auto remaining_real = [&pending] {
    for (const std::string &c : pending) {
      if (c != ".") {
        return true;
      }
    }
    return false;
  };
  while (!pending.empty()) {
    std::string c = std::move(pending.front());
    pending.pop_front();
    if (c == ".") {
      continue;
    }
    if (c == "..") {
      if (stack.empty()) {
        *error = ticked(path) + " leads outside the workspace";
        return false;
      }
      stack.pop_back();
      exists = true;  // what follows is checked again (a missing prefix stays missing)
      continue;
    }
    if (!exists) {
      stack.push_back(std::move(c));
      continue;
    }
    stack.push_back(c);
    std::string rel = join(stack, stack.size());
    struct stat st {};
    if (::fstatat(root_fd_, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) {
        exists = false;
        continue;
      }
      if (errno == ENOTDIR) {
        *error = ticked(join(stack, stack.size() - 1)) + " is not a directory";
      } else {
        *error = "cannot access " + ticked(rel) + ": " + std::strerror(errno);
      }
      return false;
    }
    bool last = !remaining_real();
    if (S_ISLNK(st.st_mode) && (!last || follow_final)) {
      if (++links > kMaxSymlinks) {
        *error = ticked(path) + " has too many levels of symbolic links";
        return false;
      }
      char buf[PATH_MAX];
      ssize_t n = ::readlinkat(root_fd_, rel.c_str(), buf, sizeof(buf) - 1);
      if (n <= 0) {
        *error = "cannot read the symbolic link " + ticked(rel) + ": " + std::strerror(errno);
        return false;
      }
      std::string target(buf, static_cast<size_t>(n));
      stack.pop_back();
      std::vector<std::string> target_parts;
      if (target[0] == '/') {
        std::string_view inside;
        bool ok = false;
        for (const std::string *base : {&root_, &configured_}) {
          if (target == *base ||
              (target.size() > base->size() && target.compare(0, base->size(), *base) == 0 &&
               target[base->size()] == '/')) {
            inside = std::string_view(target).substr(base->size());
            ok = true;
            break;
          }
        }
        if (!ok) {
          *error = ticked(path) + " leads outside the workspace (" + ticked(rel) +
                   " is a symbolic link to " + ticked(target) + ")";
          return false;
        }
        stack.clear();
        target_parts = split(inside);
      } else {
        target_parts = split(target);
      }
      pending.insert(pending.begin(), target_parts.begin(), target_parts.end());
      continue;
    }
    if (!last && !S_ISDIR(st.st_mode)) {
      *error = ticked(rel) + " is not a directory";
      return false;
    }
  }
  out->exists = exists;
  return true;
}

int Workspace::open_dir(std::span<const std::string> parts, std::string *error) const {
  // A new open file description (not a dup): directory offsets must not be shared between
  // calls, or one listing's readdir would leave the next one at the end.
  int fd = ::openat(root_fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = std::string("cannot open the workspace: ") + std::strerror(errno);
    return -1;
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    int next = ::openat(fd, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    ::close(fd);
    if (next < 0) {
      std::string where;
      for (size_t k = 0; k <= i; ++k) {
        where += (k ? "/" : "") + parts[k];
      }
      *error = err == ELOOP || err == ENOTDIR
                   ? ticked(where) + " is not a directory (or changed into a symbolic link)"
                   : "cannot open " + ticked(where) + ": " + std::strerror(err);
      return -1;
    }
    fd = next;
  }
  return fd;
}

int Workspace::make_dirs(std::span<const std::string> parts, std::string *error) const {
  int fd = ::openat(root_fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = std::string("cannot open the workspace: ") + std::strerror(errno);
    return -1;
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (::mkdirat(fd, parts[i].c_str(), 0777) != 0 && errno != EEXIST) {
      int err = errno;
      ::close(fd);
      *error = "cannot create the directory " +
               ticked(join(std::vector<std::string>(parts.begin(), parts.end()), i + 1)) + ": " +
               std::strerror(err);
      return -1;
    }
    int next = ::openat(fd, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    ::close(fd);
    if (next < 0) {
      *error = ticked(join(std::vector<std::string>(parts.begin(), parts.end()), i + 1)) +
               (err == ELOOP || err == ENOTDIR ? " is not a directory"
                                               : std::string(": ") + std::strerror(err));
      return -1;
    }
    fd = next;
  }
  return fd;
}

std::string Workspace::absolute(const ResolvedPath &p) const {
  return p.parts.empty() ? root_ : root_ + "/" + p.rel();
}

}  // namespace pvpd::tools
