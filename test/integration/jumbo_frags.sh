#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Jumbo MTU (9000 on veth): attach picks the multi-buffer (frags) program and says so,
# blocked jumbo frames are dropped, and byte counters use the full frame length. A resize
# with a jumbo and a plain interface swaps each to its own variant, both on the new tables.
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

log "resize with a jumbo and a plain interface attached"
PLAIN_DST="xgp$ID"
ip link add "xgq$ID" netns "$NS_SRC" type veth peer name "$PLAIN_DST" netns "$NS_DST"
in_src ip link set "xgq$ID" up
in_dst ip link set "$PLAIN_DST" up
xg attach "$PLAIN_DST" --mode native >/dev/null
out=$(xg resize --block-v4-entries 8192)
echo "$out"
echo "$out" | grep -q "program swapped atomically on .*$VETH_DST" || fail "jumbo interface not swapped: $out"
echo "$out" | grep -q "program swapped atomically on .*$PLAIN_DST" || fail "plain interface not swapped: $out"
progs=$(xg status --json | python3 -c "
import json, sys
print(' '.join(f\"{i['name']}={i['program']}\" for i in sorted(json.load(sys.stdin)['interfaces'], key=lambda i: i['name'])))")
[[ $progs == "$VETH_DST=xdpguard_frags $PLAIN_DST=xdpguard_main" ]] || fail "programs after the resize: $progs"
in_src ping -n -q -c 3 -i 0.05 -W 1 -s 8000 -M do -I 10.200.0.1 10.200.0.10 >/dev/null 2>&1 || true
pk=$(xg stats --json | json_get "['verdicts']['drop']['ipv4']['packets']")
[[ $pk == 8 ]] || fail "after the resize the jumbo interface dropped $((pk - 5)) of 3"
got=$(in_src ping -n -q -c 3 -i 0.05 -W 1 -s 8000 -M do -I 10.200.0.2 10.200.0.10 | awk '/received/ {print $4}')
[[ $got == 3 ]] || fail "allowed jumbo pings after the resize: $got of 3"
xg detach "$PLAIN_DST" >/dev/null
log "PASS"
