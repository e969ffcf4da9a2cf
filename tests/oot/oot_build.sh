#!/usr/bin/env bash
# ctest oot_build: the out-of-tree plugin story, end to end up to (not including) the daemon.
#   1. cmake --install the plugin-dev component of BUILD_DIR into a staging prefix;
#   2. configure + build plugin-api/examples/echo-transport out of tree against it
#      (find_package(pvpd-plugin 1) + pvpd_add_plugin), and check it found the STAGED package;
#   3. check it exports exactly pvpd_plugin_entry_v1 and install it into PVPD_PLUGIN_INSTALL_DIR;
#   4. prove find_package(pvpd-plugin 2) is refused (SameMajorVersion);
#   5. build a plain-C plugin with pkg-config only (pvpd-plugin.pc) and check its exports;
#   6. if SMOKE is given, load the built plugin with it (tests/oot/echo_smoke).
# Usage: oot_build.sh SOURCE_DIR BUILD_DIR WORK_DIR GENERATOR [SMOKE]
set -euo pipefail

src="${1:?usage: oot_build.sh SOURCE_DIR BUILD_DIR WORK_DIR GENERATOR [SMOKE]}"
build="${2:?missing BUILD_DIR}"
work="${3:?missing WORK_DIR}"
generator="${4:?missing GENERATOR}"
smoke="${5:-}"
cmake="${CMAKE_COMMAND:-cmake}"

step() { echo "== $*"; }
fail() { echo "oot_build: FAIL: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work"
stage="$work/stage"

step "install plugin-dev into $stage"
"$cmake" --install "$build" --prefix "$stage" --component plugin-dev

step "configure echo-transport out of tree"
"$cmake" -S "$src/plugin-api/examples/echo-transport" -B "$work/echo-build" -G "$generator" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$stage" \
  -DCMAKE_CXX_FLAGS="-Werror" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
found_dir="$(grep '^pvpd-plugin_DIR:' "$work/echo-build/CMakeCache.txt" | cut -d= -f2-)"
case "$found_dir" in
  "$stage"/*) echo "found pvpd-plugin in $found_dir" ;;
  *) fail "find_package used $found_dir, not the staged install under $stage" ;;
esac

step "build echo-transport"
"$cmake" --build "$work/echo-build"
so="$work/echo-build/pvpd-echo-transport.so"
[[ -f "$so" ]] || fail "$so was not built"

step "exports"
"$src/scripts/check-plugin-exports" "$so"

step "install echo-transport into the staged PVPD_PLUGIN_INSTALL_DIR"
"$cmake" --install "$work/echo-build"
installed="$(find "$stage" -path '*/pvpd/plugins/pvpd-echo-transport.so' | head -n1)"
[[ -n "$installed" ]] || fail "pvpd-echo-transport.so not installed under $stage/.../pvpd/plugins"
echo "installed: $installed"

step "find_package(pvpd-plugin 2) must be refused"
mkdir -p "$work/v2probe"
cat >"$work/v2probe/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(v2probe LANGUAGES NONE)
find_package(pvpd-plugin 2 REQUIRED)
CM
if "$cmake" -S "$work/v2probe" -B "$work/v2probe/build" -DCMAKE_PREFIX_PATH="$stage" \
     >"$work/v2probe.log" 2>&1; then
  fail "find_package(pvpd-plugin 2) succeeded against a 1.x package"
fi
grep -q "1\.[0-9]*" "$work/v2probe.log" || fail "the refusal does not mention the 1.x version"
echo "refused as expected"

step "plain C via pkg-config"
pcdir="$(dirname "$(find "$stage" -name pvpd-plugin.pc | head -n1)")"
[[ -d "$pcdir" ]] || fail "pvpd-plugin.pc not installed"
export PKG_CONFIG_PATH="$pcdir"
cflags="$(pkg-config --cflags pvpd-plugin)"
[[ "$cflags" == *"-I"* ]] || fail "pkg-config --cflags gave no include path: '$cflags'"
echo "pkg-config --cflags pvpd-plugin: $cflags  (version $(pkg-config --modversion pvpd-plugin))"
# shellcheck disable=SC2046,SC2086 # word splitting of flags is intended
"${CC:-cc}" -std=c11 -Wall -Wextra -pedantic -Werror $cflags \
  $(pkg-config --variable=plugin_cflags pvpd-plugin) \
  -c "$src/tests/oot/pc_consumer.c" -o "$work/pc_consumer.o"
# shellcheck disable=SC2046
"${CC:-cc}" -o "$work/pvpd-pc-consumer.so" "$work/pc_consumer.o" \
  $(pkg-config --variable=plugin_ldflags pvpd-plugin)
"$src/scripts/check-plugin-exports" "$work/pvpd-pc-consumer.so"

if [[ -n "$smoke" ]]; then
  step "load and drive the out-of-tree plugin"
  "$smoke" "$so"
fi
echo "oot_build: OK"
