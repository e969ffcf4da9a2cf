// Static files of the web dashboard (see static_site.h).
#include "static_site.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace pvpd::websocket {
namespace {

constexpr std::size_t kMaxPath = 1024;

bool valid_segment(std::string_view seg) {
  if (seg.empty() || seg.front() == '.' || seg.size() > 255) {
    return false;  // "", ".", "..", and hidden files such as .git or .env
  }
  for (char ch : seg) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> asset_path(std::string_view prefix, std::string_view url_path) {
  if (url_path.size() > kMaxPath || prefix.empty() || prefix.back() != '/') {
    return std::nullopt;
  }
  std::string_view rest;
  if (url_path.size() + 1 == prefix.size() && prefix.substr(0, url_path.size()) == url_path) {
    rest = std::string_view();  // "/app" for prefix "/app/"
  } else if (url_path.substr(0, prefix.size()) == prefix) {
    rest = url_path.substr(prefix.size());
  } else {
    return std::nullopt;
  }
  std::string out(rest);
  if (out.empty() || out.back() == '/') {
    out += "index.html";
  }
  std::string_view check = out;
  while (!check.empty()) {
    std::size_t slash = check.find('/');
    if (!valid_segment(check.substr(0, slash))) {
      return std::nullopt;
    }
    check = slash == std::string_view::npos ? std::string_view() : check.substr(slash + 1);
  }
  return out;
}

const char *content_type_for(std::string_view file) {
  static constexpr std::pair<std::string_view, const char *> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  std::size_t dot = file.rfind('.');
  if (dot != std::string_view::npos && file.find('/', dot) == std::string_view::npos) {
    std::string_view ext = file.substr(dot);
    for (const auto &[e, type] : kTypes) {
      if (ext.size() == e.size() && strncasecmp(ext.data(), e.data(), e.size()) == 0) {
        return type;
      }
    }
  }
  return "application/octet-stream";
}

StaticSite::StaticSite(std::string prefix, std::string root) : prefix_(std::move(prefix)) {
  if (!root.empty()) {
    // Canonical once, so the containment check below compares real paths. A root that does
    // not exist (yet) is kept as given: every lookup then fails.
    char buf[PATH_MAX];
    root_ = ::realpath(root.c_str(), buf) != nullptr ? std::string(buf) : root;
    while (root_.size() > 1 && root_.back() == '/') {
      root_.pop_back();
    }
    return;
  }
  for (std::size_t i = 0; i < kEmbeddedAssetCount; ++i) {
    embedded_.emplace(kEmbeddedAssets[i].path, &kEmbeddedAssets[i]);
  }
}

bool StaticSite::covers(std::string_view url_path) const {
  return url_path.substr(0, prefix_.size()) == prefix_ ||
         (url_path.size() + 1 == prefix_.size() && prefix_.substr(0, url_path.size()) == url_path);
}

std::optional<StaticFile> StaticSite::lookup(std::string_view url_path) const {
  std::optional<std::string> rel = asset_path(prefix_, url_path);
  if (!rel) {
    return std::nullopt;
  }
  if (!root_.empty()) {
    return from_disk(*rel);
  }
  auto it = embedded_.find(*rel);
  if (it == embedded_.end()) {
    return std::nullopt;
  }
  const EmbeddedAsset &a = *it->second;
  return StaticFile{content_type_for(*rel), std::string(a.data, a.size), a.etag};
}

std::optional<StaticFile> StaticSite::from_disk(const std::string &rel) const {
  const std::string joined = root_ + "/" + rel;
  char buf[PATH_MAX];
  if (::realpath(joined.c_str(), buf) == nullptr) {
    return std::nullopt;
  }
  const std::string real(buf);
  // A symlink inside the root that points outside it is not served.
  if (real.size() <= root_.size() || real.compare(0, root_.size(), root_) != 0 ||
      (root_ != "/" && real[root_.size()] != '/')) {
    return std::nullopt;
  }
  int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return std::nullopt;
  }
  struct stat st {};
  StaticFile out;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            static_cast<std::size_t>(st.st_size) <= kMaxFileSize;
  if (ok) {
    out.body.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out.body.size()) {
      ssize_t n = ::read(fd, out.body.data() + got, out.body.size() - got);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        ok = false;
        break;
      }
      got += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  if (!ok) {
    return std::nullopt;
  }
  out.content_type = content_type_for(rel);
  // Weak validator from size and modification time: cheap, and changes with every edit.
  char etag[64];
  std::snprintf(etag, sizeof etag, "W/\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ULL +
                    static_cast<unsigned long long>(st.st_mtim.tv_nsec));
  out.etag = etag;
  return out;
}

}  // namespace pvpd::websocket
