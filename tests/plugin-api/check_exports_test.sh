#!/usr/bin/env bash
# ctest plugin_exports: scripts/check-plugin-exports over every first-party plugin built into
# PLUGIN_DIR (globbed now, at test time) plus the "good" and "old-minor" fixtures, so the check
# always checks something even before any first-party plugin exists. Also proves the script
# rejects a plugin exporting the wrong symbol (the missing-entry fixture).
# Usage: check_exports_test.sh REPO_ROOT PLUGIN_DIR FIXTURE_DIR
set -euo pipefail

repo="${1:?usage: check_exports_test.sh REPO_ROOT PLUGIN_DIR FIXTURE_DIR}"
plugin_dir="${2:?missing PLUGIN_DIR}"
fixture_dir="${3:?missing FIXTURE_DIR}"
check="$repo/scripts/check-plugin-exports"

shopt -s nullglob
first_party=("$plugin_dir"/*.so)
fixtures=("$fixture_dir/pvpd-good.so" "$fixture_dir/pvpd-old-minor.so")
for f in "${fixtures[@]}"; do
  [[ -f "$f" ]] || { echo "missing fixture $f (build target pvpd_fixture_plugins)" >&2; exit 1; }
done
echo "checking ${#first_party[@]} first-party plugin(s) in $plugin_dir and ${#fixtures[@]} fixture(s)"
"$check" ${first_party[@]+"${first_party[@]}"} "${fixtures[@]}"

# Negative control: the checker must fail a file that exports something else.
if "$check" "$fixture_dir/pvpd-missing-entry.so" >/dev/null 2>&1; then
  echo "check-plugin-exports accepted pvpd-missing-entry.so" >&2
  exit 1
fi
echo "negative control rejected as expected"
