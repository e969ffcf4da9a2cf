// The web dashboard's static files: which file a URL path names under the configured prefix,
// with its content type and ETag, from the assets embedded at build time or from a directory.
//
// Security: a URL path maps to a file only through asset_path(), which refuses every segment
// that could leave the root ("..", ".", empty, hidden names, backslashes, control bytes); with
// a directory root the resolved real path must also stay inside the root (symlinks).
// THREAD: immutable after construction; lookup() may run on any thread (it reads files from
// disk in directory mode, which is fine on the lws thread for dashboard-sized files).
// OWNERSHIP: a StaticFile owns a copy of the bytes it returns.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "embedded_assets.h"

namespace pvpd::websocket {

struct StaticFile {
  std::string content_type;
  std::string body;
  std::string etag;  // quoted
};

// The file a URL path names relative to the root, or nullopt when the path is not under
// `prefix` (which starts and ends with '/') or is not a plain relative file path. A path that
// ends in '/' (or equals the prefix without its trailing '/') names its index.html.
std::optional<std::string> asset_path(std::string_view prefix, std::string_view url_path);

// Content-Type for a file name by its extension (application/octet-stream when unknown).
const char *content_type_for(std::string_view file);

class StaticSite {
 public:
  // `root` empty = the embedded assets.
  StaticSite(std::string prefix, std::string root);

  // True when `url_path` is under the prefix (even if no such file exists).
  bool covers(std::string_view url_path) const;
  // The file, or nullopt when there is none (404).
  std::optional<StaticFile> lookup(std::string_view url_path) const;

  static constexpr std::size_t kMaxFileSize = 32 * 1024 * 1024;

 private:
  std::optional<StaticFile> from_disk(const std::string &rel) const;

  std::string prefix_;
  std::string root_;  // canonical, or "" for the embedded assets
  std::unordered_map<std::string_view, const EmbeddedAsset *> embedded_;
};

}  // namespace pvpd::websocket
