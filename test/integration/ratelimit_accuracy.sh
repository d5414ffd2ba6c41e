#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Rate-limit accuracy over veth: for L in 100, 1000 and 10000 packets/s, a source sends
# UDP at 5 x L (and at 20 x L for L = 100 and 1000; the Python sender cannot reach
# 200k pps) for 10 s to a host whose xdpguard rule limits it to L (burst L). The
# datagrams that reach the destination's UDP stack, minus the burst, divided by the
# duration must be within +-10% of L. Figures are printed for the closing note.
# Skipped in the sanitizer build (XG_SANITIZED): what it measures is the kernel's token
# bucket, which that build does not change, and the rule writes it makes are exercised by
# the other tests there (it cost a minute of CI's 90).
[[ -n ${XG_SANITIZED:-} ]] && { echo "SKIP: measures the kernel's rate limiter, which the sanitizers do not change"; exit 77; }
source "$(dirname "$0")/lib.sh"
make_pair
xg attach "$VETH_DST" --mode native
DURATION=${XG_RL_SECONDS:-10}

for run in 100:5 1000:5 10000:5 100:20 1000:20; do
  L=${run%:*}
  rate=$((${run#*:} * L))
  xg block add 10.200.0.1 --action ratelimit --pps "$L" --burst "$L" >/dev/null
  before=$(udp_arrived)
  limited_before=$(xg stats --json | json_get "['verdicts']['ratelimit']['ipv4']['packets']")
  sent=$(blast 10.200.0.1 10.200.0.10 "$DURATION" "$rate")
  sleep 0.3
  arrived=$(( $(udp_arrived) - before ))
  limited=$(( $(xg stats --json | json_get "['verdicts']['ratelimit']['ipv4']['packets']") - limited_before ))
  read -r passed_rate err <<<"$(python3 -c "
L, arrived, d = $L, $arrived, $DURATION
r = (arrived - L) / d
print(f'{r:.1f} {100 * (r - L) / L:+.1f}')")"
  log "L=$L pps: sent $sent at ~$rate pps in ${DURATION}s, arrived $arrived, rate-limited $limited;" \
      "passed rate (minus burst) $passed_rate pps = ${err}% vs L"
  [[ $((arrived + limited)) -ge $((sent * 99 / 100)) ]] || fail "packets unaccounted for: sent $sent, arrived $arrived, limited $limited"
  python3 -c "import sys; sys.exit(0 if abs($err) <= 10 else 1)" || fail "L=$L: passed rate off by ${err}%"
  xg block del 10.200.0.1 >/dev/null
done
log "PASS"
