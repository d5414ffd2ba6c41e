#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# explain ADDRESS: the deciding rule with the rules around it (a port-scoped /32 that ICMP
# falls through, the /24 that decides, a /16 never consulted), hit counters from real
# traffic, the allowlist over a rule, the verdict cache holding an allowlisted source,
# bad input refused, and the answer's time with 1,000,000 entries listed; block list's
# filters (--origin, --action, --cidr both ways).
source "$(dirname "$0")/lib.sh"
make_pair
xg attach "$VETH_DST" >/dev/null
xg block add 10.200.0.0/24 --comment "lab range" >/dev/null
xg block add 10.200.0.1 --ports 80 --ttl 1h >/dev/null
xg block add 10.200.0.0/16 --action ratelimit --pps 5 >/dev/null
xg allow add 10.200.0.2 >/dev/null
ex() { xg explain "$1" --json; }

got=$(ping_replies 10.200.0.1 10.200.0.10 3)
[[ $got == 0 ]] || fail "10.200.0.1 got $got replies"
j=$(ex 10.200.0.1)
[[ $(json_get "['verdict']" <<<"$j") == rule ]] || fail "verdict: $j"
[[ $(json_get "['deciding']" <<<"$j") == 10.200.0.0/24 ]] || fail "deciding rule: $j"
[[ $(json_get "['blocklist'][0]['cidr']" <<<"$j") == 10.200.0.1/32 ]] || fail "longest first: $j"
[[ $(json_get "['blocklist'][0]['scoped']" <<<"$j") == True ]] || fail "the /32 is port-scoped: $j"
[[ $(json_get "['blocklist'][0]['expires_in_s']" <<<"$j") -gt 3500 ]] || fail "TTL: $j"
[[ $(json_get "['blocklist'][1]['packets']" <<<"$j") -ge 3 ]] || fail "the /24's hits: $j"
[[ $(json_get "['blocklist'][1]['comment']" <<<"$j") == "lab range" ]] || fail "comment: $j"
[[ $(json_get "['blocklist'][2]['reached']" <<<"$j") == False ]] || fail "the /16 is behind the /24: $j"
[[ $(json_get "['verdict_cache']['cpus_holding']" <<<"$j") == 0 ]] || fail "a scoped first match is never cached: $j"
log "10.200.0.1: dropped by the /24 (ICMP has no port: the /32 for port 80 falls through), 3 hits"

got=$(ping_replies 10.200.0.2 10.200.0.10 3)
[[ $got == 3 ]] || fail "allowlisted 10.200.0.2 got $got of 3 replies"
j=$(ex 10.200.0.2)
[[ $(json_get "['verdict']" <<<"$j") == allow ]] || fail "allowlist: $j"
[[ $(json_get "['allowlist'][0]['cidr']" <<<"$j") == 10.200.0.2/32 ]] || fail "allow entry: $j"
[[ $(json_get "['blocklist'][0]['reached']" <<<"$j") == False ]] || fail "rules behind the allowlist: $j"
[[ $(json_get "['verdict_cache']['cpus_holding']" <<<"$j") -ge 1 ]] || fail "verdict cache: $j"
log "10.200.0.2: allowlisted, its verdict cached"

[[ $(ex 10.9.9.9 | json_get "['verdict']") == none ]] || fail "an unlisted address"
[[ $(ex 10.200.9.9 | json_get "['verdict']") == rule ]] || fail "the /16 decides for 10.200.9.9"
xg explain 10.0.0.0/8 >/dev/null 2>&1 && fail "a prefix was accepted"
rc=0; xg explain not-an-address >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "bad address: exit $rc, expected 2"
text=$(xg explain 10.200.0.1)
echo "$text" | grep -q "dropped by 10.200.0.0/24" || fail "text summary: $text"

log "block list filters"
cidrs() { xg block list --json "$@" | python3 -c "import json,sys; print(' '.join(e['cidr'] for e in json.load(sys.stdin)))"; }
[[ $(cidrs --action ratelimit) == "10.200.0.0/16" ]] || fail "--action ratelimit: $(cidrs --action ratelimit)"
[[ $(cidrs --cidr 10.200.0.1) == "10.200.0.0/16 10.200.0.0/24 10.200.0.1/32" ]] || fail "--cidr (containing): $(cidrs --cidr 10.200.0.1)"
[[ $(cidrs --cidr 10.200.0.0/24) == "10.200.0.0/16 10.200.0.0/24 10.200.0.1/32" ]] || fail "--cidr (both ways): $(cidrs --cidr 10.200.0.0/24)"
[[ $(cidrs --cidr 10.200.0.128/25) == "10.200.0.0/16 10.200.0.0/24" ]] || fail "--cidr (a sibling /32 is not listed): $(cidrs --cidr 10.200.0.128/25)"
[[ $(cidrs --origin manual --action drop) == "10.200.0.0/24 10.200.0.1/32" ]] || fail "--origin + --action: $(cidrs --origin manual --action drop)"
[[ -z $(cidrs --origin fail2ban) ]] || fail "--origin fail2ban lists something"
xg block list --action drop | tail -1 | grep -q "^2 of 3 entries match" || fail "text summary: $(xg block list --action drop | tail -1)"
rc=0; xg block list --action bogus >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "--action bogus: exit $rc, expected 2"
rc=0; xg block list --cidr 10.200.0.300 >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "--cidr with a bad address: exit $rc, expected 2"

python3 -c "
for i in range(1000000):
    print(f'100.{64 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}')" > "/tmp/xg-million-$ID"
xg block load "/tmp/xg-million-$ID" >/dev/null
start=$(date +%s%N)
j=$(ex 100.64.1.2)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[[ $(json_get "['deciding']" <<<"$j") == 100.64.1.2/32 ]] || fail "explain at 1M entries: $j"
[[ $ms -lt 1000 ]] || fail "explain took $ms ms at 1M entries"
log "with 1,000,000 entries listed: answered in $ms ms (process start included)"
log "PASS"
