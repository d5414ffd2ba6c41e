#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Grafana dashboard (scripts/grafana/xdpguard-dashboard.json) is valid JSON and every
# metric its queries name is one the service exports (controller/daemon/metrics.cc), so a
# renamed metric cannot leave a panel silently empty.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python3 - "$root" <<'PY'
import json, re, sys
root = sys.argv[1]
dash = json.load(open(f"{root}/scripts/grafana/xdpguard-dashboard.json"))
exported = set(re.findall(r'Family\("(xdpguard_[a-z0-9_]+)"', open(f"{root}/controller/daemon/metrics.cc").read()))
assert exported, "no metric families found in metrics.cc"
used = set()
for p in dash["panels"]:
    assert p["targets"], f"panel {p['title']} has no query"
    for t in p["targets"]:
        used |= set(re.findall(r"xdpguard_[a-z0-9_]+", t["expr"]))
missing = sorted(used - exported)
assert not missing, f"the dashboard queries metrics the service does not export: {missing}"
print(f"dashboard: {len(dash['panels'])} panels, {len(used)} metrics, all exported")
PY
