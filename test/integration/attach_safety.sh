#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Attach/detach safety: foreign programs (ip link, xdp-loader) are never replaced or
# detached; distinct exit codes; attach is idempotent and adopts pinned state (entries and
# counters survive); usage errors exit 2; a pin directory below a foreign directory or
# through a symlink is refused; an unprivileged CLI changes nothing; a pin
# directory xdpguard did not create is refused; a pinned map of another layout is refused.
source "$(dirname "$0")/lib.sh"
make_pair
FOREIGN_OBJ=/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o   # from xdp-tools: passes all

expect_rc() {  # expect_rc CODE DESCRIPTION -- COMMAND...
  local want=$1 what=$2; shift 3
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  echo "$out" | sed 's/^/    /'
  [[ $rc == "$want" ]] || fail "$what: exit $rc, expected $want"
  log "ok: $what (exit $rc)"
}

log "usage errors exit 2 and touch nothing"
expect_rc 2 "unknown interface" -- xg attach no-such-if0
expect_rc 2 "unknown mode" -- xg attach "$VETH_DST" --mode turbo
expect_rc 2 "unknown flag" -- xg attach "$VETH_DST" --moed native
expect_rc 2 "bad map size" -- xg attach "$VETH_DST" --block-v4-entries 0
expect_rc 2 "--pin-dir without a value" -- "$XDPGUARD" --pin-dir
expect_rc 2 "a relative pin directory" -- "$XDPGUARD" --pin-dir relative/pins status
expect_rc 2 "a flag given twice" -- xg block add 192.0.2.0/24 --ports 80 --ports 443
expect_rc 2 "a port with a leading zero" -- xg block add 192.0.2.0/24 --ports 080
# Help is not a usage error: the verb's own usage, exit 0, nothing touched.
for help in "-h" "attach --help" "block add --help" "explain -h" "help feeds"; do
  # shellcheck disable=SC2086
  out=$(xg $help) || fail "'xdpguard $help' exited non-zero"
  verb=${help%% *}; [[ $verb == -h || $verb == help ]] && verb=${help##* }
  [[ $verb == -h ]] && verb=usage
  echo "$out" | grep -q "$verb" || fail "'xdpguard $help' does not show $verb's usage: $out"
done
[[ ! -e $XDPGUARD_PIN_DIR ]] || fail "a usage error created $XDPGUARD_PIN_DIR"

log "detach with nothing attached exits 3"
expect_rc 3 "detach, nothing attached" -- xg detach "$VETH_DST"

log "a foreign program attached with ip link is refused, and survives"
in_dst ip link set dev "$VETH_DST" xdp obj "$FOREIGN_OBJ" sec xdp
foreign_id=$(in_dst ip -j link show "$VETH_DST" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['xdp']['prog']['id'])")
expect_rc 1 "attach over ip-link program" -- xg attach "$VETH_DST"
echo "$out" | grep -q "foreign XDP program" || fail "refusal does not say the program is foreign"
expect_rc 4 "detach of a foreign program" -- xg detach "$VETH_DST"
now_id=$(in_dst ip -j link show "$VETH_DST" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['xdp']['prog']['id'])")
[[ $now_id == "$foreign_id" ]] || fail "foreign program $foreign_id was replaced by $now_id"
in_dst ip link set dev "$VETH_DST" xdp off

log "a foreign program loaded with xdp-loader is refused, and survives"
in_dst xdp-loader load -m native "$VETH_DST" "$FOREIGN_OBJ" 2>/dev/null
expect_rc 1 "attach over xdp-loader program" -- xg attach "$VETH_DST"
in_dst xdp-loader status "$VETH_DST" | grep -q xdpfilt_alw_all || fail "xdp-loader program disappeared"
in_dst xdp-loader unload -a "$VETH_DST"

log "an unprivileged CLI says what it needs and has no side effect"
expect_rc 1 "attach without capabilities" -- in_dst setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$XDPGUARD" attach "$VETH_DST"
echo "$out" | grep -q "CAP_BPF" || fail "no capability hint"
[[ ! -e $XDPGUARD_PIN_DIR ]] || fail "unprivileged attach created state"

log "attach, then attach again: adopted, same program, entries and counters survive"
xg attach "$VETH_DST" --mode native --block-v4-entries 4096
xg block add 10.200.0.1
ping_replies 10.200.0.1 10.200.0.10 3 >/dev/null
id1=$(xg status --json | json_get "['interfaces'][0]['program_id']")
expect_rc 0 "second attach" -- xg attach "$VETH_DST"
echo "$out" | grep -q "^adopted" || fail "second attach did not adopt"
id2=$(xg status --json | json_get "['interfaces'][0]['program_id']")
[[ $id1 == "$id2" ]] || fail "program replaced on re-attach ($id1 -> $id2)"
cap=$(xg status --json | json_get "['maps']['xg_block_v4']['capacity']")
[[ $cap == 4096 ]] || fail "adopted map size $cap, expected 4096"
drops=$(xg stats --json | json_get "['verdicts']['drop']['ipv4']['packets']")
[[ $drops == 3 ]] || fail "counters did not survive re-attach ($drops)"
expect_rc 1 "re-attach asking for another map size" -- xg attach "$VETH_DST" --block-v4-entries 8192
echo "$out" | grep -q "cannot be resized" || fail "size conflict not explained"

log "map full: clear error naming the map, nothing applied"
seq 1 5000 | awk '{ printf "10.%d.%d.0/24\n", int($1/256), $1%256 }' > "/tmp/xg-full-$ID.txt"
expect_rc 1 "load beyond capacity" -- xg block load "/tmp/xg-full-$ID.txt"
rm -f "/tmp/xg-full-$ID.txt"
echo "$out" | grep -q "xg_block_v4 is full" || fail "full-map error does not name the map"
n=$(xg status --json | json_get "['maps']['xg_block_v4']['entries']")
[[ $n == 1 ]] || fail "a failed load left $n entries (expected the 1 from before)"

log "generic mode is reported as such"
xg detach "$VETH_DST"
xg attach "$VETH_DST" --mode generic
mode=$(xg status --json | json_get "['interfaces'][0]['mode']")
[[ $mode == generic ]] || fail "status reports mode '$mode'"
xg detach "$VETH_DST"

log "hw mode is refused clearly; a bridge (no native XDP) fails native, auto falls back"
expect_rc 1 "hw mode" -- xg attach "$VETH_DST" --mode hw
echo "$out" | grep -q "not supported" || fail "hw refusal not explained"
in_dst ip link add "xgbr$ID" type bridge
in_dst ip link set "xgbr$ID" up
expect_rc 1 "native on a bridge" -- xg attach "xgbr$ID" --mode native
echo "$out" | grep -q "does not support XDP in native mode" || fail "kernel's reason not shown"
[[ ! -e $XDPGUARD_PIN_DIR ]] || fail "failed attach left $XDPGUARD_PIN_DIR"
expect_rc 0 "auto on a bridge" -- xg attach "xgbr$ID" --mode auto
echo "$out" | grep -q "using generic" || fail "fallback not announced"
mode=$(xg status --json | json_get "['interfaces'][0]['mode']")
[[ $mode == generic ]] || fail "bridge reports mode '$mode'"
xg detach "xgbr$ID"

log "pin directory not created by xdpguard (world-writable) is refused"
mkdir -p "$XDPGUARD_PIN_DIR" && chmod 0777 "$XDPGUARD_PIN_DIR"
expect_rc 1 "world-writable pin dir" -- xg attach "$VETH_DST"
echo "$out" | grep -q "world-writable" || fail "no explanation for the refused pin dir"
chmod 0700 "$XDPGUARD_PIN_DIR"

log "a pin directory whose path an unprivileged user controls, or that a symlink leads to, is refused"
# /sys/fs/bpf/xg-owned-ID belongs to nobody: they could rename the state away later.
owned=/sys/fs/bpf/xg-owned-$ID
link=/sys/fs/bpf/xg-link-$ID
EXTRA_DIRS+=("$owned" "$link")
mkdir -p "$owned" && chown 65534:65534 "$owned" && chmod 0755 "$owned"
expect_rc 1 "pin dir below a directory owned by another user" -- in_dst "$XDPGUARD" --pin-dir "$owned/pins" attach "$VETH_DST"
echo "$out" | grep -q "owned by uid 65534" || fail "no explanation for the foreign ancestor: $out"
[[ ! -e $owned/pins ]] || fail "the pin directory was created below a foreign directory"
# A symlink planted where the pin directory's path goes, reached through a trailing slash.
ln -s "$XDPGUARD_PIN_DIR" "$link"
expect_rc 1 "pin dir through a symlink (trailing slash)" -- in_dst "$XDPGUARD" --pin-dir "$link/" block list
echo "$out" | grep -q "symlink" || fail "no explanation for the symlinked pin dir: $out"
rm -f "$link"; rmdir "$owned" 2>/dev/null || true

log "a pinned map with another layout (older version) is refused, not reused"
bpftool map create "$XDPGUARD_PIN_DIR/xg_block_v4" type lpm_trie key 8 value 48 entries 16 name xg_block_v4 flags 1
expect_rc 1 "incompatible pinned map" -- xg attach "$VETH_DST"
echo "$out" | grep -q "does not match this build" || fail "incompatibility not explained"
in_dst ip link show "$VETH_DST" | grep -q "xdp" && fail "something was attached despite the refusal"
log "PASS"
