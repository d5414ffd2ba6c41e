#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every query of the Grafana dashboard (scripts/grafana/xdpguard-dashboard.json) returns data
# from a real Prometheus scraping the quickstart's service: the quickstart runs as README's
# first command does, and before its service stops, dashboard_queries.py runs Prometheus in
# the lab host's namespace against the service's metrics endpoint and asks every query.
set -euo pipefail
XDPGUARD=$(readlink -f "${1:?usage: $0 PATH_TO_XDPGUARD}")
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
command -v prometheus >/dev/null || { echo "SKIP: no prometheus (scripts/install-deps.sh installs it)"; exit 77; }
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp /tmp/xg-dashboard-out-XXXXXX)
trap 'rm -f "$out"' EXIT
hook="python3 $root/test/integration/dashboard_queries.py $root/scripts/grafana/xdpguard-dashboard.json 127.0.0.1:9469"
if ! BUILD_DIR=$(dirname "$XDPGUARD") QUICKSTART_WHILE_RUNNING="$hook" timeout 240 bash "$root/scripts/quickstart.sh" > "$out" 2>&1; then
  cat "$out"; echo "FAIL: the quickstart or a dashboard query failed"; exit 1
fi
sed -n '/QUICKSTART_WHILE_RUNNING/,/return data/p' "$out"
grep -q "return data from a real Prometheus" "$out" || { cat "$out"; echo "FAIL: the queries did not run"; exit 1; }
echo "PASS"
