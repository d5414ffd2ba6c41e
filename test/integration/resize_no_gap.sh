#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Online resize of the list tables (`xdpguard resize`) under traffic: while a blocked source
# sends UDP at ~20k packets/s, the blocklist and allowlist tables are grown and shrunk
# several times, each resize copying ~3,000 entries into new tables and swapping the
# program atomically. Zero datagrams may reach the destination's UDP stack, the drop
# counter must equal the packets sent, and the lists must be the same entries afterwards.
# Then: writes after a resize reach the tables the datapath reads (a new block drops, its
# delete lets traffic through, the allowlist still wins), a resize without an interface
# is adopted by the next attach, and bad requests change nothing. The control does what
# an operator had to do before: detach, attach with the new size, reload the list; it
# must leak. Last, the service applies its config's list sizes the same way, at start
# and on a reload under the flood, and keeps enforcing when a size is refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"
make_pair
SECONDS_PER_RUN=$(by_build 4 20)  # every resize must run under the flood
RATE=20000
BLOCKED=10.200.0.1
OTHER=10.200.0.2

capacity() { xg status --json | json_get "['maps']['$1']['capacity']"; }
program_id() { xg status --json | json_get "['interfaces'][0]['program_id']"; }
# The lists without what moves under traffic (hit counters, time left).
lists_snapshot() {
  { xg block list --json; xg allow list --json; } | python3 -c '
import json, sys
dec = json.JSONDecoder(); text = sys.stdin.read().strip(); out = []; i = 0
while i < len(text):
    obj, i = dec.raw_decode(text, i)
    while i < len(text) and text[i].isspace(): i += 1
    for e in obj:
        for k in ("packets", "bytes", "expires_in_s"): e.pop(k, None)
    out.append(sorted(obj, key=lambda e: e["cidr"]))
print(json.dumps(out, sort_keys=True))'
}

xg attach "$VETH_DST" --mode native --block-v4-entries 4096 --block-v6-entries 1024 \
  --allow-v4-entries 1024 --allow-v6-entries 1024 >/dev/null
xg block add "$BLOCKED" --comment "the flooder"
python3 -c '
for i in range(3000): print(f"10.50.{i // 250}.{i % 250 + 1}")
for i in range(200): print(f"2001:db8:50::{i + 1:x}")' > "/tmp/xg-list-$ID"
xg block load "/tmp/xg-list-$ID" --ttl 2h >/dev/null
xg block add 10.60.0.0/16 --action ratelimit --pps 5 --comment "a limited range"
for i in $(seq 1 40); do xg allow add "10.70.0.$i" >/dev/null; done
xg allow add fd00:99::/64 >/dev/null
before=$(lists_snapshot)
[[ $(xg block list --json | json_get '.__len__()') == 3202 ]] || fail "the list was not loaded"

log "resize: grow and shrink under a flood from $BLOCKED"
drops_before=$(xg stats --json | json_get "['verdicts']['drop']['ipv4']['packets']")
arrived_before=$(udp_arrived)
blast "$BLOCKED" 10.200.0.10 "$SECONDS_PER_RUN" "$RATE" > "/tmp/xg-sent-$ID" &
blast_pid=$!
sleep 0.3
resizes=0
t0=$(date +%s.%N)
for n in 65536 8192 131072 4096; do
  xg resize --block-v4-entries "$n" --allow-v4-entries $((n / 4)) >/dev/null ||
    fail "resize to $n failed"
  resizes=$((resizes + 1))
done
xg resize --block-v6-entries 16384 --allow-v6-entries 2048 > "/tmp/xg-out-$ID" || fail "IPv6 resize failed"
resizes=$((resizes + 1))
took=$(python3 -c "import time; print(f'{time.time() - $t0:.1f}')")
wait "$blast_pid"
sleep 0.2
sent=$(cat "/tmp/xg-sent-$ID")
leaked=$(( $(udp_arrived) - arrived_before ))
drops=$(( $(xg stats --json | json_get "['verdicts']['drop']['ipv4']['packets']") - drops_before ))
log "$resizes resizes in ${took} s: sent $sent, reached the stack $leaked, drop counter +$drops"
[[ $sent -gt 10000 ]] || fail "sender managed only $sent packets"
python3 -c "import sys; sys.exit(0 if $took + 0.5 < $SECONDS_PER_RUN else 1)" ||
  fail "the resizes took ${took} s, longer than the flood: some ran without traffic"
