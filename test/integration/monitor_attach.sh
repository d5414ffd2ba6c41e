#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `attach --monitor` is a dry run from the first packet: the interface setting is written
# before the program goes live, so a blocked source flooding during the attach loses
# nothing, and its packets are counted as "monitor" (would drop).
source "$(dirname "$0")/lib.sh"
make_pair
xg attach "$VETH_DST" --mode native
xg block add 10.200.0.1
xg detach "$VETH_DST" --keep-maps

before=$(udp_arrived)
blast 10.200.0.1 10.200.0.10 2 5000 > "/tmp/xg-sent-$ID" &
pid=$!
sleep 0.5
xg attach "$VETH_DST" --mode native --monitor
wait "$pid"
sleep 0.2
sent=$(cat "/tmp/xg-sent-$ID"); rm -f "/tmp/xg-sent-$ID"
arrived=$(( $(udp_arrived) - before ))
stats=$(xg stats --json)
drops=$(echo "$stats" | json_get "['verdicts']['drop']['ipv4']['packets']")
monitored=$(echo "$stats" | json_get "['verdicts']['monitor']['ipv4']['packets']")
log "sent $sent, arrived $arrived, dropped $drops, counted as monitor $monitored"
[[ $drops == 0 ]] || fail "attach --monitor dropped $drops packets"
[[ $arrived == "$sent" ]] || fail "sent $sent but $arrived arrived"
[[ $monitored -gt 0 ]] || fail "no packet was counted as monitor"
log "PASS"
