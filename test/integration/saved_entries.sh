#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bans that survive a reboot: with the service running, the operator's entries (block add
# with a comment, a fail2ban ban with a TTL, a short TTL, allow add) are saved in the state
# directory within seconds; after a simulated reboot (service stopped, maps removed), the
# service starts on fresh maps and writes them back: the TTL keeps running down, the
# expired one is gone, the blocked source is dropped again. A restart on existing maps
# restores nothing; a corrupt saved file is reported, never a crash.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"
make_pair
METRICS=127.0.0.1:19472
cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST"}], "blocklist": ["10.200.0.9/32"],
 "metrics": {"enabled": false}}
JSON
saved="$WORK/state/operator-entries"
entry() {  # entry CIDR: its block or allow list JSON object, or nothing
  local b a
  b=$(xg block list --json)
  a=$(xg allow list --json)
  python3 -c "
import json, sys
for e in json.loads(sys.argv[2]) + json.loads(sys.argv[3]):
    if e['cidr'] == sys.argv[1]: print(json.dumps(e, separators=(',', ':')))" "$1" "$b" "$a"
}

start_service "$WORK/config.json" "$WORK/log"
xg block add 10.200.0.1 --comment "by hand" >/dev/null
xg block add 10.200.0.3 --origin fail2ban --ttl 1h >/dev/null
xg block add 10.200.0.4 --ttl 3s >/dev/null
xg allow add 10.200.0.2 >/dev/null
before=$(stat -c %Y "$saved" 2>/dev/null || echo 0)
for _ in $(seq 50); do
  [[ -f $saved && $(python3 -c "
import json, sys
head = open(sys.argv[1], 'rb').readline()
print(json.loads(head).get('entries', 0))" "$saved" 2>/dev/null) == 4 ]] && break
  sleep 0.1
done
[[ -f $saved ]] || fail "nothing saved in $saved: $(tail -3 "$WORK/log")"
log "4 operator entries saved in $saved"

log "simulated reboot: the service stops, the maps go"
kill -TERM "$DAEMON"; wait "$DAEMON" || fail "the service did not exit 0"
xg detach "$VETH_DST" >/dev/null
[[ ! -e $XDPGUARD_PIN_DIR/xg_block_v4 ]] || fail "the maps are still pinned"
sleep 4  # the 3 s TTL runs out meanwhile
start_service "$WORK/config.json" "$WORK/log"
grep -q "fresh maps: restored 3 saved manual and fail2ban entries (1 expired meanwhile, 0 prefixes taken)" "$WORK/log" ||
  fail "no restore: $(grep -i "restor\|saved" "$WORK/log")"
entry 10.200.0.1/32 | grep -q '"origin":"manual".*"comment":"by hand"' || fail "10.200.0.1: $(entry 10.200.0.1/32)"
ttl=$(entry 10.200.0.3/32 | json_get "['expires_in_s']")
[[ $(entry 10.200.0.3/32 | json_get "['origin']") == fail2ban && $ttl -gt 3500 && $ttl -le 3600 ]] ||
  fail "10.200.0.3: $(entry 10.200.0.3/32)"
[[ -z $(entry 10.200.0.4/32) ]] || fail "the expired entry came back: $(entry 10.200.0.4/32)"
[[ $(entry 10.200.0.2/32 | json_get "['origin']") == manual ]] || fail "the allowlist entry: $(entry 10.200.0.2/32)"
entry 10.200.0.9/32 | grep -q '"origin":"config"' || fail "the config's entry: $(entry 10.200.0.9/32)"
got=$(ping_replies 10.200.0.1 10.200.0.10 3)
[[ $got == 0 ]] || fail "the restored ban let $got replies through"
log "restored: the manual entry with its comment, the fail2ban ban with ${ttl} s left, the allowlist entry; the expired one not"

log "a restart on existing maps restores nothing"
kill -TERM "$DAEMON"; wait "$DAEMON" || true
start_service "$WORK/config.json" "$WORK/log"
[[ $(grep -c "fresh maps: restored" "$WORK/log") == 1 ]] || fail "restored again on existing maps"
kill -TERM "$DAEMON"; wait "$DAEMON" || true

log "a corrupt saved file is reported and kept aside, the service runs"
xg detach "$VETH_DST" >/dev/null
printf 'garbage' > "$saved"
start_service "$WORK/config.json" "$WORK/log"
grep -q "saved manual and fail2ban entries unreadable" "$WORK/log" || fail "corrupt file not reported: $(tail -3 "$WORK/log")"
[[ $(cat "$saved.unrestored") == garbage ]] || fail "the corrupt file was not kept aside"
kill -0 "$DAEMON" || fail "the service died on a corrupt saved file"
kill -TERM "$DAEMON"; wait "$DAEMON" || true
log "PASS"
