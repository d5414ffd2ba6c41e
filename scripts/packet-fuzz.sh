#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Longer runs of the packet differential fuzzer (test/fuzz/packet: the real XDP program by
# BPF_PROG_TEST_RUN against an independent reference model) than CI's 1M + 200k packets:
# SEEDS runs per program, each with its own seed, PACKETS packets through xdpguard_main and
# a fifth of that through xdpguard_frags. Prints each run's summary line (packets,
# mismatches, aborted verdicts, counter and rate-limit checks) and exits 1 if any run
# found a mismatch; a run's first mismatches are printed with the frame in hex and the
# model's reasoning, and `packet_diff --seed S` replays it.
#
#   sudo scripts/packet-fuzz.sh [--packets N] [--seeds K] [--first-seed S] [BUILD_DIR]
# Defaults: 2,000,000 packets, 5 seeds from the current time. Needs root (BPF).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
packets=2000000
seeds=5
first=$(date +%s)
build=$root/build
while [[ $# -gt 0 ]]; do
  case $1 in
    --packets) packets=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --first-seed) first=$2; shift 2 ;;
    -*) echo "usage: $0 [--packets N] [--seeds K] [--first-seed S] [BUILD_DIR]" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
bin=$build/test/packet_diff
[[ -x $bin ]] || { echo "packet-fuzz: no $bin (build first: cmake --build $build --target packet_diff)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "packet-fuzz: needs root (BPF_PROG_TEST_RUN)" >&2; exit 1; }
status=0
for ((i = 0; i < seeds; i++)); do
  seed=$((first + i))
  "$bin" --packets "$packets" --seed "$seed" --quiet 2> >(grep -v '^libbpf' >&2) || status=1
  "$bin" --packets $((packets / 5)) --seed "$seed" --frags --quiet 2> >(grep -v '^libbpf' >&2) || status=1
done
exit $status
