#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Co-existence with xdp-filter through libxdp's multiprog dispatcher: both programs on one
# interface, each enforcing its own list. Where the kernel refuses the dispatcher (libxdp
# falls back to a single program), this test skips and says why.
source "$(dirname "$0")/lib.sh"
make_pair

in_dst xdp-filter load -m native "$VETH_DST" 2>/dev/null || skip "xdp-filter does not load here"
if ! in_dst xdp-loader status "$VETH_DST" | grep -q "xdp_dispatcher"; then
  skip "libxdp multiprog dispatcher unavailable on this kernel (libxdp fell back to a single program); co-existence cannot be tested"
fi
xg attach "$VETH_DST" --mode native
xg status --json | json_get "['interfaces'][0]['libxdp_dispatcher']" | grep -q True || fail "status does not report the dispatcher"
in_dst xdp-filter ip 10.200.0.2 --mode src
xg block add 10.200.0.1
got=$(ping_replies 10.200.0.1 10.200.0.10 5)
[[ $got == 0 ]] || fail "xdpguard's block leaked $got"
got=$(ping_replies 10.200.0.2 10.200.0.10 5)
[[ $got == 0 ]] || fail "xdp-filter's block leaked $got (xdpguard must chain on pass)"
log "PASS"
