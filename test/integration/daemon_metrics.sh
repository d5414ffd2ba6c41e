#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The daemon's Prometheus endpoint, checked with Debian's real Prometheus tools: the
# scraped text passes `promtool check metrics` with no warning, and a real Prometheus
# server on the namespace's loopback scrapes the daemon and its query API returns the
# drop count `xdpguard stats` reports for pings from a blocked source, and the feed's
# applied entries; 50 idle clients do not hold up a scrape; a reload holding 1e400 is
# refused and counted, the service lives on.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"
command -v promtool >/dev/null && command -v prometheus >/dev/null || skip "prometheus/promtool not installed"

make_pair
METRICS=127.0.0.1:19469
cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST", "mode": "generic"}],
 "blocklist": [{"cidr": "10.200.0.1/32"}],
 "metrics": {"listen": "$METRICS"},
 "feeds": [{"name": "spamhaus", "format": "plain", "path": "$SAMPLES/firehol/spamhaus_drop.netset"}]}
JSON
start_service "$WORK/config.json" "$WORK/daemon.log"
daemon=$DAEMON
grep -q "metrics on" "$WORK/daemon.log" || fail "no metrics endpoint: $(cat "$WORK/daemon.log")"
for _ in $(seq 100); do grep -q "entries applied" "$WORK/daemon.log" && break; sleep 0.1; done

in_src ping -c 20 -i 0.05 -W 1 -I 10.200.0.1 10.200.0.10 >/dev/null 2>&1 && fail "the blocked source got through"
scrape > "$WORK/metrics.txt" || fail "scrape failed"
grep -q "^xdpguard_packets_total{family=\"ipv4\",interface=\"$VETH_DST\",verdict=\"drop\"}" "$WORK/metrics.txt" ||
  fail "no packets_total for $VETH_DST: $(grep packets_total "$WORK/metrics.txt" | head)"
lint=$(promtool check metrics < "$WORK/metrics.txt" 2>&1) || fail "promtool check metrics failed: $lint"
[[ -z $lint ]] || fail "promtool warnings: $lint"
log "scraped $(grep -vc '^#' "$WORK/metrics.txt") samples; promtool check metrics: clean"
# Series that alert rules need exist before their first event, at 0.
for reason in fetch timeout http parse shrink; do
  grep -q "^xdpguard_feed_errors_total{feed=\"spamhaus\",reason=\"$reason\"} 0" "$WORK/metrics.txt" ||
    fail "no zero xdpguard_feed_errors_total series for $reason: $(grep feed_errors_total "$WORK/metrics.txt")"
done
grep -q "^xdpguard_datapath_up 1" "$WORK/metrics.txt" || fail "datapath_up is not 1 while attached"

cat > "$WORK/prometheus.yml" <<YML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: xdpguard
    static_configs: [{targets: ["$METRICS"]}]
YML
nsenter --net="/run/netns/$NS_DST" timeout 60 prometheus --config.file="$WORK/prometheus.yml" \
  --storage.tsdb.path="$WORK/tsdb" --web.listen-address=127.0.0.1:19090 > "$WORK/prometheus.log" 2>&1 &
BG_PIDS+=($!)
query() {  # PromQL -> the first sample's value, or empty
  in_dst python3 - "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
q = urllib.parse.urlencode({"query": sys.argv[1]})
try:
    r = json.load(urllib.request.urlopen("http://127.0.0.1:19090/api/v1/query?" + q, timeout=3))
    res = r["data"]["result"]
    print(res[0]["value"][1] if res else "")
except Exception:
    print("")
PY
}
want=$(xg stats --json | json_get "['verdicts']['drop']['ipv4']['packets']")
[[ $want -ge 20 ]] || fail "stats show only $want IPv4 drops"
got=""
for _ in $(seq 60); do
  got=$(query "xdpguard_packets_total{family=\"ipv4\",interface=\"$VETH_DST\",verdict=\"drop\"}")
  [[ $got == "$want" ]] && break
  sleep 0.5
