/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU counters. The entry program records a frame's verdict class exactly once, at
 * its single exit; per-rule and per-origin counters are touched only when a rule matched,
 * so the no-match fast path costs one array update. */
#ifndef XDPGUARD_STATS_H
#define XDPGUARD_STATS_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"

static __always_inline void count_verdict(__u32 slot, __u32 cls, __u32 family, __u32 reason,
                                          __u64 bytes) {
  /* Out-of-range slots (a newer controller?) fall back to the shared block 0. */
  if (slot >= XG_MAX_IF_SLOTS) slot = 0;
  __u32 idx = slot * XG_STATS_ENTRIES + cls * XG_FAM_MAX + family;
  struct xg_counter *c = bpf_map_lookup_elem(&xg_stats, &idx);
  if (c) {
    c->packets++;
    c->bytes += bytes;
  }
  if (reason != XG_REASON_NONE) {
    __u64 *r = bpf_map_lookup_elem(&xg_reasons, &reason);
    if (r) (*r)++;
  }
}

/* Host bits of saddr cleared for a prefix of plen bits (network order in and out). */
static __always_inline __be32 mask_word(__be32 word, __s32 plen) {
  if (plen >= 32) return word;
  if (plen <= 0) return 0;
  return word & bpf_htonl(~0u << (32 - plen));
}

/* The identity of a matched rule: its CIDR (family, length, address with host bits clear).
 * Keys the per-rule counters, the rate-limit buckets and the flow records' rule field. */
static __always_inline void rule_key(struct xg_rule_stats_key *key, const struct xg_rule *rule,
                                     __u8 family, const __be32 *saddr) {
  /* family, prefixlen and padding in one 32-bit store: same_rule() and the map code read
   * the key in words, and a word load from two byte stores cannot be forwarded from the
   * store buffer (it waits for them to reach the cache, ~15 cycles on x86). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  __u32 head = family | (__u32)rule->prefixlen << 8;
#else
  __u32 head = (__u32)family << 24 | (__u32)rule->prefixlen << 16;
#endif
  *(__u32 *)key = head;
  if (family == XG_FAM_IPV4) {
    key->addr[0] = mask_word(saddr[0], rule->prefixlen);
  } else {
#pragma unroll
    for (int i = 0; i < 4; i++) key->addr[i] = mask_word(saddr[i], (__s32)rule->prefixlen - 32 * i);
  }
}

static __always_inline int same_rule(const struct xg_rule_stats_key *a,
                                     const struct xg_rule_stats_key *b) {
  const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;
  return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/* Adds a counter into the rule's way of its set in this CPU's region of xg_rule_stats
 * (struct xg_rule_set): one cold line, no atomics (only this CPU writes the region). A
 * global function, verified once instead of on every path that reaches a flush (the
 * three-way search and the eviction added a third to the 6.1 verifier's count inlined);
 * the call costs a few ns, paid only by recorded runs. */
__noinline int xg_add_rule_stats(const struct xg_rule_stats_key *key, __u64 packets,
                                 __u64 bytes) {
  if (!key) return 0;
  __u32 idx = bpf_get_smp_processor_id() * (xg_rule_set_mask + 1) +
              (xg_rule_set_hash(key) & xg_rule_set_mask);
  struct xg_rule_set *set = bpf_map_lookup_elem(&xg_rule_stats, &idx);
  if (!set) return 0; /* a CPU beyond the regions sized at attach: not counted */
  struct xg_rule_way *w = &set->way[0];
  if (!same_rule(&w->key, key)) {
    w = &set->way[1];
    if (!same_rule(&w->key, key)) {
      w = &set->way[2];
      if (!same_rule(&w->key, key)) {
        /* No way of its own: take the one with the fewest packets (a free way has none). */
        w = &set->way[0];
        if (set->way[1].packets < w->packets) w = &set->way[1];
        if (set->way[2].packets < w->packets) w = &set->way[2];
        set->evicted += w->packets;
        w->key = *key;
        w->packets = 0;
        w->bytes = 0;
      }
    }
  }
  w->packets += packets;
  w->bytes += bytes;
  return 0;
}

/* Adds the finished run in this CPU's write-back slot to xg_rule_stats: exactly, unless
 * this CPU is changing rules faster than XG_RULE_EXACT_CHANGES per tick and the run is
 * short, in which case it is sampled (the contract is in maps/xdpguard_maps.h). */
static __always_inline void flush_rule_run(struct xg_rule_cache *slot) {
  __u64 packets = slot->counter.packets, bytes = slot->counter.bytes;
  __u64 tick = bpf_ktime_get_coarse_ns();
  if (slot->tick_ns != tick) {
    slot->tick_ns = tick;
    slot->changes = 0;
  }
  __u32 changes = ++slot->changes;
  /* The run length below which runs are sampled, a power of two (the draw is masked). */
  __u32 run = changes > XG_RULE_HEAVY_CHANGES ? XG_RULE_HEAVY_SAMPLE_RUN : XG_RULE_SAMPLE_RUN;
  if (changes > XG_RULE_EXACT_CHANGES && packets < run && packets) {
    __u32 x = slot->draw;
    if (!x) x = bpf_get_prandom_u32() | 1;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    slot->draw = x;
    if ((x & (run - 1)) >= packets) return;
    bytes = bytes * run / packets;
    packets = run;
  }
  xg_add_rule_stats(&slot->key, packets, bytes);
}

/* Counts a hit on a rule and on its origin. A run of hits on the same rule accumulates in
 * this CPU's write-back slot (an inlined array lookup); only a change of rule touches the
 * counters, adding the finished run to them. */
static __always_inline void count_rule_hit(const struct xg_rule_stats_key *key, __u16 origin_id,
                                           __u64 bytes) {
  __u32 zero = 0;
  struct xg_rule_cache *slot = bpf_map_lookup_elem(&xg_rule_cache, &zero);
  if (!slot) {
    /* Never: index 0 of a one-element array. */
  } else if (slot->valid && same_rule(&slot->key, key)) {
    slot->counter.packets++;
    slot->counter.bytes += bytes;
  } else {
    if (slot->valid) flush_rule_run(slot);
    slot->key = *key;
    slot->counter.packets = 1;
    slot->counter.bytes = bytes;
    slot->valid = 1;
  }
  __u32 origin = origin_id;
  if (origin < XG_MAX_ORIGINS) {
    struct xg_counter *o = bpf_map_lookup_elem(&xg_origin_stats, &origin);
    if (o) {
      o->packets++;
      o->bytes += bytes;
    }
  }
}

#endif /* XDPGUARD_STATS_H */
