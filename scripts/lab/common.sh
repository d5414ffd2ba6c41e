#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Shared start of the lab scripts (quickstart.sh, lab.sh): root check, build xdpguard if
# the build directory has none ($BUILD_DIR, default build/), bpffs mounted. Sets root, XG.
# Usage: source scripts/lab/common.sh SCRIPT_NAME
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[[ $(id -u) -eq 0 ]] || { echo "$1: needs root (network namespaces, BPF)" >&2; exit 1; }
build=${BUILD_DIR:-$root/build}
if [[ ! -x $build/xdpguard ]]; then
  echo "building xdpguard (first run only)..."
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target xdpguard >/dev/null
fi
XG=$build/xdpguard
mount | grep -q ' /sys/fs/bpf type bpf' || mount -t bpf bpf /sys/fs/bpf
