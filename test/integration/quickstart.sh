#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# README command one keeps working: runs scripts/quickstart.sh with this build and checks
# what it must show (client served, abusers dropped, crawler limited, alert, clean stop),
# and that it left no namespace behind.
set -euo pipefail
XDPGUARD=$(readlink -f "${1:?usage: $0 PATH_TO_XDPGUARD}")
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp /tmp/xg-quickstart-out-XXXXXX)
trap 'rm -f "$out"' EXIT
BUILD_DIR=$(dirname "$XDPGUARD") timeout 240 bash "$root/scripts/quickstart.sh" > "$out" 2>&1 ||
  { cat "$out"; echo "FAIL: quickstart exited non-zero"; exit 1; }
check() { grep -qE "$1" "$out" || { cat "$out"; echo "FAIL: quickstart output lacks: $1"; exit 1; }; }
check "ordinary client 10.77.0.20 \(20 requests\): +20 ok, 0 failed"
check "allowlisted crawler 198.51.100.53 \(20\): +20 ok, 0 failed"
check "abuser 203.0.113.66, abuse feed \(5\): +0 ok, 5 failed"
check "203.0.113.99, CrowdSec decision \(5\): +0 ok, 5 failed"
check "IPv6 abuser 2001:db8:bad::7 \(5 pings\): +0 answered"
check "crawler 198.51.100.10, 5 pkt/s \(20\): +[0-9]+ ok, [1-9][0-9]* failed"
check "daemon log: gateway guard alert: .*arp_spoof"
check "xdpguard_ratelimited_packets_total [1-9]"
check "daemon exited 0"
if ip netns list | grep -q "xgqs-"; then echo "FAIL: the quickstart left a namespace"; exit 1; fi
echo "PASS"
