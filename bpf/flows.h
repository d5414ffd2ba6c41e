/* SPDX-License-Identifier: GPL-2.0 */
/* Flow records. What is recorded depends on the interface's tracking mode: "matched"
 * (default) records only packets that hit a rule, so unmatched traffic pays nothing;
 * "all" records every IP packet; "off" nothing. Packets that are dropped (blocklist or
 * rate limit) are sampled: 1 in 2^drop_sample_shift is recorded with its counts scaled by
 * 2^shift, so a spoofed-source flood costs a fraction of a map insert per packet. In "all"
 * mode, packets that matched no rule are sampled the same way (1 in 2^pass_sample_shift, 8 by default),
 * because a hash lookup per passed packet would double its cost. Packets that matched a
 * rule and passed are recorded exactly. Exact totals per rule are in the rule counters. */
#ifndef XDPGUARD_FLOWS_H
#define XDPGUARD_FLOWS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "parsing.h"

struct flow_update {
  __u64 bytes;
  __u64 scale;  /* packets this record stands for: 2^shift of the sampling that chose it */
  __u8 family;
  __u8 cls;     /* XG_CLASS_* of the packet */
  __u8 matched; /* a rule matched: rule/origin valid */
  __u16 origin;
  const struct xg_rule_stats_key *rule;
};

/* Per-CPU xorshift32 states for the sampling draw, one cache line each so that CPUs never
 * write the same line; CPUs beyond XG_SAMPLER_CPUS share states (a race there only
 * perturbs the sequence). In .bss, not pinned: a new program starts from fresh seeds. A
 * helper call (bpf_get_prandom_u32) on every dropped packet cost more than the rest of
 * the sampling decision together. */
#define XG_SAMPLER_CPUS 256
struct xg_sampler_state {
  __u32 x;
  __u8 pad[60];
};
static struct xg_sampler_state xg_sampler[XG_SAMPLER_CPUS];

/* Whether to record this packet when 1 in 2^shift is recorded (shift 0: every packet). */
static __always_inline int flow_sampled(__u8 shift) {
  if (!shift) return 1;
  __u32 cpu = bpf_get_smp_processor_id() & (XG_SAMPLER_CPUS - 1);
  __u32 x = xg_sampler[cpu].x;
  if (!x) x = bpf_get_prandom_u32() | 1; /* xorshift never leaves 0, nor reaches it */
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  xg_sampler[cpu].x = x;
  return (x & ((1u << shift) - 1)) == 0;
}

/* The sampling shift for a packet of class cls: drops (blocklist or rate limit) by the
 * interface's drop sample, packets that matched no rule by its pass sample; packets that
 * matched a rule and passed are recorded exactly. */
static __always_inline __u8 flow_sample_shift(__u8 cls, __u8 matched, __u8 drop_shift,
                                              __u8 pass_shift) {
  if (cls == XG_CLASS_DROP || cls == XG_CLASS_RATELIMIT) return drop_shift;
  return matched ? 0 : pass_shift;
}

/* Adds one sampled packet (standing for u->scale packets) to its flow record. Called only
 * for packets the sampling chose, so a flood pays the call for 1 in 2^shift drops. */
static __noinline void record_flow(struct xdp_md *ctx, const struct ip_info *ip,
                                   const struct flow_update *u) {
  __u64 scale = u->scale;
  struct xg_flow_key key = {.ifindex = ctx->ingress_ifindex,
                            .family = u->family,
                            .proto = ip->l4proto};
  if (ip->ports_known) {
    key.sport = ip->sport;
    key.dport = ip->dport;
  }
  __builtin_memcpy(key.saddr, ip->saddr, 16);
  __builtin_memcpy(key.daddr, ip->daddr, 16);
  /* Coarse clock (jiffy resolution): a fraction of the cost of bpf_ktime_get_ns(), and
   * enough for first/last seen. */
  __u64 now = bpf_ktime_get_coarse_ns();
  __u64 drops = u->cls == XG_CLASS_DROP ? scale : 0;
  __u64 limited = u->cls == XG_CLASS_RATELIMIT ? scale : 0;

  struct xg_flow *f = bpf_map_lookup_elem(&xg_flows, &key);
  if (!f) {
    struct xg_flow fresh = {.first_ns = now, .last_ns = now};
    if (u->matched) {
      fresh.rule = *u->rule;
      fresh.origin = u->origin;
      fresh.flags = XG_FLOW_MATCHED;
    }
    fresh.packets = scale;
    fresh.bytes = u->bytes * scale;
    fresh.dropped = drops;
    fresh.ratelimited = limited;
    if (bpf_map_update_elem(&xg_flows, &key, &fresh, BPF_NOEXIST) == 0) return;
    /* Another CPU inserted it first: fall through and add to theirs. */
    f = bpf_map_lookup_elem(&xg_flows, &key);
    if (!f) return;
  }
  /* Plain adds, no atomics: RSS keeps a flow on one receive queue, so one CPU at a time
   * updates a record; were a flow spread over CPUs, a rare increment could be lost. Atomic
   * adds cost more than the rest of the update together (measured, see README). */
  f->packets += scale;
  f->bytes += u->bytes * scale;
  f->dropped += drops;
  f->ratelimited += limited;
  if (f->last_ns != now) f->last_ns = now;
  if (u->matched && !(f->flags & XG_FLOW_MATCHED)) {
    f->rule = *u->rule;
    f->origin = u->origin;
    f->flags |= XG_FLOW_MATCHED;
  }
}

#endif /* XDPGUARD_FLOWS_H */
