#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Soak (not part of ctest: scripts/soak.sh runs it, CI for 10 minutes): the service runs
# for SOAK_SECONDS (default 600) under everything at once:
#  - a random-source UDP flood from a blocked /16 (20,000 frames/s, random source ports,
#    so the flow table keeps taking new flows);
#  - a feed refresh by the CLI every 3 s, each changing 2% of a 4,000-entry file;
#  - a CLI write (block add or del) and a metrics scrape every second;
#  - a SIGHUP reload every 15 s.
# After a warm-up (a fifth of the run, at least 30 s) and at the end, with the activity
# paused for 3 s, it samples the service's RSS, open fds and threads and the kernel maps
# it keeps alive (own_maps). Passes when RSS grew less than 5% over the measured part,
# fds, threads and maps are unchanged, the flow table is at its bound, every CLI write,
# refresh and scrape succeeded, the feed reports no error and the log holds no error line.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"
SOAK_SECONDS=${SOAK_SECONDS:-600}
[[ $SOAK_SECONDS =~ ^[0-9]+$ && $SOAK_SECONDS -ge 60 ]] || fail "SOAK_SECONDS must be at least 60"
WARMUP=$(( SOAK_SECONDS / 5 > 30 ? SOAK_SECONDS / 5 : 30 ))
FLOW_ENTRIES=8192
METRICS=127.0.0.1:9469

make_pair
HOST_MAC=$(in_dst ip -br link show dev "$VETH_DST" | awk '{print $3}')
python3 - "$WORK/feed.txt" 0 <<'PY'
import random, sys
rng = random.Random(int(sys.argv[2]))
lines = ["198.18.0.0/16"]
while len(lines) < 4000:
    a, b, c, d = rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(256)
    if a in (10, 127, 198):
        continue
    lines.append(f"{a}.{b}.{c}.{d}/32" if rng.random() < 0.8 else f"{a}.{b}.{c}.0/24")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST", "mode": "generic"}],
 "maps": {"flow_entries": $FLOW_ENTRIES},
 "blocklist": [{"cidr": "10.200.0.1/32"}],
 "feeds": [{"name": "soak", "format": "plain", "path": "$WORK/feed.txt", "interval": "1m"}]}
JSON
start_service "$WORK/config.json" "$WORK/daemon.log"

in_src python3 "$(dirname "$0")/random_flood.py" "$VETH_SRC" "$HOST_MAC" 10.200.0.10 198.18.0.0/16 \
  20000 "$SOAK_SECONDS" 65536 > "$WORK/flood.sent" &
flood=$!
BG_PIDS+=("$flood")

