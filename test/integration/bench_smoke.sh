#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/bench.sh works end to end (one short round, 1,000 prefixes, veth only): every
# filter gets its run, the generator reaches the receiver, each filter drops the flood
# (filtered = received, nothing passed) while the unfiltered run passes it to UDP, the
# flow-controlled floods lose no frame (received >= sent), and the report names every
# filter, including a --baseline build (this same binary, on its own pinned maps). A functional check of the harness; the figures themselves
# are not judged (they are measurements, not pass/fail criteria).
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=/tmp/xg-bench-$ID.md
[[ $(nproc) -ge 2 ]] || skip "the benchmark needs 2 CPUs"
# The harness is what this checks; the plain suite does, and under the sanitizers it would
# only add minutes to CI.
[[ -z ${XG_SANITIZED:-} ]] || skip "the sanitizer build (the plain suite checks the harness)"
BUILD_DIR=$(dirname "$XDPGUARD") bash "$HERE/../../scripts/bench.sh" --no-install --skip-testrun \
  --skip-control --rounds 1 --seconds 1 --sizes 1000 --baseline "$XDPGUARD" --out "$OUT" 2> /tmp/xg-bench-$ID.log ||
  fail "bench.sh failed: $(tail -5 /tmp/xg-bench-$ID.log)"
python3 - "$OUT" <<'PY' || fail "report check failed"
import re, sys
text = open(sys.argv[1]).read()
raw = text.split("## Raw rows")[1]
rows = {}
for line in raw.splitlines():
    f = line.split("\t")
    if len(f) == 9:
        rows[(f[1], f[2])] = dict(offered=int(f[4]), received=int(f[5]), passed=int(f[6]), ns=int(f[8]))
want = ["none", "dropall", "xdpguard_native", "xdpguard_generic", "ipset", "ipset_legacy",
        "nft_ingress", "nft_prerouting", "xdp_filter", "xdpguard_baseline", "xdpguard_flows_off"]
floods = ["one-24", "one-24-open", "one-24-paced", "one-24-rewrite"]
problems = [f"no run for {w} in {fl}" for fl in floods for w in want
            if (fl, w) not in rows and not (w == "xdpguard_flows_off" and fl in ("one-24-open", "one-24-rewrite"))]
for (flood, name), r in rows.items():
    what = f"{flood} {name}"
    if r["received"] < 10000: problems.append(f"{what}: only {r['received']} frames received")
    if r["ns"] <= 0: problems.append(f"{what}: no NAPI run time")
    if name == "none":
        if r["passed"] < r["received"] * 0.9: problems.append(f"{what}: {r['passed']} of {r['received']} reached UDP")
    elif r["passed"] > r["received"] * 0.001:
        problems.append(f"{what}: {r['passed']} of {r['received']} passed the filter")
    # Flow control: the veth ring refuses nothing, so every frame sent is received (the
    # receiver's count can only be higher, by the generator stack's own few frames).
    if flood in ("one-24", "one-24-rewrite") and r["received"] < r["offered"]:
        problems.append(f"{what}: flow control lost frames: {r['offered']} sent, {r['received']} received")
for label in ["xdpguard, native XDP", "raw PREROUTING + ipset hash:net", "xdp-filter (exact addresses)",
              "xdpguard baseline build (--baseline), native XDP", "- baseline: "]:
    if label not in text: problems.append(f"report lacks the row '{label}'")
for (flood, name), r in sorted(rows.items()):
    print(f"  {flood:14} {name:18} offered {r['offered']:>9}  received {r['received']:>9}  passed {r['passed']:>9}  "
          f"{r['ns'] // max(r['received'], 1)} ns/pkt")
for p in problems: print("  " + p)
sys.exit(1 if problems else 0)
PY
log "PASS"
