// SPDX-License-Identifier: GPL-2.0
/* Benchmark floor: drops every frame without looking at it. Attached to the receiving
 * veth by scripts/bench.sh (ip link ... obj), it gives the least CPU an XDP drop costs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop_all(struct xdp_md *ctx) { return XDP_DROP; }

char LICENSE[] SEC("license") = "GPL";
