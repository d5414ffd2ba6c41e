#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# xdpguard as a CrowdSec bouncer, against the real Debian crowdsec package: its Local API
# runs offline (no Central API) with a private configuration and database, on a loopback
# port of the destination namespace; the service pulls the decision stream every second.
# `cscli decisions add --ip/--range` is enforced (a blocked source's pings dropped) within
# one interval + 1 s, `cscli decisions delete` lifts it within the same bound, a throttle
# decision becomes a rate limit, a decision of an unhandled scope is skipped and counted,
# an expired decision disappears, and a Local API killed and restarted loses nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"
command -v crowdsec >/dev/null && command -v cscli >/dev/null ||
  skip "crowdsec is not installed (scripts/install-deps.sh)"

make_pair
CS=$WORK/crowdsec
mkdir -p "$CS/data" "$CS/log"
LAPI_PORT=18090
cat > "$CS/config.yaml" <<EOF
common:
  daemonize: false
  log_media: file
  log_level: info
  log_dir: $CS/log/
  working_dir: .
config_paths:
  config_dir: $CS/
  data_dir: $CS/data/
  simulation_path: /etc/crowdsec/simulation.yaml
  hub_dir: /var/lib/crowdsec/hub/
  index_path: /var/lib/crowdsec/hub/.index.json
  notification_dir: /etc/crowdsec/notifications/
  plugin_dir: /usr/lib/crowdsec/plugins/
crowdsec_service:
  acquisition_path: /etc/crowdsec/acquis.yaml
cscli:
  output: human
db_config:
  log_level: info
  type: sqlite
  db_path: $CS/data/crowdsec.db
  use_wal: false
api:
  client:
    insecure_skip_verify: false
    credentials_path: $CS/local_api_credentials.yaml
  server:
    log_level: info
    listen_uri: 127.0.0.1:$LAPI_PORT
    profiles_path: /etc/crowdsec/profiles.yaml
    trusted_ips:
      - 127.0.0.1
prometheus:
  enabled: false
EOF
# cscli talks to the Local API as a machine (decisions) and to the database directly
# (machines, bouncers); both in the destination namespace, where the Local API listens.
cs() { (cd "$CS" && in_dst cscli -c "$CS/config.yaml" "$@"); }
start_lapi() {
  (cd "$CS" && exec nsenter --net="/run/netns/$NS_DST" crowdsec -c "$CS/config.yaml" -no-cs) >> "$CS/lapi.out" 2>&1 &
  LAPI=$!
  BG_PIDS+=("$LAPI")
  for _ in $(seq 100); do
    in_dst bash -c "exec 3<>/dev/tcp/127.0.0.1/$LAPI_PORT" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "the Local API did not start: $(tail -5 "$CS/lapi.out" "$CS/log/"*.log)"
}
cs machines add xgtest --auto -f "$CS/local_api_credentials.yaml" > /dev/null 2>&1 ||
  fail "cscli machines add failed"
start_lapi
cs bouncers add xdpguard-test -o raw > "$WORK/bouncer.key" 2> "$WORK/cscli.err" ||
  fail "cscli bouncers add failed: $(cat "$WORK/cscli.err")"
chmod 600 "$WORK/bouncer.key"
log "crowdsec $(crowdsec -version 2>&1 | grep -o 'v[0-9][0-9.]*' | head -1) Local API on 127.0.0.1:$LAPI_PORT (offline), bouncer key issued"

METRICS=127.0.0.1:19469
cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST", "mode": "generic"}],
 "protect": {"block_private": true},
 "metrics": {"listen": "$METRICS"},
 "feeds": [{"name": "crowdsec", "format": "crowdsec", "url": "http://127.0.0.1:$LAPI_PORT",
            "api_key_file": "$WORK/bouncer.key", "interval": "1s",
            "types": {"throttle": {"action": "ratelimit", "pps": 5}}}],
 "log": {"format": "text", "level": "info"}}
JSON
xg check --config "$WORK/config.json" > /dev/null
start_service "$WORK/config.json" "$WORK/daemon.log"

