#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `flows --json` reports the exact packet counts of a known exchange: 7 pings from a
# source with a pass-with-count rule, and (with drop sampling set to 1) 5 pings from a
# blocked source. `--by rule` and `--by source` agree.
source "$(dirname "$0")/lib.sh"
make_pair
xg attach "$VETH_DST" --mode native --drop-sample 1
xg block add 10.200.0.2 --action pass --comment "watched"
xg block add 10.200.0.1

ping_replies 10.200.0.2 10.200.0.10 7 >/dev/null
ping_replies 10.200.0.1 10.200.0.10 5 >/dev/null
xg flows --interval 0
json=$(xg flows --json --interval 0)
echo "$json" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
def one(src):
    r = [x for x in rows if x["src"] == src and x["proto"] == "icmp"]
    assert len(r) == 1, f"expected one ICMP flow from {src}, got {r}"
    return r[0]
w, b = one("10.200.0.2"), one("10.200.0.1")
assert w["packets"] == 7 and w["dropped"] == 0, w
assert w["rule"] == "10.200.0.2/32" and w["origin"] == "manual", w
assert b["packets"] == 5 and b["dropped"] == 5, b
assert b["dst"] == "10.200.0.10", b
print("flows: 7 passed and 5 dropped packets reported exactly")
' || fail "flows --json did not report the exchange exactly"
by_rule=$(xg flows --json --interval 0 --by rule)
echo "$by_rule" | python3 -c '
import json, sys
rows = {r["rule"]: r for r in json.load(sys.stdin)}
assert rows["10.200.0.1/32"]["dropped"] == 5, rows
assert rows["10.200.0.2/32"]["packets"] == 7, rows
' || fail "flows --by rule disagrees"
xg flows --by source --interval 0.5 | head -5
log "PASS"
