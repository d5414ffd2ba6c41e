// SPDX-License-Identifier: GPL-2.0
/* Benchmark baseline: returns XDP_PASS and nothing else. lpm_bench times it in the same
 * rounds as xdpguard so the BPF_PROG_TEST_RUN overhead can be subtracted. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass_empty(struct xdp_md *ctx) { return XDP_PASS; }

char LICENSE[] SEC("license") = "GPL";
