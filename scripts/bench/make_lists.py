#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes one blocklist of SIZE prefixes in the three input formats the veth benchmark
loads: plain CIDR lines (xdpguard block load), ipset restore, and an nft script that
creates the set in each nftables table the benchmark uses.

The list always holds the flood's /24 (198.18.1.0/24, benchmarking space); from SPREAD
(the 1M case) on, also 32,768 /32s at every other address of 198.19.0.0/16, the sources of
the spread flood. From SPREAD on, the list also holds the 32,768 sources of the *spread-all* flood as /32s,
scattered over the whole unicast space (SCATTER_BASE + i * SCATTER_STRIDE), and no entry
covers the *legit* flood's 32,768 sources (LEGIT_BASE + i * SCATTER_STRIDE), which are spread
the same way: traffic in no list, from regions that do hold entries. The rest are distinct
random /24s outside 10/8, 127/8, 100.64/10 and 198.18/15, so nothing overlaps (nftables
interval sets refuse overlaps). bench.sh passes the same bases and stride to live_gen.
XG_LIST_ORDER=shuffled writes the entries in a random order (seeded) instead."""
import os
import random
import sys

SPREAD = 32768
SCATTER_BASE = 0x01000001   # 1.0.0.1
LEGIT_BASE = 0x02000081     # 2.0.0.129
SCATTER_STRIDE = 113669     # 32,768 steps cover 1.0.0.0 - 223.x


def ip(a):
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)


def reserved(a):
    """10/8, 127/8, 100.64/10, 198.18/15: the lab's and the other floods' space."""
    return a >> 24 in (10, 127) or a >> 22 == (100 << 2 | 1) or a >> 17 == (198 << 7 | 9)


def prefixes(size):
    out = ["198.18.1.0/24"]
    if size >= 1_000_000:
        out += ["198.19.%d.%d/32" % ((2 * i) >> 8, (2 * i) & 255) for i in range(SPREAD)]
    seen = set()
    if size >= 1_000_000:
        scattered = [(SCATTER_BASE + i * SCATTER_STRIDE) & 0xFFFFFFFF for i in range(SPREAD)]
        legit = [(LEGIT_BASE + i * SCATTER_STRIDE) & 0xFFFFFFFF for i in range(SPREAD)]
        seen |= {a >> 8 for a in legit}  # no /24 may cover a legit source
        kept = [a for a in scattered if not reserved(a) and a >> 8 not in seen]
        out += ["%s/32" % ip(a) for a in kept]
        seen |= {a >> 8 for a in kept}  # and no /24 may overlap a scattered /32
    rng = random.Random(size)
    while len(out) < size:
        n = rng.randrange(1 << 16, 224 << 16)  # a /24 number: 1.0.0.0 .. 223.255.255.0
        if reserved(n << 8):
            continue
        if n in seen:
            continue
        seen.add(n)
        out.append("%d.%d.%d.0/24" % (n >> 16, (n >> 8) & 255, n & 255))
    return out


def main():
    size, base = int(sys.argv[1]), sys.argv[2]
    items = prefixes(size)
    if os.environ.get("XG_LIST_ORDER") == "shuffled":
        # The flood sources come first otherwise: a structure whose memory follows insertion
        # order (a preallocated kernel hash) then holds them side by side.
        random.Random(size + 1).shuffle(items)
    with open(base + ".txt", "w") as f:
        f.write("\n".join(items) + "\n")
    with open(base + ".ipset", "w") as f:
        f.write("create xgb hash:net family inet hashsize %d maxelem %d\n" % (1 << 16, size + 1024))
        f.writelines("add xgb %s\n" % p for p in items)
    with open(base + ".nft", "w") as f:
        for family, table in (("netdev", "xgb_ingress"), ("ip", "xgb_prerouting")):
            f.write("table %s %s {\n  set blk { type ipv4_addr; flags interval; }\n}\n" % (family, table))
            for i in range(0, len(items), 20000):
                f.write("add element %s %s blk { %s }\n" % (family, table, ", ".join(items[i:i + 20000])))


if __name__ == "__main__":
    main()
