// The web app (clients/web) compiled into the plugin: a table generated at build time by
// cmake/embed_web.cmake, so a build tree serves the dashboard without any installed files.
//
// THREAD: immutable static data; any thread.
#pragma once

#include <cstddef>

namespace pvpd::websocket {

struct EmbeddedAsset {
  const char *path;  // relative to clients/web, '/'-separated ("index.html", "js/app.js")
  const char *data;
  std::size_t size;
  const char *etag;  // quoted strong ETag (a prefix of the SHA-256 of the bytes)
};

// kEmbeddedAssetCount entries, then a terminator whose path is nullptr.
extern const EmbeddedAsset kEmbeddedAssets[];
extern const std::size_t kEmbeddedAssetCount;

}  // namespace pvpd::websocket
