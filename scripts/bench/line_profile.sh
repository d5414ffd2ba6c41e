#!/usr/bin/env bash
# Where xdpguard's program spends the receiving core's time on one bench.sh flood, by
# function and by source line (bench/bpf_line_profile).
#   sudo BUILD_DIR=build scripts/bench/line_profile.sh [--flood F] [--size N] [--seconds S]
#        [--program xdpguard_main] [--filter xdpguard_native]
# Runs `scripts/bench.sh` with one filter (default xdpguard) alone on the flood (default
# spread-32k at 1M prefixes) in the background, samples every CPU with `perf record` for S
# seconds (default 12) once the flood has started, then attributes the samples that fell
# in xdpguard's program while it is still loaded: shares of the program's own samples.
# Then the receiving core's samples by kernel symbol (with another --filter, such as
# dropall, this part alone: the floor to compare with), and bench.sh's ns per packet.
# Needs root and perf (Debian: linux-perf). Traffic stays in bench.sh's namespaces.
set -euo pipefail

FLOOD=spread-32k
SIZE=1000000
SECONDS_RECORD=12
PROGRAM=xdpguard_main
FILTER=xdpguard_native
while [[ $# -gt 0 ]]; do
  case $1 in
    --flood) FLOOD=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --seconds) SECONDS_RECORD=$2; shift 2 ;;
    --program) PROGRAM=$2; shift 2 ;;
    --filter) FILTER=$2; shift 2 ;;
    *) echo "usage: $0 [--flood F] [--size N] [--seconds S] [--program NAME] [--filter F]" >&2; exit 2 ;;
  esac
done
BUILD=${BUILD_DIR:-build}
HERE=$(cd "$(dirname "$0")/.." && pwd)
command -v perf > /dev/null || { echo "perf is not installed (Debian: apt-get install linux-perf)" >&2; exit 2; }
[[ -x $BUILD/bench/bpf_line_profile ]] || { echo "no $BUILD/bench/bpf_line_profile: build the benchmarks first" >&2; exit 2; }

WORK=$(mktemp -d /tmp/xg-line-profile.XXXXXX)
BENCH_PID=""
cleanup() {
  if [[ -n $BENCH_PID ]] && kill -0 "$BENCH_PID" 2> /dev/null; then
    wait "$BENCH_PID" || true # bench.sh tears its namespaces down itself; let it finish
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The flood must outlast the list load, the wait below and the recording.
BUILD_DIR=$BUILD bash "$HERE/bench.sh" --sizes "$SIZE" --only-floods "$FLOOD" \
  --only-filters "$FILTER" --rounds 1 --seconds $((SECONDS_RECORD + 15)) --skip-testrun \
  --skip-control --no-install --out "$WORK/bench.md" > "$WORK/bench.log" 2>&1 &
BENCH_PID=$!

# The program attached to bench.sh's receiving veth (xdp-loader lists it, alone or behind
# a dispatcher); another xdpguard loaded on this machine has the same name. Asked once the
# flood runs: bench.sh attaches xdpguard once before, to load the list.
attached_id() {
  local ns dev
  ns=$(ip netns list | awk '/^xgb-rcv-/ {print $1; exit}')
  [[ -n $ns ]] || return 0
  dev=$(ip -n "$ns" -o link | grep -o 'xgbr[0-9]*' | head -1 || true)
  [[ -n $dev ]] || return 0
  ip netns exec "$ns" xdp-loader status "$dev" 2> /dev/null |
    awk -v p="$PROGRAM" '{for (i = 1; i < NF; i++) if ($i == p) {j = i + 1; if ($j !~ /^[0-9]+$/) j++; print $j; exit}}'
}
# Polls the command (up to 600 s, while bench.sh runs) until it prints something, and
# prints that; fails naming what it waited for.
wait_for() {  # what command...
  local what=$1 out
  shift
  for _ in $(seq 1 600); do
    out=$("$@" || true)  # a probe that finds nothing yet may fail
    [[ -n $out ]] && { echo "$out"; return 0; }
    kill -0 "$BENCH_PID" 2> /dev/null || { cat "$WORK/bench.log" >&2; echo "bench.sh ended before $what" >&2; return 1; }
    sleep 1
  done
  echo "no $what within 600 s" >&2
  return 1
}
# The flood starts once the list is loaded and the generator (bench/flood_gen) runs.
wait_for "the flood started" pgrep -x flood_gen > /dev/null
prog_id=""
[[ $FILTER == xdpguard_* ]] && prog_id=$(wait_for "$PROGRAM was attached" attached_id)
sleep 2
perf record -a -F 999 -o "$WORK/perf.data" -- sleep "$SECONDS_RECORD" 2> "$WORK/perf.log"
echo "flood $FLOOD, $SIZE prefixes, filter $FILTER, $SECONDS_RECORD s of samples"
if [[ -n $prog_id ]]; then
  echo "program $PROGRAM (id $prog_id):"
  perf script -i "$WORK/perf.data" -F ip 2> /dev/null | "$BUILD/bench/bpf_line_profile" "$prog_id"
fi
rcv_cpu=$(sed -n 's/.*receiving NAPI thread on CPU \([0-9]*\).*/\1/p' "$WORK/bench.log" | head -1)
echo
echo "the receiving core (CPU ${rcv_cpu:-?}) by symbol (top 20):"
perf report -i "$WORK/perf.data" ${rcv_cpu:+--cpu "$rcv_cpu"} --sort sym --stdio 2> /dev/null |
  grep -v '^#' | grep -v '^$' | awk 'NR <= 20'
wait "$BENCH_PID" || { cat "$WORK/bench.log" >&2; exit 1; }
BENCH_PID=""
grep -E "^\|" "$WORK/bench.md" | awk 'NR <= 3'
