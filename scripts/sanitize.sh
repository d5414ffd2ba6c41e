#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds everything with clang, AddressSanitizer and UndefinedBehaviorSanitizer (UB aborts)
# in its own build directory and runs the test suite there through ctest: the unit tests,
# and as root the datapath and integration tests too (the xdpguard binary they drive is
# the instrumented one). Usage: sudo scripts/sanitize.sh [extra ctest arguments]
# SANITIZE_BUILD_DIR (default build-asan/) is the build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SANITIZE_BUILD_DIR:-$root/build-asan}
if [[ $(id -u) -ne 0 ]]; then
  echo "sanitize.sh: datapath and integration tests need root; running unit tests only" >&2
  [[ $# -gt 0 ]] && set -- -L unit "$@"
else
  mount | grep -q ' /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf
fi
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DXDPGUARD_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXDPGUARD_LINE_TABLES=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
# detect_leaks: a leak fails the test like a crash; halt_on_error: the first report ends it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
bash "$root/scripts/run-ctest.sh" "$@"
