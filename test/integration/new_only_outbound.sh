#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# --new-only on a "cloud range": inbound connection attempts from it are blocked, while
# this host's own outbound TCP connections to a server in that range keep working (their
# SYN-ACK and later segments are not new connections).
source "$(dirname "$0")/lib.sh"
make_pair
xg attach "$VETH_DST" --mode native
xg block add 10.200.0.0/24 --new-only --comment "cloud range"

log "outbound: the protected host connects to a server in the blocked range"
in_src timeout 15 nc -l 10.200.0.1 8081 > "/tmp/xg-nc-$ID" &
server=$!
sleep 0.5
echo "hello from the protected host" | in_dst timeout 5 nc -N -w 3 10.200.0.1 8081 ||
  fail "outbound connection to the blocked range failed"
wait "$server" || true
grep -q "hello from the protected host" "/tmp/xg-nc-$ID" || fail "outbound data did not arrive"
rm -f "/tmp/xg-nc-$ID"

log "inbound: the range cannot open connections to the protected host"
in_dst timeout 15 nc -l -k 10.200.0.10 8082 >/dev/null 2>&1 &
listener=$!
sleep 0.5
if in_src timeout 4 nc -z -w 2 -s 10.200.0.1 10.200.0.10 8082; then
  fail "inbound connection from the blocked range succeeded"
fi
kill "$listener" 2>/dev/null || true
drops=$(xg stats --json | json_get "['verdicts']['drop']['ipv4']['packets']")
[[ $drops -ge 1 ]] || fail "no SYN was dropped"
log "inbound SYNs dropped: $drops; outbound connection unaffected"
log "PASS"
