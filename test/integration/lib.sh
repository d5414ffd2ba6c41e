#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Shared helpers for integration tests. Each test gets namespaces and a pin directory with
# unique names (suffix = this shell's PID), creates them itself, and deletes them in an
# EXIT trap, even on failure. Nothing is sent outside the veth pairs created here.
set -euo pipefail

XDPGUARD=${1:?usage: $0 PATH_TO_XDPGUARD}
XDPGUARD=$(readlink -f "$XDPGUARD")
ID=$$
NS_SRC="xgt-src-$ID"
NS_DST="xgt-dst-$ID"
VETH_SRC="xgs$ID"   # interface names are limited to 15 characters
VETH_DST="xgd$ID"
export XDPGUARD_PIN_DIR="/sys/fs/bpf/xdpguard-test-$ID"
SKIP=77
# Waits scale by this factor in the sanitizer build (XG_SANITIZED, set by test/CMakeLists.txt),
# where the controller runs many times slower: a service start with 20,000 entries ~13 s,
# a reload of them ~10 s.
slow=1
[[ -z ${XG_SANITIZED:-} ]] || slow=6
# by_build PLAIN SANITIZED: prints the first value, or the second in the sanitizer build
# (for repetitions that only cost time there).
by_build() { if [[ -n ${XG_SANITIZED:-} ]]; then echo "$2"; else echo "$1"; fi; }

log() { echo "[$(date +%T)] $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit $SKIP; }

# Tools the tests drive create pins of their own on first use: iproute2 (tc/, ip, xdp/)
# and xdp-filter (xdp-filter/). Remember which already existed, so cleanup removes only
# what this test created.
BPFFS_TOOL_PINS=(tc ip xdp xdp-filter)
PREEXISTING_PINS=()
for p in "${BPFFS_TOOL_PINS[@]}"; do
  [[ -e /sys/fs/bpf/$p || -L /sys/fs/bpf/$p ]] && PREEXISTING_PINS+=("$p")
done

BG_PIDS=()
EXTRA_NS=()  # further namespaces a test creates (deleted on exit too)
EXTRA_DIRS=()  # temporary directories a test creates (deleted on exit too)
cleanup() {
  local rc=$?
  # Background helpers this test started, by PID (never anything else).
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  ip netns del "$NS_SRC" 2>/dev/null || true
  ip netns del "$NS_DST" 2>/dev/null || true
  for ns in "${EXTRA_NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  for d in "${EXTRA_DIRS[@]}"; do rm -rf "$d"; done
  # Scratch files tests name /tmp/xg-<what>-<ID>[.ext] (this test's ID only).
  rm -f /tmp/xg-*-"$ID" /tmp/xg-*-"$ID".*
  # Pins outlive namespaces; remove this test's directory only.
  if [[ -d $XDPGUARD_PIN_DIR ]]; then rm -rf "$XDPGUARD_PIN_DIR"; fi
  for p in "${BPFFS_TOOL_PINS[@]}"; do
    [[ " ${PREEXISTING_PINS[*]} " == *" $p "* ]] && continue
    rm -rf "/sys/fs/bpf/$p" 2>/dev/null || true
  done
  exit $rc
}
trap cleanup EXIT

# Root is needed for namespaces and BPF; say so instead of failing obscurely.
[[ $(id -u) -eq 0 ]] || skip "needs root"
if ! mount | grep -q 'type bpf'; then mount -t bpf bpf /sys/fs/bpf; fi

in_src() { nsenter --net="/run/netns/$NS_SRC" "$@"; }
# nsenter keeps this mount namespace (and the host bpffs); `ip netns exec` would remount
# /sys and hide the pins.
in_dst() { nsenter --net="/run/netns/$NS_DST" "$@"; }
xg() { in_dst "$XDPGUARD" "$@"; }

# Two namespaces joined by a veth pair. Source side: 10.200.0.1 (to be blocked) and
# 10.200.0.2 (allowed) plus fd00:200::1 / fd00:200::2; destination 10.200.0.10, fd00:200::10.
make_pair() {
  local mtu=${1:-1500}
  ip netns add "$NS_SRC"
  ip netns add "$NS_DST"
  ip link add "$VETH_SRC" mtu "$mtu" netns "$NS_SRC" type veth peer name "$VETH_DST" mtu "$mtu" netns "$NS_DST"
  in_src ip link set lo up
  in_dst ip link set lo up
  in_src ip addr add 10.200.0.1/24 dev "$VETH_SRC"
  in_src ip addr add 10.200.0.2/24 dev "$VETH_SRC"
  in_src ip addr add fd00:200::1/64 dev "$VETH_SRC" nodad
  in_src ip addr add fd00:200::2/64 dev "$VETH_SRC" nodad
  in_dst ip addr add 10.200.0.10/24 dev "$VETH_DST"
  in_dst ip addr add fd00:200::10/64 dev "$VETH_DST" nodad
  in_src ip link set "$VETH_SRC" up
  in_dst ip link set "$VETH_DST" up
  # One ping warms up ARP and proves the pair works before any filter is attached.
  in_src ping -c1 -W2 -I 10.200.0.2 10.200.0.10 >/dev/null || fail "veth pair does not pass traffic"
}

# ping from a given source; prints the number of replies received.
ping_replies() {
  local src=$1 dst=$2 count=$3 interval=${4:-0.05}
  in_src ping -n -q -c "$count" -i "$interval" -W 1 -I "$src" "$dst" 2>/dev/null |
    awk '/received/ { for (i = 1; i <= NF; i++) if ($(i) ~ /received/) print $(i-1) }' || true
}

json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }

# Datagrams that reached UDP in the destination namespace (delivered or "no port").
udp_arrived() {
  in_dst awk '/^Udp:/ { if (hdr) { print $2 + $3; exit } hdr = 1; }' /proc/net/snmp
}

# blast SRC DST SECONDS RATE: bounded UDP flood inside the test namespaces; prints sent.
blast() {
  in_src python3 "$(dirname "${BASH_SOURCE[0]}")/udp_blast.py" "$1" "$2" 9 "$3" "$4"
}
