/* SPDX-License-Identifier: GPL-2.0 */
/* Token buckets for rate-limit rules, as GCRA (generic cell rate algorithm): one 64-bit
 * "theoretical arrival time" per bucket instead of a token count plus a timestamp, so a
 * bucket is advanced with a single atomic add and stays correct across CPUs. With
 * emission interval T = 1 s / pps, a packet conforms while tat <= now + (burst - 1) * T;
 * a conforming packet moves tat to max(tat, now) + T. An idle bucket is caught up with a
 * plain store; two CPUs racing on that store can admit one extra packet (documented). */
#ifndef XDPGUARD_RATELIMIT_H
#define XDPGUARD_RATELIMIT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "match.h"

#define XG_NS_PER_S 1000000000ull
/* Byte buckets run on the same nanosecond clock: a packet costs bytes * 1e9 / bps ns,
 * rounded up (the controller caps bps at 1e10, so a minimum-size frame still costs >= 1 ns
 * of 6.4). Their burst tolerance is 100 ms of traffic at the configured byte rate. */
#define XG_BYTE_BURST_NS (100ull * 1000 * 1000)

/* Reserves `cost` on a GCRA clock; 0 if conforming, 1 if over the limit (nothing kept). */
static __always_inline int gcra_take(__u64 *tat, __u64 now, __u64 cost, __u64 tolerance) {
  __u64 cur = *tat;
  if (cur < now) *tat = now; /* idle: catch up (racy by design, see above) */
  else if (cur > now + tolerance) return 1; /* clearly over: no atomic needed */
  __u64 prev = __sync_fetch_and_add(tat, cost);
  if (prev < now) prev = now;
  if (prev > now + tolerance) {
    __sync_fetch_and_add(tat, -cost); /* give the reservation back */
    return 1;
  }
  return 0;
}

/* True when the packet exceeds the rule's limit. rk identifies the rule (its CIDR);
 * per-source rules add the packet's source address to the bucket key. */
static __always_inline int ratelimit_exceeded(const struct xg_rule *rule,
                                              const struct xg_rule_stats_key *rk,
                                              const struct ip_info *ip, __u64 bytes) {
  if (rule->rl_pps == 0) return 1; /* never written by the controller; fail closed */
  struct xg_bucket_key key = {.rule = *rk};
  if (rule->rl_per == XG_RL_PER_SOURCE) __builtin_memcpy(key.src, ip->saddr, 16);
  __u64 now = XG_NOW_NS();
  __u64 interval = XG_NS_PER_S / rule->rl_pps;
  __u64 tolerance = interval * (rule->rl_burst ? rule->rl_burst - 1 : 0);
  __u64 byte_cost = 0;
  if (rule->rl_bps) byte_cost = (bytes * XG_NS_PER_S + rule->rl_bps - 1) / rule->rl_bps;
  struct xg_bucket *b = bpf_map_lookup_elem(&xg_buckets, &key);
  if (!b) {
    /* First packet of this bucket conforms. If another CPU created it meanwhile, NOEXIST
     * fails and this one packet is admitted on top (bounded, documented). */
    struct xg_bucket fresh = {.tat_ns = now + interval, .byte_tat_ns = now + byte_cost};
    bpf_map_update_elem(&xg_buckets, &key, &fresh, BPF_NOEXIST);
    return 0;
  }
  if (gcra_take(&b->tat_ns, now, interval, tolerance)) return 1;
  if (rule->rl_bps &&
      gcra_take(&b->byte_tat_ns, now, byte_cost, XG_BYTE_BURST_NS)) {
    __sync_fetch_and_add(&b->tat_ns, -interval); /* the packet token was not used */
    return 1;
  }
  return 0;
}

#endif /* XDPGUARD_RATELIMIT_H */
