#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The service (`xdpguard run`): attaches the configured interface, enforces the config's
# static entries, logs one JSON object per line; 50 SIGHUP reloads under a flood from a
# blocked source let no packet through (the blocked entry is in every config version, the
# others change); an invalid config is refused and the running state kept; CLI entries
# survive reloads; kill -9 and a new instance under the flood: no packet through, no entry
# duplicated or lost, map and program ids unchanged, across 60 s without a service; SIGTERM
# exits 0 with the datapath still enforcing, or detached with --detach-on-exit; a second
# service on the same pin directory is refused. In the sanitizer build (XG_SANITIZED, set by
# test/CMakeLists.txt) what is only repetition is shorter: 4 reloads, 10 s without a
# service, 2 control reloads.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"
# The control: the same CLI built with a delete-first reconcile (test/support).
XDPGUARD_DELETE_FIRST=$(readlink -f "${2:?usage: $0 PATH_TO_XDPGUARD PATH_TO_XDPGUARD_DELETE_FIRST}")

make_pair
# 20,000 further static entries (198.18.0.0/15, benchmarking space) make every reload's
# sync take long enough that a delete-first control visibly leaks.
python3 - > "$WORK/bulk.json" <<'PY'
print(",".join('{"cidr": "198.18.%d.%d/32"}' % (i // 256, i % 256) for i in range(20000)))
PY
write_config() {  # variant (0 or 1): both block 10.200.0.1, the rest differs
  local extra
  if [[ $1 == 0 ]]; then extra='{"cidr": "198.51.100.0/24", "comment": "variant 0"}'
  else extra='{"cidr": "203.0.113.0/24", "action": "ratelimit", "ratelimit": {"pps": 10}}'; fi
  cat > "$WORK/config.json.tmp" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST", "mode": "generic"}],
 "allowlist": ["10.200.0.2/32"],
 "blocklist": [{"cidr": "10.200.0.1/32", "comment": "flooder"}, $extra, $(cat "$WORK/bulk.json")],
 "log": {"format": "json", "level": "info"}}
JSON
  mv "$WORK/config.json.tmp" "$WORK/config.json"
}
start_daemon() { start_service "$WORK/config.json" "$WORK/daemon.log"; }

write_config 0
xg check --config "$WORK/config.json" >/dev/null
start_daemon
has_entry "^10.200.0.1/32 config drop$" || fail "static entry missing: $(entries)"
has_entry "^198.51.100.0/24 config drop$" || fail "static entry missing: $(entries)"
python3 - "$WORK/daemon.log" <<'PY' || fail "log lines are not JSON objects: $(head -3 "$WORK/daemon.log")"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
for l in lines:
    o = json.loads(l)
    assert {"time", "level", "msg"} <= o.keys(), o
PY
log "daemon up: interface attached, static entries applied, JSON logs"

log "a second service on the same pin directory is refused, naming the first one's PID"
snapshot=$(entries)
sed 's/198.51.100.0/192.0.2.0/' "$WORK/config.json" > "$WORK/other.json"
rc=0
timeout 20 nsenter --net="/run/netns/$NS_DST" "$XDPGUARD" run --config "$WORK/other.json" 2> "$WORK/second.log" || rc=$?
[[ $rc != 0 && $rc != 124 ]] || fail "the second service was not refused (exit $rc): $(cat "$WORK/second.log")"
grep -q "already runs on .*PID $DAEMON\|PID $DAEMON.* already runs on" "$WORK/second.log" ||
  fail "the refusal does not name the running service's PID $DAEMON: $(cat "$WORK/second.log")"
[[ $(entries) == "$snapshot" ]] || fail "the refused second service changed the entries"
log "second instance refused: $(grep -o 'another xdpguard service (PID [0-9]*)' "$WORK/second.log")"

# Waits below scale by $slow (lib.sh): 6x in the sanitizer build.
# await_blast PID: the flooder started with its count redirected to $WORK/sent has ended.
# Not a plain `wait`: under the sanitizers reloads take seconds and the polls fork tens of
# thousands of processes, so PIDs wrap (pid_max 32768) and bash may forget the flooder's
# status ("not a child of this shell"). The flooder writes its count when it ends.
await_blast() {
  while [[ ! -s $WORK/sent ]] && kill -0 "$1" 2>/dev/null; do sleep 0.1; done
  wait "$1" 2>/dev/null || true
}
reload_count() { grep -c '"reloaded' "$WORK/daemon.log" || true; }
# reloads_under_flood N SECONDS: N reloads alternating the two configs while 10.200.0.1
# floods at 10k pps; sets sent and leaked (datagrams that reached the receiver).
reloads_under_flood() {
  local before blast_pid n
  before=$(udp_arrived)
  blast 10.200.0.1 10.200.0.10 "$2" 10000 > "$WORK/sent" &
  blast_pid=$!
  sleep 0.3
  for i in $(seq "$1"); do
    write_config $((i % 2))
    n=$(reload_count)
    kill -HUP "$DAEMON"
    # Signals sent while a reload runs would merge: wait for this one to finish (up to
    # 10 s; 60 s in the sanitizer build).
    for _ in $(seq $((500 * slow))); do [[ $(reload_count) -gt $n ]] && break; sleep 0.02; done
  done
  await_blast "$blast_pid"
  sleep 0.3
  leaked=$(( $(udp_arrived) - before ))
  sent=$(cat "$WORK/sent")
}

xg block add 192.0.2.0/24 --comment "added by hand while the daemon runs" >/dev/null
# 50 reloads; 4 in the sanitizer build, where each reload of 20,000 entries takes seconds:
# there the point is the instrumented code path, not the count.
want_reloads=$(by_build 50 4)
log "$want_reloads reloads under a flood from the blocked source"
reloads_under_flood "$want_reloads" 15
[[ $sent -gt 10000 ]] || fail "the sender managed only $sent packets"
[[ $leaked == 0 ]] || fail "$leaked of $sent packets from the blocked source reached the receiver during reloads"
reloads=$(grep -c '"reloaded' "$WORK/daemon.log" || true)
[[ $reloads -ge $want_reloads ]] || fail "only $reloads reloads happened"
has_entry "^192.0.2.0/24 manual drop$" || fail "the CLI entry did not survive reloads: $(entries)"
grep -q 'static lists: 1 blocklist and 0 allowlist entries written, 1 and 0 removed, 20002 unchanged' "$WORK/daemon.log" ||
  fail "a reload rewrote more than what changed: $(grep 'static lists' "$WORK/daemon.log" | tail -2)"
log "reloads: $reloads done, $sent sent, 0 reached the receiver; CLI entry kept; each reload wrote 1 entry, removed 1, left 20002 untouched"

log "an invalid config is refused, the running state stays"
write_config 0
n=$(reload_count)
kill -HUP "$DAEMON"
for _ in $(seq $((500 * slow))); do [[ $(reload_count) -gt $n ]] && break; sleep 0.02; done
snapshot=$(entries)
echo '{"interfaces": [{"name": "x"}], "bogus": true}' > "$WORK/config.json"
kill -HUP "$DAEMON"
for _ in $(seq $((50 * slow))); do grep -q "reload refused" "$WORK/daemon.log" && break; sleep 0.1; done
grep -q "reload refused" "$WORK/daemon.log" || fail "invalid config not refused"
[[ $(entries) == "$snapshot" ]] || fail "a refused reload changed the entries"
write_config 0

# The datapath needs no service: the window only has to be long enough to be a window.
dead_seconds=$(by_build 60 10)
log "kill -9, $dead_seconds s without a service, restart: all under the flood"
# Every pinned map's id and the attached program's id: a restart must adopt them, not
# create new ones (a new map would start empty or need a copy).
kernel_ids() {
  for pin in "$XDPGUARD_PIN_DIR"/*; do
    printf '%s %s\n' "$(basename "$pin")" "$(bpftool -j map show pinned "$pin" | json_get "['id']")"
  done
  in_dst ip -j link show "$VETH_DST" | json_get "[0]['xdp']['prog']['id']"
}
ids_before=$(kernel_ids)
before=$(udp_arrived)
# The flood outlasts the window and the restart (the instrumented restart takes seconds).
blast 10.200.0.1 10.200.0.10 $((dead_seconds + 4 * slow)) 2000 > "$WORK/sent" &
blast_pid=$!
sleep 0.3
kill -9 "$DAEMON"
wait "$DAEMON" 2>/dev/null || true
sleep "$dead_seconds"
dead_leaked=$(( $(udp_arrived) - before ))
start_daemon
await_blast "$blast_pid"
sleep 0.3
leaked=$(( $(udp_arrived) - before ))
[[ $dead_leaked == 0 ]] || fail "$dead_leaked packets reached the receiver in the $dead_seconds s without a service"
[[ $leaked == 0 ]] || fail "$leaked packets reached the receiver across kill -9 and restart"
[[ $(entries) == "$snapshot" ]] || fail "entries differ after restart:
$(entries)
before:
$snapshot"
ids_after=$(kernel_ids)
[[ $ids_after == "$ids_before" ]] || fail "map or program ids changed across kill -9 and restart:
$(diff <(echo "$ids_before") <(echo "$ids_after"))"
log "kill -9: 0 of $(cat "$WORK/sent") packets through in $dead_seconds s without a service and after the restart; entries, $(echo "$ids_before" | wc -l) map and program ids identical"

kill -TERM "$DAEMON"
rc=0
wait "$DAEMON" || rc=$?
[[ $rc == 0 ]] || fail "SIGTERM exit code $rc"
xg status | grep -q "$VETH_DST" || fail "not attached after the daemon exited"
in_src ping -c2 -i0.2 -W1 -I 10.200.0.1 10.200.0.10 >/dev/null 2>&1 && fail "the blocked source passes after exit"
log "SIGTERM: exit 0, still attached and enforcing"

# Sanitizers: each delete-first reload takes seconds and leaks on its own; 2 are enough.
control_reloads=$(by_build 20 2)
log "control: $control_reloads reloads with a delete-first sync must leak (the probe can see a gap)"
nsenter --net="/run/netns/$NS_DST" "$XDPGUARD_DELETE_FIRST" run --config "$WORK/config.json" 2>> "$WORK/daemon.log" &
DAEMON=$!
BG_PIDS+=("$DAEMON")
for _ in $(seq $((100 * slow))); do [[ $(grep -c "xdpguard running" "$WORK/daemon.log") -ge 3 ]] && break; sleep 0.1; done
reloads_under_flood "$control_reloads" "$(by_build 6 18)"  # sanitizers: ~10 s a reload
[[ $leaked -gt 0 ]] || fail "the delete-first control leaked nothing: the reload check could not see a gap"
kill -TERM "$DAEMON"
wait "$DAEMON" || true
log "control: $leaked of $sent packets leaked during delete-first reloads"

log "--detach-on-exit: SIGTERM detaches"
nsenter --net="/run/netns/$NS_DST" "$XDPGUARD" run --config "$WORK/config.json" --detach-on-exit 2>> "$WORK/daemon.log" &
DAEMON=$!
BG_PIDS+=("$DAEMON")
for _ in $(seq $((100 * slow))); do [[ $(grep -c "xdpguard running" "$WORK/daemon.log") -ge 4 ]] && break; sleep 0.1; done
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "exit code $? with --detach-on-exit"
in_src ping -c1 -W2 -I 10.200.0.1 10.200.0.10 >/dev/null || fail "still filtering after --detach-on-exit"
log "detached on exit: the formerly blocked source passes"
log "PASS"
