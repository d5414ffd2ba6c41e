// SPDX-License-Identifier: GPL-2.0
/* Benchmark prototype: the bare exact-hash reference (bare_lpm.bpf.c's bare_hash) with its
 * kernel hash replaced by a bucketised table in a BPF array (bucket_table.h): Ethernet,
 * IPv4 source, one /32 probe of one or two cache lines, then the slot's policy from a
 * small array (bare_bucket) or its value from a per-entry array (bare_bucket_value), drop
 * on a drop action. The bucket count is a load-time constant so the mask folds. */
#include "bench_frame.h"
#include "bucket_table.h"

volatile const __u32 xb_mask = 0; /* buckets - 1, set before load */

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 1);  // resized before load
  __type(key, __u32);
  __type(value, struct xb_bucket);
} xb_buckets SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, XB_POLICIES);
  __type(key, __u32);
  __type(value, struct xb_policy);
} xb_policies SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 1);  // resized before load: one value per key
  __type(key, __u32);
  __type(value, struct xb_value);
} xb_values SEC(".maps");

struct xb_inner {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, XB_INNER_BUCKETS);
  __type(key, __u32);
  __type(value, struct xb_bucket);
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 1);  // resized before load: buckets / XB_INNER_BUCKETS
  __type(key, __u32);
  __array(values, struct xb_inner);
} xb_outer SEC(".maps");

/* Bucket idx of the table: the big array, or the inner arrays of xb_outer. */
static __always_inline struct xb_bucket *bucket_at(__u32 idx, int inner) {
  if (!inner) return bpf_map_lookup_elem(&xb_buckets, &idx);
  __u32 oi = idx >> XB_INNER_SHIFT, ii = idx & (XB_INNER_BUCKETS - 1);
  void *m = bpf_map_lookup_elem(&xb_outer, &oi);
  if (!m) return 0;
  return bpf_map_lookup_elem(m, &ii);
}

/* The reference of (addr, 32) in bucket idx; -1 if absent, -3 if absent but spilled. */
static __always_inline int probe_bucket(__u32 idx, __u32 addr, int inner) {
  struct xb_bucket *b = bucket_at(idx, inner);
  if (!b) return -2;
  /* Whole-word compares: address and length in the low 40 bits of each slot (the length
   * without slot 0's spilled bit). */
  __u64 want = ((__u64)32 << 32) | addr;
  __u64 *w = (__u64 *)b;
#pragma unroll
  for (int i = 0; i < XB_SLOTS; i++) {
    if ((w[i] & 0x7fffffffffULL) == want) return (int)(w[i] >> 40);
  }
  return (b->slot[0].plen & XB_SPILLED) ? -3 : -1;
}

/* The slot's reference for the packet's IPv4 source, or -1. */
static __always_inline int find_source(struct xdp_md *ctx, int inner) {
  struct iphdr *ip = bench_ipv4(ctx);
  if (!ip) return -1;
  __u32 addr = ip->saddr;
  __u64 h = xb_hash(addr, 32);
  int ref = probe_bucket(xb_first(h, xb_mask), addr, inner);
  if (ref == -3) ref = probe_bucket(xb_second(h, xb_mask), addr, inner);
  return ref;
}

/* The verdict of the shared policy a slot's reference names (bare_bucket's value placement). */
static __always_inline int policy_verdict(int ref) {
  if (ref < 0) return XDP_PASS;
  __u32 pi = (__u32)ref % XB_POLICIES;
  struct xb_policy *p = bpf_map_lookup_elem(&xb_policies, &pi);
  return p && p->action == 1 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int bare_bucket(struct xdp_md *ctx) { return policy_verdict(find_source(ctx, 0)); }

SEC("xdp")
int bare_bucket_value(struct xdp_md *ctx) {
  int ref = find_source(ctx, 0);
  if (ref < 0) return XDP_PASS;
  __u32 vi = (__u32)ref;
  struct xb_value *v = bpf_map_lookup_elem(&xb_values, &vi);
  return v && v->action == 1 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int bare_bucket_inner(struct xdp_md *ctx) { return policy_verdict(find_source(ctx, 1)); }

char LICENSE[] SEC("license") = "GPL";
