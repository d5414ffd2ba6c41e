// SPDX-License-Identifier: GPL-2.0
/* Benchmark floor for filters that read the header: drops every frame after reading its
 * source address (IPv4 or IPv6), the one packet load every such filter makes. Drop-all
 * touches no packet byte; the difference between the two is what reading the frame costs
 * on its own (the header line may still be in the sending core's cache on veth). Frames
 * whose source it cannot read pass. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop_read(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct ethhdr *eth = data;
  if ((void *)(eth + 1) > data_end) return XDP_PASS;
  __u32 first_word = 0;
  if (eth->h_proto == bpf_htons(ETH_P_IP)) {
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end) return XDP_PASS;
    first_word = ip->saddr;
  } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
    struct ipv6hdr *ip6 = (void *)(eth + 1);
    if ((void *)(ip6 + 1) > data_end) return XDP_PASS;
    first_word = ip6->saddr.in6_u.u6_addr32[0];
  } else {
    return XDP_PASS;
  }
  /* The verdict depends on the address, so the load cannot be left out. */
  return first_word == 0xffffffff ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
