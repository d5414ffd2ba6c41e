#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Helpers for the feed integration tests (sourced after lib.sh): the sample directory, a
# work directory removed on exit, and the scripted feed server (feed_server.py) started
# in the destination namespace, its own PID recorded for cleanup.
FEEDS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SAMPLES=$(cd "$FEEDS_HERE/../../../shared/feeds/samples" && pwd)
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
