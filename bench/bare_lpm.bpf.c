// SPDX-License-Identifier: GPL-2.0
/* Benchmark reference: the least an LPM-based XDP filter can do per packet (Ethernet,
 * IPv4/IPv6 source, one trie lookup, drop on hit), without VLANs, allowlist, malformed
 * handling or counters. xdpguard's figures are reported next to this program's. */
#include "bench_frame.h"
#include "xdpguard_maps.h"

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, XG_DEFAULT_BLOCK_V4_ENTRIES);
  __type(key, struct xg_lpm_v4_key);
  __type(value, struct xg_rule);
} bare_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, XG_DEFAULT_BLOCK_V6_ENTRIES);
  __type(key, struct xg_lpm_v6_key);
  __type(value, struct xg_rule);
} bare_v6 SEC(".maps");

SEC("xdp")
int bare_lpm(struct xdp_md *ctx) {
  struct iphdr *ip = bench_ipv4(ctx);
  if (ip) {
    struct xg_lpm_v4_key key = {.prefixlen = 32, .addr = ip->saddr};
    return bpf_map_lookup_elem(&bare_v4, &key) ? XDP_DROP : XDP_PASS;
  }
  struct ipv6hdr *ip6 = bench_ipv6(ctx);
  if (ip6) {
    struct xg_lpm_v6_key key = {.prefixlen = 128};
    __builtin_memcpy(key.addr, &ip6->saddr, 16);
    return bpf_map_lookup_elem(&bare_v6, &key) ? XDP_DROP : XDP_PASS;
  }
  return XDP_PASS;
}

/* The physical anchor: one exact hash lookup of the source address (one memory access
 * when cold), loaded with the same list's addresses. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, XG_DEFAULT_BLOCK_V4_ENTRIES);
  __type(key, __be32);
  __type(value, __u32);
} bare_h4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, XG_DEFAULT_BLOCK_V6_ENTRIES);
  __type(key, struct in6_addr);
  __type(value, __u32);
} bare_h6 SEC(".maps");

SEC("xdp")
int bare_hash(struct xdp_md *ctx) {
  struct iphdr *ip = bench_ipv4(ctx);
  if (ip) {
    __be32 key = ip->saddr;
    return bpf_map_lookup_elem(&bare_h4, &key) ? XDP_DROP : XDP_PASS;
  }
  struct ipv6hdr *ip6 = bench_ipv6(ctx);
  if (ip6) {
    struct in6_addr key = ip6->saddr;
    return bpf_map_lookup_elem(&bare_h6, &key) ? XDP_DROP : XDP_PASS;
  }
  return XDP_PASS;
}

/* Empty program: subtracted as the fixed cost of BPF_PROG_TEST_RUN itself. */
SEC("xdp")
int empty_pass(struct xdp_md *ctx) { return XDP_PASS; }

char LICENSE[] SEC("license") = "GPL";
