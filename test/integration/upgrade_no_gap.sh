#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Program upgrade without a gap: while a blocked source sends UDP at ~20k packets/s, our
# program is replaced 20 times (attach --replace: XDP_FLAGS_REPLACE with the expected old
# program). Zero datagrams may reach the destination's UDP stack (/proc/net/snmp). The
# control run does detach + attach instead and must leak, proving the check would notice.
# (ping is no good as a sender here: iputils slows to ~60/s when replies stop coming.)
source "$(dirname "$0")/lib.sh"
make_pair
CYCLES=20
SECONDS_PER_RUN=3
RATE=20000

xg attach "$VETH_DST" --mode native
xg block add 10.200.0.1
run_with() {  # run_with "replace"|"detach": prints "sent arrived"
  local how=$1 before after
  before=$(udp_arrived)
  blast 10.200.0.1 10.200.0.10 "$SECONDS_PER_RUN" "$RATE" > "/tmp/xg-sent-$ID" &
  local blast_pid=$!
  sleep 0.3
  for _ in $(seq "$CYCLES"); do
    if [[ $how == replace ]]; then
      xg attach "$VETH_DST" --mode native --replace >/dev/null 2>&1
    else
      xg detach "$VETH_DST" --keep-maps >/dev/null
      xg attach "$VETH_DST" --mode native >/dev/null
    fi
  done
  wait "$blast_pid"
  sleep 0.2
  after=$(udp_arrived)
  echo "$(cat "/tmp/xg-sent-$ID") $((after - before))"
  rm -f "/tmp/xg-sent-$ID"
}

log "upgrade: $CYCLES atomic replacements under traffic"
drops_before=$(xg stats --json | json_get "['verdicts']['drop']['ipv4']['packets']")
read -r sent leaked < <(run_with replace)
drops_after=$(xg stats --json | json_get "['verdicts']['drop']['ipv4']['packets']")
log "replace: sent $sent, reached the stack $leaked, drop counter +$((drops_after - drops_before))"
[[ $sent -gt 10000 ]] || fail "sender managed only $sent packets"
[[ $leaked == 0 ]] || fail "$leaked packets leaked during atomic replacement"
[[ $((drops_after - drops_before)) == "$sent" ]] || fail "drop counter moved by $((drops_after - drops_before)), sent $sent"

log "control: $CYCLES detach+attach cycles under traffic (must leak)"
read -r sent leaked < <(run_with detach)
log "detach+attach: sent $sent, reached the stack $leaked"
[[ $leaked -gt 0 ]] || fail "control run leaked nothing: the sender or the check is broken"
log "PASS"
