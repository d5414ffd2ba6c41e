#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# xdpguard quickstart lab: builds xdpguard, creates two network namespaces joined by a
# veth pair (a protected host and "the internet"), attaches xdpguard to the host's
# interface, loads a lab blocklist and a real Spamhaus DROP sample, sends bounded traffic
# from blocked, allowlisted, monitored and ordinary sources, and prints what happened.
# Everything lives in namespaces and a pin directory this script creates, and is torn
# down on exit, even on failure. Needs root. Usage: sudo scripts/lab.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[[ $(id -u) -eq 0 ]] || { echo "lab.sh: needs root (network namespaces, BPF)" >&2; exit 1; }

build=${BUILD_DIR:-$root/build}
if [[ ! -x $build/xdpguard ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target xdpguard >/dev/null
fi
XG=$build/xdpguard
mount | grep -q ' /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf

id=$$
HOST="xglab-host-$id"; NET="xglab-net-$id"; IF_HOST="xglh$id"; IF_NET="xgln$id"
export XDPGUARD_PIN_DIR="/sys/fs/bpf/xdpguard-lab-$id"   # never touches a real install
cleanup() {
  ip netns del "$HOST" 2>/dev/null || true
  ip netns del "$NET" 2>/dev/null || true
  rm -rf "$XDPGUARD_PIN_DIR"
}
trap cleanup EXIT
in_host() { nsenter --net="/run/netns/$HOST" "$@"; }
in_net() { nsenter --net="/run/netns/$NET" "$@"; }
xg() { in_host "$XG" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
pings() {  # pings SRC DST COUNT -> "sent/received"
  in_net ping -n -q -c "$3" -i 0.05 -W 1 -I "$1" "$2" 2>/dev/null |
    awk '/received/ { print $1 " sent, " $4 " answered" }' || true
}

step "network: host 10.77.0.1 / fd00:77::1  <-veth->  internet (clients, crawler, abusers)"
ip netns add "$HOST"; ip netns add "$NET"
ip link add "$IF_HOST" netns "$HOST" type veth peer name "$IF_NET" netns "$NET"
in_host ip addr add 10.77.0.1/24 dev "$IF_HOST"
in_host ip addr add fd00:77::1/64 dev "$IF_HOST" nodad
in_net ip addr add 10.77.0.2/24 dev "$IF_NET"
in_net ip addr add fd00:77::2/64 dev "$IF_NET" nodad
for a in 10.77.0.20/32 198.51.100.10/32 198.51.100.53/32 203.0.113.66/32 192.0.2.5/32; do
  in_net ip addr add "$a" dev "$IF_NET"
done
in_net ip addr add 2001:db8:bad::7/128 dev "$IF_NET" nodad
for d in "$HOST" "$NET"; do ip -n "$d" link set lo up; done
in_host ip link set "$IF_HOST" up; in_net ip link set "$IF_NET" up
in_net ip route add 10.77.0.0/24 dev "$IF_NET" 2>/dev/null || true
in_host ip route add 198.51.100.0/24 via 10.77.0.2
in_host ip route add 203.0.113.0/24 via 10.77.0.2
in_host ip route add 192.0.2.0/24 via 10.77.0.2
in_host ip -6 route add 2001:db8:bad::/48 via fd00:77::2
in_net ping -c1 -W2 10.77.0.1 >/dev/null

step "attach xdpguard to the host interface"
xg attach "$IF_HOST" --mode auto

step "load blocklists: the lab list and a real Spamhaus DROP sample (FireHOL netset)"
xg block load "$root/scripts/lab/lab-blocklist.txt"
xg block load "$root/scripts/lab/spamhaus_drop.netset" 2>&1 | tail -1
xg block add 192.0.2.0/24 --monitor --comment "new list on trial (dry run)"
xg block add 198.51.100.0/25 --ttl 1h --comment "extra hour for the crawler fleet"
xg allow add 198.51.100.53 # a verified crawler address inside the blocked fleet

step "traffic (20 pings each)"
printf '  %-34s %s\n' "ordinary client 10.77.0.20:" "$(pings 10.77.0.20 10.77.0.1 20)"
printf '  %-34s %s\n' "crawler fleet 198.51.100.10:" "$(pings 198.51.100.10 10.77.0.1 20)"
printf '  %-34s %s\n' "allowlisted crawler 198.51.100.53:" "$(pings 198.51.100.53 10.77.0.1 20)"
printf '  %-34s %s\n' "abuser 203.0.113.66:" "$(pings 203.0.113.66 10.77.0.1 20)"
printf '  %-34s %s\n' "IPv6 abuser 2001:db8:bad::7:" "$(pings 2001:db8:bad::7 fd00:77::1 20)"
printf '  %-34s %s\n' "monitored 192.0.2.5 (dry run):" "$(pings 192.0.2.5 10.77.0.1 20)"

step "xdpguard stats"
xg stats --top 5
step "xdpguard block list (entries with hits)"
xg block list | awk 'NR == 1 || ($5 + 0) > 0 || /entries/'
step "xdpguard status"
xg status
step "detach (the lab removes everything on exit)"
xg detach "$IF_HOST"
