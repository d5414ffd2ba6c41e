#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Feeds on the real pinned maps through the CLI: protected addresses (this host's own,
# its default gateway, loopback, multicast, link-local, inside the allowlist) are never
# installed even when a feed lists them; two feeds' union takes the strictest rule for a
# shared prefix; removing a feed from the config removes only what no other feed or
# manual entry lists; manual entries are never touched; traffic from the gateway still
# passes while a feed prefix drops.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"

make_pair
in_dst ip route add default via 10.200.0.1  # the gateway a feed must never block
xg attach "$VETH_DST" --mode generic >/dev/null
xg allow add 198.18.0.5 >/dev/null
xg block add 203.0.113.0/24 --action pass --comment "operator says pass" >/dev/null

cat > "$WORK/a.txt" <<LIST
# feed a: hostile, but it also lists things that must never be blocked
10.200.0.10
10.200.0.1
10.200.0.0/24
127.0.0.1
224.0.0.5
fe80::1
0.0.0.0/0
198.18.0.5
198.18.0.0/24
198.51.100.0/24
203.0.113.0/24
10.201.0.0/24
LIST
cat > "$WORK/b.txt" <<LIST
198.51.100.0/24
192.0.2.0/24
LIST
write_config() {  # with_a
  local a=""
  if [[ $1 == yes ]]; then
    a='{"name": "a", "format": "plain", "path": "'$WORK'/a.txt"},'
  fi
  cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "protect": {"block_private": true},
 "feeds": [ $a
  {"name": "b", "format": "plain", "path": "$WORK/b.txt", "action": "ratelimit", "ratelimit": {"pps": 5}}]}
JSON
}

write_config yes
xg feeds apply --config "$WORK/config.json" > "$WORK/out" 2> "$WORK/err" || { cat "$WORK/out" "$WORK/err"; fail "apply failed"; }
grep -q "protected" "$WORK/err" || fail "refused entries were not logged: $(cat "$WORK/err")"
got=$(entries)
expected="192.0.2.0/24 feed:2 ratelimit
198.18.0.0/24 feed:1 drop
198.51.100.0/24 feed:1 drop
203.0.113.0/24 manual pass
10.201.0.0/24 feed:1 drop"
expected=$(sort <<< "$expected")
[[ "$(sort <<< "$got")" == "$expected" ]] || fail "enforced set after two feeds:
$got
expected:
$expected"
# Humans read feed names, scripts keep the ids: text shows "b", JSON keeps "feed:2" and adds the name.
listing=$(xg block list --config "$WORK/config.json")
grep -qE '^192\.0\.2\.0/24 +ratelimit +b ' <<< "$listing" || fail "block list does not name the feed: $listing"
xg block list --json --config "$WORK/config.json" | python3 -c '
import json, sys
e = [e for e in json.load(sys.stdin) if e["cidr"] == "10.201.0.0/24"][0]
assert e["origin"] == "feed:1" and e["origin_name"] == "a", e' || fail "block list --json lacks the id or the name"
refused=$(xg feeds status --config "$WORK/config.json" --json | python3 -c '
import json, sys
a = [f for f in json.load(sys.stdin) if f["name"] == "a"][0]["entries"]
print(a["protected"], a["too_short"])')
[[ $refused == "7 1" ]] || fail "expected 7 protected + 1 too short refused, status says $refused"
log "protected addresses refused (7 + 1 short), union strictest-wins, manual kept"

in_src ping -c1 -W2 -I 10.200.0.1 10.200.0.10 >/dev/null || fail "the gateway's traffic is blocked"
in_src ip addr add 198.51.100.9/24 dev "$VETH_SRC"
in_dst ip route add 198.51.100.0/24 dev "$VETH_DST"
in_src ping -c2 -i0.2 -W1 -I 198.51.100.9 10.200.0.10 >/dev/null 2>&1 && fail "a feed prefix was not dropped"
log "traffic: gateway passes, feed prefix dropped"

write_config no
xg feeds apply --config "$WORK/config.json" > "$WORK/out" 2>&1 || { cat "$WORK/out"; fail "apply without a failed"; }
got=$(entries)
expected=$(sort <<< "192.0.2.0/24 feed:2 ratelimit
198.51.100.0/24 feed:2 ratelimit
203.0.113.0/24 manual pass")
[[ "$(sort <<< "$got")" == "$expected" ]] || fail "after removing feed a:
$got
expected:
$expected"
grep -q "1 changed, 2 removed" "$WORK/out" || fail "unexpected diff: $(cat "$WORK/out")"
log "feed a removed: its own entries gone, shared prefix handed to b without a gap, manual kept"

# The CLI's own entries survive feed refreshes.
xg block add 192.0.2.0/24 --comment "operator override" >/dev/null
xg feeds refresh b --config "$WORK/config.json" >/dev/null
has_entry "^192.0.2.0/24 manual drop$" || fail "a feed refresh overwrote a manual entry: $(entries)"
# Once the operator deletes it, a resync hands the prefix back to the feed (a plain refresh
# diffs against what the engine wrote and does not see a change made behind its back).
xg block del 192.0.2.0/24 >/dev/null
xg feeds refresh b --config "$WORK/config.json" --resync >/dev/null
has_entry "^192.0.2.0/24 feed:2 ratelimit$" || fail "the feed did not take its prefix back: $(entries)"
log "PASS"
