#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel memory of xdpguard's maps, measured from /proc/meminfo (the growth of Slab, where
# map elements live, VmallocUsed, where arrays and hash bucket tables live, and Percpu; and
# the drop in MemAvailable, which other processes make noisy), not as memlock: for each N given, the fixed cost of a
# fresh set of pinned maps (attach), then the cost of loading N IPv4 /32s and /24s (block
# load); the maps are removed (detach) before the next N. Caches are dropped before every reading; run on a quiet machine, the other
# processes' allocations are noise. Everything lives in a network namespace and pin
# directory of its own, removed on exit. Needs root and a build (BUILD_DIR, default build/).
# ATTACH_ARGS adds map-size options to the attach (a small profile: docs/operations.md).
#   sudo scripts/bench/map_memory.sh [N ...]     (default: 1000 100000 1000000)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 100000 1000000)
[[ $(id -u) == 0 ]] || { echo "map_memory.sh: needs root" >&2; exit 1; }
NS=xgmem-$$
PIN=/sys/fs/bpf/xgmem-$$
WORK=$(mktemp -d /tmp/xgmem-XXXXXX)
cleanup() {
  set +e
  nsenter --net="/run/netns/$NS" "$BUILD/xdpguard" --pin-dir "$PIN" detach xgm0 > /dev/null 2>&1
  ip netns del "$NS" 2> /dev/null
  rm -rf "$PIN" "$WORK"
}
trap cleanup EXIT
xg() { nsenter --net="/run/netns/$NS" "$BUILD/xdpguard" --pin-dir "$PIN" "$@"; }
# kB: MemAvailable Slab Percpu VmallocUsed, after dropping caches and letting RCU frees settle.
reading() {
  sync
  echo 3 > /proc/sys/vm/drop_caches
  sleep 2
  awk '/^MemAvailable:/ {a=$2} /^Slab:/ {s=$2} /^Percpu:/ {p=$2} /^VmallocUsed:/ {v=$2}
       END {print a, s, p, v}' /proc/meminfo
}
ip netns add "$NS"
ip -n "$NS" link add xgm0 type veth peer name xgm1
ip -n "$NS" link set xgm0 up
echo "| what | Slab growth | VmallocUsed growth | Percpu growth | sum | per entry (sum) | MemAvailable drop |"
echo "|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  python3 - "$n" > "$WORK/list.txt" <<'PY'
import sys
n = int(sys.argv[1])
# Three quarters /32s (abuse-feed shape), a quarter /24s, from 11.0.0.0 on (public space).
for i in range(n):
    if i % 4:
        a = (11 << 24) + 2 * i
        print("%d.%d.%d.%d/32" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255))
    else:
        a = (60 << 24) + (i << 8)
        print("%d.%d.%d.0/24" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255))
PY
  read -r a0 s0 p0 v0 < <(reading)
  # shellcheck disable=SC2086  # ATTACH_ARGS is a list of options
  xg attach xgm0 --mode generic ${ATTACH_ARGS:-} > /dev/null  # fresh maps: the last size's were removed
  read -r a1 s1 p1 v1 < <(reading)
  xg block load "$WORK/list.txt" --force > /dev/null
  read -r a2 s2 p2 v2 < <(reading)
  xg detach xgm0 > /dev/null  # without --keep-maps: the maps go
  fixed=$(((s1 - s0) + (v1 - v0) + (p1 - p0)))
  per=$(((s2 - s1) + (v2 - v1) + (p2 - p1)))
  printf '| fixed: fresh maps (attach, %s) | %.1f MiB | %.1f MiB | %.1f MiB | %.1f MiB | | %d MiB |\n' \
    "${ATTACH_ARGS:-default sizes}" "$(bc -l <<< "($s1 - $s0) / 1024")" "$(bc -l <<< "($v1 - $v0) / 1024")" "$(bc -l <<< "($p1 - $p0) / 1024")" \
    "$(bc -l <<< "$fixed / 1024")" $(((a0 - a1) / 1024))
  printf '| %s entries (block load) | %.1f MiB | %.1f MiB | %.1f MiB | %.1f MiB | %d B | %d MiB |\n' "$n" \
    "$(bc -l <<< "($s2 - $s1) / 1024")" "$(bc -l <<< "($v2 - $v1) / 1024")" "$(bc -l <<< "($p2 - $p1) / 1024")" \
    "$(bc -l <<< "$per / 1024")" $((per * 1024 / n)) $(((a1 - a2) / 1024))
done
