#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The service under a stand-in for systemd: a datagram socket of our own as NOTIFY_SOCKET,
# WATCHDOG_USEC, and JOURNAL_STREAM naming the file its stderr goes to. READY=1 comes once
# the interface is attached and the static lists are enforced, with a STATUS= summary;
# WATCHDOG=1 at half the interval; RELOADING=1 (with MONOTONIC_USEC) then READY=1 around a
# reload, also a refused one (its STATUS says so); STOPPING=1 on SIGTERM. Log lines carry
# syslog priorities for journald ("<6>" info, "<3>" error). The unit passes
# systemd-analyze verify.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make_pair
WORK=$(mktemp -d /tmp/xg-notify.XXXXXX)
EXTRA_DIRS+=("$WORK")
write_config() {  # write_config BLOCKED
  cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST"}], "blocklist": ["$1"], "metrics": {"enabled": false}}
JSON
}
write_config 10.200.0.1/32

python3 - "$WORK/notify" "$WORK/messages" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode()
        out.write("%.3f %s\n" % (time.monotonic(), msg.replace("\n", " | ")))
PY
BG_PIDS+=($!)
for _ in $(seq 50); do [[ -S $WORK/notify ]] && break; sleep 0.1; done
touch "$WORK/log"
journal=$(stat -c '%d:%i' "$WORK/log")
NOTIFY_SOCKET=$WORK/notify WATCHDOG_USEC=1000000 JOURNAL_STREAM=$journal \
  nsenter --net="/run/netns/$NS_DST" "$XDPGUARD" run --config "$WORK/config.json" 2>> "$WORK/log" &
DAEMON=$!
BG_PIDS+=("$DAEMON")
wait_msg() {  # wait_msg PATTERN COUNT: until COUNT messages match
  for _ in $(seq 100); do
    [[ $(grep -c -- "$1" "$WORK/messages" 2>/dev/null || true) -ge $2 ]] && return 0
    sleep 0.1
  done
  fail "no $2 message(s) matching '$1': $(cat "$WORK/messages" 2>/dev/null)"
}

wait_msg "READY=1" 1
# READY comes after the attach and the static lists: both hold when it is seen.
in_dst ip link show "$VETH_DST" | grep -q xdp || fail "READY=1 before the program was attached"
xg block list | grep -q "10.200.0.1/32" || fail "READY=1 before the static list was applied"
grep "READY=1" "$WORK/messages" | head -1 | grep -q "STATUS=1 of 1 interfaces attached, 1 static entries, 0 feeds" ||
  fail "STATUS: $(grep READY "$WORK/messages")"
log "READY=1 with the interface attached and the list applied: $(grep -o 'STATUS=[^|]*' "$WORK/messages" | head -1)"

sleep 3
pings=$(grep -c "WATCHDOG=1" "$WORK/messages")
[[ $pings -ge 4 ]] || fail "only $pings watchdog pings in about 3 s (interval 1 s: one per 0.5 s expected)"
log "watchdog: $pings pings in about 3 s"

write_config 10.200.0.2/32
kill -HUP "$DAEMON"
wait_msg "READY=1" 2
grep -q "RELOADING=1 | MONOTONIC_USEC=[0-9]*" "$WORK/messages" || fail "no RELOADING=1 with MONOTONIC_USEC"
xg block list | grep -q "10.200.0.2/32" || fail "the reload was not applied"
echo "{ not json" > "$WORK/config.json"
kill -HUP "$DAEMON"
wait_msg "READY=1" 3
grep "READY=1" "$WORK/messages" | tail -1 | grep -q "last reload refused (invalid config)" ||
  fail "a refused reload's STATUS: $(grep READY "$WORK/messages" | tail -1)"
[[ $(grep -c "RELOADING=1" "$WORK/messages") == 2 ]] || fail "RELOADING=1 count: $(cat "$WORK/messages")"
log "reloads: RELOADING=1 then READY=1, the refused one says so in STATUS"

kill -TERM "$DAEMON"
wait "$DAEMON" || fail "the service did not exit 0"
wait_msg "STOPPING=1" 1
grep -q '^<6>{' "$WORK/log" || fail "info lines lack the <6> priority: $(head -2 "$WORK/log")"
grep -q '^<3>{.*reload refused' "$WORK/log" || fail "the refused reload is not logged at <3>: $(grep refused "$WORK/log")"
grep -v '^<[0-7]>{' "$WORK/log" | grep -q . && fail "lines without a priority: $(grep -v '^<[0-7]>{' "$WORK/log" | head -3)"
log "STOPPING=1 on SIGTERM; every log line carries its syslog priority"

if command -v systemd-analyze >/dev/null; then
  unit=$WORK/xdpguard.service
  sed "s#/usr/sbin/xdpguard#$XDPGUARD#g" "$ROOT/scripts/xdpguard.service" > "$unit"
  # --man=no: Documentation=man:xdpguard(8) exists only once installed; the package test
  # (scripts/package-deb.sh --test) verifies the installed unit with its man page.
  out=$(systemd-analyze verify --man=no "$unit" 2>&1 || true)
  [[ -z $out ]] || fail "systemd-analyze verify: $out"
  log "the unit passes systemd-analyze verify"
fi
log "PASS"
