// SPDX-License-Identifier: GPL-2.0
/* Benchmark floor for filters that read the header: drops every frame after reading its
 * source address (IPv4 or IPv6), the one packet load every such filter makes. Drop-all
 * touches no packet byte; the difference between the two is what reading the frame costs
 * on its own (the header line may still be in the sending core's cache on veth). Frames
 * whose source it cannot read pass. */
#include "bench_frame.h"

SEC("xdp")
int xdp_drop_read(struct xdp_md *ctx) {
  __u32 first_word;
  struct iphdr *ip = bench_ipv4(ctx);
  struct ipv6hdr *ip6 = ip ? NULL : bench_ipv6(ctx);
  if (ip)
    first_word = ip->saddr;
  else if (ip6)
    first_word = ip6->saddr.in6_u.u6_addr32[0];
  else
    return XDP_PASS;
  /* The verdict depends on the address, so the load cannot be left out. */
  return first_word == 0xffffffff ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
