#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# xdpguard against the filters an operator would pick instead, side by side in one run,
# as ratios. Writes a Markdown report (default docs/BENCHMARKS.md) with the machine, the
# commands, medians and min-max of interleaved rounds:
#   1. datapath cost per packet via BPF_PROG_TEST_RUN (bench/lpm_bench), minus an empty
#      XDP_PASS program timed in the same rounds;
#   2. end to end over a veth pair between two network namespaces this script creates:
#      a generator (bench/flood_gen) floods from blocked sources, as fast as the receiver
#      takes frames (flow control: no frame is refused by the veth ring), with XDP live
#      frames where the kernel allows them, else with frames circulating between two more
#      veths (chosen by itself; --generator forces one; the report says which); the receiving
#      side runs, in turn, no filter, an XDP drop-all floor, xdpguard (native, generic),
#      iptables raw + ipset (nft and legacy backends), nftables (ingress, prerouting) and
#      xdp-filter; CPU per packet is the receiving NAPI thread's run time / frames received;
#   3. control plane: loading 1M prefixes from a file and from a feed, a 1% refresh.
# Needs root. Traffic stays between the two namespaces; everything is bounded in time and
# torn down on exit, even on failure or Ctrl-C.
#
#   sudo scripts/bench.sh [--rounds N] [--seconds S] [--sizes 1000,100000,1000000]
#                         [--paced-spin N] [--credits N] [--out FILE] [--no-install] [--skip-testrun]
#                         [--skip-control] [--baseline XDPGUARD_BINARY] [--generator auto|live|circulate]
#                         [--program-stats]
#                         [--only-floods a,b] [--only-filters a,b]
# --only-floods / --only-filters keep just the named floods / filters (for quick looks; a
# report for docs runs everything).
# BUILD_DIR (default build/) is where it builds and finds the binaries. --baseline adds an
# "xdpguard baseline" filter to every flood: another build of xdpguard (say, the commit
# before a datapath change), attached native with its own pinned maps and the same list, so
# a change is measured against its predecessor in the same run. The main flood (one-24)
# keeps at most --credits frames (default 192; the veth ring holds 256) on their way to the
# receiver, so it runs at the highest rate each filter sustains and the ring never refuses
# a frame. The smallest size also runs the same flood open loop (one-24-open: the generator's
# full rate; the frames the full ring refuses go back to the page pool and make generator
# and receiver fight over its lock, which dominates the receiver's cost: docs/performance.md),
# a slower flood (the generator does --paced-spin iterations of busy work
# per frame, default 1000: 0.3-1 Mpps, below what every filter here absorbs) so every
# filter is compared on the same offered load, and one-24-rewrite (below).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
ROUNDS=3
PACED_SPIN=1000
CREDITS=192
SECONDS_PER_RUN=3
SIZES=1000,100000,1000000
OUT=$ROOT/docs/BENCHMARKS.md
INSTALL=1
TESTRUN=1
CONTROL=1
BASELINE=""
GENERATOR=auto
PROGRAM_STATS=0
ONLY_FLOODS=""
ONLY_FILTERS=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --paced-spin) PACED_SPIN=$2; shift 2 ;;
    --credits) CREDITS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --no-install) INSTALL=0; shift ;;
    --skip-testrun) TESTRUN=0; shift ;;
    --skip-control) CONTROL=0; shift ;;
    --baseline) BASELINE=$(realpath -m "$2"); shift 2 ;;
    --generator) GENERATOR=$2; shift 2 ;;
    --program-stats) PROGRAM_STATS=1; shift ;;
    --only-floods) ONLY_FLOODS=",$2,"; shift 2 ;;
    --only-filters) ONLY_FILTERS=",$2,"; shift 2 ;;
    *) echo "bench.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[[ $PACED_SPIN =~ ^[1-9][0-9]{0,5}$ ]] || { echo "bench.sh: --paced-spin 1..999999" >&2; exit 2; }