[[ $leaked == 0 ]] || fail "$leaked packets leaked during the resizes"
[[ $drops == "$sent" ]] || fail "drop counter moved by $drops, sent $sent"
grep -q "resized xg_block_v6: .* -> .* entries (200 copied)" "/tmp/xg-out-$ID" ||
  fail "resize did not report the copy: $(cat "/tmp/xg-out-$ID")"
grep -q "program swapped atomically on $VETH_DST" "/tmp/xg-out-$ID" || fail "no swap reported"
[[ $(lists_snapshot) == "$before" ]] || fail "the lists differ after the resizes"
cap4=$(capacity xg_block_v4)
[[ $cap4 -ge 4096 && $cap4 -lt 65536 ]] || fail "xg_block_v4 capacity $cap4 after the last resize to 4096"
[[ $(capacity xg_block_v6) -ge 16384 ]] || fail "xg_block_v6 not grown: $(capacity xg_block_v6)"
[[ $(xg block list --json --cidr "$BLOCKED" | json_get "[0]['packets']") -ge $sent ]] ||
  fail "the flooder's rule counter lost packets across the resizes"
log "lists, capacities and counters as expected"

log "writes after a resize reach the datapath"
[[ $(ping_replies "$OTHER" 10.200.0.10 3) == 3 ]] || fail "$OTHER blocked before any rule"
xg block add "$OTHER" >/dev/null
[[ $(ping_replies "$OTHER" 10.200.0.10 3) == 0 ]] || fail "a block added after the resize is not enforced"
xg allow add "$OTHER" >/dev/null
[[ $(ping_replies "$OTHER" 10.200.0.10 3) == 3 ]] || fail "an allow added after the resize is not enforced"
xg allow del "$OTHER" >/dev/null
xg block del "$OTHER" >/dev/null
[[ $(ping_replies "$OTHER" 10.200.0.10 3) == 3 ]] || fail "a block deleted after the resize still drops"
ls "$XDPGUARD_PIN_DIR" | grep -q '_new$' && fail "a waiting pin was left behind"
[[ $(ls "$XDPGUARD_PIN_DIR" | grep -c '^prog-') == 1 ]] || fail "program pins: $(ls "$XDPGUARD_PIN_DIR")"

log "bad requests change nothing"
id_before=$(program_id)
snap=$(lists_snapshot)
set +e
out=$(xg resize --block-v4-entries 1000 2>&1); rc=$?
set -e
[[ $rc == 1 ]] || fail "a resize below the entries exited $rc"
echo "$out" | grep -q "xg_block_v4 holds 3002 entries" || fail "refusal not explained: $out"
set +e
xg resize >/dev/null 2>&1; rc_none=$?
xg resize --flow-entries 10 >/dev/null 2>&1; rc_flag=$?
xg resize --block-v4-entries 0 >/dev/null 2>&1; rc_zero=$?
xg resize eth0 --block-v4-entries 8192 >/dev/null 2>&1; rc_pos=$?
set -e
[[ "$rc_none $rc_flag $rc_zero $rc_pos" == "2 2 2 2" ]] || fail "usage errors exited $rc_none $rc_flag $rc_zero $rc_pos"
out=$(xg resize --block-v4-entries 4096)
echo "$out" | grep -q "nothing changed" || fail "a resize to the same size: $out"
[[ $(program_id) == "$id_before" ]] || fail "a refused or empty resize replaced the program"
[[ $(lists_snapshot) == "$snap" ]] || fail "a refused resize changed the lists"