churn_feed() {  # replaces 2% of the feed's entries (never the flood's /16)
  python3 - "$WORK/feed.txt" "$1" <<'PY'
import random, sys
path, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
lines = open(path).read().split()
for _ in range(len(lines) // 50):
    i = rng.randrange(1, len(lines))
    lines[i] = "%d.%d.%d.%d/32" % (rng.randrange(11, 97), rng.randrange(256), rng.randrange(256), rng.randrange(256))
open(path + ".new", "w").write("\n".join(lines) + "\n")
PY
  mv "$WORK/feed.txt.new" "$WORK/feed.txt"
}
fd_kinds() {  # what the service's fds point to, counted by kind (for a failure message)
  for fd in /proc/"$DAEMON"/fd/*; do readlink "$fd" || true; done | sed -E 's/[0-9]+/N/g' | sort | uniq -c
}
sample() {  # RSS(kB) fds threads kernel-maps
  local rss fds threads maps
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON/status")
  fds=$(ls "/proc/$DAEMON/fd" | wc -l)
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$DAEMON/status")
  maps=$(own_maps)
  echo "$rss $fds $threads $maps"
}
# The kernel maps this xdpguard keeps alive, not the machine's (other BPF users, such as a
# benchmark run beside CI, come and go): maps the service holds by fd, the maps of the
# programs it holds by fd and of those attached to its interface (the XDP dispatcher and
# its components, which links keep alive), and the maps pinned under its pin dir.
own_maps() {
  in_dst xdp-loader status "$VETH_DST" 2> /dev/null > "$WORK/xdp-status" || true
  bpftool -j -f map list > "$WORK/maps.json"
  python3 - "$DAEMON" "$XDPGUARD_PIN_DIR" "$WORK/xdp-status" "$WORK/maps.json" <<'PY'
import json, os, re, subprocess, sys
pid, pin_dir, status_path, maps_path = sys.argv[1:5]
maps, progs = set(), set()
for fd in os.listdir(f"/proc/{pid}/fdinfo"):
    try:
        text = open(f"/proc/{pid}/fdinfo/{fd}").read()
    except OSError:
        continue
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key == "map_id":
            maps.add(int(value))
        elif key == "prog_id":
            progs.add(int(value))
for line in open(status_path):  # a program's id is the word before its 16-digit tag
    words = line.split()
    for i in range(1, len(words)):
        if re.fullmatch(r"[0-9a-f]{16}", words[i]) and words[i - 1].isdigit():
            progs.add(int(words[i - 1]))
for prog in progs:
    out = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(prog)], capture_output=True, text=True)
    if out.returncode == 0:
        maps.update(json.loads(out.stdout).get("map_ids", []))
for m in json.load(open(maps_path)):
    if any(p.startswith(pin_dir + "/") for p in m.get("pinned", [])):
        maps.add(m["id"])
print(len(maps))
PY
}

writes=0; refreshes=0; scrapes=0; reloads=0
tick=0
start=$(date +%s)
warm=""
while (( $(date +%s) - start < SOAK_SECONDS )); do
  tick=$((tick + 1))
  if [[ -z $warm ]] && (( $(date +%s) - start >= WARMUP )); then
    sleep 3
    warm=$(sample)
    fd_kinds > "$WORK/fds-warm"
    log "after the warm-up (${WARMUP} s): RSS kB, fds, threads, kernel maps = $warm"
  fi
  addr="203.0.113.$(( ((tick - 1) / 2) % 256 ))/32"  # added on odd ticks, deleted on the next
  if (( tick % 2 )); then xg block add "$addr" > /dev/null || fail "block add $addr failed (tick $tick)"
  else xg block del "$addr" > /dev/null || fail "block del $addr failed (tick $tick)"; fi
  writes=$((writes + 1))
  scrape > "$WORK/metrics.txt" || fail "scrape failed (tick $tick)"
  scrapes=$((scrapes + 1))
  if (( tick % 3 == 0 )); then
    churn_feed "$tick"
    xg feeds refresh soak --config "$WORK/config.json" > "$WORK/refresh.out" 2>&1 ||
      fail "feeds refresh failed (tick $tick): $(cat "$WORK/refresh.out")"
    refreshes=$((refreshes + 1))
  fi
  if (( tick % 15 == 0 )); then
    kill -HUP "$DAEMON"
    reloads=$((reloads + 1))
  fi
  kill -0 "$DAEMON" || fail "the service died (tick $tick): $(tail -5 "$WORK/daemon.log")"
  sleep 1
done
sleep 3
final=$(sample)
fd_kinds > "$WORK/fds-final"
wait "$flood" || true
log "at the end (${SOAK_SECONDS} s): RSS kB, fds, threads, kernel maps = $final"
log "$writes CLI writes, $refreshes feed refreshes, $scrapes scrapes, $reloads reloads, $(cat "$WORK/flood.sent") flood frames"

read -r rss0 fds0 threads0 maps0 <<< "$warm"
read -r rss1 fds1 threads1 maps1 <<< "$final"
drift=$(python3 -c "print(round(($rss1 - $rss0) * 100 / $rss0, 2))")
log "RSS drift after the warm-up: ${drift}%"
python3 -c "import sys; sys.exit(0 if $drift < 5 else 1)" || fail "RSS grew ${drift}% ($rss0 -> $rss1 kB)"
[[ $fds1 == "$fds0" ]] || fail "open fds went from $fds0 to $fds1:
$(diff "$WORK/fds-warm" "$WORK/fds-final")"
[[ $threads1 == "$threads0" ]] || fail "threads went from $threads0 to $threads1"
[[ $maps1 == "$maps0" ]] || fail "kernel maps went from $maps0 to $maps1"
fill=$(awk 'index($0, "xdpguard_map_fill_ratio{map=\"xg_flows\"} ") == 1 {print $2}' "$WORK/metrics.txt")
log "flow table fill at the last census: ${fill:-none}"
python3 -c "import sys; sys.exit(0 if float('${fill:-0}') >= 0.9 else 1)" || fail "the flow table is not at its bound (fill ${fill:-none})"
errors=$(awk '/^xdpguard_feed_errors_total/ {s += $2} END {print s + 0}' "$WORK/metrics.txt")
[[ $errors == 0 ]] || fail "the feed counted $errors errors"
if grep -q '"level":"error"' "$WORK/daemon.log"; then
  fail "error lines in the service log: $(grep '"level":"error"' "$WORK/daemon.log" | head -5)"
fi
log "warnings in the service log: $(grep -c '"level":"warn' "$WORK/daemon.log" || true)"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "the service exited with $?"
log "PASS"
