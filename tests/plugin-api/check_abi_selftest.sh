#!/usr/bin/env bash
# Self-test of scripts/check-abi: mutate a copy of plugin_abi.h and prove the check
#   (a) passes when a member is appended at the end of pvpd_conn_info or a slot at the end of
#       pvpd_host_api_v1,
#   (b) fails when a member is inserted in the middle of pvpd_msg_view,
#   (c) fails when a member is removed (pvpd_sub_filter.type_prefix, the last one),
#   (d) fails when a table slot is inserted in the middle of pvpd_host_api_v1,
#   (e) refuses to run (exit 2) when the probe is built without debug info.
# Usage: check_abi_selftest.sh REPO_ROOT
set -euo pipefail

repo="${1:?usage: check_abi_selftest.sh REPO_ROOT}"
check="$repo/scripts/check-abi"
header="$repo/plugin-api/include/pvpd/plugin_abi.h"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

# mutate NAME SED_SCRIPT: a header copy in $work/NAME/pvpd/plugin_abi.h with the edit applied;
# aborts if the edit changed nothing (the header moved on and this test must follow).
mutate() {
  local name="$1" script="$2"
  mkdir -p "$work/$name/pvpd"
  sed -e "$script" "$header" >"$work/$name/pvpd/plugin_abi.h"
  if cmp -s "$header" "$work/$name/pvpd/plugin_abi.h"; then
    echo "selftest: the '$name' edit did not apply to plugin_abi.h; update this test" >&2
    exit 1
  fi
}

# expect NAME WANT_RC [check-abi args...]
expect() {
  local name="$1" want="$2"
  shift 2
  local rc=0
  "$check" "$@" >"$work/$name.log" 2>&1 || rc=$?
  if [[ $rc -eq $want ]]; then
    echo "ok:   $name (exit $rc)"
  else
    echo "FAIL: $name: check-abi exited $rc, expected $want" >&2
    sed 's/^/    /' "$work/$name.log" >&2
    failures=$((failures + 1))
  fi
}

# (a) append at the end of pvpd_conn_info: allowed.
mutate append '/pvpd_str tls_peer_subject;/a\  uint32_t appended_in_1_1;'
expect append 0 "$work/append"

# (a2) append a slot at the end of the host table (the first "append new slots here" marker).
mutate append-slot '0,/append new slots here only ---- \*\//s//&\n  void (*appended_slot)(void);/'
expect append-slot 0 "$work/append-slot"

# (b) insert in the middle of pvpd_msg_view (between seq and type): incompatible.
mutate insert '/uint64_t seq; /a\  uint64_t inserted;'
expect insert-middle 1 "$work/insert"

# (c) remove a member: incompatible.
mutate remove '/pvpd_str type_prefix;/d'
expect remove 1 "$work/remove"

# (d) insert a table slot in the middle of the host table: incompatible.
mutate slot '/pvpd_status (\*publish)(pvpd_host_ctx \*ctx, pvpd_str json);/i\  void (*inserted_slot)(void);'
expect insert-slot 1 "$work/slot"

# (e) a probe without debug info would make abidiff compare symbols only: refused.
expect no-debug-info 2 --probe-cflags "-O2 -g0" "$work/insert"
grep -q "no .debug_info" "$work/no-debug-info.log" || {
  echo "FAIL: no-debug-info: the refusal does not name the missing .debug_info" >&2
  failures=$((failures + 1))
}

# The unmodified header passes.
expect unmodified 0

if [[ $failures -ne 0 ]]; then
  echo "selftest: $failures case(s) failed" >&2
  exit 1
fi
echo "selftest: check-abi behaves"
