#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the libFuzzer targets (test/fuzz, clang with AddressSanitizer and
# UndefinedBehaviorSanitizer) in their own build directory and runs each for a while from
# the repository's seeds: the feed samples (test/data/feeds/samples), the example config
# and test/fuzz/seeds. Prints, per target, the executions, the coverage reached and the
# corpus size; exits non-zero on the first crash, leak, sanitizer report or timeout, with
# the input that caused it kept in the build directory's artifacts/.
#
#   scripts/fuzz.sh [--seconds S] [--only target,...]     (default 60 s per target)
# FUZZ_BUILD_DIR (default build-fuzz/) is where it builds and keeps corpora and artifacts.
# No privileges needed; nothing leaves the machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=60
only=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --only) only=",$2,"; shift 2 ;;
    *) echo "usage: $0 [--seconds S] [--only target,...]" >&2; exit 2 ;;
  esac
done

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DXDPGUARD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXDPGUARD_LINE_TABLES=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_all

seeds="$root/test/fuzz/seeds"
declare -A corpus=(
  [fuzz_feed_body]="$root/test/data/feeds/samples"
  [fuzz_cidr_list]="$seeds/cidr_list $root/test/data/feeds/samples/firehol"
  [fuzz_config]="$seeds/config"
  [fuzz_cli_args]="$seeds/cli_args"
  [fuzz_state_files]="$seeds/state_files"
  [fuzz_crowdsec_stream]="$seeds/crowdsec"
)
mkdir -p "$build/artifacts"
targets=()
for target in fuzz_feed_body fuzz_cidr_list fuzz_config fuzz_cli_args fuzz_state_files fuzz_crowdsec_stream; do
  if [[ -z $only || $only == *",$target,"* ]]; then targets+=("$target"); fi
done

# run_target T: one libFuzzer run; its exit status goes to $build/T.status.
run_target() {
  local target=$1 rc=0
  local work="$build/corpus/$target"  # new inputs go here; the seed directories stay untouched
  mkdir -p "$work"
  # -rss_limit_mb: a parser must not need more than this for a 64 KiB input.
  # shellcheck disable=SC2086
  "$build/test/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
    "$work" ${corpus[$target]} >"$build/$target.log" 2>&1 || rc=$?
  echo "$rc" > "$build/$target.status"
}

# Each run is single-threaded: one per CPU at a time.
cpus=$(nproc)
running=0
for target in "${targets[@]}"; do
  rm -f "$build/$target.status"
  run_target "$target" &
  running=$((running + 1))
  if [[ $running -ge $cpus ]]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

printf '| target | seconds | executions | exec/s | coverage (edges) | features | corpus | result |\n'
printf '|---|---|---|---|---|---|---|---|\n'
status=0
for target in "${targets[@]}"; do
  log="$build/$target.log"
  if [[ $(cat "$build/$target.status" 2>/dev/null) == 0 ]]; then
    result=ok
  else
    result="FAILED (see $log)"
    status=1
  fi
  # A crashed run may lack any of these lines: each read tolerates its absence.
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1 || true)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  [[ -n $done_line ]] || done_line=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  corp=$(sed -n 's/.*corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$done_line")
  rate=$(( ${execs:-0} / (seconds > 0 ? seconds : 1) ))
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$target" "$seconds" "${execs:-?}" "$rate" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
  if [[ $result != ok ]]; then
    grep -E 'ERROR|SUMMARY|runtime error|what\(\)|Test unit written|Base64' "$log" | head -12 >&2 || true
  fi
done
exit $status
