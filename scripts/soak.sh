#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The service under everything at once for a while (test/integration/soak.sh says what and
# what must hold): a random-source flood, CLI feed refreshes and writes, scrapes, reloads;
# RSS drift, fds, threads and kernel maps compared after a warm-up. CI runs 10 minutes.
#   sudo scripts/soak.sh [--minutes N]    (default 10)
# BUILD_DIR (default build/) holds the xdpguard binary; it is built if missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
minutes=10
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    *) echo "soak.sh: unknown option $1 (usage: $0 [--minutes N])" >&2; exit 2 ;;
  esac
done
[[ $minutes =~ ^[1-9][0-9]{0,3}$ ]] || { echo "soak.sh: --minutes 1..9999" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "soak.sh: needs root (network namespaces, XDP)" >&2; exit 1; }
if [[ ! -x $build/xdpguard ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXDPGUARD_LINE_TABLES=ON > /dev/null
  cmake --build "$build" -j"$(nproc)" --target xdpguard
fi
SOAK_SECONDS=$((minutes * 60)) exec bash "$root/test/integration/soak.sh" "$build/xdpguard"
