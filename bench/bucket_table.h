/* SPDX-License-Identifier: GPL-2.0 */
/* Benchmark prototype (not the product): a bucketised two-choice hash table of IPv4
 * prefixes in one BPF array, so that a probe costs one 64-byte cache line instead of the
 * kernel hash's bucket head plus element. It answers one question before the product
 * builds on it: how much faster than BPF_MAP_TYPE_HASH is a cold lookup in such a table?
 * (docs/performance.md, "Bucketised table prototype".)
 *
 * A slot is 8 bytes: the address (network order), the prefix length (0 = empty slot) and
 * a 24-bit reference. The programs read it two ways, to price the value's placement:
 * bare_bucket as an index into a small array of policies (feeds share their rule, so that
 * array stays in cache), bare_bucket_value as an index into an array with one 64-byte
 * value per entry (a second, cold, cache line per hit). A bucket is 8 slots, one cache
 * line. A key may live in its first or its second bucket; bit 7 of slot 0's length byte
 * says "some key whose first bucket is this one lives in its second", so most misses read
 * one line. Shared by the BPF programs (bucket_probe.bpf.c) and the host-side builder
 * (bucket_builder.cc). */
#ifndef XDPGUARD_BENCH_BUCKET_TABLE_H_
#define XDPGUARD_BENCH_BUCKET_TABLE_H_

#include <linux/types.h>

#define XB_SLOTS 8
#define XB_SPILLED 0x80 /* slot[0].plen: a key of this first bucket lives in its second */
#define XB_POLICIES 256  /* bare_bucket reads policy (ref % XB_POLICIES) */
/* bare_bucket_inner: the same buckets split into inner arrays of 2^XB_INNER_SHIFT buckets
 * (16 KiB), small enough that the kernel kmallocs each (direct map, huge pages) instead of
 * vmalloc'ing one big array on 4 KiB pages: does a cold probe pay for the TLB? */
#define XB_INNER_SHIFT 8
#define XB_INNER_BUCKETS (1u << XB_INNER_SHIFT)

struct xb_slot {
  __u32 addr;
  __u8 plen;
  __u8 ref[3]; /* little-endian */
};

struct xb_bucket {
  struct xb_slot slot[XB_SLOTS];
};

struct xb_policy {
  __u32 action; /* 1 = drop */
  __u32 pad;
};

struct xb_value {
  __u32 action; /* 1 = drop */
  __u32 pad[15]; /* a cache line, as a rule is */
};

/* 64-bit mix of (address, length): both bucket indices come from one multiply. */
static inline __u64 xb_hash(__u32 addr, __u8 plen) {
  __u64 x = ((__u64)plen << 32) | addr;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 32;
  return x;
}

static inline __u32 xb_first(__u64 h, __u32 mask) { return (__u32)(h >> 32) & mask; }
static inline __u32 xb_second(__u64 h, __u32 mask) { return ((__u32)h ^ (__u32)(h >> 32) ^ 0x5bd1e995u) & mask; }

#endif /* XDPGUARD_BENCH_BUCKET_TABLE_H_ */
