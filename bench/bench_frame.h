// SPDX-License-Identifier: GPL-2.0
/* The reference programs' one parsing step: the IP header right after a plain Ethernet
 * header (no VLAN), whole and within the frame, or NULL. The benchmark floors and
 * anchors read the source from here, so they all pay the same header cost and differ
 * only in what they do with the address. */
#ifndef XDPGUARD_BENCH_BENCH_FRAME_H_
#define XDPGUARD_BENCH_BENCH_FRAME_H_

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* The header after the Ethernet header if the ethertype is `proto` (network order) and
 * its `len` bytes are in the frame, else NULL. */
static __always_inline void *bench_l3(struct xdp_md *ctx, __be16 proto, __u32 len) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > end || eth->h_proto != proto) return NULL;
  if ((void *)(eth + 1) + len > end) return NULL;
  return eth + 1;
}

static __always_inline struct iphdr *bench_ipv4(struct xdp_md *ctx) {
  return bench_l3(ctx, bpf_htons(ETH_P_IP), sizeof(struct iphdr));
}

static __always_inline struct ipv6hdr *bench_ipv6(struct xdp_md *ctx) {
  return bench_l3(ctx, bpf_htons(ETH_P_IPV6), sizeof(struct ipv6hdr));
}

#endif  // XDPGUARD_BENCH_BENCH_FRAME_H_
