#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End to end over veth: attach with the CLI, block a source (IPv4 and IPv6), real ping and
# TCP from the blocked source fail while the allowed source succeeds, the counters equal
# the packets sent, and detach restores traffic.
source "$(dirname "$0")/lib.sh"
make_pair

xg attach "$VETH_DST" --mode native
xg block add 10.200.0.1 --comment "integration"
xg block add fd00:200::1/128
xg status

log "ping: blocked source 10 packets, allowed source 10 packets"
got=$(ping_replies 10.200.0.1 10.200.0.10 10)
[[ $got == 0 ]] || fail "blocked IPv4 source got $got replies"
got=$(ping_replies 10.200.0.2 10.200.0.10 10)
[[ $got == 10 ]] || fail "allowed IPv4 source got $got of 10 replies"
got=$(ping_replies fd00:200::1 fd00:200::10 10)
[[ $got == 0 ]] || fail "blocked IPv6 source got $got replies"
got=$(ping_replies fd00:200::2 fd00:200::10 10)
[[ $got == 10 ]] || fail "allowed IPv6 source got $got of 10 replies"

stats=$(xg stats --json)
drops4=$(echo "$stats" | json_get "['verdicts']['drop']['ipv4']['packets']")
drops6=$(echo "$stats" | json_get "['verdicts']['drop']['ipv6']['packets']")
log "drop counters: ipv4=$drops4 ipv6=$drops6 (sent 10 each)"
[[ $drops4 == 10 ]] || fail "IPv4 drop counter $drops4 != 10 packets sent"
[[ $drops6 == 10 ]] || fail "IPv6 drop counter $drops6 != 10 packets sent"
rule=$(xg block list --json | python3 -c "import json,sys; print([e['packets'] for e in json.load(sys.stdin) if e['cidr']=='10.200.0.1/32'][0])")
[[ $rule == 10 ]] || fail "per-rule counter for 10.200.0.1/32 is $rule, expected 10"

log "TCP: a listener on the destination, connections from both sources"
in_dst timeout 20 nc -l -k 10.200.0.10 8080 >/dev/null 2>&1 &
NC_PID=$!
sleep 0.5
if in_src timeout 3 nc -z -w 2 -s 10.200.0.1 10.200.0.10 8080; then fail "TCP from blocked source connected"; fi
in_src timeout 3 nc -z -w 2 -s 10.200.0.2 10.200.0.10 8080 || fail "TCP from allowed source failed"
kill "$NC_PID" 2>/dev/null || true

log "detach restores traffic"
xg detach "$VETH_DST"
got=$(ping_replies 10.200.0.1 10.200.0.10 5)
[[ $got == 5 ]] || fail "after detach the formerly blocked source got $got of 5 replies"
[[ ! -e $XDPGUARD_PIN_DIR ]] || fail "detach without --keep-maps left $XDPGUARD_PIN_DIR"
log "PASS"
