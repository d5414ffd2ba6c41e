#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the veth benchmark's raw rows (one TSV line per run) into Markdown tables:
medians and min-max over the interleaved rounds, and ratios of CPU per received packet
to iptables+ipset and to the XDP drop-all floor measured in the same rounds.

Input columns: size flood filter round offered received passed seconds napi_ns
[xdp_xmit prog_ns prog_runs] (the last three since 2026-12-07: frames the generator's veth
sent as native xdp_frames, and the receiver's XDP program's run time and runs from the
kernel's bpf_stats, 0 when off or not an XDP filter)."""
import collections
import statistics
import sys

NAMES = {
    "none": "no filter (stack drops at UDP)",
    "dropall": "XDP drop-all (floor)",
    "dropread": "XDP drop after reading the source (floor of a header-reading filter)",
    "xdpguard_native": "xdpguard, native XDP",
    "xdpguard_generic": "xdpguard, generic XDP",
    "xdpguard_flows_off": "xdpguard, native XDP, flow tracking off",
    "xdpguard_baseline": "xdpguard baseline build (--baseline), native XDP",
    "ipset": "iptables (nf_tables backend, Debian's default) raw PREROUTING + ipset hash:net",
    "ipset_legacy": "iptables-legacy raw PREROUTING + ipset hash:net",
    "nft_ingress": "nftables netdev ingress, interval set",
    "nft_prerouting": "nftables ip prerouting (raw prio), interval set",
    "xdp_filter": "xdp-filter (exact addresses)",
    "barehash": "bare XDP exact-hash lookup of the source (anchor)",
    "barebucket": "bare XDP lookup in the bucketised-table prototype (one cache line per probe)",
    "barebucketvalue": "bucketised-table prototype, per-entry value read on a hit",
    "xdppass": "XDP pass-all (reference for passed traffic)",
}


def fmt_range(values, scale=1.0, digits=0):
    v = [x * scale for x in values]
    med = statistics.median(v)
    return ("%.*f (%.*f-%.*f)" % (digits, med, digits, min(v), digits, max(v))), med


def main():
    rows = collections.defaultdict(list)
    order = []
    for line in open(sys.argv[1]):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        size, flood, filt, rnd, offered, received, passed, secs, napi_ns = fields[:9]
        prog_ns, prog_runs = (int(fields[10]), int(fields[11])) if len(fields) >= 12 else (0, 0)
        key = (int(size), flood, filt)
        if key not in rows:
            order.append(key)
        rows[key].append(dict(offered=int(offered), received=int(received), passed=int(passed),
                              secs=float(secs), napi_ns=int(napi_ns), prog_ns=prog_ns,
                              prog_runs=prog_runs))
    groups = collections.OrderedDict()
    for key in order:
        groups.setdefault(key[:2], []).append(key[2])
    for (size, flood), filters in groups.items():
        print("\n#### %s prefixes, flood: %s\n" % ("{:,}".format(size), flood))
        # The XDP programs' own ns per run (bpf_stats), where the run had them.
        with_stats = any(r["prog_runs"] for f in filters for r in rows[(size, flood, f)])
        print("| filter | offered Mpps | received Mpps | filtered Mpps | passed Mpps | receiving-core ns/pkt"
              " | above drop-all | vs iptables+ipset | vs drop-all | vs bare hash |"
              + (" XDP program ns/pkt (bpf_stats) |" if with_stats else ""))
        print("|---|---|---|---|---|---|---|---|---|---|" + ("---|" if with_stats else ""))
        ns = {}
        for f in filters:
            runs = rows[(size, flood, f)]
            ns[f] = [r["napi_ns"] / r["received"] if r["received"] else float("nan") for r in runs]
        ref = statistics.median(ns["ipset"]) if "ipset" in ns else None
        floor = statistics.median(ns["dropall"]) if "dropall" in ns else None
        anchor = statistics.median(ns["barehash"]) if "barehash" in ns else None
        for f in filters:
            runs = rows[(size, flood, f)]
            offered, _ = fmt_range([r["offered"] / r["secs"] for r in runs], 1e-6, 2)
            received, _ = fmt_range([r["received"] / r["secs"] for r in runs], 1e-6, 2)
            filtered, _ = fmt_range([(r["received"] - r["passed"]) / r["secs"] for r in runs], 1e-6, 2)
            passed, _ = fmt_range([r["passed"] / r["secs"] for r in runs], 1e-6, 2)
            cost, med = fmt_range(ns[f])
            above = "%+.0f" % (med - floor) if floor is not None and f != "dropall" else "-"
            vs_ref = "%.2f" % (med / ref) if ref else "-"
            vs_floor = "%.2f" % (med / floor) if floor else "-"
            vs_anchor = "%.2f" % (med / anchor) if anchor else "-"
            cells = [NAMES.get(f, f), offered, received, filtered, passed, cost, above, vs_ref, vs_floor,
                     vs_anchor]
            if with_stats:
                prog = [r["prog_ns"] / r["prog_runs"] for r in runs if r["prog_runs"]]
                cells.append(fmt_range(prog)[0] if prog else "-")
            print("| " + " | ".join(cells) + " |")
        if "xdppass" in ns:
            # Passed traffic: what each XDP filter adds over a pass-all XDP program.
            base = statistics.median(ns["xdppass"])
            added = ["%s %+.0f ns" % (NAMES.get(f, f).split(",")[0], statistics.median(ns[f]) - base)
                     for f in ("xdpguard_native", "barehash", "barebucket", "barebucketvalue") if f in ns]
            print("\nAdded over XDP pass-all: " + "; ".join(added) + ".")


if __name__ == "__main__":
    main()
