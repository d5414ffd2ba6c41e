#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The CLI and the daemon at once, on the same pinned maps and lock: while the daemon is
# reloaded 30 times (its static entries alternating) and a CLI re-applies the feed, another
# CLI adds 120 manual entries and deletes half of them, and a third reads stats and lists.
# Every CLI command succeeds (the lock serialises, nobody gives up), every reader sees
# valid JSON, and at the end the maps hold exactly: the manual entries that were not
# deleted (origin manual, once each), the final config's static entries, the feed's
# entries; the daemon is still running and logged no error.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"

make_pair
write_config() {  # variant 0 or 1: 10.200.0.1 in both, 198.51.100.0/24 or 203.0.113.0/24
  local extra='{"cidr": "198.51.100.0/24"}'
  [[ $1 == 1 ]] && extra='{"cidr": "203.0.113.0/24"}'
  cat > "$WORK/config.json.tmp" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST", "mode": "generic"}],
 "blocklist": [{"cidr": "10.200.0.1/32"}, $extra],
 "metrics": {"enabled": false},
 "feeds": [{"name": "spamhaus", "format": "plain", "path": "$SAMPLES/firehol/spamhaus_drop.netset"}]}
JSON
  mv "$WORK/config.json.tmp" "$WORK/config.json"
}
write_config 0
nsenter --net="/run/netns/$NS_DST" "$XDPGUARD" run --config "$WORK/config.json" 2> "$WORK/daemon.log" &
DAEMON=$!
BG_PIDS+=("$DAEMON")
for _ in $(seq 100); do grep -q "entries applied" "$WORK/daemon.log" && break; sleep 0.1; done
grep -q "entries applied" "$WORK/daemon.log" || fail "daemon did not apply its feed: $(cat "$WORK/daemon.log")"

# Each worker records failures in its own file; an empty file means every command passed.
reloader() {
  for i in $(seq 1 30); do
    write_config $((i % 2))
    kill -HUP "$DAEMON"
    sleep 0.1
  done
  write_config 0  # the final config: variant 0
  kill -HUP "$DAEMON"
}
writer() {
  for i in $(seq 1 120); do
    xg block add "10.77.$i.0/24" --comment "cli $i" > /dev/null 2>> "$WORK/writer.err" || echo "add $i" >> "$WORK/writer.fail"
  done
  for i in $(seq 1 2 120); do
    xg block del "10.77.$i.0/24" > /dev/null 2>> "$WORK/writer.err" || echo "del $i" >> "$WORK/writer.fail"
  done
}
reader() {
  for i in $(seq 1 40); do
    xg stats --json > "$WORK/stats.$i.json" 2>> "$WORK/reader.err" &&
      python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/stats.$i.json" ||
      echo "stats $i" >> "$WORK/reader.fail"
    xg block list --json > "$WORK/list.$i.json" 2>> "$WORK/reader.err" &&
      python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/list.$i.json" ||
      echo "list $i" >> "$WORK/reader.fail"
  done
}
feeder() {
  for i in $(seq 1 5); do
    xg feeds apply --config "$WORK/config.json" > /dev/null 2>> "$WORK/feeder.err" || echo "apply $i" >> "$WORK/feeder.fail"
  done
}
touch "$WORK"/{writer,reader,feeder}.fail
log "30 reloads, 120 adds + 60 deletes, 40 stats + lists, 5 feed applies, all at once"
start=$(date +%s.%N)
reloader & r=$!
writer & w=$!
reader & d=$!
feeder & f=$!
wait $r $w $d $f
log "workers done in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"
for who in writer reader feeder; do
  [[ -s $WORK/$who.fail ]] && fail "$who: $(tr '\n' ' ' < "$WORK/$who.fail"): $(tail -3 "$WORK/$who.err")"
done
# Let the daemon finish the last reload (variant 0) before looking at the maps.
for _ in $(seq 100); do
  has_entry "^198.51.100.0/24 config" && ! has_entry "^203.0.113.0/24 " && break
  sleep 0.1
done
kill -0 "$DAEMON" 2>/dev/null || fail "the daemon died: $(tail -5 "$WORK/daemon.log")"
reloads=$(grep -c '"reloaded' "$WORK/daemon.log" || true)
[[ $reloads -ge 2 ]] || fail "only $reloads reloads logged"
if grep -q '"level":"error"' "$WORK/daemon.log"; then fail "daemon logged errors: $(grep '"level":"error"' "$WORK/daemon.log" | head -3)"; fi

entries > "$WORK/final"
python3 - "$WORK/final" <<'PY' || fail "final maps wrong (see above)"
import collections, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
count = collections.Counter(r[0] for r in rows)
dups = [c for c, n in count.items() if n > 1]
manual = {r[0] for r in rows if r[0].startswith("10.77.")}
want_manual = {"10.77.%d.0/24" % i for i in range(2, 121, 2)}
origins = {r[0]: r[1] for r in rows}
problems = []
if dups: problems.append(f"duplicated: {dups[:5]}")
if manual != want_manual:
    problems.append(f"manual: {len(manual - want_manual)} unexpected, {len(want_manual - manual)} missing")
if any(origins[c] != "manual" for c in want_manual if c in origins):
    problems.append("a manual entry changed origin")
for c in ("10.200.0.1/32", "198.51.100.0/24"):
    if origins.get(c) != "config": problems.append(f"{c} not a config entry: {origins.get(c)}")
if "203.0.113.0/24" in origins: problems.append("variant 1's entry survived the final reload")
feed = sum(1 for r in rows if r[1].startswith("feed:"))
if feed != 986: problems.append(f"{feed} feed entries, expected 986")
print("  final: %d entries (%d manual, %d feed, %d config)" %
      (len(rows), len(manual), feed, sum(1 for r in rows if r[1] == "config")))
for p in problems: print("  " + p)
sys.exit(1 if problems else 0)
PY
log "$reloads reloads logged (SIGHUPs arriving during a reload coalesce); every CLI command succeeded; maps exact: 60 manual, 2 config (final variant), 986 feed; daemon alive, no errors"
log "PASS"
