// SPDX-License-Identifier: GPL-2.0
/* Benchmark reference for passed traffic: an XDP program that passes every frame, so the
 * cost xdpguard adds to a packet it lets through is measured against the same receive path
 * (XDP, then the stack) rather than against a veth without XDP. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx) { return XDP_PASS; }

char LICENSE[] SEC("license") = "GPL";