log "resize with no interface attached, adopted by the next attach"
xg detach "$VETH_DST" --keep-maps >/dev/null
out=$(xg resize --block-v4-entries 32768)
echo "$out" | grep -q "no interface attached" || fail "detached resize: $out"
xg attach "$VETH_DST" --mode native >/dev/null
[[ $(capacity xg_block_v4) -ge 32768 ]] || fail "attach did not adopt the resized table"
[[ $(lists_snapshot) == "$snap" ]] || fail "the lists differ after a detached resize"
[[ $(ping_replies "$BLOCKED" 10.200.0.10 3) == 0 ]] || fail "$BLOCKED not dropped after re-attach"

log "control: detach, attach with the new size, reload (must leak)"
arrived_before=$(udp_arrived)
blast "$BLOCKED" 10.200.0.10 2 "$RATE" > "/tmp/xg-sent-$ID" &
blast_pid=$!
sleep 0.3
xg block list --json > "/tmp/xg-saved-$ID"
xg detach "$VETH_DST" >/dev/null
xg attach "$VETH_DST" --mode native --block-v4-entries 65536 >/dev/null
xg block add "$BLOCKED" >/dev/null
wait "$blast_pid"
sleep 0.2
leaked=$(( $(udp_arrived) - arrived_before ))
log "control: sent $(cat "/tmp/xg-sent-$ID"), reached the stack $leaked"
[[ $leaked -gt 0 ]] || fail "the control leaked nothing: the sender or the check is broken"

log "the service resizes to its config's list sizes, at start and on reload"
xg block load "/tmp/xg-list-$ID" >/dev/null
config() {
  cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST", "mode": "native"}],
 "blocklist": ["$BLOCKED/32"], "maps": {"block_v4_entries": $1},
 "metrics": {"enabled": false}, "log": {"format": "text"}}
JSON
}
reload() {  # SIGHUP, then wait for the service to say it reloaded
  local before
  before=$(grep -c "reloaded " "$WORK/daemon.log" || true)
  kill -HUP "$DAEMON"
  for _ in $(seq $((100 * slow))); do
    [[ $(grep -c "reloaded " "$WORK/daemon.log" || true) -gt $before ]] && return 0
    sleep 0.1
  done
  fail "no reload: $(tail -5 "$WORK/daemon.log")"
}
config 8192
start_service "$WORK/config.json" "$WORK/daemon.log"
grep -q "maps: xg_block_v4 resized from 65536 to 8192 entries (3001 copied), without a gap" "$WORK/daemon.log" ||
  fail "the service did not resize at start: $(cat "$WORK/daemon.log")"
[[ $(capacity xg_block_v4) == 8192 ]] || fail "capacity after the service started: $(capacity xg_block_v4)"
arrived_before=$(udp_arrived)
blast "$BLOCKED" 10.200.0.10 "$SECONDS_PER_RUN" "$RATE" > "/tmp/xg-sent-$ID" &
blast_pid=$!
sleep 0.3
config 131072
reload
wait "$blast_pid"
sleep 0.2
leaked=$(( $(udp_arrived) - arrived_before ))
log "reload with a resize: sent $(cat "/tmp/xg-sent-$ID"), reached the stack $leaked"
[[ $leaked == 0 ]] || fail "$leaked packets leaked during the service's resize"
[[ $(capacity xg_block_v4) == 131072 ]] || fail "capacity after the reload: $(capacity xg_block_v4)"
config 1000
reload
grep -q "maps: the config's list sizes were not applied, the pinned sizes stay: xg_block_v4 holds 3001 entries" \
  "$WORK/daemon.log" || fail "a refused resize was not logged: $(tail -5 "$WORK/daemon.log")"
[[ $(capacity xg_block_v4) == 131072 ]] || fail "a refused resize changed the capacity"
[[ $(ping_replies "$BLOCKED" 10.200.0.10 3) == 0 ]] || fail "$BLOCKED passes after a refused resize"
grep -q "interface $VETH_DST: .*cannot be resized" "$WORK/daemon.log" && fail "the interface's attach failed on the size"
kill -TERM "$DAEMON"; wait "$DAEMON" || fail "the service did not exit cleanly"
log "PASS"
