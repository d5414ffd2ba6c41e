#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs xdpguard on Debian 12's stock kernel (6.1) under qemu, where libxdp's multiprog
# dispatcher works (this machine's newer kernel refuses it): boots the kernel package from
# the Debian mirror with a busybox initramfs that carries this build's xdpguard, iproute2,
# their shared libraries, libxdp's dispatcher object and veth.ko, and runs inside:
#   jumbo     a veth pair at MTU 9000; `xdpguard attach --mode native` must attach natively
#             through the dispatcher with the frags program (before the fix, libxdp built its
#             dispatcher without frags support and native mode failed with ERANGE);
#   verifier  bench/verifier_stats: instructions the verifier processed per program on 6.1,
#             gated by bench/verifier_baseline.txt (over half the 1M budget, or 1.2x the
#             committed row, fails); the same gate runs first on the host's own kernel;
#   datapath  the datapath suite (test/datapath_tests, BPF_PROG_TEST_RUN) on 6.1;
#   coexist   xdp-filter and xdpguard on one veth through the dispatcher, each enforcing its
#             own blocked source, and an unlisted source still answered (the integration
#             test coexist_xdp_filter.sh skips on kernels that refuse the dispatcher);
#   packets   the packet differential fuzzer (test/packet_diff) on 6.1: 500,000 packets
#             through xdpguard_main and 100,000 through xdpguard_frags, 0 mismatches.
# Nothing touches the host's boot setup: the kernel package is unpacked into a work
# directory. qemu uses TCG (KVM cannot boot a guest here), so a run takes a few minutes
# (the datapath suite is most of it).
# Needs root (apt-get download) and scripts/install-deps.sh (qemu, busybox). Usage: sudo scripts/kernel-check.sh [BUILD_DIR]
# KERNEL_CHECK_ONLY=verifier: only the verifier statistics (about a minute; for a datapath
# change in progress; CI runs every check).
# Exit 0 when every check passes inside the guest, 1 otherwise; the guest's console is printed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(readlink -f "${1:-$root/build}")
[[ -x $build/xdpguard ]] || { echo "kernel-check: no xdpguard in $build (build first)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "kernel-check: needs root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
command -v qemu-system-x86_64 >/dev/null && command -v busybox >/dev/null ||
  { echo "kernel-check: qemu-system-x86 and busybox-static missing: run scripts/install-deps.sh" >&2; exit 1; }

echo "== verifier statistics on this host ($(uname -r))"
"$build/bench/verifier_stats" --baseline "$root/bench/verifier_baseline.txt" ||
  { echo "kernel-check: the verifier gate failed on this host's kernel" >&2; exit 1; }

work=$(mktemp -d /tmp/xdpguard-kernel-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[[ -n $pkg ]] || { echo "kernel-check: cannot tell Debian's stock kernel package" >&2; exit 1; }
apt-get download -qq "$pkg" 2>/dev/null
dpkg-deb -x ./*.deb kernel
kver=$(ls kernel/lib/modules)
echo "kernel-check: $pkg ($kver)"

# The initramfs: busybox for the shell, the tools with every library they load.
rd=initramfs
mkdir -p "$rd"/{bin,sbin,proc,sys,dev,tmp,lib64,usr/lib/x86_64-linux-gnu/bpf}
cp "$(command -v busybox)" "$rd/bin/busybox"
for applet in sh mount mkdir cat echo sleep insmod poweroff grep ping; do ln -s busybox "$rd/bin/$applet"; done
cp "$build/xdpguard" "$rd/bin/xdpguard"
cp "$build/bench/verifier_stats" "$rd/bin/verifier_stats"
cp "$root/bench/verifier_baseline.txt" "$rd/verifier_baseline.txt"
cp "$build/test/datapath_tests" "$rd/bin/datapath_tests"
cp "$build/test/packet_diff" "$rd/bin/packet_diff"
cp /usr/sbin/ip "$rd/sbin/ip"  # iproute2's, not busybox's applet (veth, mtu)
cp /usr/sbin/xdp-filter /usr/sbin/xdp-loader "$rd/sbin/"
for bin in "$build/xdpguard" "$build/bench/verifier_stats" "$build/test/datapath_tests" \
           "$build/test/packet_diff" /usr/sbin/ip /usr/sbin/xdp-filter /usr/sbin/xdp-loader; do
  ldd "$bin" | awk '/=>/ {print $3} /ld-linux/ {print $1}' | while read -r lib; do
    [[ -f $lib ]] || continue
    mkdir -p "$rd$(dirname "$lib")"
    cp -nL "$lib" "$rd$lib"
  done
done
cp /usr/lib/x86_64-linux-gnu/bpf/xdp-dispatcher.o /usr/lib/x86_64-linux-gnu/bpf/xdpfilt_*.o \
  "$rd/usr/lib/x86_64-linux-gnu/bpf/"
cp "kernel/lib/modules/$kver/kernel/drivers/net/veth.ko" "$rd/veth.ko"
only=${KERNEL_CHECK_ONLY:-}
[[ -z $only || $only == verifier ]] || { echo "kernel-check: KERNEL_CHECK_ONLY=$only: only 'verifier' is known" >&2; exit 1; }
[[ $only == verifier ]] && touch "$rd/only_verifier"
cat > "$rd/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t bpf bpf /sys/fs/bpf
mount -t devtmpfs dev /dev 2>/dev/null
insmod /veth.ko
/sbin/ip link add xga mtu 9000 type veth peer name xgb mtu 9000
/sbin/ip link set xga up
/sbin/ip link set xgb up
echo "== attach --mode native on MTU 9000"
if xdpguard --pin-dir /sys/fs/bpf/xg attach xga --mode native; then
  xdpguard --pin-dir /sys/fs/bpf/xg status --json > /tmp/status
  cat /tmp/status
  if grep -q '"mode": "native"' /tmp/status && grep -q '"frags": true' /tmp/status &&
     grep -q '"libxdp_dispatcher": true' /tmp/status; then
    echo "KERNEL-CHECK jumbo: PASS (native, frags program, libxdp dispatcher)"
  else
    echo "KERNEL-CHECK jumbo: FAIL (attached, but not native frags behind the dispatcher)"
  fi
else
  echo "KERNEL-CHECK jumbo: FAIL (native attach refused)"
fi
echo "== coexistence with xdp-filter"
# A second pair with its peer in a namespace, so pings cross the veth; the receiving end
# carries xdp-filter (blocking .2) and xdpguard (blocking .1) behind the dispatcher.
mkdir -p /run && mount -t tmpfs run /run
/sbin/ip netns add xgc
/sbin/ip link add xca type veth peer name xcb
/sbin/ip link set xcb netns xgc
/sbin/ip addr add 10.200.0.10/24 dev xca
/sbin/ip link set xca up
for a in 1 2 3; do /sbin/ip -n xgc addr add 10.200.0.$a/24 dev xcb; done
/sbin/ip -n xgc link set xcb up
replies() { /sbin/ip netns exec xgc ping -c 3 -W 1 -I "$1" 10.200.0.10 2>/dev/null | grep -c "bytes from"; }
before=$(replies 10.200.0.3)
if ! xdp-filter load -m native xca; then
  echo "KERNEL-CHECK coexist: FAIL (xdp-filter does not load)"
elif ! xdp-loader status xca | grep -q xdp_dispatcher; then
  xdp-loader status xca
  echo "KERNEL-CHECK coexist: FAIL (no libxdp dispatcher on xca)"
elif ! xdpguard --pin-dir /sys/fs/bpf/xg attach xca --mode native; then
  echo "KERNEL-CHECK coexist: FAIL (xdpguard does not attach beside xdp-filter)"
else
  xdp-filter ip 10.200.0.2 --mode src
  xdpguard --pin-dir /sys/fs/bpf/xg block add 10.200.0.1
  xdp-loader status xca
  r1=$(replies 10.200.0.1); r2=$(replies 10.200.0.2); r3=$(replies 10.200.0.3)
  echo "replies: before $before, xdpguard-blocked $r1, xdp-filter-blocked $r2, unlisted $r3"
  if [ "$before" -ge 1 ] && [ "$r1" = 0 ] && [ "$r2" = 0 ] && [ "$r3" -ge 1 ]; then
    echo "KERNEL-CHECK coexist: PASS (each program enforces its list; xdpguard chains on pass)"
  else
    echo "KERNEL-CHECK coexist: FAIL"
  fi
fi
echo "== verifier statistics"
verifier_stats --baseline /verifier_baseline.txt && echo "KERNEL-CHECK verifier: PASS" || echo "KERNEL-CHECK verifier: FAIL"
[ -e /only_verifier ] && poweroff -f
echo "== datapath suite"
if datapath_tests > /tmp/datapath.log 2>&1; then
  tail -3 /tmp/datapath.log
  echo "KERNEL-CHECK datapath: PASS"
else
  grep -E -A12 "FAILED" /tmp/datapath.log | head -60
  grep -E "^(test cases|assertions)" /tmp/datapath.log
  echo "KERNEL-CHECK datapath: FAIL"
fi
echo "== packet differential fuzz"
if packet_diff --packets 500000 --seed 11 --quiet 2>/tmp/pd.err && \
   packet_diff --packets 100000 --seed 12 --frags --quiet 2>>/tmp/pd.err; then
  echo "KERNEL-CHECK packets: PASS"
else
  grep -v "^libbpf" /tmp/pd.err | head -30
  echo "KERNEL-CHECK packets: FAIL"
fi
poweroff -f
INIT
chmod +x "$rd/init"
(cd "$rd" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > initramfs.gz

timeout 1200 qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 2048 -nographic -no-reboot \
  -kernel "kernel/boot/vmlinuz-$kver" -initrd initramfs.gz \
  -append "console=ttyS0 quiet panic=-1 rdinit=/init" > console.log 2>&1 || true
grep -v "^\s*$" console.log | tail -100
checks="jumbo coexist verifier datapath packets"
[[ $only == verifier ]] && checks=verifier
for check in $checks; do
  grep -q "KERNEL-CHECK $check: PASS" console.log || { echo "kernel-check: $check failed" >&2; exit 1; }
done
