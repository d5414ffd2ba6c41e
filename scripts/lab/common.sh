#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Shared start of the lab scripts (quickstart.sh, lab.sh): root check, build xdpguard if
# the build directory has none ($BUILD_DIR, default build/), bpffs mounted. Sets root, XG.
# Usage: source scripts/lab/common.sh SCRIPT_NAME
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[[ $(id -u) -eq 0 ]] || { echo "$1: needs root (network namespaces, BPF)" >&2; exit 1; }
build=${BUILD_DIR:-$root/build}
if [[ ! -x $build/xdpguard ]]; then
  echo "building xdpguard (first run only)..."
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target xdpguard >/dev/null
fi
XG=$build/xdpguard
mount | grep -q ' /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf

# lab_setup LONG SHORT: names for this run's namespaces (xgLONG-host-PID, xgLONG-net-PID),
# veth ends (xgSHORTh/nPID, within 15 characters) and pin directory, and whether libxdp's
# /sys/fs/bpf/xdp existed before (libxdp leaves state there when it tries its dispatcher;
# lab_teardown removes it only if this lab created it).
lab_setup() {
  id=$$
  HOST="xg$1-host-$id"; NET="xg$1-net-$id"; IF_HOST="xg$2h$id"; IF_NET="xg$2n$id"
  export XDPGUARD_PIN_DIR="/sys/fs/bpf/xdpguard-$3-$id"   # never touches a real install
  libxdp_dir_existed=0
  if [[ -e /sys/fs/bpf/xdp ]]; then libxdp_dir_existed=1; fi
}
lab_teardown() {
  ip netns del "$HOST" 2>/dev/null || true
  ip netns del "$NET" 2>/dev/null || true
  rm -rf "$XDPGUARD_PIN_DIR"
  [[ $libxdp_dir_existed == 1 ]] || rm -rf /sys/fs/bpf/xdp
}
in_host() { nsenter --net="/run/netns/$HOST" "$@"; }
in_net() { nsenter --net="/run/netns/$NET" "$@"; }
xg() { in_host "$XG" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# lab_network "IPV4/32 ..." "ROUTE ...": the protected host 10.77.0.1 / fd00:77::1 and the
# "internet" 10.77.0.2 / fd00:77::2 on a veth pair, the internet side also holding the
# given IPv4 addresses and 2001:db8:bad::7; the host routes the given IPv4 ranges and
# 2001:db8:bad::/48 via the internet side.
lab_network() {
  ip netns add "$HOST"; ip netns add "$NET"
  ip link add "$IF_HOST" netns "$HOST" type veth peer name "$IF_NET" netns "$NET"
  in_host ip addr add 10.77.0.1/24 dev "$IF_HOST"
  in_host ip addr add fd00:77::1/64 dev "$IF_HOST" nodad
  in_net ip addr add 10.77.0.2/24 dev "$IF_NET"
  in_net ip addr add fd00:77::2/64 dev "$IF_NET" nodad
  local a r
  for a in $1; do in_net ip addr add "$a" dev "$IF_NET"; done
  in_net ip addr add 2001:db8:bad::7/128 dev "$IF_NET" nodad
  for d in "$HOST" "$NET"; do ip -n "$d" link set lo up; done
  in_host ip link set "$IF_HOST" up; in_net ip link set "$IF_NET" up
  for r in $2; do in_host ip route add "$r" via 10.77.0.2; done
  in_host ip -6 route add 2001:db8:bad::/48 via fd00:77::2
}
