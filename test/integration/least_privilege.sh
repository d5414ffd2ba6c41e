#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Least privilege: a user with no privileges of its own ("nobody"), given only CAP_BPF,
# CAP_NET_ADMIN and CAP_PERFMON by setpriv (no CAP_SYS_ADMIN), attaches, blocks, reads
# counters, replaces its program atomically, runs the service and detaches; root's CLI
# works on that user's state only when it is named the service user, and hands what it
# pins over to it. Each missing
# capability gives an error that names it and leaves the attachment and the pins as they
# were; a foreign program is still recognised as foreign (by the pins, without reading it)
# and left alone.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"
make_pair

CAPS=+bpf,+net_admin,+perfmon
as_nobody() {  # as_nobody CAPS COMMAND...: in the destination namespace
  local caps=$1
  shift
  in_dst setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all,"$caps" \
    --ambient-caps=-all,"$caps" --bounding-set=-all,"$caps" "$@"
}
xgu() { as_nobody "$CAPS" "$XDPGUARD" "$@"; }
prog_id() { in_dst ip -j link show "$VETH_DST" | json_get "[0].get('xdp', {}).get('prog', {}).get('id', 0)"; }
pins() { ls "$XDPGUARD_PIN_DIR" | { grep '^prog-' || true; } | tr '\n' ' '; }
expect_refused() {  # expect_refused CAPS WORDS DESCRIPTION -- COMMAND...: fails naming WORDS
  local caps=$1 words=$2 what=$3 out
  shift 4
  if out=$(as_nobody "$caps" "$XDPGUARD" "$@" 2>&1); then fail "$what succeeded without $words"; fi
  echo "$out" | grep -q "$words" || fail "$what: the error does not name $words: $out"
  [[ $(prog_id) == "$id" ]] || fail "$what changed the attached program ($id -> $(prog_id))"
  [[ $(pins) == "$pins_before" ]] || fail "$what changed the program pins ($pins_before -> $(pins))"
  log "refused as expected ($what): $(echo "$out" | tail -1)"
}

# The binary must be reachable by nobody, wherever the build directory is.
BIN_DIR=$(mktemp -d /tmp/xg-lp-bin.XXXXXX)
EXTRA_DIRS+=("$BIN_DIR")
chmod 755 "$BIN_DIR"
cp "$XDPGUARD" "$BIN_DIR/xdpguard"
XDPGUARD=$BIN_DIR/xdpguard
mkdir -m 0700 "$XDPGUARD_PIN_DIR"
chown nobody:nogroup "$XDPGUARD_PIN_DIR"

log "attach with CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON only"
out=$(xgu attach "$VETH_DST" 2>&1) || fail "attach as nobody failed: $out"
echo "$out" | grep -q "without libxdp's dispatcher (no CAP_SYS_ADMIN)" || fail "attach does not say it runs alone: $out"
id=$(prog_id)
[[ $id != 0 ]] || fail "nothing attached"
[[ $(pins) == "prog-$id " ]] || fail "the attached program $id is not pinned: $(pins)"
[[ $(stat -c '%U %a' "$XDPGUARD_PIN_DIR/prog-$id") == "nobody 600" ]] || fail "program pin not nobody's 0600"
xgu status --json | json_get "['interfaces'][0]['program_id']" | grep -qx "$id" || fail "status does not see our program"

log "block and count as nobody"
xgu block add 10.200.0.1 >/dev/null
got=$(ping_replies 10.200.0.1 10.200.0.10 5)
[[ $got == 0 ]] || fail "a blocked source got $got replies"
got=$(ping_replies 10.200.0.2 10.200.0.10 5)
[[ $got == 5 ]] || fail "an unlisted source got $got of 5 replies"
drops=$(xgu stats --json | json_get "['verdicts']['drop']['ipv4']['packets']")
[[ $drops -ge 5 ]] || fail "stats counted $drops drops, expected >= 5"

log "atomic replace as nobody"
xgu attach "$VETH_DST" --replace >/dev/null 2>&1 || fail "replace as nobody failed"
new_id=$(prog_id)
[[ $new_id != "$id" && $new_id != 0 ]] || fail "program not replaced ($id -> $new_id)"
[[ $(pins) == "prog-$new_id " ]] || fail "pins after replace: $(pins) (expected prog-$new_id only)"
id=$new_id
got=$(ping_replies 10.200.0.1 10.200.0.10 3)
[[ $got == 0 ]] || fail "the blocked source got $got replies after the replace"

