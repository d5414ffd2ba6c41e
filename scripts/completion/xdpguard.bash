# SPDX-License-Identifier: GPL-2.0
# bash completion for xdpguard (install as /usr/share/bash-completion/completions/xdpguard).
# Verbs, sub-verbs, each verb's options and their values; interface names for IFACE
# arguments, files for --config and load.

_xdpguard_ifaces() { ls /sys/class/net 2>/dev/null; }

_xdpguard() {
  local cur prev verb sub i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  # The verb: the first word after the global options (--pin-dir takes a value).
  verb="" sub=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --pin-dir) ((i++)) ;;
      -*) ;;
      *) if [[ -z $verb ]]; then verb=${COMP_WORDS[i]}; elif [[ -z $sub ]]; then sub=${COMP_WORDS[i]}; fi ;;
    esac
  done

  case $prev in
    --pin-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --mode) COMPREPLY=($(compgen -W "native generic auto" -- "$cur")); return ;;
    --flows) COMPREPLY=($(compgen -W "off matched all" -- "$cur")); return ;;
    --action) COMPREPLY=($(compgen -W "drop pass ratelimit monitor" -- "$cur")); return ;;
    --per) COMPREPLY=($(compgen -W "source rule" -- "$cur")); return ;;
    --origin) COMPREPLY=($(compgen -W "manual fail2ban config" -- "$cur")); return ;;
    --sort) COMPREPLY=($(compgen -W "packets bytes drops last" -- "$cur")); return ;;
    --by) COMPREPLY=($(compgen -W "flow source rule" -- "$cur")); return ;;
  esac

  if [[ -z $verb ]]; then
    COMPREPLY=($(compgen -W "attach detach resize status monitor track stats flows guard block allow explain check run feeds help --pin-dir --verbose --help --version" -- "$cur"))
    return
  fi
  local opts=""
  case $verb in
    attach)
      [[ -z $sub ]] && { COMPREPLY=($(compgen -W "$(_xdpguard_ifaces)" -- "$cur")); return; }
      opts="--mode --monitor --flows --drop-sample --pass-sample --replace --block-v4-entries --block-v6-entries --allow-v4-entries --allow-v6-entries --rule-stats-entries --bucket-entries --flow-entries" ;;
    detach)
      [[ -z $sub ]] && { COMPREPLY=($(compgen -W "$(_xdpguard_ifaces)" -- "$cur")); return; }
      opts="--keep-maps" ;;
    resize) opts="--block-v4-entries --block-v6-entries --allow-v4-entries --allow-v6-entries" ;;
    monitor)
      [[ -z $sub ]] && { COMPREPLY=($(compgen -W "$(_xdpguard_ifaces)" -- "$cur")); return; }
      opts="on off" ;;
    track)
      [[ -z $sub ]] && { COMPREPLY=($(compgen -W "$(_xdpguard_ifaces)" -- "$cur")); return; }
      opts="off matched all --drop-sample --pass-sample" ;;
    status) opts="--json" ;;
    stats) opts="--json --top --config" ;;
    flows) opts="--top --sort --by --interval --json --config" ;;
    explain) opts="--json --config" ;;
    check) opts="--config" ;;
    run) opts="--config --detach-on-exit" ;;
    guard)
      [[ -z $sub ]] && { COMPREPLY=($(compgen -W "add del list watch" -- "$cur")); return; }
      opts="--gateway --mac --drop --json --on-alert --count --timeout" ;;
    block)
      [[ -z $sub ]] && { COMPREPLY=($(compgen -W "add del list load" -- "$cur")); return; }
      case $sub in
        add) opts="--action --pps --burst --bps --per --ports --new-only --ttl --monitor --force --comment --origin" ;;
        del) opts="--origin" ;;
        list) opts="--json --config --origin --action --cidr" ;;
        load) [[ $cur != -* ]] && { COMPREPLY=($(compgen -f -- "$cur")); return; }
              opts="--replace --action --pps --burst --bps --per --ports --new-only --ttl --monitor --force" ;;
      esac ;;
    allow)
      [[ -z $sub ]] && { COMPREPLY=($(compgen -W "add del list" -- "$cur")); return; }
      opts="--force --json --config" ;;
    feeds)
      [[ -z $sub ]] && { COMPREPLY=($(compgen -W "apply refresh status run" -- "$cur")); return; }
      opts="--config --force --resync --json" ;;
    help) opts="attach detach resize status monitor track stats flows guard block allow explain check run feeds" ;;
  esac
  COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
}
complete -F _xdpguard xdpguard