done
[[ $got == "$want" ]] || fail "Prometheus says '$got' IPv4 drops, xdpguard stats $want ($(tail -3 "$WORK/prometheus.log"))"
entries=$(query 'xdpguard_feed_entries{feed="spamhaus"}')
[[ $entries == 986 ]] || fail "Prometheus says '$entries' feed entries, expected 986"
total=$(query 'sum(xdpguard_packets_total{family="ipv4",verdict="drop"})')
[[ $total == "$want" ]] || fail "the sum over interfaces is '$total', expected $want"
in_map=$(query 'xdpguard_blocklist_entries{origin="spamhaus",family="ipv4"}')
[[ $in_map == 986 ]] || fail "Prometheus says '$in_map' spamhaus entries in the map, expected 986"
config_entries=$(query 'xdpguard_blocklist_entries{origin="config",family="ipv4"}')
[[ $config_entries == 1 ]] || fail "Prometheus says '$config_entries' config entries, expected 1"
fill=$(query 'xdpguard_map_fill_ratio{map="xg_block_v4"} * xdpguard_map_max_entries{map="xg_block_v4"}')
[[ $fill == 987 ]] || fail "fill ratio x capacity of xg_block_v4 is '$fill', expected 987"
xg stats > "$WORK/stats.txt"
grep -Eq "^  $VETH_DST +[0-9]+ +[0-9]+ +$want " "$WORK/stats.txt" || fail "stats per interface: $(cat "$WORK/stats.txt")"
log "Prometheus query API: $got IPv4 drops on $VETH_DST (= xdpguard stats), feed spamhaus 986 entries applied and 986 in the map, fill ratio consistent"

log "50 idle clients (one request line, then nothing) do not hold up a scrape"
took=$(in_dst python3 "$(dirname "$0")/idle_clients.py" 127.0.0.1 "${METRICS##*:}" 50) ||
  fail "scrape with 50 idle clients failed: $took"
python3 -c "import sys; sys.exit(0 if float('$took') < 1.0 else 1)" ||
  fail "a scrape took ${took}s with 50 idle clients (must answer within 1 s)"
log "scrape with 50 idle clients: ${took}s"

log "a reload with a number too large for any type is refused and counted; the service lives on"
grep -q '^xdpguard_config_last_reload_successful 1' <(scrape) || fail "last_reload_successful is not 1 at start"
cp "$WORK/config.json" "$WORK/config.good"
sed 's/"blocklist"/"maps": {"flow_entries": 1e400}, "blocklist"/' "$WORK/config.good" > "$WORK/config.json"
kill -HUP "$daemon"
for _ in $(seq 50); do grep -q "reload refused" "$WORK/daemon.log" && break; sleep 0.1; done
grep -q "reload refused" "$WORK/daemon.log" || fail "the 1e400 config was not refused: $(tail -3 "$WORK/daemon.log")"
kill -0 "$daemon" 2>/dev/null || fail "the service died on a config holding 1e400"
scrape > "$WORK/metrics2.txt" || fail "scrape after the refused reload failed"
grep -q '^xdpguard_config_last_reload_successful 0' "$WORK/metrics2.txt" || fail "last_reload_successful is not 0 after a refused reload"
grep -q '^xdpguard_config_reloads_total{result="refused"} 1' "$WORK/metrics2.txt" || fail "the refused reload was not counted"
in_src ping -c 3 -i 0.05 -W 1 -I 10.200.0.1 10.200.0.10 >/dev/null 2>&1 && fail "the blocked source got through after the refused reload"
cp "$WORK/config.good" "$WORK/config.json"
kill -HUP "$daemon"
for _ in $(seq 50); do grep -q "reloaded" "$WORK/daemon.log" && break; sleep 0.1; done
grep -q '^xdpguard_config_last_reload_successful 1' <(scrape) || fail "last_reload_successful is not 1 after a good reload"
log "refused reload: service alive, enforcing, xdpguard_config_last_reload_successful 0 then 1 after a good one"
log "PASS"
