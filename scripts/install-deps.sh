#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs every Debian 12 package that the build, the tests and the benchmarks need.
# Idempotent: safe to run on a machine that already has everything. This script is the
# single source of truth for dependencies; .ci/run calls it on a fresh machine.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps.sh: needs root (apt-get install)" >&2
  exit 1
fi

packages=(
  # toolchain (ccache: .ci/run's four builds reuse what an earlier run compiled)
  build-essential cmake pkg-config git ccache
  clang llvm
  # fuzzing and sanitizer builds (scripts/fuzz.sh, scripts/sanitize.sh): libFuzzer, ASan, UBSan
  libclang-rt-14-dev
  # kernel / BPF
  libbpf-dev libxdp-dev xdp-tools bpftool linux-libc-dev libelf-dev zlib1g-dev
  # C++ libraries
  libabsl-dev nlohmann-json3-dev catch2 libspdlog-dev libfmt-dev
  # feeds: HTTP(S) fetching; daemon: Prometheus exposition
  libcurl4-openssl-dev ca-certificates prometheus-cpp-dev
  # integration tests and lab
  iproute2 iputils-ping netcat-openbsd tcpdump procps util-linux
  # feed tests: the scripted HTTP(S) server and its certificate; metrics tests: the real
  # Prometheus server and promtool
  python3 openssl prometheus
  # gateway-guard integration: real attack tools, and arpwatch to compare against
  dsniff thc-ipv6 arpwatch arping
  # fail2ban integration: the real fail2ban-server with xdpguard's action
  fail2ban
  # CrowdSec bouncer integration: the real Local API and cscli (run offline, see below)
  crowdsec
  # benchmarks: the filters we compare against
  iptables ipset nftables ethtool
  # the Debian package (scripts/package-deb.sh): Debian's build tools, lintian, man
  debhelper dpkg-dev lintian man-db adduser
  # kernel check (scripts/kernel-check.sh): Debian 12's stock kernel under qemu (TCG)
  qemu-system-x86 busybox-static
)

# crowdsec's postinst registers with the online Central API unless this file exists and
# is not empty; these machines have no internet, and the tests run the Local API offline
# with a configuration of their own (test/integration/crowdsec_bouncer.sh).
if ! dpkg -s crowdsec >/dev/null 2>&1 && [[ ! -s /etc/crowdsec/online_api_credentials.yaml ]]; then
  mkdir -p /etc/crowdsec
  printf '# offline: no Central API (written by xdpguard scripts/install-deps.sh)\nurl: http://127.0.0.1:1/\nlogin: offline\npassword: offline\n' \
    > /etc/crowdsec/online_api_credentials.yaml
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-deps.sh: ${#packages[@]} packages present"
