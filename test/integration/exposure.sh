#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What xdpguard exposes, checked from outside the process:
#  - the feed API key, from a file and from the environment, never appears in the
#    service's command line, its log, its state directory, `status`/`feeds status`, the
#    metrics, nor in the CLI's output when the server refuses the key (401) or fails (500),
#    while the server does receive it; another user cannot read the service's environment;
#  - no metric label carries an address;
#  - the metrics endpoint (loopback, the default) is unreachable from another network
#    namespace, and through the veth address of its own;
#  - an unprivileged user can neither list, open, replace nor unlink the pins, and a pin
#    directory they plant (bpffs is world-writable with the sticky bit) is refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"

KEY_FILE_SECRET="k3y-from-file-$ID-must-not-leak"
KEY_ENV_SECRET="k3y-from-env-$ID-must-not-leak"
HTTP_PORT=18090
METRICS=127.0.0.1:9469  # the default; the namespace has a port space of its own
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }

make_pair
mkdir -p "$WORK/http"
cp "$SAMPLES/abuseipdb/blacklist_v2_confidence100_limit10000.json" "$WORK/http/list.txt"
echo ok > "$WORK/http/mode"
start_feed_server "$WORK/http" $HTTP_PORT
printf '%s\n' "$KEY_FILE_SECRET" > "$WORK/apikey"
chmod 600 "$WORK/apikey"
cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST", "mode": "generic"}],
 "blocklist": [{"cidr": "10.200.0.1/32"}],
 "metrics": {"enabled": true},
 "feeds": [
  {"name": "abuse-file", "format": "abuseipdb", "url": "http://127.0.0.1:$HTTP_PORT/feed",
   "api_key_file": "$WORK/apikey", "timeout": "3s"},
  {"name": "abuse-env", "format": "abuseipdb", "url": "http://127.0.0.1:$HTTP_PORT/feed",
   "api_key_env": "XG_TEST_ABUSE_KEY", "timeout": "3s"}]}
JSON
XG_TEST_ABUSE_KEY=$KEY_ENV_SECRET start_service "$WORK/config.json" "$WORK/daemon.log"
for _ in $(seq 100); do [[ $(grep -c "entries applied" "$WORK/daemon.log") -ge 1 ]] && break; sleep 0.1; done
grep -q "key=yes" "$WORK/http/requests.log" || fail "the feed server never got the key (the test proves nothing)"

log "refused key (401) and failing server (500), through the CLI"
for mode in status-401 status-500; do
  echo "$mode" > "$WORK/http/mode"
  XG_TEST_ABUSE_KEY=$KEY_ENV_SECRET xg feeds refresh --config "$WORK/config.json" --force \
    > "$WORK/cli-$mode.out" 2>&1 && fail "refresh against $mode succeeded"
  grep -q "401\|500" "$WORK/cli-$mode.out" || fail "$mode: no explanation: $(cat "$WORK/cli-$mode.out")"
done
echo ok > "$WORK/http/mode"

log "the key is nowhere to be read"
scrape > "$WORK/metrics.txt" || fail "scrape failed"
xg status --json > "$WORK/status.json"
XG_TEST_ABUSE_KEY=$KEY_ENV_SECRET xg feeds status --config "$WORK/config.json" --json > "$WORK/feeds-status.json"
tr '\0' ' ' < "/proc/$DAEMON/cmdline" > "$WORK/cmdline"
for secret in "$KEY_FILE_SECRET" "$KEY_ENV_SECRET"; do
  for f in "$WORK/cmdline" "$WORK/daemon.log" "$WORK/metrics.txt" "$WORK/status.json" \
           "$WORK/feeds-status.json" "$WORK"/cli-*.out; do
    grep -qF "$secret" "$f" && fail "the API key appears in $(basename "$f")"
  done
  grep -rqF "$secret" "$WORK/state" && fail "the API key appears in the state directory: $(grep -rlF "$secret" "$WORK/state")"
done
nobody cat "/proc/$DAEMON/environ" > /dev/null 2>&1 && fail "another user can read the service's environment"
grep -qF "$KEY_ENV_SECRET" "/proc/$DAEMON/environ" || fail "the key is not where the test put it (proves nothing)"
log "  key sent to the server; absent from cmdline, log, metrics, status, feeds status, CLI errors, state"

log "no metric label carries an address"
grep -v '^#' "$WORK/metrics.txt" | grep -o '{[^}]*}' | sort -u > "$WORK/labels"
[[ -s $WORK/labels ]] || fail "no labelled series to check"
if grep -E '"[^"]*([0-9]{1,3}\.){3}[0-9]{1,3}|"[^"]*[0-9a-fA-F]{0,4}:[0-9a-fA-F]{0,4}:' "$WORK/labels"; then
  fail "a label value holds an address"
fi
log "  $(wc -l < "$WORK/labels") label sets, none with an address"

log "metrics endpoint"
grep -q "metrics on http://$METRICS/metrics" "$WORK/daemon.log" || fail "the default metrics address is not $METRICS: $(grep metrics "$WORK/daemon.log")"
in_src python3 -c "import urllib.request; urllib.request.urlopen('http://$METRICS/metrics', timeout=2)" 2>/dev/null &&
  fail "the metrics endpoint answers from another network namespace"
in_src python3 -c "import urllib.request; urllib.request.urlopen('http://10.200.0.10:${METRICS#*:}/metrics', timeout=2)" 2>/dev/null &&
  fail "the metrics endpoint answers on the veth address"
log "  loopback by default; unreachable from the peer namespace and on the veth address"

log "an unprivileged user and the pins"
[[ -e $XDPGUARD_PIN_DIR/xg_stats ]] || fail "no pins to test against"
nobody ls "$XDPGUARD_PIN_DIR" > /dev/null 2>&1 && fail "nobody can list the pin directory"
nobody bpftool map show pinned "$XDPGUARD_PIN_DIR/xg_block_v4" > /dev/null 2>&1 && fail "nobody can open a pinned map"
nobody rm -f "$XDPGUARD_PIN_DIR/xg_stats" 2>/dev/null || true
[[ -e $XDPGUARD_PIN_DIR/xg_stats ]] || fail "nobody unlinked a pin"
nobody mv "$XDPGUARD_PIN_DIR" "$XDPGUARD_PIN_DIR.stolen" 2>/dev/null && fail "nobody renamed the pin directory away"
planted=/sys/fs/bpf/xg-planted-$ID
EXTRA_DIRS+=("$planted")
if nobody mkdir "$planted" 2>/dev/null; then
  rc=0
  in_dst "$XDPGUARD" --pin-dir "$planted" attach "$VETH_DST" > "$WORK/planted.out" 2>&1 || rc=$?
  [[ $rc == 1 ]] || fail "a pin directory planted by another user was used (rc $rc): $(cat "$WORK/planted.out")"
  grep -q "owned by uid 65534" "$WORK/planted.out" || fail "no explanation for the planted directory: $(cat "$WORK/planted.out")"
  [[ -z $(ls -A "$planted") ]] || fail "xdpguard wrote into the planted directory"
  log "  listing, opening, unlinking and renaming refused; a planted pin directory refused"
else
  log "  listing, opening, unlinking and renaming refused; bpffs does not let others create directories"
fi
kill -TERM "$DAEMON"
wait "$DAEMON" 2>/dev/null || true
grep -qi '"level":"error"' "$WORK/daemon.log" && fail "errors in the service log: $(grep -i error "$WORK/daemon.log")"
log "PASS"
