#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Two CLIs writing at once never lose or corrupt entries (flock on the pin directory), and
# a `block load` killed with SIGKILL part-way leaves usable state: the lock is released,
# every entry present is one from the file (no garbage), and re-running the load completes.
source "$(dirname "$0")/lib.sh"
make_pair
xg attach "$VETH_DST" --mode native

log "two writers, 100 adds each, concurrently"
( for i in $(seq 1 100); do xg block add "10.10.$i.0/24" >/dev/null; done ) &
a=$!
( for i in $(seq 1 100); do xg block add "10.20.$i.0/24" >/dev/null; done ) &
b=$!
wait $a $b
n=$(xg status --json | json_get "['maps']['xg_block_v4']['entries']")
[[ $n == 200 ]] || fail "concurrent adds left $n entries, expected 200"

list="/tmp/xg-kill-$ID.txt"
python3 -c "
for i in range(1000000):
    print('%d.%d.%d.0/24' % (11 + i // 65536, (i // 256) % 256, i % 256))" > "$list"
# On this class of machine parsing takes about 1 s and writing about 0.5 s; the kill may
# land before, inside or after the write phase, and the state must be usable in each case.
for delay in 1.2; do
  log "SIGKILL after ${delay}s of a 1M-entry load"
  in_dst "$XDPGUARD" block load "$list" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  timeout 30 "$XDPGUARD" block list --json > "/tmp/xg-after-$ID.json" ||
    fail "state unusable after kill (lock held or maps broken)"
  python3 - "$list" "/tmp/xg-after-$ID.json" <<'PY' || fail "entries not from the file after SIGKILL"
import json, sys
wanted = set(l.strip() for l in open(sys.argv[1]))
entries = json.load(open(sys.argv[2]))
stray = [e['cidr'] for e in entries if e['cidr'] not in wanted and not e['cidr'].startswith(('10.10.', '10.20.'))]
print(f"  after SIGKILL: {len(entries) - 200} of {len(wanted)} file entries applied, {len(stray)} stray")
sys.exit(1 if stray else 0)
PY
done
log "re-running the load completes it"
xg block load "$list" > /dev/null
n=$(xg status --json | json_get "['maps']['xg_block_v4']['entries']")
[[ $n == 1000200 ]] || fail "re-run load left $n entries, expected 1000200"
rm -f "$list" "/tmp/xg-after-$ID.json"
log "PASS"
