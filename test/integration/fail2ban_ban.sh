#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# fail2ban with xdpguard's action (scripts/fail2ban/xdpguard.conf), the real Debian
# fail2ban-server with a private configuration: a jail watches a test log file; two failed
# lines for an address ban it (dropped by XDP, listed with origin fail2ban and a TTL), and
# it is unbanned after bantime. A prefix the operator already drops is kept through a ban
# and its unban; a permanent ban (bantime -1) has no TTL; an unban of an address another
# source lists keeps it.
source "$(dirname "$0")/lib.sh"
command -v fail2ban-server >/dev/null || skip "fail2ban is not installed (scripts/install-deps.sh)"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make_pair
xg attach "$VETH_DST" >/dev/null

WORK=$(mktemp -d /tmp/xg-f2b.XXXXXX)
EXTRA_DIRS+=("$WORK")
conf=$WORK/conf
mkdir -p "$conf/action.d" "$conf/filter.d"
cp "$ROOT/scripts/fail2ban/xdpguard.conf" "$conf/action.d/"
cat > "$conf/fail2ban.conf" <<EOF
[Definition]
loglevel = INFO
logtarget = $WORK/fail2ban.log
socket = $WORK/fail2ban.sock
pidfile = $WORK/fail2ban.pid
dbfile = :memory:
syslogsocket = auto
EOF
cat > "$conf/filter.d/xgtest.conf" <<'EOF'
[Definition]
failregex = ^FAIL from <HOST>$
ignoreregex =
datepattern = {NONE}
EOF
touch "$WORK/auth.log"
cat > "$conf/jail.conf" <<EOF
[xgtest]
enabled = true
filter = xgtest
logpath = $WORK/auth.log
backend = polling
maxretry = 2
findtime = 60
bantime = 6
action = xdpguard[xdpguard="$XDPGUARD", pin_dir="$XDPGUARD_PIN_DIR"]
EOF
f2b() { fail2ban-client -c "$conf" -s "$WORK/fail2ban.sock" "$@"; }
entry() {  # entry CIDR: its block list --json object, or nothing
  xg block list --json | python3 -c "
import json, sys
for e in json.load(sys.stdin):
    if e['cidr'] == sys.argv[1]: print(json.dumps(e, separators=(',', ':')))" "$1"
}
wait_for() {  # wait_for SECONDS DESCRIPTION -- COMMAND...: until COMMAND succeeds
  local limit=$1 what=$2
  shift 3
  for _ in $(seq $((limit * 10))); do "$@" && return 0; sleep 0.1; done
  fail "not within ${limit} s: $what (fail2ban log: $(grep -E "ERROR|NOTICE" "$WORK/fail2ban.log" | tail -8))"
}
listed_by() { entry "$1" | grep -q "\"origin\":\"$2\""; }
not_listed() { [[ -z $(entry "$1") ]]; }

log "the operator already drops 10.200.0.2"
xg block add 10.200.0.2 >/dev/null

fail2ban-server -f -x -c "$conf" -s "$WORK/fail2ban.sock" -p "$WORK/fail2ban.pid" \
  --logtarget "$WORK/fail2ban.log" > "$WORK/server.out" 2>&1 &
BG_PIDS+=($!)
f2b_up() { f2b ping >/dev/null 2>&1; }
wait_for 20 "fail2ban-server answers" -- f2b_up
log "fail2ban $(fail2ban-server --version | head -1) running with the xdpguard action"

log "two failures from 10.200.0.1 and from 10.200.0.2"
start=$(date +%s.%N)
printf 'FAIL from 10.200.0.1\nFAIL from 10.200.0.1\nFAIL from 10.200.0.2\nFAIL from 10.200.0.2\n' >> "$WORK/auth.log"
wait_for 10 "10.200.0.1 banned in XDP" -- listed_by 10.200.0.1/32 fail2ban
banned=$(date +%s.%N)
ttl=$(entry 10.200.0.1/32 | json_get "['expires_in_s']")
[[ $ttl -ge 1 && $ttl -le 6 ]] || fail "the ban's TTL is $ttl s, expected 1..6 (bantime 6)"
got=$(ping_replies 10.200.0.1 10.200.0.10 3)
[[ $got == 0 ]] || fail "banned 10.200.0.1 got $got replies"
wait_for 5 "fail2ban banned 10.200.0.2 too" -- grep -q "Ban 10.200.0.2" "$WORK/fail2ban.log"
listed_by 10.200.0.2/32 manual || fail "the operator's drop of 10.200.0.2 was taken over: $(entry 10.200.0.2/32)"
log "banned $(python3 -c "print(f'{$banned - $start:.1f}')") s after the log lines (TTL $ttl s); the operator's entry kept"

log "unban after bantime"
wait_for 15 "10.200.0.1 unbanned" -- not_listed 10.200.0.1/32
got=$(ping_replies 10.200.0.1 10.200.0.10 3)
[[ $got == 3 ]] || fail "unbanned 10.200.0.1 got $got of 3 replies"
wait_for 5 "fail2ban unbanned 10.200.0.2" -- grep -q "Unban 10.200.0.2" "$WORK/fail2ban.log"
listed_by 10.200.0.2/32 manual || fail "fail2ban's unban removed the operator's entry for 10.200.0.2"
got=$(ping_replies 10.200.0.2 10.200.0.10 3)
[[ $got == 0 ]] || fail "10.200.0.2 (the operator's drop) got $got replies after the unban"

log "a permanent ban has no TTL; an unban keeps what another source lists"
f2b set xgtest bantime -1 >/dev/null
f2b set xgtest banip 10.200.0.3 >/dev/null
wait_for 5 "permanent ban of 10.200.0.3" -- listed_by 10.200.0.3/32 fail2ban
[[ $(entry 10.200.0.3/32 | json_get "['expires_in_s']") == None ]] || fail "a permanent ban got a TTL"
xg block add 10.200.0.3 --comment "operator" >/dev/null  # the operator takes it over
f2b set xgtest unbanip 10.200.0.3 >/dev/null
wait_for 5 "fail2ban unbanned 10.200.0.3" -- grep -q "Unban 10.200.0.3" "$WORK/fail2ban.log"
listed_by 10.200.0.3/32 manual || fail "the unban removed an entry the operator had taken over"
out=$(xg block del 10.200.0.9 --origin fail2ban)
[[ $out == "not listed: 10.200.0.9/32" ]] || fail "unban of an unlisted address: $out"
out=$(xg block add 10.200.0.4 --origin bogus 2>&1) && fail "--origin bogus accepted"
echo "$out" | grep -q "expected manual or fail2ban" || fail "bad --origin error: $out"

f2b stop >/dev/null || true
log "PASS"