log "root's CLI on the service user's state"
out=$(xg block add 10.200.0.3 2>&1) && fail "root used a pin directory of a user that is not the service user"
echo "$out" | grep -q "service user" || fail "the refusal does not explain the service user: $out"
XDPGUARD_SERVICE_USER=nobody xg block add 10.200.0.3 >/dev/null || fail "root could not add to the service user's lists"
XDPGUARD_SERVICE_USER=nobody xg attach "$VETH_DST" --replace > /dev/null 2>&1 || fail "root could not replace the service user's program"
id=$(prog_id)
[[ $(pins) == "prog-$id " ]] || fail "pins after root's replace: $(pins) (expected prog-$id only)"
[[ $(stat -c '%U %a' "$XDPGUARD_PIN_DIR/prog-$id") == "nobody 600" ]] || fail "root's program pin not handed to nobody"
[[ $(stat -c '%U' "$XDPGUARD_PIN_DIR"/* | sort -u) == nobody ]] || fail "root left pins the service user cannot open"
xgu block del 10.200.0.3 >/dev/null || fail "nobody cannot change root's entry"

log "each missing capability is named and changes nothing"
pins_before=$(pins)
expect_refused +bpf,+net_admin "CAP_PERFMON" "attach without CAP_PERFMON" -- attach "$VETH_DST" --replace
expect_refused +bpf,+perfmon "CAP_NET_ADMIN" "attach without CAP_NET_ADMIN" -- attach "$VETH_DST" --replace
expect_refused +bpf,+perfmon "CAP_NET_ADMIN" "detach without CAP_NET_ADMIN" -- detach "$VETH_DST"
expect_refused +net_admin,+perfmon "CAP_BPF" "block add without CAP_BPF" -- block add 10.200.0.2
got=$(ping_replies 10.200.0.1 10.200.0.10 3)
[[ $got == 0 ]] || fail "the blocked source got $got replies after the refusals"

log "the service as nobody"
WORK=$(mktemp -d /tmp/xg-lp-work.XXXXXX)
EXTRA_DIRS+=("$WORK")
chown nobody:nogroup "$WORK"
cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state", "pin_dir": "$XDPGUARD_PIN_DIR",
 "interfaces": [{"name": "$VETH_DST"}],
 "blocklist": ["10.200.0.2/32"]}
JSON
chmod 644 "$WORK/config.json"
# As under systemd with RuntimeDirectory=: the instance lock goes to the unit's own /run dir.
mkdir -m 0755 "$WORK/run" && chown nobody:nogroup "$WORK/run"
# Started without a shell function in between, so $! is the service itself (nsenter and
# setpriv exec it).
RUNTIME_DIRECTORY=$WORK/run nsenter --net="/run/netns/$NS_DST" setpriv --reuid=nobody --regid=nogroup \
  --clear-groups --inh-caps=-all,"$CAPS" --ambient-caps=-all,"$CAPS" --bounding-set=-all,"$CAPS" \
  "$XDPGUARD" run --config "$WORK/config.json" 2>> "$WORK/log" &
DAEMON=$!
BG_PIDS+=("$DAEMON")
for _ in $(seq 100); do grep -q "xdpguard running" "$WORK/log" 2>/dev/null && break; sleep 0.1; done
grep -q "xdpguard running" "$WORK/log" || fail "the service did not start as nobody: $(cat "$WORK/log")"
got=$(ping_replies 10.200.0.2 10.200.0.10 3)
[[ $got == 0 ]] || fail "the service's static entry did not block (got $got replies)"
kill -TERM "$DAEMON"
wait "$DAEMON" || fail "the service did not exit 0 on SIGTERM: $(tail -5 "$WORK/log")"
grep -q '"level":"error"' "$WORK/log" && fail "the service logged an error: $(grep '"level":"error"' "$WORK/log")"
log "the service ran, enforced and stopped cleanly"

log "detach as nobody"
xgu detach "$VETH_DST" --keep-maps >/dev/null || fail "detach as nobody failed"
[[ $(prog_id) == 0 ]] || fail "still attached after detach"
[[ -z $(pins) ]] || fail "program pins left after detach: $(pins)"
got=$(ping_replies 10.200.0.1 10.200.0.10 3)
[[ $got == 3 ]] || fail "traffic not restored after detach (got $got of 3)"

log "a foreign program is recognised without CAP_SYS_ADMIN and left alone"
in_dst ip link set dev "$VETH_DST" xdp obj /usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o sec xdp
id=$(prog_id)
pins_before=$(pins)
expect_refused "$CAPS" "foreign XDP program" "attach over a foreign program" -- attach "$VETH_DST"
expect_refused "$CAPS" "not xdpguard's" "detach of a foreign program" -- detach "$VETH_DST"
in_dst ip link set dev "$VETH_DST" xdp off
log "PASS"
