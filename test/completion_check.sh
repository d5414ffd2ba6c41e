#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The bash completion: valid bash, and it completes verbs, sub-verbs, options and values.
set -euo pipefail
file=$(dirname "$0")/../scripts/completion/xdpguard.bash
bash -n "$file"
# shellcheck disable=SC1090
source "$file"
complete_line() {  # complete_line WORD...: the candidates for the last word
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _xdpguard
  echo "${COMPREPLY[*]}"
}
expect() {  # expect WORDS -- CANDIDATE...
  local words=() want
  while [[ $1 != -- ]]; do words+=("$1"); shift; done
  shift
  got=" $(complete_line "${words[@]}") "
  for want in "$@"; do
    [[ $got == *" $want "* ]] || { echo "FAIL: '${words[*]}' does not offer '$want' (got:$got)" >&2; exit 1; }
  done
}
expect xdpguard "" -- attach block explain feeds
expect xdpguard bl -- block
expect xdpguard --pin-dir /sys/fs/bpf/x block "" -- add del list load
expect xdpguard block add 10.0.0.1 --or -- --origin
expect xdpguard block add 10.0.0.1 --origin "" -- manual fail2ban
expect xdpguard block list --ac -- --action
expect xdpguard attach lo --mode "" -- native generic auto
expect xdpguard attach "" -- lo
expect xdpguard feeds "" -- apply refresh status run
echo "completion: ok"
