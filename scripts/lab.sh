#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# xdpguard quickstart lab: builds xdpguard, creates two network namespaces joined by a
# veth pair (a protected host and "the internet"), attaches xdpguard to the host's
# interface, loads a lab blocklist and a real Spamhaus DROP sample, adds a rate-limited
# crawler and a "cloud range" limited to new inbound connections, sends bounded traffic
# from every kind of source, spoofs ARP for the gateway to raise a gateway-guard alert, and
# prints verdict counters, per-rule hits and flow stats.
# Everything lives in namespaces and a pin directory this script creates, and is torn
# down on exit, even on failure. Needs root. Usage: sudo scripts/lab.sh
set -euo pipefail
source "$(dirname "$0")/lab/common.sh" lab.sh

lab_setup lab l lab
lab_state=$(mktemp -d /tmp/xdpguard-lab-XXXXXX)  # feed state and config for this run
cleanup() {
  rm -rf "$lab_state"
  lab_teardown
}
trap cleanup EXIT
pings() {  # pings SRC DST COUNT -> "sent/received"
  in_net ping -n -q -c "$3" -i 0.05 -W 1 -I "$1" "$2" 2>/dev/null |
    awk '/received/ { print $1 " sent, " $4 " answered" }' || true
}

step "network: host 10.77.0.1 / fd00:77::1  <-veth->  internet (clients, crawler, abusers)"
lab_network "10.77.0.20/32 198.51.100.10/32 198.51.100.53/32 203.0.113.66/32 192.0.2.5/32 100.70.0.9/32 100.80.0.7/32" \
  "198.51.100.0/24 203.0.113.0/24 192.0.2.0/24 100.64.0.0/10"
in_net ping -c1 -W2 10.77.0.1 >/dev/null

step "attach xdpguard to the host interface"
# Drop sampling 1 in 1: the lab sends few packets, so flow figures are shown exact (the
# default, 1 in 16, keeps a spoofed-source flood cheap and estimates its counts).
xg attach "$IF_HOST" --mode auto --drop-sample 1

step "load the lab blocklist, then two feeds from the config: Spamhaus DROP and Googlebot ranges"
xg block load "$root/scripts/lab/lab-blocklist.txt"
# Feeds come from the JSON config; here they are local files (the "path" source), so the
# lab needs no network. A real config points "url" at the publisher (see docs/feeds.md).
cat > "$lab_state/config.json" <<JSON
{"state_dir": "$lab_state/state",
 "feeds": [
  {"name": "spamhaus-drop", "format": "plain", "path": "$root/scripts/lab/spamhaus_drop.netset"},
  {"name": "googlebot", "format": "crawler-ranges", "path": "$root/scripts/lab/googlebot.json",
   "action": "ratelimit", "ratelimit": {"pps": 20}}]}
JSON
xg feeds apply --config "$lab_state/config.json"
xg block add 192.0.2.0/24 --monitor --comment "new list on trial (dry run)"
xg block add 198.51.100.0/25 --ttl 1h --comment "extra hour for the crawler fleet"
xg allow add 198.51.100.53 # a verified crawler address inside the blocked fleet
xg block add 100.70.0.0/16 --action ratelimit --pps 5 --burst 5 --comment "polite crawler: 5/s"
xg block add 100.80.0.0/16 --new-only --comment "cloud range: no inbound connections"

step "traffic (20 pings each)"
printf '  %-34s %s\n' "ordinary client 10.77.0.20:" "$(pings 10.77.0.20 10.77.0.1 20)"
printf '  %-34s %s\n' "crawler fleet 198.51.100.10:" "$(pings 198.51.100.10 10.77.0.1 20)"
printf '  %-34s %s\n' "allowlisted crawler 198.51.100.53:" "$(pings 198.51.100.53 10.77.0.1 20)"
printf '  %-34s %s\n' "abuser 203.0.113.66:" "$(pings 203.0.113.66 10.77.0.1 20)"
printf '  %-34s %s\n' "IPv6 abuser 2001:db8:bad::7:" "$(pings 2001:db8:bad::7 fd00:77::1 20)"
printf '  %-34s %s\n' "monitored 192.0.2.5 (dry run):" "$(pings 192.0.2.5 10.77.0.1 20)"
printf '  %-34s %s\n' "rate-limited crawler 100.70.0.9:" "$(pings 100.70.0.9 10.77.0.1 20)"

step "cloud range 100.80.0.0/16 with --new-only: inbound connection blocked, outbound works"
in_host timeout 10 nc -l 10.77.0.1 8080 >/dev/null 2>&1 &
sleep 0.3
if in_net timeout 3 nc -z -w 2 -s 100.80.0.7 10.77.0.1 8080; then echo "  inbound from 100.80.0.7: connected (unexpected)"; else echo "  inbound from 100.80.0.7: blocked (SYN dropped)"; fi
in_net timeout 10 nc -l 100.80.0.7 8081 >/dev/null 2>&1 &
sleep 0.3
if echo hi | in_host timeout 3 nc -N -w 2 100.80.0.7 8081; then echo "  outbound to 100.80.0.7: connected"; else echo "  outbound to 100.80.0.7: failed (unexpected)"; fi

step "gateway guard: a neighbour claims the gateway 10.77.0.2 from another MAC"
xg guard add "$IF_HOST" --gateway 10.77.0.2      # MAC learned from the neighbour table
xg guard watch --count 1 --timeout 5 &
watch_pid=$!
sleep 0.5
host_mac=$(in_host ip -j link show "$IF_HOST" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['address'])")
in_net python3 "$root/scripts/arp_send.py" "$IF_NET" 02:de:ad:be:ef:01 10.77.0.2 "$host_mac" 10.77.0.1 3
wait "$watch_pid" || true

step "xdpguard stats"
xg stats --top 5
step "xdpguard block list (entries with hits)"
xg block list | awk 'NR == 1 || ($5 + 0) > 0 || /entries/'
step "xdpguard flows --by source"
xg flows --by source --interval 0
step "xdpguard feeds status"
xg feeds status --config "$lab_state/config.json"

step "xdpguard status"
xg status
step "detach (the lab removes everything on exit)"
xg detach "$IF_HOST"
