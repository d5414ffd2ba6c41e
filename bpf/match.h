/* SPDX-License-Identifier: GPL-2.0 */
/* Prefix matching: the one place the datapath asks "which rule covers this packet?". The
 * lookup itself is prefix_match.h (shared with the host-side differential tests); this
 * file binds it to the maps and wraps it in global functions, which the verifier checks
 * once per program instead of at every call site and path. */
#ifndef XDPGUARD_MATCH_H
#define XDPGUARD_MATCH_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "parsing.h"

#ifndef XG_NOW_NS
/* Tests may #define XG_NOW_NS to a mock clock (Cilium-style). */
#define XG_NOW_NS() bpf_ktime_get_ns()
#endif

/* Bucket lookups are inlined array accesses; `table` is a constant after inlining, so the
 * ternaries fold to one map. */
#define XG_BKT_MASK(table) (xg_bkt_masks[(table) & 3])
#define XG_BUCKET_V4(table, idx)                                                              \
  ({                                                                                          \
    __u32 i_ = (idx);                                                                         \
    (const struct xg_bucket_v4 *)((table) == XG_BKT_BLOCK_V4 ? bpf_map_lookup_elem(&xg_block_v4, &i_) \
                                                             : bpf_map_lookup_elem(&xg_allow_v4, &i_)); \
  })
#define XG_BUCKET_V6(table, idx)                                                              \
  ({                                                                                          \
    __u32 i_ = (idx);                                                                         \
    (const struct xg_bucket_v6 *)((table) == XG_BKT_BLOCK_V6 ? bpf_map_lookup_elem(&xg_block_v6, &i_) \
                                                             : bpf_map_lookup_elem(&xg_allow_v6, &i_)); \
  })
#define XG_RULE_V4(ref)                                                                       \
  ({                                                                                          \
    __u32 r_ = (ref);                                                                         \
    (const struct xg_rule *)bpf_map_lookup_elem(&xg_rules_v4, &r_);                           \
  })
#define XG_RULE_V6(ref)                                                                       \
  ({                                                                                          \
    __u32 r_ = (ref);                                                                         \
    (const struct xg_rule *)bpf_map_lookup_elem(&xg_rules_v6, &r_);                           \
  })
#define XG_LENS_V4(region) ((const struct xg_lens_v4 *)bpf_map_lookup_elem(&xg_lens_v4, region))
#define XG_LENS_V6(region) ((const struct xg_lens_v6 *)bpf_map_lookup_elem(&xg_lens_v6, region))
#define XG_LSUM_V4(idx) ((const __u64 *)bpf_map_lookup_elem(&xg_lsum_v4, idx))
#define XG_LSUM_V6(idx) ((const __u64 *)bpf_map_lookup_elem(&xg_lsum_v6, idx))
/* Each probe is a global function: the verifier checks its body once, not once per loop
 * iteration (up to 129 for IPv6), which keeps the programs far from the 1M budget. */
#define XG_STEP(fn) fn##_g
struct xg_match_query;
struct xg_match_result;
int xg_block_step_v4_g(const struct xg_match_query *q, struct xg_match_result *out);
int xg_block_step_v6_g(const struct xg_match_query *q, struct xg_match_result *out);
int xg_allow_step_v4_g(const struct xg_match_query *q, struct xg_match_result *out);
int xg_allow_step_v6_g(const struct xg_match_query *q, struct xg_match_result *out);
#include "prefix_match.h"

#define XG_GLOBAL_STEP(fn)                                                              \
  __noinline int fn##_g(const struct xg_match_query *q, struct xg_match_result *out) {   \
    if (!q || !out) return 1;                                                           \
    return fn(q, out);                                                                  \
  }
XG_GLOBAL_STEP(xg_block_step_v4)
XG_GLOBAL_STEP(xg_block_step_v6)
XG_GLOBAL_STEP(xg_allow_step_v4)
XG_GLOBAL_STEP(xg_allow_step_v6)

static __always_inline void match_query(struct xg_match_query *q, const struct ip_info *ip) {
  __builtin_memcpy(q->saddr, ip->saddr, 16);
  q->dport = ip->dport;
  q->ports_known = ip->ports_known;
  q->l4proto = ip->l4proto;
  q->tcp_flags = ip->tcp_flags;
}

/* 1 when an allowlist entry covers the source. */
__noinline int xg_allowed(const struct xg_match_query *q, struct xg_match_result *scratch,
                          __u32 family) {
  if (!q || !scratch) return 0;
  return xg_match_allow(q, scratch, family == XG_FAM_IPV4);
}

/* The blocklist rule that applies to the packet, copied to out->rule (out->found), with
 * the reason a rule was skipped and whether the outcome may be cached. */
__noinline int xg_blocked(const struct xg_match_query *q, struct xg_match_result *out,
                          __u32 family) {
  if (!q || !out) return 0;
  xg_match_block(q, out, family == XG_FAM_IPV4);
  return out->found;
}

#endif /* XDPGUARD_MATCH_H */
