#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Helpers for the feed integration tests (sourced after lib.sh): the sample directory, a
# work directory removed on exit, and the scripted feed server (feed_server.py) started
# in the destination namespace, its own PID recorded for cleanup.
FEEDS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SAMPLES=$(cd "$FEEDS_HERE/../data/feeds/samples" && pwd)
WORK=$(mktemp -d /tmp/xg-feeds-XXXXXX)
EXTRA_DIRS+=("$WORK")

# start_feed_server DIR PORT [feed_server.py options]: sets FEED_SERVER_PID. nsenter
# execs python, so the PID is the server's own (a shell function would fork).
start_feed_server() {
  local dir=$1 port=$2
  shift 2
  nsenter --net="/run/netns/$NS_DST" python3 "$FEEDS_HERE/feed_server.py" "$dir" "$port" "$@" &
  FEED_SERVER_PID=$!
  BG_PIDS+=("$FEED_SERVER_PID")
  for _ in $(seq 50); do
    in_dst bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "feed server on port $port did not start"
}

# The blocklist as sorted "cidr origin action" lines.
entries() {
  xg block list --json | python3 -c '
import json, sys
for e in sorted(json.load(sys.stdin), key=lambda e: e["cidr"]):
    print(e["cidr"], e["origin"], e["action"])'
}
# has_entry REGEX: through a file, since grep -q on a pipe could cut the writer off (EPIPE
# under pipefail).
has_entry() { entries > "$WORK/entries"; grep -q "$1" "$WORK/entries"; }

# start_service CONFIG LOG: `xdpguard run --config CONFIG` in the destination namespace,
# its stderr appended to LOG; sets DAEMON (its own PID, also in BG_PIDS: nsenter execs) and
# waits until LOG says it runs.
start_service() {
  # The log may hold an earlier instance's lines (a restart appends): wait for one more
  # "running" than it had, or a SIGTERM sent next could reach a service still starting.
  local before
  before=$(grep -c "xdpguard running" "$2" 2>/dev/null || true)
  nsenter --net="/run/netns/$NS_DST" "$XDPGUARD" run --config "$1" 2>> "$2" &
  DAEMON=$!
  BG_PIDS+=("$DAEMON")
  for _ in $(seq $((100 * slow))); do  # 10 s, longer under the sanitizers (lib.sh)
    [[ $(grep -c "xdpguard running" "$2" 2>/dev/null || true) -gt ${before:-0} ]] && return 0
    sleep 0.1
  done
  fail "the service did not start: $(cat "$2")"
}

# scrape: the service's metrics text from http://$METRICS/metrics in the destination
# namespace (the test sets METRICS).
scrape() { in_dst python3 -c "import urllib.request; print(urllib.request.urlopen('http://$METRICS/metrics', timeout=5).read().decode(), end='')"; }
