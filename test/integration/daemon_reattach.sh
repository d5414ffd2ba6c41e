#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Protection never stops silently: with `xdpguard run` active, after `xdpguard detach`, and
# after the interface is deleted and re-created with the same name, the service puts its
# program back within 2 s (logged, counted in xdpguard_reattach_total) and a blocked source
# is dropped again; an interface missing at start is waited for (logged) and attached when
# it appears; a foreign XDP program found at start is never replaced, it is an alert, and
# xdpguard_interface_attached says 0; a service whose only interface is missing waits (with
# xdpguard_datapath_up 0: nothing is filtered) and writes its lists when it appears.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"

make_pair
METRICS=127.0.0.1:19470
SPARE="xgx$ID"  # an interface that does not exist when the service starts
cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST", "mode": "generic"}, {"name": "$SPARE", "mode": "generic"}],
 "blocklist": ["10.200.0.1/32"],
 "metrics": {"listen": "$METRICS"},
 "log": {"format": "text"}}
JSON
start_daemon() { start_service "$WORK/config.json" "$WORK/daemon.log"; }
ours_on() { xg status --json | python3 -c "
import json, sys
sys.exit(0 if any(i['name'] == '$1' and i['program_id'] for i in json.load(sys.stdin)['interfaces']) else 1)"; }
blocked() { ! in_src ping -c2 -i0.2 -W1 -I 10.200.0.1 10.200.0.10 >/dev/null 2>&1; }
# wait_attached IFACE: xdpguard's program back within 2 s (polled every 0.1 s).
wait_attached() {
  local i
  for i in $(seq 20); do ours_on "$1" && { echo "$((i * 100))"; return 0; }; sleep 0.1; done
  return 1
}

start_daemon
grep -q "interface $SPARE does not exist: waiting for it" "$WORK/daemon.log" ||
  fail "a missing interface was not reported as waited for: $(cat "$WORK/daemon.log")"
ours_on "$VETH_DST" || fail "not attached at start"
blocked || fail "the blocked source passes at start"
scrape | grep -q "^xdpguard_interface_attached{interface=\"$SPARE\",mode=\"none\"} 0" ||
  fail "the missing interface is not exported as unattached"
log "start: $VETH_DST protected, $SPARE missing and waited for"

log "xdpguard detach: the service puts its program back"
xg detach "$VETH_DST" >/dev/null
ms=$(wait_attached "$VETH_DST") || fail "not re-attached within 2 s after detach: $(tail -3 "$WORK/daemon.log")"
blocked || fail "the blocked source passes after the re-attach"
grep -q "interface $VETH_DST: xdpguard's program was gone" "$WORK/daemon.log" || fail "the re-attach was not logged"
log "re-attached within ${ms} ms of the detach"

log "the interface deleted and re-created with the same name"
# The namespaces stay; only the veth pair is replaced (the new one has a new ifindex).
in_dst ip link del "$VETH_DST"
ip link add "$VETH_SRC" netns "$NS_SRC" type veth peer name "$VETH_DST" netns "$NS_DST"
in_src ip addr add 10.200.0.1/24 dev "$VETH_SRC"
in_src ip addr add 10.200.0.2/24 dev "$VETH_SRC"
in_dst ip addr add 10.200.0.10/24 dev "$VETH_DST"
in_src ip link set "$VETH_SRC" up
in_dst ip link set "$VETH_DST" up
ms=$(wait_attached "$VETH_DST") || fail "not attached within 2 s after the interface was re-created"
blocked || fail "the blocked source passes on the re-created interface"
log "re-created interface protected within ${ms} ms"

log "the missing interface appears"
ip link add "$SPARE" netns "$NS_DST" type veth peer name "${SPARE}p" netns "$NS_DST"
in_dst ip link set "$SPARE" up
ms=$(wait_attached "$SPARE") || fail "$SPARE not attached within 2 s of appearing"
log "$SPARE attached within ${ms} ms of appearing"

metrics=$(scrape)
grep -q "^xdpguard_reattach_total{interface=\"$VETH_DST\"} 2" <<< "$metrics" ||
  fail "re-attaches of $VETH_DST not counted 2: $(grep reattach <<< "$metrics")"
grep -q "^xdpguard_reattach_total{interface=\"$SPARE\"} 1" <<< "$metrics" || fail "$SPARE's attach not counted"
grep -q "^xdpguard_interface_attached{interface=\"$VETH_DST\",mode=\"generic\"} 1" <<< "$metrics" ||
  fail "$VETH_DST not exported as attached: $(grep interface_attached <<< "$metrics")"

log "a foreign program found at start is never replaced: an alert"
kill -TERM "$DAEMON"; wait "$DAEMON" || true
xg detach "$VETH_DST" >/dev/null
FOREIGN_OBJ=/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o   # from xdp-tools: passes all
[[ -f $FOREIGN_OBJ ]] || skip "xdp-tools' $FOREIGN_OBJ not installed"
in_dst ip link set dev "$VETH_DST" xdpgeneric obj "$FOREIGN_OBJ" sec xdp
start_daemon
sleep 1.5  # more than one check interval
grep -q "ALERT interface $VETH_DST: a foreign XDP program is attached" "$WORK/daemon.log" ||
  fail "no alert for the foreign program: $(tail -5 "$WORK/daemon.log")"
ours_on "$VETH_DST" && fail "the foreign program was replaced"
in_dst ip link show "$VETH_DST" | grep -q "xdpgeneric" || fail "the foreign program is gone"
scrape | grep -q "^xdpguard_interface_attached{interface=\"$VETH_DST\",mode=\"none\"} 0" ||
  fail "the interface with a foreign program is not exported as unattached"
in_dst ip link set dev "$VETH_DST" xdpgeneric off
kill -TERM "$DAEMON"; wait "$DAEMON" || true

log "a service whose only interface does not exist yet waits, then writes its lists"
LATE="xgl$ID"
PIN2="$XDPGUARD_PIN_DIR-late"
EXTRA_DIRS+=("$PIN2")
cat > "$WORK/late.json" <<JSON
{"state_dir": "$WORK/state-late", "pin_dir": "$PIN2",
 "interfaces": [{"name": "$LATE", "mode": "generic"}],
 "blocklist": ["10.201.0.1/32"], "metrics": {"listen": "127.0.0.1:19471"}, "log": {"format": "text"}}
JSON
start_service "$WORK/late.json" "$WORK/late.log"
grep -q "no configured interface exists yet" "$WORK/late.log" || fail "the wait was not logged: $(cat "$WORK/late.log")"
kill -0 "$DAEMON" 2>/dev/null || fail "the service exited without an interface: $(cat "$WORK/late.log")"
METRICS=127.0.0.1:19471
scrape | grep -q "^xdpguard_datapath_up 0" || fail "datapath_up is not 0 while nothing is attached"
ip link add "${LATE}p" netns "$NS_SRC" type veth peer name "$LATE" netns "$NS_DST"
in_src ip addr add 10.201.0.1/24 dev "${LATE}p"
in_dst ip addr add 10.201.0.10/24 dev "$LATE"
in_src ip link set "${LATE}p" up
in_dst ip link set "$LATE" up
for _ in $(seq 20); do
  in_dst "$XDPGUARD" --pin-dir "$PIN2" block list 2>/dev/null | grep -q "^10.201.0.1/32 " && break
  sleep 0.1
done
in_dst "$XDPGUARD" --pin-dir "$PIN2" block list | grep -q "^10.201.0.1/32 " || fail "the late service did not write its list: $(cat "$WORK/late.log")"
in_src ping -c2 -i0.2 -W1 -I 10.201.0.1 10.201.0.10 >/dev/null 2>&1 && fail "the blocked source passes on the late interface"
scrape | grep -q "^xdpguard_datapath_up 1" || fail "datapath_up is not 1 once the late interface is attached"
kill -TERM "$DAEMON"; wait "$DAEMON" || true
in_dst "$XDPGUARD" --pin-dir "$PIN2" detach "$LATE" >/dev/null 2>&1 || true
log "late interface: attached and its list written when it appeared"
log "PASS"
