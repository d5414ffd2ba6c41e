/* SPDX-License-Identifier: GPL-2.0 */
/* Prefix matching: the one place the datapath asks "which rule covers this source?".
 * Today it is the kernel's LPM trie; keeping every lookup behind these helpers lets a
 * faster structure replace it on the hot path without touching the program logic. */
#ifndef XDPGUARD_MATCH_H
#define XDPGUARD_MATCH_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"

#ifndef XG_NOW_NS
/* Tests may #define XG_NOW_NS to a mock clock (Cilium-style). */
#define XG_NOW_NS() bpf_ktime_get_ns()
#endif

/* Longest-prefix lookup that skips expired rules. key->prefixlen must start at the full
 * address length. When the best match has expired it is ignored and the lookup is retried
 * with a prefix length one shorter than that rule, so a covering, still-valid prefix keeps
 * applying (a trie lookup never matches more bits than key->prefixlen). Nesting deeper than
 * XG_MAX_EXPIRED_RETRIES expired prefixes is not followed (counted, passed). */
static __always_inline struct xg_rule *match_rule(void *map, __u32 *key_prefixlen, void *key,
                                                  __u8 *reason) {
  __u64 now = 0;
#pragma unroll
  for (int i = 0; i <= XG_MAX_EXPIRED_RETRIES; i++) {
    struct xg_rule *rule = bpf_map_lookup_elem(map, key);
    if (!rule) return 0;
    if (!rule->expires_ns) return rule;
    if (!now) now = XG_NOW_NS();
    if (rule->expires_ns > now) return rule;
    *reason = XG_REASON_RULE_EXPIRED;
    if (rule->prefixlen == 0) return 0;
    *key_prefixlen = rule->prefixlen - 1;
  }
  *reason = XG_REASON_EXPIRED_BUDGET;
  return 0;
}

static __always_inline struct xg_rule *match_block_v4(__be32 saddr, __u8 *reason) {
  struct xg_lpm_v4_key key = {.prefixlen = 32, .addr = saddr};
  return match_rule(&xg_block_v4, &key.prefixlen, &key, reason);
}

static __always_inline struct xg_rule *match_block_v6(const __be32 *saddr, __u8 *reason) {
  struct xg_lpm_v6_key key = {.prefixlen = 128};
  __builtin_memcpy(key.addr, saddr, 16);
  return match_rule(&xg_block_v6, &key.prefixlen, &key, reason);
}

static __always_inline int match_allow_v4(__be32 saddr) {
  struct xg_lpm_v4_key key = {.prefixlen = 32, .addr = saddr};
  return bpf_map_lookup_elem(&xg_allow_v4, &key) != 0;
}

static __always_inline int match_allow_v6(const __be32 *saddr) {
  struct xg_lpm_v6_key key = {.prefixlen = 128};
  __builtin_memcpy(key.addr, saddr, 16);
  return bpf_map_lookup_elem(&xg_allow_v6, &key) != 0;
}

#endif /* XDPGUARD_MATCH_H */
