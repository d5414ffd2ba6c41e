#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Gateway guard through the daemon: the config's guard is written at start, a spoofed ARP
# reply claiming the gateway from another MAC is logged as an alert at once and counted in
# xdpguard_guard_events_total{interface,kind}; the real gateway's ARP raises nothing; a
# reload without the guard removes it while a guard added with the CLI stays.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"

make_pair
GW_MAC=$(in_src ip -br link show dev "$VETH_SRC" | awk '{print $3}')
HOST_MAC=$(in_dst ip -br link show dev "$VETH_DST" | awk '{print $3}')
METRICS=127.0.0.1:19470
write_config() {  # with_guard
  local guards='[]'
  [[ $1 == yes ]] && guards='[{"interface": "'$VETH_DST'", "gateway": "10.200.0.2", "macs": ["'$GW_MAC'"]}]'
  cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST", "mode": "generic"}],
 "guards": $guards, "metrics": {"listen": "$METRICS"}}
JSON
}
write_config yes
nsenter --net="/run/netns/$NS_DST" "$XDPGUARD" run --config "$WORK/config.json" 2> "$WORK/daemon.log" &
DAEMON=$!
BG_PIDS+=($DAEMON)
for _ in $(seq 100); do grep -q "xdpguard running" "$WORK/daemon.log" && break; sleep 0.1; done
grep -q "guard: 10.200.0.2/32 on $VETH_DST" "$WORK/daemon.log" || fail "guard not applied: $(cat "$WORK/daemon.log")"

ARP_SEND="$(dirname "$0")/../../scripts/arp_send.py"
in_src python3 "$ARP_SEND" "$VETH_SRC" "$GW_MAC" 10.200.0.2 "$HOST_MAC" 10.200.0.10 3  # the real gateway
sleep 0.5
grep -q "gateway guard alert" "$WORK/daemon.log" && fail "the real gateway raised an alert"
start=$(date +%s.%N)
in_src python3 "$ARP_SEND" "$VETH_SRC" 02:de:ad:be:ef:01 10.200.0.2 "$HOST_MAC" 10.200.0.10 1
for _ in $(seq 100); do grep -q "gateway guard alert" "$WORK/daemon.log" && break; sleep 0.02; done
end=$(date +%s.%N)
grep "gateway guard alert" "$WORK/daemon.log" | grep -q 'arp_spoof' || fail "no arp_spoof alert: $(cat "$WORK/daemon.log")"
log "spoofed ARP logged as an alert within $(python3 -c "print(round(($end - $start) * 1000))") ms"
scrape() { in_dst python3 -c "import urllib.request; print(urllib.request.urlopen('http://$METRICS/metrics', timeout=5).read().decode(), end='')"; }
scrape > "$WORK/metrics.txt"  # to a file: grep -q on a pipe could cut the writer off
grep -q "^xdpguard_guard_events_total{interface=\"$VETH_DST\",kind=\"arp_spoof\"} 1" "$WORK/metrics.txt" ||
  fail "metric missing: $(grep guard_events "$WORK/metrics.txt")"

xg guard add "$VETH_DST" --gateway 10.200.0.1 --mac "$GW_MAC" >/dev/null
write_config no
kill -HUP "$DAEMON"
for _ in $(seq 100); do grep -q "removed (no longer in the config)" "$WORK/daemon.log" && break; sleep 0.1; done
guards=$(xg guard list --json | python3 -c "import json,sys; print(' '.join(sorted(g['gateway'] for g in json.load(sys.stdin))))")
[[ $guards == "10.200.0.1" ]] || fail "after reload the guards are '$guards', expected only the CLI's 10.200.0.1"
log "reload: the config's guard removed, the CLI's kept"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "daemon exit code $?"
log "PASS"
