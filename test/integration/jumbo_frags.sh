#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Jumbo MTU (9000 on veth): attach picks the multi-buffer (frags) program and says so,
# blocked jumbo frames are dropped, and byte counters use the full frame length.
source "$(dirname "$0")/lib.sh"
make_pair 9000

out=$(xg attach "$VETH_DST" --mode native 2>&1)
echo "$out"
echo "$out" | grep -q "frags" || fail "attach on MTU 9000 did not report the frags program"
prog=$(xg status --json | json_get "['interfaces'][0]['program']")
[[ $prog == xdpguard_frags ]] || fail "program on jumbo interface is '$prog'"
xg block add 10.200.0.1

# 8000-byte ICMP payload: one 8028-byte IP packet, 8042 bytes on the wire.
in_src ping -n -q -c 5 -i 0.05 -W 1 -s 8000 -M do -I 10.200.0.1 10.200.0.10 >/dev/null 2>&1 || true
stats=$(xg stats --json)
pk=$(echo "$stats" | json_get "['verdicts']['drop']['ipv4']['packets']")
by=$(echo "$stats" | json_get "['verdicts']['drop']['ipv4']['bytes']")
log "dropped $pk jumbo packets, $by bytes"
[[ $pk == 5 ]] || fail "dropped $pk of 5 jumbo packets"
[[ $by == $((5 * 8042)) ]] || fail "byte counter $by, expected $((5 * 8042)) (full frames)"
got=$(in_src ping -n -q -c 3 -i 0.05 -W 1 -s 8000 -M do -I 10.200.0.2 10.200.0.10 | awk '/received/ {print $4}')
[[ $got == 3 ]] || fail "allowed jumbo pings: $got of 3"
log "PASS"