[[ $CREDITS =~ ^[0-9]{3}$ && $CREDITS -ge 128 && $CREDITS -le 256 ]] || { echo "bench.sh: --credits 128..256" >&2; exit 2; }
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || { echo "bench.sh: --rounds 1..99" >&2; exit 2; }
[[ $SECONDS_PER_RUN =~ ^[1-9][0-9]?$ ]] || { echo "bench.sh: --seconds 1..99" >&2; exit 2; }
[[ $GENERATOR =~ ^(auto|live|circulate)$ ]] || { echo "bench.sh: --generator auto, live or circulate" >&2; exit 2; }
[[ -z $BASELINE || -x $BASELINE ]] || { echo "bench.sh: --baseline $BASELINE is not an executable" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench.sh: needs root (network namespaces, XDP, iptables)" >&2; exit 1; }
[[ $(nproc) -ge 2 ]] || { echo "bench.sh: needs 2 CPUs (generator and receiver on different cores)" >&2; exit 1; }

log() { echo "[$(date +%T)] $*" >&2; }

if [[ $INSTALL == 1 ]]; then
  bash "$ROOT/scripts/install-deps.sh" >&2
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
cmake -S "$ROOT" -B "$BUILD" > /dev/null
cmake --build "$BUILD" -j"$(nproc)" --target xdpguard lpm_bench feed_bench flood_gen bare_hash_filter > /dev/null

ID=$$
NS_GEN=xgb-gen-$ID
NS_RCV=xgb-rcv-$ID
VG=xgbg$ID
VR=xgbr$ID
# The circulating generator's loop pair, both ends in the generator's namespace.
LA=xgba$ID
LB=xgbb$ID
PIN=/sys/fs/bpf/xgb-$ID
WORK=$(mktemp -d /tmp/xgb-XXXXXX)
RAW=$WORK/raw.tsv
GEN_PID=""
STATS_WAS=""  # kernel.bpf_stats_enabled before this run, restored on exit
GEN_CPU=0
NAPI_CPU=1

cleanup() {
  set +e
  [[ -n $STATS_WAS ]] && sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
  [[ -n $GEN_PID ]] && kill "$GEN_PID" 2> /dev/null && wait "$GEN_PID" 2> /dev/null
  if ip netns list | grep -qw "$NS_RCV"; then
    nsenter --net="/run/netns/$NS_RCV" xdp-filter unload "$VR" > /dev/null 2>&1
  fi
  # Deleting the namespaces removes the veth pair and every iptables rule, ipset and
  # nftables table created inside them.
  ip netns del "$NS_GEN" 2> /dev/null
  ip netns del "$NS_RCV" 2> /dev/null
  rm -rf "$PIN" "$PIN-baseline" "$PIN-barehash" "$PIN-barebucket" "$PIN-barebucketvalue" "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_rcv() { nsenter --net="/run/netns/$NS_RCV" "$@"; }
in_gen() { nsenter --net="/run/netns/$NS_GEN" "$@"; }
xg() { in_rcv "$BUILD/xdpguard" --pin-dir "$PIN" "$@"; }
xg_baseline() { in_rcv "$BASELINE" --pin-dir "$PIN-baseline" "$@"; }

# Runs a command and prints "SECONDS PEAK_RSS_MB" of it (the child's own peak RSS).
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
with open("/dev/null", "w") as null:
    subprocess.run(sys.argv[1:], check=True, stdout=null)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print("%.2f %.0f" % (time.monotonic() - start, rss))
PY
}

setup_pair() {
  ip netns add "$NS_GEN"
  ip netns add "$NS_RCV"
  ip link add "$VG" type veth peer name "$VR"
  ip link set "$VG" netns "$NS_GEN"
  ip link set "$VR" netns "$NS_RCV"
  ip -n "$NS_GEN" addr add 10.201.0.1/24 dev "$VG"
  ip -n "$NS_RCV" addr add 10.201.0.10/24 dev "$VR"
  ip -n "$NS_GEN" link set "$VG" up
  ip -n "$NS_RCV" link set "$VR" up
  ip -n "$NS_RCV" link set lo up
  # GRO gives the receiving veth a NAPI instance even without an XDP program (frames sent
  # with XDP_TX are otherwise dropped as xdp_xmit_errors); threaded NAPI makes that work
  # run in one kernel thread, pinned below, whose run time is the cost we report.
  in_rcv ethtool -K "$VR" gro on
  ip netns exec "$NS_RCV" sh -c "echo 1 > /sys/class/net/$VR/threaded"
  RCV_MAC=$(ip -n "$NS_RCV" -j link show "$VR" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
  # The circulating generator's loop (bench/circ_gen.bpf.c), made whichever generator runs:
  # GRO gives both ends a NAPI instance without XDP, threaded NAPI a kernel thread each,
  # pinned to the generator's core. No IPv6 in the generator's namespace: its neighbour
  # discovery would otherwise reach the loop (the programs drop it) and the receiver.
  ip netns exec "$NS_GEN" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$NS_GEN" link add "$LA" type veth peer name "$LB"
  local dev pid pids
  for dev in "$LA" "$LB"; do
    ip -n "$NS_GEN" link set "$dev" up
    in_gen ethtool -K "$dev" gro on
    ip netns exec "$NS_GEN" sh -c "echo 1 > /sys/class/net/$dev/threaded"
    # The kernel starts the thread a moment later; unpinned, it would run on the receiver's
    # core (a third of the generator's rate went missing so).
    for _ in $(seq 1 50); do
      pids=$(napi_pids "$dev")
      [[ -n $pids ]] && break
      sleep 0.1
    done
    [[ -n $pids ]] || { echo "bench.sh: no NAPI thread for $dev" >&2; exit 1; }
    for pid in $pids; do taskset -p -c "$GEN_CPU" "$pid" > /dev/null; done
  done
}

# The generator: live frames where the kernel allows them, else circulating frames (or
# what --generator forces). GENERATOR_NOTE says why, for the report.
choose_generator() {
  local out
  if [[ $GENERATOR != auto ]]; then
    ENGINE=$GENERATOR
    GENERATOR_NOTE="chosen with --generator $GENERATOR"
    return
  fi
  if ! out=$(in_gen taskset -c "$GEN_CPU" "$BUILD/bench/flood_gen" --probe --dev "$VG" \
               --dst-mac "$RCV_MAC" --src 198.18.1.0 --dst 10.201.0.10 --loop-a "$LA" --loop-b "$LB" 2>&1); then
    echo "bench.sh: no flood generator can run on this kernel: $(grep -v '^usage' <<< "$out" | tr '\n' ' ')" >&2
    exit 1
  fi
  ENGINE=$(tail -1 <<< "$out")
  if [[ $ENGINE == live ]]; then
    GENERATOR_NOTE="the kernel allows XDP live frames"
  else
    GENERATOR_NOTE="the kernel refuses XDP live frames ($(grep -m1 'live frames' <<< "$out" | sed 's/^flood_gen: //'))"
  fi
}

# --program-stats: the kernel's per-program statistics (kernel.bpf_stats_enabled) during
# the runs, for the XDP filters' own ns per run whatever the load. Off by default: the
# two clock reads they add to every program run (about 60 ns each run on this VM: the
# drop-all program's figure) slow the generator's programs and add to the XDP filters'
# receiving-core figures but not to netfilter's. Put back as they were on exit.
enable_program_stats() {
  [[ $PROGRAM_STATS == 1 ]] || return 0
  STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
  sysctl -qw kernel.bpf_stats_enabled=1
}

# The NAPI kernel threads of a device ("napi/DEV-ID"; a thread's name is cut at 15 characters).
napi_pids() { ps -eo pid,comm | awk -v n="napi/$1-" '(length($2) == 15 && index(n, $2) == 1) || index($2, n) == 1 {print $1}'; }
napi_pid() { napi_pids "$VR" | head -1; }
rx_frames() { in_rcv ethtool -S "$VR" | awk '/rx_queue_0_xdp_packets:/ {print $2}'; }
# Frames the generator's veth sent by ndo_xdp_xmit (native xdp_frames, no skb): the peer
# counts them under the sender's tx queue.
xmit_frames() { in_gen ethtool -S "$VG" | awk '/tx_queue_0_xdp_xmit:/ {print $2}'; }
# "RUN_TIME_NS RUN_COUNT" of the XDP program attached to the receiver (bpf_stats; "0 0"
# when there is none or the stats are off): the program's own cost, whatever the load.
xdp_prog_stats() {
  local id
  [[ $PROGRAM_STATS == 1 ]] || { echo "0 0"; return; }
  id=$(ip -n "$NS_RCV" -j -d link show "$VR" | python3 -c '
import json, sys
xdp = json.load(sys.stdin)[0].get("xdp", {})
prog = xdp.get("prog") or next((a.get("prog") for a in xdp.get("attached", []) if a.get("prog")), None)
print(prog["id"] if prog else "")')
  [[ -n $id ]] || { echo "0 0"; return; }
  bpftool prog show id "$id" -j | python3 -c 'import json, sys; p = json.load(sys.stdin); print(p.get("run_time_ns", 0), p.get("run_cnt", 0))'
}
udp_noports() { in_rcv awk '/^Udp:/ {if (n++) print $3}' /proc/net/snmp; }

# ---- filters: load (once per size), enable/disable (every run) ----------------------------
# Whether --only-filters (if given) names the filter: lists are loaded only for those.
wanted() { [[ -z $ONLY_FILTERS || $ONLY_FILTERS == *",$1,"* ]]; }

load_lists() {  # size
  local size=$1 base=$WORK/list-$1
  python3 "$ROOT/scripts/bench/make_lists.py" "$size" "$base"
  rm -rf "$PIN"  # the previous size's maps (detached with --keep-maps): start empty
  xg attach "$VR" --mode native > /dev/null
  read -r t rss < <(measure nsenter --net="/run/netns/$NS_RCV" "$BUILD/xdpguard" --pin-dir "$PIN" block load "$base.txt" --force)
  echo "| $size | xdpguard \`block load\` | $t s | $rss MB |" >> "$WORK/loads.md"
  xg detach "$VR" --keep-maps > /dev/null
  rm -f "$PIN-barehash" "$PIN-barebucket" "$PIN-barebucketvalue"
  local bare
  for bare in barehash barebucket barebucketvalue; do
    wanted "$bare" || continue
    local how=""
    [[ $bare == barebucket ]] && how=--bucket
    [[ $bare == barebucketvalue ]] && how=--bucket-value
    "$BUILD/bench/bare_hash_filter" --list "$base.txt" --pin "$PIN-$bare" --also 198.18.1.0/24 $how > /dev/null
  done
  if [[ -n $BASELINE ]]; then
    rm -rf "$PIN-baseline"
    xg_baseline attach "$VR" --mode native > /dev/null
    xg_baseline block load "$base.txt" --force > /dev/null
    xg_baseline detach "$VR" --keep-maps > /dev/null
  fi
  if wanted ipset || wanted ipset_legacy; then
    in_rcv ipset destroy xgb 2> /dev/null || true
    read -r t rss < <(measure nsenter --net="/run/netns/$NS_RCV" ipset restore -file "$base.ipset")
    echo "| $size | \`ipset restore\` (hash:net) | $t s | $rss MB |" >> "$WORK/loads.md"
  fi
  if wanted nft_ingress || wanted nft_prerouting; then
    in_rcv nft delete table netdev xgb_ingress 2> /dev/null || true
    in_rcv nft delete table ip xgb_prerouting 2> /dev/null || true
    read -r t rss < <(measure nsenter --net="/run/netns/$NS_RCV" nft -f "$base.nft")
    echo "| $size | \`nft -f\` (two interval sets: ingress and prerouting tables) | $t s | $rss MB |" >> "$WORK/loads.md"
  fi
}

enable() {  # filter flood
  case $1 in
    none) ;;
    dropall) ip -n "$NS_RCV" link set dev "$VR" xdpdrv obj "$BUILD/bpf/xdp_drop_all_bpf.bpf.o" sec xdp ;;
    dropread) ip -n "$NS_RCV" link set dev "$VR" xdpdrv obj "$BUILD/bpf/xdp_drop_read_bpf.bpf.o" sec xdp ;;
    xdppass) ip -n "$NS_RCV" link set dev "$VR" xdpdrv obj "$BUILD/bpf/xdp_pass_bpf.bpf.o" sec xdp ;;
    # nsenter, not ip -n: "ip netns exec" remounts /sys, which hides the bpffs pin.
    barehash) in_rcv ip link set dev "$VR" xdpdrv pinned "$PIN-barehash" ;;
    barebucket) in_rcv ip link set dev "$VR" xdpdrv pinned "$PIN-barebucket" ;;
    barebucketvalue) in_rcv ip link set dev "$VR" xdpdrv pinned "$PIN-barebucketvalue" ;;
    xdpguard_native) xg attach "$VR" --mode native > /dev/null ;;
    xdpguard_generic) xg attach "$VR" --mode generic > /dev/null ;;
    xdpguard_flows_off) xg attach "$VR" --mode native --flows off > /dev/null ;;
    xdpguard_baseline) xg_baseline attach "$VR" --mode native > /dev/null ;;
    ipset) in_rcv iptables-nft -t raw -A PREROUTING -m set --match-set xgb src -j DROP ;;
    ipset_legacy) in_rcv iptables-legacy -t raw -A PREROUTING -m set --match-set xgb src -j DROP ;;
    nft_ingress)
      in_rcv nft add chain netdev xgb_ingress in "{ type filter hook ingress device $VR priority 0 ; }"
      in_rcv nft add rule netdev xgb_ingress in ip saddr @blk drop ;;
    nft_prerouting)
      in_rcv nft add chain ip xgb_prerouting pre "{ type filter hook prerouting priority -300 ; }"
      in_rcv nft add rule ip xgb_prerouting pre ip saddr @blk drop ;;
    xdp_filter)
      in_rcv xdp-filter load "$VR" -m native
      # Exact addresses only: the 256 addresses of the flood's /24.
      for i in $(seq 0 255); do in_rcv xdp-filter ip "198.18.1.$i" -m src; done ;;
  esac
}
disable() {
  case $1 in
    none) ;;
    dropall | dropread | xdppass | barehash | barebucket | barebucketvalue) ip -n "$NS_RCV" link set dev "$VR" xdpdrv off ;;
    xdpguard_native | xdpguard_generic | xdpguard_flows_off) xg detach "$VR" --keep-maps > /dev/null ;;
    xdpguard_baseline) xg_baseline detach "$VR" --keep-maps > /dev/null ;;
    ipset) in_rcv iptables-nft -t raw -F PREROUTING ;;
    ipset_legacy) in_rcv iptables-legacy -t raw -F PREROUTING ;;
    nft_ingress) in_rcv nft flush chain netdev xgb_ingress in; in_rcv nft delete chain netdev xgb_ingress in ;;
    nft_prerouting) in_rcv nft flush chain ip xgb_prerouting pre; in_rcv nft delete chain ip xgb_prerouting pre ;;
    xdp_filter) in_rcv xdp-filter unload "$VR" ;;
  esac
}

