#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds xdpguard and runs the whole test suite with ctest: unit tests (no privileges),
# datapath tests (BPF_PROG_TEST_RUN) and integration tests (network namespaces), the last
# two as root. Usage: sudo scripts/test.sh [extra ctest arguments, e.g. -L unit]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}

if [[ $(id -u) -ne 0 ]]; then
  echo "test.sh: datapath and integration tests need root; running unit tests only" >&2
  [[ $# -gt 0 ]] && set -- -L unit "$@"
else
  # bpffs must be mounted for the pinned maps (a fresh machine may not have it).
  mount | grep -q ' /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXDPGUARD_LINE_TABLES=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
bash "$root/scripts/run-ctest.sh" "$@"
