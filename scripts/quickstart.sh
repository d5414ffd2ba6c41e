#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# xdpguard quickstart: the whole product in a lab of network namespaces on this machine.
# A protected host runs `xdpguard run` with the committed config scripts/lab/quickstart.json
# (interface, static entries, a gateway guard, metrics, three feeds); a feed server on the
# lab's "internet" serves the lab feeds over HTTP; crawler hosts inside a feed's range make
# HTTP requests to the host's web server (rate-limited), abusers from an abuse feed are
# dropped, an allowlisted crawler and an ordinary client get through, a neighbour spoofs the
# gateway's ARP and the daemon logs the alert. It prints what happened and tears everything
# down on exit, Ctrl-C or failure. Lab hosts use documentation and private addresses only.
# The feed server also stands in for a CrowdSec Local API: it serves a fixed decision stream
# (scripts/lab/v1/decisions/stream: one banned address, one decision of a scope xdpguard
# does not enforce), so the lab shows the bouncer too. Tests set QUICKSTART_WHILE_RUNNING to
# a command that runs in the host's namespace before the service stops
# (test/integration/dashboard_queries.sh: a Prometheus scraping it).
# Needs root. Usage: sudo scripts/quickstart.sh
set -euo pipefail
source "$(dirname "$0")/lab/common.sh" quickstart.sh

lab_setup qs q quickstart
work=$(mktemp -d /tmp/xdpguard-quickstart-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  lab_teardown
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
http() {  # http SRC COUNT [TIMEOUT]
  in_net python3 "$root/scripts/lab/http_probe.py" "$1" http://10.77.0.1:8080/ "$2" "${3:-0.5}"
}

step "network: protected host 10.77.0.1  <-veth->  internet 10.77.0.2 (feed server, clients, crawlers, abusers)"
lab_network "10.77.0.20/32 198.51.100.10/32 198.51.100.53/32 203.0.113.66/32 203.0.113.200/32 203.0.113.99/32 192.0.2.5/32" \
  "198.51.100.0/24 203.0.113.0/24 192.0.2.0/24"
in_host ping -c1 -W2 10.77.0.2 >/dev/null   # the gateway's MAC, for the guard to learn

step "services: feed server http://10.77.0.2:8000 (scripts/lab), web server on the host :8080"
mkdir -p "$work/www" && echo "hello from the protected host" > "$work/www/index.html"
# Background processes start through nsenter directly (it execs them), so $! is their own
# PID and cleanup can end exactly them.
nsenter --net="/run/netns/$NET" python3 -m http.server --bind 10.77.0.2 8000 --directory "$root/scripts/lab" >/dev/null 2>&1 &
pids+=($!)
nsenter --net="/run/netns/$HOST" python3 -m http.server --bind 0.0.0.0 8080 --directory "$work/www" >/dev/null 2>&1 &
pids+=($!)
sleep 0.5

step "xdpguard run --config (scripts/lab/quickstart.json, with this lab's names filled in)"
sed -e "s|@STATE@|$work/state|; s|@PIN_DIR@|$XDPGUARD_PIN_DIR|; s|@IFACE@|$IF_HOST|g; s|@FEEDS@|http://10.77.0.2:8000|g" \
  "$root/scripts/lab/quickstart.json" > "$work/config.json"
xg check --config "$work/config.json"
# The stand-in Local API ignores the bouncer key; a real one checks it (docs/crowdsec.md).
XG_LAB_CROWDSEC_KEY=lab-bouncer-key nsenter --net="/run/netns/$HOST" "$XG" run --config "$work/config.json" 2> "$work/daemon.log" &
daemon=$!
pids+=($daemon)
for _ in $(seq 150); do
  grep -q '"feeds: [1-9][0-9]* entries applied' "$work/daemon.log" && break
  sleep 0.1
done
grep -q 'entries applied' "$work/daemon.log" || { cat "$work/daemon.log"; echo "daemon did not apply its feeds" >&2; exit 1; }
python3 - "$work/daemon.log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    print(f"  [{o['level']}] {o['msg']}")
PY

step "traffic: HTTP requests to the host's web server"
printf '  %-40s %s\n' "ordinary client 10.77.0.20 (20 requests):" "$(http 10.77.0.20 20)"
printf '  %-40s %s\n' "crawler 198.51.100.10, 5 pkt/s (20):" "$(http 198.51.100.10 20 0.3)"
printf '  %-40s %s\n' "allowlisted crawler 198.51.100.53 (20):" "$(http 198.51.100.53 20)"
printf '  %-40s %s\n' "abuser 203.0.113.66, abuse feed (5):" "$(http 203.0.113.66 5 0.3)"
printf '  %-40s %s\n' "abuser 203.0.113.200, abuse feed (5):" "$(http 203.0.113.200 5 0.3)"
printf '  %-40s %s\n' "203.0.113.99, CrowdSec decision (5):" "$(http 203.0.113.99 5 0.3)"
printf '  %-40s %s\n' "192.0.2.5, monitor entry (10):" "$(http 192.0.2.5 10)"
v6=$(in_net ping -n -q -c 5 -i 0.05 -W 1 -I 2001:db8:bad::7 fd00:77::1 2>/dev/null | awk '/received/ {print $4}' || true)
printf '  %-40s %s\n' "IPv6 abuser 2001:db8:bad::7 (5 pings):" "${v6:-0} answered"

step "gateway guard: a neighbour claims the gateway 10.77.0.2 from another MAC"
host_mac=$(in_host ip -j link show "$IF_HOST" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['address'])")
in_net python3 "$root/scripts/arp_send.py" "$IF_NET" 02:de:ad:be:ef:01 10.77.0.2 "$host_mac" 10.77.0.1 3
for _ in $(seq 50); do grep -q "gateway guard alert" "$work/daemon.log" && break; sleep 0.1; done
if grep -q "gateway guard alert" "$work/daemon.log"; then
  grep "gateway guard alert" "$work/daemon.log" | head -1 |
    python3 -c 'import json, sys; print("  daemon log:", json.loads(sys.stdin.readline())["msg"])'
else
  echo "  no alert logged (unexpected)"
fi

step "xdpguard stats"
xg stats --top 6
step "xdpguard flows --by source (top flows)"
xg flows --by source --interval 0 --top 8
step "xdpguard feeds status"
xg feeds status --config "$work/config.json"
step "metrics: http://127.0.0.1:9469/metrics inside the lab host's namespace (excerpt)"
in_host python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9469/metrics', timeout=5).read().decode(), end='')" |
  grep -E '^xdpguard_(packets_total\{family="ipv4"|ratelimited|rule_matches|feed_entries|guard_events_total)' | sed 's/^/  /'

if [[ -n ${QUICKSTART_WHILE_RUNNING:-} ]]; then
  step "QUICKSTART_WHILE_RUNNING: $QUICKSTART_WHILE_RUNNING"
  in_host bash -c "$QUICKSTART_WHILE_RUNNING"
fi

step "stop the daemon (SIGTERM); the lab then removes everything"
kill -TERM "$daemon"
wait "$daemon" && echo "  daemon exited 0; the datapath stays attached until the lab tears down"