# One measured run: flood for SECONDS_PER_RUN, then one TSV row.
run_one() {  # size flood filter round
  local size=$1 flood=$2 filter=$3 round=$4 gen_args
  local flow_control=(--credits "$CREDITS" --peer-netns "/run/netns/$NS_RCV" --peer-dev "$VR")
  case $flood in
    one-24) gen_args=(--src 198.18.1.0 --sources 256 "${flow_control[@]}") ;;
    one-24-open) gen_args=(--src 198.18.1.0 --sources 256) ;;
    one-24-paced) gen_args=(--src 198.18.1.0 --sources 256 --spin "$PACED_SPIN") ;;
    one-24-rewrite) gen_args=(--src 198.18.1.0 --sources 256 --rewrite frame "${flow_control[@]}") ;;
    spread-32k) gen_args=(--src 198.19.0.0 --sources 32768 --stride 2 --rewrite frame "${flow_control[@]}") ;;
    # Same bases and stride as scripts/bench/make_lists.py.
    spread-all) gen_args=(--src 1.0.0.1 --sources 32768 --stride 113669 --rewrite frame "${flow_control[@]}") ;;
    legit-all) gen_args=(--src 2.0.0.129 --sources 32768 --stride 113669 --rewrite frame "${flow_control[@]}") ;;
  esac
  enable "$filter"
  local napi
  napi=$(napi_pid)
  [[ -n $napi ]] || { echo "bench.sh: no NAPI thread for $VR" >&2; exit 1; }
  taskset -p -c "$NAPI_CPU" "$napi" > /dev/null
  local rx0 udp0 ns0 rx1 udp1 ns1 xmit0 xmit1 pns0 pcnt0 pns1 pcnt1 out
  read -r pns0 pcnt0 < <(xdp_prog_stats)
  xmit0=$(xmit_frames)
  rx0=$(rx_frames); udp0=$(udp_noports); ns0=$(awk '{print $1}' "/proc/$napi/schedstat")
  out=$(in_gen taskset -c "$GEN_CPU" "$BUILD/bench/flood_gen" --engine "$ENGINE" --loop-a "$LA" --loop-b "$LB" \
          --dev "$VG" --dst-mac "$RCV_MAC" --dst 10.201.0.10 --seconds "$SECONDS_PER_RUN" "${gen_args[@]}")
  sleep 0.2  # let the receiver drain its ring
  rx1=$(rx_frames); udp1=$(udp_noports); ns1=$(awk '{print $1}' "/proc/$napi/schedstat")
  xmit1=$(xmit_frames)
  read -r pns1 pcnt1 < <(xdp_prog_stats)
  disable "$filter"
  local frames secs
  frames=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' <<< "$out")
  secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<< "$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$flood" "$filter" "$round" "$frames" \
    "$((rx1 - rx0))" "$((udp1 - udp0))" "$secs" "$((ns1 - ns0))" "$((xmit1 - xmit0))" \
    "$((pns1 - pns0))" "$((pcnt1 - pcnt0))" >> "$RAW"
  log "  $size $flood $filter round $round: $(( (rx1 - rx0) / ${secs%.*} )) rx/s, $(( (ns1 - ns0) / (rx1 - rx0 + 1) )) ns/pkt"
}

