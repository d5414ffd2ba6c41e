#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds xdpguard's Debian package with Debian's own tools (dpkg-buildpackage, debhelper;
# the packaging is scripts/debian/) from the repository's tracked files, and runs lintian
# on it. With --test it then installs the package on this machine and checks it:
# `xdpguard --version`, `xdpguard check` on the installed config, `man -w` for both pages,
# the unit (systemd-analyze verify, when present), the bash completion; `dpkg -r` keeps
# only the conffiles; `dpkg -P` leaves none of the package's files behind.
#
#   scripts/package-deb.sh [--test]        (the package lands in build-deb/, or $OUT_DIR)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT_DIR:-$root/build-deb}
run_test=0
case ${1:-} in
  --test) run_test=1 ;;
  "") ;;
  *) echo "usage: $0 [--test]" >&2; exit 2 ;;
esac

version=$(sed -n 's/^project(xdpguard VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[[ -n $version ]] || { echo "package-deb.sh: no version in CMakeLists.txt" >&2; exit 1; }
work=$(mktemp -d /tmp/xg-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/xdpguard-$version
mkdir -p "$src"
# Tracked files only: no build directories, no local leftovers in the package.
(cd "$root" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$src"
cp -r "$root/scripts/debian" "$src/debian"
commit=$(cd "$root" && git rev-parse --short HEAD)
stamp=$(cd "$root" && git log -1 --format=%cD)
cat > "$src/debian/changelog" <<EOF
xdpguard ($version) unstable; urgency=medium

  * Built from commit $commit of the xdpguard repository.

 -- xdpguard developers <developers@xdpguard.org>  $stamp
EOF

echo "package-deb.sh: dpkg-buildpackage (xdpguard $version, commit $commit)"
start=$(date +%s)
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" dpkg-buildpackage -b -us -uc) \
     > "$work/build.log" 2>&1; then
  tail -40 "$work/build.log"
  echo "package-deb.sh: dpkg-buildpackage failed" >&2
  exit 1
fi
mkdir -p "$out"
deb=$out/xdpguard_${version}_$(dpkg --print-architecture).deb
cp "$work/$(basename "$deb")" "$deb"
echo "package-deb.sh: $deb built in $(( $(date +%s) - start )) s ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb --contents "$deb" | awk '{print "  " $6}' | grep -v '/$'

echo "package-deb.sh: lintian"
lintian --info --tag-display-limit 0 "$deb" 2>&1 | grep -v "running with root privileges" > "$work/lintian.txt" || true
sed 's/^/  /' "$work/lintian.txt"
errors=$(grep -c '^E:' "$work/lintian.txt" || true)
warnings=$(grep -c '^W:' "$work/lintian.txt" || true)
infos=$(grep -c '^I:' "$work/lintian.txt" || true)
echo "package-deb.sh: lintian: $errors errors, $warnings warnings, $infos informational tags"
[[ $errors == 0 ]] || { echo "package-deb.sh: lintian reports errors" >&2; exit 1; }

[[ $run_test == 1 ]] || exit 0

# --- install test ------------------------------------------------------------------------
fail() { echo "package-deb.sh: FAIL: $*" >&2; exit 1; }
if dpkg -s xdpguard >/dev/null 2>&1; then
  fail "xdpguard is already installed here as a package: the test would remove it"
fi
dpkg -i "$deb" > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
files=$(dpkg -L xdpguard | while read -r f; do [[ -f $f ]] && echo "$f"; done)
conffiles=$(dpkg-query -W -f='${Conffiles}\n' xdpguard | awk 'NF {print $1}')
ver=$(/usr/sbin/xdpguard --version)
[[ $ver == *"$version"* ]] || fail "xdpguard --version says '$ver'"
/usr/sbin/xdpguard check --config /etc/xdpguard/xdpguard.json > "$work/check.txt" 2>&1 ||
  { cat "$work/check.txt"; fail "xdpguard check on the installed config"; }
man -w xdpguard > /dev/null || fail "man -w xdpguard"
man -w 5 xdpguard.json > /dev/null || fail "man -w 5 xdpguard.json"
[[ -f /usr/share/bash-completion/completions/xdpguard ]] || fail "no bash completion"
if command -v systemd-analyze > /dev/null; then
  systemd-analyze verify /lib/systemd/system/xdpguard.service > "$work/verify.txt" 2>&1 ||
    { cat "$work/verify.txt"; fail "systemd-analyze verify of the installed unit"; }
fi
getent passwd xdpguard > /dev/null || fail "the xdpguard system user was not created"
echo "package-deb.sh: installed: $ver; check passes on /etc/xdpguard/xdpguard.json; man -w finds" \
     "xdpguard(8) and xdpguard.json(5); $(echo "$files" | wc -l) files, conffiles:" $conffiles

dpkg -r xdpguard > "$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "dpkg -r"; }
for f in $files; do
  if grep -qxF "$f" <<< "$conffiles"; then
    [[ -f $f ]] || fail "dpkg -r removed the conffile $f"
  else
    [[ ! -e $f ]] || fail "dpkg -r left $f"
  fi
done
dpkg -P xdpguard > "$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg -P"; }
for f in $files /etc/xdpguard /var/lib/xdpguard; do
  [[ ! -e $f ]] || fail "dpkg -P left $f"
done
echo "package-deb.sh: dpkg -r kept only the conffiles; dpkg -P left nothing (the system user" \
     "xdpguard stays, as policy recommends)"
echo "package-deb.sh: PASS"
