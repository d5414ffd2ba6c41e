#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Restart without network: after a "reboot" (maps recreated empty) with the feed server
# gone, `feeds run` enforces the last good copy from the state directory before its first
# fetch and records the failed fetch; SIGHUP with an invalid config is refused, with a
# valid one adds a feed; SIGTERM exits 0 leaving the datapath enforcing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"

make_pair
xg attach "$VETH_DST" --mode generic >/dev/null
mkdir -p "$WORK/http"
cp "$SAMPLES/spamhaus/drop_2025-01-17.txt" "$WORK/http/list.txt"
echo ok > "$WORK/http/mode"
PORT=18081
start_feed_server "$WORK/http" $PORT
server=$FEED_SERVER_PID
cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state",
 "feeds": [{"name": "drop", "format": "spamhaus-drop", "url": "http://127.0.0.1:$PORT/feed",
            "interval": "1m", "connect_timeout": "2s", "timeout": "5s"}]}
JSON
count() { xg block list --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))"; }

xg feeds apply --config "$WORK/config.json" >/dev/null || fail "first apply failed"
n=$(count)
[[ $n -gt 1000 ]] || fail "only $n entries applied"
log "applied $n entries from the server"

log "reboot: maps recreated empty, feed server gone"
xg detach "$VETH_DST" >/dev/null
xg attach "$VETH_DST" --mode generic >/dev/null
[[ $(count) == 0 ]] || fail "maps not empty after re-attach"
kill "$server"
wait "$server" 2>/dev/null || true
# The reboot took two hours: the feed is due at start (a recent fetch would wait out its
# interval, which is what keeps AbuseIPDB quotas).
python3 - "$WORK/state/feeds/drop.status" <<'PY'
import json, sys, time
p = sys.argv[1]
s = json.load(open(p))
s["last_attempt"] = int(time.time()) - 7200
json.dump(s, open(p, "w"))
PY

nsenter --net="/run/netns/$NS_DST" "$XDPGUARD" feeds run --config "$WORK/config.json" 2> "$WORK/run.log" &
runner=$!
BG_PIDS+=($runner)
for _ in $(seq 100); do
  [[ $(count) == "$n" ]] && break
  sleep 0.1
done
[[ $(count) == "$n" ]] || fail "the cached feed was not enforced after restart ($(count) of $n): $(cat "$WORK/run.log")"
log "last good copy enforced before the first fetch: $n entries"
for _ in $(seq 100); do
  grep -q "feed drop: failed" "$WORK/run.log" && break
  sleep 0.1
done
grep -q "feed drop: failed" "$WORK/run.log" || fail "the failed fetch was not reported: $(cat "$WORK/run.log")"
[[ $(count) == "$n" ]] || fail "a failed fetch changed the enforced set"
reason=$(xg feeds status --config "$WORK/config.json" --json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['last_error_reason'])")
[[ $reason == fetch ]] || fail "status reason '$reason', expected fetch"
log "first fetch failed (connection refused), entries kept, status says '$reason'"

log "SIGHUP: an invalid config is refused and the running one kept"
cp "$WORK/config.json" "$WORK/config.good"
echo '{"state_dir": "'$WORK'/state", "feeds": [], "typo": 1}' > "$WORK/config.json"
kill -HUP "$runner"
for _ in $(seq 50); do grep -q "reload refused" "$WORK/run.log" && break; sleep 0.1; done
grep -q "reload refused" "$WORK/run.log" || fail "an invalid config was not refused: $(cat "$WORK/run.log")"
kill -0 "$runner" || fail "feeds run died on a bad reload"
[[ $(count) == "$n" ]] || fail "a refused reload changed the enforced set"

log "SIGHUP: a second feed added by reload is fetched at once"
echo "198.18.5.0/24" > "$WORK/extra.txt"
python3 - "$WORK/config.good" "$WORK/config.json" "$WORK/extra.txt" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["feeds"].append({"name": "extra", "format": "plain", "path": sys.argv[3]})
json.dump(c, open(sys.argv[2], "w"))
PY
kill -HUP "$runner"
for _ in $(seq 100); do [[ $(count) == $((n + 1)) ]] && break; sleep 0.1; done
[[ $(count) == $((n + 1)) ]] || fail "the reloaded feed was not applied ($(count)): $(cat "$WORK/run.log")"
grep -q "reloaded" "$WORK/run.log" || fail "no reload message"

kill -TERM "$runner"
rc=0
wait "$runner" || rc=$?
[[ $rc == 0 ]] || fail "feeds run exited $rc on SIGTERM"
[[ $(count) == $((n + 1)) ]] || fail "entries gone after the runner stopped"
log "SIGTERM: exit 0, datapath still enforcing $((n + 1)) entries"
log "PASS"