# ---- report -------------------------------------------------------------------------------
# The parts of the report's method that depend on the generator.
generator_text() {
  if [[ $ENGINE == live ]]; then
    echo "A generator (\`bench/flood_gen --engine live\`: BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES"
    echo "runs bench/live_gen.bpf.c, whose XDP_TX sends each frame out of the generator's veth; 64-byte UDP"
    echo "frames to a closed port) floods from blocked sources for $SECONDS_PER_RUN s per run, pinned to CPU"
    echo "$GEN_CPU; the receiving veth's threaded NAPI thread is pinned"
    return
  fi
  echo "A generator (\`bench/flood_gen --engine circulate\`, as this kernel refuses XDP live frames:"
  echo "192 frames circulate between two more veths in the generator's namespace, bench/circ_gen.bpf.c;"
  echo "on each round trip one program gives the frame its next source and, with credit, the other"
  echo "sends a copy out of the generator's veth by a devmap broadcast, which the receiver gets as a"
  echo "native XDP frame; 64-byte UDP frames to a closed port) floods from blocked sources for"
  echo "$SECONDS_PER_RUN s per run, the loop's NAPI threads pinned to CPU $GEN_CPU. It offers about 1-1.5 Mpps, so"
  echo "XDP filters do not saturate the receiver: their ns/pkt include the NAPI thread's wake-ups and"
  echo "caches gone cold between them, and every copy is a fresh page that the receiver hands back to"
  echo "the page allocator when the frame is dropped or freed (a NIC's page pool recycles instead), a"
  echo "cost every filter pays alike: *above drop-all* takes that fixed part out (docs/performance.md)."
  echo "The receiving veth's threaded NAPI thread is pinned"
}
header_text() {
  if [[ $ENGINE == live ]]; then
    echo "In these, each recycled frame buffer keeps the source it was given once, so the receiver"
    echo "reads headers no core has just written, as from a NIC's DMA."
  else
    echo "With the circulating generator every copy is written by the generator's core, so the"
    echo "receiver always reads a header line another core has just written, as in *one-24-rewrite*."
  fi
}
open_loop_text() {
  if [[ $ENGINE == live ]]; then
    echo "The generator returns them to the page pool's"
    echo "ring under the producer lock that the receiver takes for every frame it drops, so the two"
    echo "cores contend for it and the receiver's figures are mostly that contention (the harness of"
    echo "earlier reports; docs/performance.md)."
  else
    echo "The circulating generator frees the refused copies on"
    echo "its own core (no ring shared with the receiver), so this flood differs from *one-24* only"
    echo "in the frames the receiver finds waiting."
  fi
}
mkdir -p "$(dirname "$OUT")"
{
  echo "# Benchmarks"
  echo
  echo "Generated by \`scripts/bench.sh --rounds $ROUNDS --seconds $SECONDS_PER_RUN --sizes $SIZES --paced-spin $PACED_SPIN --credits $CREDITS${BASELINE:+ --baseline $BASELINE}\` on $(date -u +%Y-%m-%d)."
  echo
  echo "## Machine"
  echo
  echo "- kernel $(uname -r), $(nproc) CPUs: $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "- $(iptables-nft -V), $(iptables-legacy -V | sed 's/iptables/iptables-legacy/'), $(ipset -v | head -1), $(nft -v), xdp-tools $(dpkg-query -W -f '${Version}' xdp-tools)"
  echo "- xdpguard $(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown) ($(sed -n "s/^CMAKE_BUILD_TYPE:STRING=//p" "$BUILD/CMakeCache.txt") build)"
  [[ -n $BASELINE ]] && echo "- baseline: $BASELINE (commit $(git -C "$(dirname "$BASELINE")" rev-parse --short HEAD 2> /dev/null || echo "unknown: not in a git tree"))"
  echo "- a shared VM: run-to-run spread is large; compare figures within one run, as ratios"
} > "$WORK/head.md"