# within SECONDS DESCRIPTION -- COMMAND...: polls every 50 ms; prints the seconds it took.
within() {
  local limit=$1 what=$2 start now
  shift 3
  start=$(date +%s%N)
  while :; do
    "$@" && break
    now=$(date +%s%N)
    (( (now - start) / 1000000 > limit * 1000 )) &&
      fail "not within ${limit} s: $what (service log: $(tail -5 "$WORK/daemon.log"))"
    sleep 0.05
  done
  python3 -c "print(f'{($(date +%s%N) - $start) / 1e9:.2f}')"
}
listed() { has_entry "^$1 $2$"; }
absent() { ! has_entry "^$1 "; }
status_field() { xg feeds status --config "$WORK/config.json" --json | python3 -c "
import json, sys
print(json.dumps([f for f in json.load(sys.stdin) if f['name'] == 'crowdsec'][0]$1))"; }
BOUND=2  # one interval (1 s) + 1 s

log "a ban on 10.200.0.1 and a range ban on 198.51.100.0/24"
got=$(ping_replies 10.200.0.1 10.200.0.10 2)
[[ $got == 2 ]] || fail "10.200.0.1 is blocked before any decision ($got of 2 replies)"
cs decisions add --ip 10.200.0.1 --duration 1h > /dev/null 2>&1
t=$(within $BOUND "the ban on 10.200.0.1 enforced" -- listed 10.200.0.1/32 "feed:1 drop")
got=$(ping_replies 10.200.0.1 10.200.0.10 3)
[[ $got == 0 ]] || fail "banned 10.200.0.1 got $got of 3 replies"
cs decisions add --range 198.51.100.0/24 --duration 1h > /dev/null 2>&1
t2=$(within $BOUND "the range ban enforced" -- listed 198.51.100.0/24 "feed:1 drop")
log "enforced ${t} s and ${t2} s after cscli (bound ${BOUND} s); 10.200.0.1's pings dropped"

log "a throttle decision becomes a rate limit; a Country decision is skipped and counted"
cs decisions add --ip 10.200.0.2 --type throttle --duration 1h > /dev/null 2>&1
within $BOUND "the throttle on 10.200.0.2" -- listed 10.200.0.2/32 "feed:1 ratelimit" > /dev/null
cs decisions add --scope Country --value FR > /dev/null 2>&1
country() { [[ $(status_field "['skipped_by_scope'].get('country', 0)") == 1 ]]; }
within $BOUND "the Country decision counted" -- country > /dev/null
grep -q "skipped decisions of scopes.*1 Country" "$WORK/daemon.log" || fail "no log line for the skipped scope"
m=$(scrape)
echo "$m" | grep -q '^xdpguard_crowdsec_decisions{feed="crowdsec",type="throttle"} 1$' ||
  fail "metrics: no throttle decision counted: $(echo "$m" | grep crowdsec)"
echo "$m" | grep -q '^xdpguard_crowdsec_skipped_decisions{feed="crowdsec",scope="country"} 1$' ||
  fail "metrics: the Country decision is not counted: $(echo "$m" | grep crowdsec)"

log "cscli decisions delete lifts the ban"
cs decisions delete --ip 10.200.0.1 > /dev/null 2>&1
t=$(within $BOUND "the ban on 10.200.0.1 lifted" -- absent 10.200.0.1/32)
got=$(ping_replies 10.200.0.1 10.200.0.10 3)
[[ $got == 3 ]] || fail "unbanned 10.200.0.1 got $got of 3 replies"
log "lifted ${t} s after cscli; pings pass again"

log "a 3-second decision disappears when it ends"
cs decisions add --ip 10.200.0.5 --duration 3s > /dev/null 2>&1
within $BOUND "the short decision enforced" -- listed 10.200.0.5/32 "feed:1 drop" > /dev/null
t=$(within 6 "the short decision gone" -- absent 10.200.0.5/32)
log "gone ${t} s after it was enforced"

log "the Local API killed: enforcement stays; restarted: nothing lost, new decisions follow"
before=$(entries)
kill -9 "$LAPI"
wait "$LAPI" 2>/dev/null || true
sleep 3
[[ $(entries) == "$before" ]] || fail "entries changed while the Local API was down: $(entries)"
reason=$(status_field "['last_error_reason']")
[[ $reason == '"fetch"' ]] || fail "the failure is recorded as $reason, not fetch"
start_lapi
cs decisions add --ip 10.200.0.6 --duration 1h > /dev/null 2>&1
# The service backs off from its interval while the Local API is down (1, 2, 4 s ...).
t=$(within 10 "a decision added after the restart" -- listed 10.200.0.6/32 "feed:1 drop")
[[ $(entries | grep -v 10.200.0.6) == "$before" ]] || fail "the resync lost or changed entries: $(entries)"
log "after the restart a new decision was enforced in ${t} s; the earlier ones kept"

kill -TERM "$DAEMON"
wait "$DAEMON" 2>/dev/null || true
log "PASS"
