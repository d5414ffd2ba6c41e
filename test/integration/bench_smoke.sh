#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/bench.sh works end to end (one short round, 1,000 prefixes, veth only): every
# filter gets its run, the generator reaches the receiver, each filter drops the flood
# (filtered = received, nothing passed) while the unfiltered run passes it to UDP, the
# flow-controlled floods lose no frame (received >= sent), and the report names every
# filter, including a --baseline build (this same binary, on its own pinned maps).
# The generator is the one bench.sh picks by itself (live frames where the kernel allows
# them, else frames circulating between two veths); the report must name it, and either
# way the receiver must get native XDP frames: every frame it received was sent by
# ndo_xdp_xmit (the generator's veth counts them), and XDP drop-all costs the receiving
# core far less than the stack's path. Where live frames are allowed, the circulating
# generator is checked too, by a second short run forced with --generator circulate.
# A functional check of the harness; the figures themselves are not judged beyond that
# (they are measurements, not pass/fail criteria).
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
engine=$(sed -n 's/^- generator: `bench\/flood_gen --engine \([a-z]*\)`.*/\1/p' "$OUT")
[[ $engine == live || $engine == circulate ]] || fail "the report names no generator"
log "generator picked by bench.sh: $engine"
check_report() {  # report [floods the run had, default all of the smallest size's]
  python3 - "$@" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
raw = text.split("## Raw rows")[1]
rows = {}
for line in raw.splitlines():
    f = line.split("\t")
    if len(f) == 12:
        rows[(f[1], f[2])] = dict(offered=int(f[4]), received=int(f[5]), passed=int(f[6]), ns=int(f[8]),
                                  xmit=int(f[9]))
want = ["none", "dropall", "xdpguard_native", "xdpguard_generic", "ipset", "ipset_legacy",
        "nft_ingress", "nft_prerouting", "xdp_filter", "xdpguard_baseline", "xdpguard_flows_off"]
floods = ["one-24", "one-24-open", "one-24-paced", "one-24-rewrite"]
if len(sys.argv) > 3:  # a run restricted with --only-floods and --only-filters
    floods, want = sys.argv[2].split(","), sys.argv[3].split(",")
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
    # Native XDP frames: all but a few (the generator namespace's own stack) came by
    # ndo_xdp_xmit, not as skbs that the receiving veth would convert on its own core.
    if r["received"] > r["xmit"] + 100:
        problems.append(f"{what}: {r['received']} received but only {r['xmit']} sent as xdp_frames")
if ("one-24", "dropall") in rows and ("one-24", "none") in rows:
    drop, stack = (rows[("one-24", k)]["ns"] / max(rows[("one-24", k)]["received"], 1) for k in ("dropall", "none"))
    if drop > stack / 2:
        problems.append(f"XDP drop-all costs {drop:.0f} ns per frame, the stack {stack:.0f}: not native XDP frames?")
for label in ["xdpguard, native XDP", "raw PREROUTING + ipset hash:net", "xdp-filter (exact addresses)",
              "xdpguard baseline build (--baseline), native XDP", "- baseline: "]:
    if label not in text: problems.append(f"report lacks the row '{label}'")
for (flood, name), r in sorted(rows.items()):
    print(f"  {flood:14} {name:18} offered {r['offered']:>9}  received {r['received']:>9}  passed {r['passed']:>9}  "
          f"{r['ns'] // max(r['received'], 1)} ns/pkt")
for p in problems: print("  " + p)
sys.exit(1 if problems else 0)
PY
}
check_report "$OUT" || fail "report check failed ($engine generator)"
if [[ $engine == live ]]; then
  BUILD_DIR=$(dirname "$XDPGUARD") bash "$HERE/../../scripts/bench.sh" --no-install --skip-testrun \
    --skip-control --rounds 1 --seconds 1 --sizes 1000 --generator circulate --only-floods one-24,one-24-rewrite \
    --only-filters none,dropall,xdpguard_native,ipset --out "$OUT" 2> /tmp/xg-bench-$ID.log ||
    fail "bench.sh --generator circulate failed: $(tail -5 /tmp/xg-bench-$ID.log)"
  grep -q '^- generator: `bench/flood_gen --engine circulate`' "$OUT" || fail "the forced run names another generator"
  check_report "$OUT" one-24,one-24-rewrite none,dropall,xdpguard_native,ipset ||
    fail "report check failed (circulate generator)"
fi
log "PASS"