if [[ $TESTRUN == 1 ]]; then
  log "datapath cost via BPF_PROG_TEST_RUN (lpm_bench, $ROUNDS rounds)"
  "$BUILD/bench/lpm_bench" --rounds "$ROUNDS" --sizes "$SIZES" > "$WORK/testrun.md"
fi

log "veth pair $NS_GEN/$VG -> $NS_RCV/$VR; generator on CPU $GEN_CPU, receiving NAPI thread on CPU $NAPI_CPU"
setup_pair
choose_generator
enable_program_stats
log "generator: $ENGINE ($GENERATOR_NOTE)"
echo "- generator: \`bench/flood_gen --engine $ENGINE\` ($GENERATOR_NOTE)" >> "$WORK/head.md"
echo "| prefixes | loader | time | peak RSS |" > "$WORK/loads.md"
echo "|---|---|---|---|" >> "$WORK/loads.md"
IFS=, read -r -a size_list <<< "$SIZES"
for size in "${size_list[@]}"; do
  log "loading $size prefixes (xdpguard and the other filters run)"
  load_lists "$size"
  floods=(one-24)
  [[ $size == "${size_list[0]}" ]] && floods+=(one-24-open one-24-paced one-24-rewrite)
  [[ $size -ge 1000000 ]] && floods+=(spread-32k spread-all legit-all)
  for round in $(seq 1 "$ROUNDS"); do
    for flood in "${floods[@]}"; do
      filters=(none dropall dropread xdpguard_native xdpguard_generic ipset ipset_legacy nft_ingress nft_prerouting)
      [[ -n $BASELINE ]] && filters+=(xdpguard_baseline)
      # The physical anchor for the spread and legitimate floods: one exact hash lookup.
      [[ $flood == spread-* || $flood == legit-* ]] && filters+=(barehash barebucket barebucketvalue)
      [[ $flood == legit-* ]] && filters+=(xdppass)
      [[ $flood == one-24* && $size == "${size_list[0]}" ]] && filters+=(xdp_filter)
      # What flow tracking (on by default) costs end to end, at the same load.
      [[ ($size == "${size_list[0]}" && ($flood == one-24 || $flood == one-24-paced)) ||
         $flood == spread-* || $flood == legit-* ]] && filters+=(xdpguard_flows_off)
      [[ -z $ONLY_FLOODS || $ONLY_FLOODS == *",$flood,"* ]] || continue
      # Every other round runs the filters in reverse order: a filter measured right after
      # another one did better (2026-12-02: the same two builds, swapped between the
      # xdpguard_native and xdpguard_baseline slots, each won 5 of 5 and 6 of 7 rounds in
      # the later slot), so a fixed order biases the comparisons medians are made for.
      if ((round % 2 == 0)); then
        reversed=()
        for ((i = ${#filters[@]} - 1; i >= 0; i--)); do reversed+=("${filters[i]}"); done
        filters=("${reversed[@]}")
      fi
      for filter in "${filters[@]}"; do
        wanted "$filter" || continue
        run_one "$size" "$flood" "$filter" "$round"
      done
    done
  done
done

if [[ $CONTROL == 1 ]]; then
  log "control plane: feed_bench (1M prefixes from a feed, 1% refresh)"
  "$BUILD/bench/feed_bench" --rounds "$ROUNDS" > "$WORK/control.md" 2>&1
fi

{
  cat "$WORK/head.md"
  if [[ $TESTRUN == 1 ]]; then
    echo
    echo "## 1. Datapath cost per packet (BPF_PROG_TEST_RUN)"
    echo
    echo "\`build/bench/lpm_bench --rounds $ROUNDS --sizes $SIZES\`: medians of interleaved rounds, ns per packet with the"
    echo "cost of an empty XDP_PASS program measured in the same rounds already subtracted; the bare LPM"
    echo "program (one trie lookup, no parsing beyond the source address, no counters) is the reference."
    echo "*without verdict cache* is xdpguard's program loaded with its per-CPU verdict cache compiled out,"
    echo "on the same maps, run right after xdpguard's on the same frames: hot rows show what the cache"
    echo "saves; on cold rows (20k sources, more than its 4,096 slots) it finds the lines xdpguard just"
    echo "loaded, so it reads low. *xdpguard / bare hash* is the median of the per-round ratios (their"
    echo "range in brackets); every program makes one untimed pass over a row's frames first."
    echo
    cat "$WORK/testrun.md"
  fi
  echo
  echo "## 2. End to end over veth"
  echo
  generator_text
  echo "to CPU $NAPI_CPU and does all receive work (XDP, or GRO + the stack + netfilter). *Received*: frames"
  echo "that reached the receiver's NAPI (rx_queue_0_xdp_packets); the rest of *offered* were refused"
  echo "by the full veth ring (xdp_xmit_errors). *Passed*: datagrams that reached UDP (UdpNoPorts);"
  echo "*filtered* = received - passed. *ns/pkt*: the NAPI thread's run time (/proc/PID/schedstat)"
  echo "divided by frames received. Medians of $ROUNDS interleaved rounds (filters in turn within each"
  echo "round, in reverse order every other round), min-max in parentheses."
  echo
  echo "Floods. *one-24* cycles over the 256 addresses of one blocked /24 with flow control: the"
  echo "generator keeps at most $CREDITS frames on their way to the receiver (counted with the napi_poll"
  echo "and xdp_devmap_xmit tracepoints) and waits for credit, so each filter gets frames as fast as"
  echo "it takes them, up to the generator's own rate, and the veth ring (256 frames) refuses none:"
  echo "where the generator is the faster, *received* is that filter's highest sustained rate."
  echo "*one-24-open* is the same flood open loop, at the generator's full"
  echo "rate: the full ring refuses most frames. $(open_loop_text)"
  echo "*one-24-paced* is open loop but slowed (the generator"
  echo "spins $PACED_SPIN bpf_loop iterations per frame) to a load every filter absorbs, so all see the"
  echo "same traffic. $(header_text) *one-24-rewrite*"
  echo "is *one-24* with the source rewritten in every frame by the generator's core, so a"
  echo "header-reading filter also pays a cross-core transfer of the header's cache line;"
  echo "*spread-32k* cycles over 32,768 blocked /32s with flow control, rewriting every frame"
  echo "(only in the 1M list). *spread-all* cycles over 32,768 blocked /32s scattered over the whole"
  echo "unicast space (1.0.0.1 + i * 113,669), *legit-all* over 32,768 sources in no list, scattered"
  echo "the same way through regions that hold entries (1M lists only). *barehash* is the physical"
  echo "anchor: an XDP program that drops on one exact BPF hash lookup of the source, loaded with"
  echo "the list's addresses (bench/bare_hash_filter); *barebucket* the same filter on the bucketised"
  echo "table prototype (bench/bucket_table.h: one cache line per probe, the rule from a small"
  echo "array of shared policies), *barebucketvalue* the same with a per-entry 64-byte value read on a hit; *xdppass* passes everything (the reference"
  echo "for the cost xdpguard adds to traffic it lets through); *dropread* drops after reading the source"
  echo "address, the floor of any filter that reads the header (drop-all reads no packet byte). xdpguard runs as shipped:"
  echo "\`attach --mode native|generic\`, lists via \`block load\`, flow tracking at its default (matched,"
  echo "drops sampled 1 in 16). xdp-filter matches exact addresses only: it holds the flood's 256"
  echo "addresses, not the list. What limits each figure and what the results mean:"
  echo "docs/performance.md."
  python3 "$ROOT/scripts/bench/report.py" "$RAW"
  echo
  echo "### Load times"
  echo
  echo "Wall time and the loading process's peak RSS (kernel memory of the sets and maps is not in it)."
  echo
  cat "$WORK/loads.md"
  if [[ $CONTROL == 1 ]]; then
    echo
    echo "## 3. Control plane"
    echo
    echo "\`build/bench/feed_bench --rounds $ROUNDS\`:"
    echo
    echo '```'
    cat "$WORK/control.md"
    echo '```'
  fi
  echo
  echo "## Raw rows"
  echo
  echo '```'
  echo "# size flood filter round offered received passed seconds napi_ns xdp_xmit prog_ns prog_runs"
  cat "$RAW"
  echo '```'
} > "$OUT"
log "report written to $OUT"
