#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Gateway guard against real attack tools on a bridged segment: a bridge in its own
# namespace joins a gateway, the protected host (running xdpguard) and an attacker.
#  - alert mode: arpspoof (dsniff) claims the gateway's IPv4 address; an arp_spoof event
#    arrives (latency from the first spoofed frame seen on the host to the JSON line is
#    measured), and the host's neighbour entry IS poisoned (control: the attack works);
#  - drop mode: the same attack leaves the host's neighbour entry at the real MAC;
#  - the real gateway's gratuitous ARP (arping -U) and a VRRP MAC raise no alarm;
#  - IPv6: atk6-fake_advertise6 (thc-ipv6) advertising the gateway's link-local address
#    raises an na_spoof event.
# arpwatch runs on the protected host throughout, for comparison: its time to report the
# same attack, and whether it raises a false alarm for the VRRP MAC (it does: it knows no
# allowed set).
source "$(dirname "$0")/lib.sh"
NS_GW="xgt-gw-$ID"; NS_SW="xgt-sw-$ID"
EXTRA_NS=("$NS_GW" "$NS_SW")
NS_ATK=$NS_SRC; NS_HOST=$NS_DST
IF_GW="xgg$ID"; IF_HOST=$VETH_DST; IF_ATK=$VETH_SRC
MAC_GW=02:00:00:00:88:01; MAC_HOST=02:00:00:00:88:02; MAC_ATK=02:00:00:00:88:66
MAC_VRRP=00:00:5e:00:01:07
in_gw() { nsenter --net="/run/netns/$NS_GW" "$@"; }
in_atk() { nsenter --net="/run/netns/$NS_ATK" "$@"; }
in_host() { nsenter --net="/run/netns/$NS_HOST" "$@"; }
in_sw() { nsenter --net="/run/netns/$NS_SW" "$@"; }
command -v arpspoof >/dev/null || skip "arpspoof (dsniff) not installed"
command -v atk6-fake_advertise6 >/dev/null || skip "thc-ipv6 not installed"

