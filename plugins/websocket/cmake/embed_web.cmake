# Build-time step: writes a C++ file holding every file under ROOT (clients/web) as bytes, for
# the websocket plugin's embedded web app (src/embedded_assets.h).
#   cmake -DROOT=<dir> -DOUT=<file.cpp> -P embed_web.cmake
# Hidden files, node_modules/ and CMakeLists.txt are left out, and so are names outside
# [A-Za-z0-9._/-] (with a warning: they would need escaping in C++ and in URLs). OUT is only rewritten when its content
# changes, so an unchanged web app does not relink the plugin.
cmake_minimum_required(VERSION 3.20)
if(NOT ROOT OR NOT OUT)
  message(FATAL_ERROR "embed_web.cmake needs -DROOT=... -DOUT=...")
endif()
set(files "")
if(IS_DIRECTORY "${ROOT}")
  file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${ROOT}" "${ROOT}/*")
  list(SORT files)
endif()
set(data "")
set(table "")
set(count 0)
foreach(f IN LISTS files)
  if(f MATCHES "(^|/)\\." OR f MATCHES "(^|/)node_modules/" OR f MATCHES "(^|/)CMakeLists\\.txt$")
    continue()
  endif()
  if(NOT f MATCHES "^[A-Za-z0-9._/-]+$")
    message(WARNING "embed_web: '${f}' is not embedded: characters outside [A-Za-z0-9._/-]")
    continue()
  endif()
  file(READ "${ROOT}/${f}" hex HEX)
  file(SHA256 "${ROOT}/${f}" sha)
  string(SUBSTRING "${sha}" 0 32 etag)
  string(LENGTH "${hex}" hexlen)
  math(EXPR size "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(APPEND data "const char kFile${count}[] = {${bytes}'\\0'};\n")
  string(APPEND table "    {\"${f}\", kFile${count}, ${size}, \"\\\"${etag}\\\"\"},\n")
  math(EXPR count "${count} + 1")
endforeach()
set(text "// Generated at build time by plugins/websocket/cmake/embed_web.cmake from ${ROOT}.
// Do not edit; do not commit.
#include \"embedded_assets.h\"

namespace pvpd::websocket {
namespace {
${data}}  // namespace

const EmbeddedAsset kEmbeddedAssets[] = {
${table}    {nullptr, nullptr, 0, nullptr},
};
const std::size_t kEmbeddedAssetCount = ${count};

}  // namespace pvpd::websocket
")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
