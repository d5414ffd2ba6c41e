#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs ctest in the current build directory for scripts/test.sh and scripts/sanitize.sh.
# With no arguments: the unit tests (host-only, independent processes) on every CPU, then
# everything else in order (datapath and integration tests share the kernel and time
# their traffic: serial). With arguments: ctest with exactly those arguments.
set -euo pipefail
if [[ $# -gt 0 ]]; then
  exec ctest --output-on-failure "$@"
fi
ctest --output-on-failure -L unit -j"$(nproc)"
[[ $(id -u) -eq 0 ]] || exit 0  # the caller said why: datapath and integration need root
ctest --output-on-failure -LE unit