for ns in "$NS_SW" "$NS_GW" "$NS_HOST" "$NS_ATK"; do ip netns add "$ns"; done
in_sw ip link add br0 type bridge
in_sw ip link set br0 up
add_station() {  # ns ifname mac ipv4
  local ns=$1 ifn=$2 mac=$3 ip4=$4 port="xgp${ID}${5}"
  ip link add "$ifn" netns "$ns" type veth peer name "$port" netns "$NS_SW"
  ip -n "$ns" link set "$ifn" address "$mac"
  ip -n "$ns" addr add "$ip4/24" dev "$ifn"
  ip -n "$ns" link set "$ifn" up
  ip -n "$ns" link set lo up
  in_sw ip link set "$port" master br0
  in_sw ip link set "$port" up
}
add_station "$NS_GW" "$IF_GW" "$MAC_GW" 10.88.0.1 g
add_station "$NS_HOST" "$IF_HOST" "$MAC_HOST" 10.88.0.2 h
add_station "$NS_ATK" "$IF_ATK" "$MAC_ATK" 10.88.0.66 a
sleep 1  # IPv6 link-local addresses (DAD) and bridge ports come up
in_host ping -c1 -W2 10.88.0.1 >/dev/null || fail "segment does not work"
GW_LL=$(in_gw ip -6 -o addr show dev "$IF_GW" scope link | awk '{print $4}' | cut -d/ -f1)
[[ -n $GW_LL ]] || fail "gateway has no link-local address"
neigh_mac() { in_host ip neigh show 10.88.0.1 dev "$IF_HOST" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'; }
# Samples the host's entry for the gateway every 0.2 s while PID runs; prints the distinct
# MACs seen, one per line.
watch_neigh() {
  local pid=$1
  while kill -0 "$pid" 2>/dev/null; do neigh_mac; sleep 0.2; done | sort -u
}
[[ $(neigh_mac) == "$MAC_GW" ]] || fail "host does not know the gateway's MAC: $(in_host ip neigh show)"

xg attach "$IF_HOST" --mode native
xg guard add "$IF_HOST" --gateway 10.88.0.1 --mac "$MAC_GW" --mac "$MAC_VRRP"
xg guard list

# arpwatch, timestamping each line of its report as it arrives.
touch "/tmp/xg-arpwatch-$ID.dat"
(in_host timeout 60 arpwatch -d -i "$IF_HOST" -f "/tmp/xg-arpwatch-$ID.dat" 2>&1 |
  while IFS= read -r line; do echo "$(date +%s.%N) $line"; done > "/tmp/xg-arpwatch-$ID.log") &
BG_PIDS+=($!)
sleep 1
in_host ip neigh flush dev "$IF_HOST"
in_host ping -c1 -W2 10.88.0.1 >/dev/null  # arpwatch learns the real gateway
sleep 1

log "alert mode: arpspoof against the protected host"
in_host timeout 15 tcpdump -i "$IF_HOST" -n -tt -c 1 "arp and ether src $MAC_ATK and arp[14:4] = 0x0a580001" \
  > "/tmp/xg-first-$ID" 2>/dev/null &  # sender IP 10.88.0.1: a claim, not a query
BG_PIDS+=($!)
xg guard watch --count 1 --timeout 12 | while read -r line; do echo "$(date +%s.%N) $line"; done \
  > "/tmp/xg-events-$ID" &
watch_pid=$!
BG_PIDS+=($watch_pid)
sleep 0.5
in_atk timeout 8 arpspoof -i "$IF_ATK" -t 10.88.0.2 10.88.0.1 >/dev/null 2>&1 &
spoof_pid=$!
BG_PIDS+=($spoof_pid)
# arpspoof re-sends every 2 s and restores the real mapping when it exits, so the cache
# is sampled while it runs.
seen_alert=$(watch_neigh "$spoof_pid")
wait "$watch_pid" || true
cat "/tmp/xg-events-$ID"
event=$(head -1 "/tmp/xg-events-$ID" | cut -d' ' -f2-)
[[ -n $event ]] || fail "no event within 12 s"
echo "$event" | python3 -c "
import json, sys
e = json.load(sys.stdin)
assert e['kind'] == 'arp_spoof', e
assert e['gateway'] == '10.88.0.1' and e['claimed_mac'] == '$MAC_ATK', e
assert '$MAC_GW' in e['allowed_macs'], e
" || fail "event does not describe the attack"
first=$(awk '{print $1; exit}' "/tmp/xg-first-$ID")
printed=$(head -1 "/tmp/xg-events-$ID" | cut -d' ' -f1)
latency_ms=$(python3 -c "print(round(($printed - $first) * 1000, 1))")
log "first spoofed frame on the host at $first, JSON line at $printed: latency ${latency_ms} ms"
python3 -c "import sys; sys.exit(0 if $latency_ms < 1000 else 1)" || fail "alert took ${latency_ms} ms (> 1 s)"
aw=$(grep -m1 "changed ethernet address (10.88.0.1)" "/tmp/xg-arpwatch-$ID.log" | cut -d' ' -f1)
if [[ -n $aw ]]; then
  log "arpwatch on the same host reported the change $(python3 -c "print(round(($aw - $first) * 1000, 1))") ms after the first spoofed frame"
else
  log "arpwatch did not report the change (yet)"
fi
log "control: in alert mode the host's entry for the gateway was: $(echo $seen_alert)"
grep -q "$MAC_ATK" <<<"$seen_alert" || fail "control failed: arpspoof never poisoned the host"

log "drop mode: the same attack no longer poisons the host"
xg guard add "$IF_HOST" --gateway 10.88.0.1 --mac "$MAC_GW" --mac "$MAC_VRRP" --drop
in_host ip neigh flush dev "$IF_HOST"
in_host ping -c1 -W2 10.88.0.1 >/dev/null || fail "gateway unreachable"
dropped_before=$(xg stats --json | json_get "['guard']['dropped']")
in_atk timeout 8 arpspoof -i "$IF_ATK" -t 10.88.0.2 10.88.0.1 >/dev/null 2>&1 &
spoof_pid=$!
BG_PIDS+=($spoof_pid)
seen_drop=$(watch_neigh "$spoof_pid")
now=$(echo $seen_drop)
dropped=$(( $(xg stats --json | json_get "['guard']['dropped']") - dropped_before ))
log "during 8 s of arpspoof in drop mode the entry was: $now; $dropped spoofed frames dropped"
[[ $now == "$MAC_GW" ]] || fail "drop mode: the host's entry is $now"
[[ $dropped -gt 0 ]] || fail "drop mode dropped nothing"

log "the real gateway's gratuitous ARP and its VRRP MAC raise no alarm"
events_before=$(xg stats --json | json_get "['guard']['events']")
grat_before=$(xg stats --json | json_get "['guard']['gratuitous']")
in_gw arping -q -U -c 2 -w 3 -I "$IF_GW" 10.88.0.1 || true
in_gw python3 "$(dirname "$0")/../../scripts/arp_send.py" "$IF_GW" "$MAC_VRRP" 10.88.0.1 "$MAC_HOST" 10.88.0.2 3
sleep 0.3
stats=$(xg stats --json)
[[ $(echo "$stats" | json_get "['guard']['events']") == "$events_before" ]] || fail "legitimate ARP raised an event"
[[ $(echo "$stats" | json_get "['guard']['gratuitous']") -gt $grat_before ]] || fail "gratuitous ARP not counted"
sleep 1
vrrp_alarms=$(grep -c "ethernet address: $MAC_VRRP" "/tmp/xg-arpwatch-$ID.log" || true)
log "xdpguard: no event for the VRRP MAC; arpwatch report lines naming it: $vrrp_alarms"

log "IPv6: atk6-fake_advertise6 claims the gateway's link-local address $GW_LL"
# No --mac: the MAC is learned from the host's neighbour table (after one ping).
set +e; out=$(xg guard add "$IF_HOST" --gateway 10.88.0.99 2>&1); rc=$?; set -e
[[ $rc == 1 ]] && grep -q "no neighbour entry" <<<"$out" || fail "guard add without an entry: rc $rc: $out"
in_host ping -6 -c1 -W2 "$GW_LL%$IF_HOST" >/dev/null || fail "gateway link-local unreachable"
xg guard add "$IF_HOST" --gateway "$GW_LL"
xg guard list --json | python3 -c "
import json, sys
g = [x for x in json.load(sys.stdin) if x['gateway'] == '$GW_LL'][0]
assert g['macs'] == [{'mac': '$MAC_GW', 'source': 'learned'}], g
" || fail "learned MAC not shown as learned"
# The ring buffer still holds the earlier ARP events (nothing is lost while no watcher
# runs), so this watcher reads for a while and the test looks for the NA event among them.
xg guard watch --timeout 6 --on-alert "cat >> /tmp/xg-alert-$ID" > "/tmp/xg-events6-$ID" &
watch_pid=$!
BG_PIDS+=($watch_pid)
sleep 0.5
in_atk timeout 5 atk6-fake_advertise6 -n 2 -w 1 "$IF_ATK" "$GW_LL" >/dev/null 2>&1 || true
wait "$watch_pid" || true
grep '"kind":"na_spoof"' "/tmp/xg-events6-$ID" || fail "no na_spoof event: $(cat "/tmp/xg-events6-$ID")"
# --on-alert got every event line on its stdin.
[[ $(wc -l < "/tmp/xg-alert-$ID") == $(wc -l < "/tmp/xg-events6-$ID") ]] ||
  fail "--on-alert saw $(wc -l < "/tmp/xg-alert-$ID") of $(wc -l < "/tmp/xg-events6-$ID") events"
grep -q '"kind":"na_spoof"' "/tmp/xg-alert-$ID" || fail "--on-alert did not get the NA event"
xg stats | sed -n '/gateway guard/,/^$/p'
rm -f /tmp/xg-*-"$ID"
log "PASS"
