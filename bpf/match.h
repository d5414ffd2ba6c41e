/* SPDX-License-Identifier: GPL-2.0 */
/* Prefix matching: the one place the datapath asks "which rule covers this packet?".
 * Today it is the kernel's LPM trie; keeping every lookup behind these helpers lets a
 * faster structure replace it on the hot path without touching the program logic. */
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

/* Whether a rule's scope covers the packet. Policy for packets without a readable L4
 * header (non-first fragments, truncated or portless protocols): a rule limited to ports
 * does not match them, because we cannot know their port; a rule covering all ports does.
 * Dropping every fragment of a port-scoped source would block its traffic to other ports,
 * the opposite of what the scope asks for. --new-only matches only TCP SYN without ACK. */
static __always_inline int rule_covers(const struct xg_rule *rule, const struct ip_info *ip) {
  if (rule->flags & XG_RULE_NEW_ONLY) {
    if (ip->l4proto != IPPROTO_TCP || !ip->ports_known) return 0;
    if ((ip->tcp_flags & (XG_TCP_SYN | XG_TCP_ACK)) != XG_TCP_SYN) return 0;
  }
  __u8 n = rule->nports;
  if (n == 0) return 1;
  if (!ip->ports_known) return 0;
#pragma unroll
  for (int i = 0; i < XG_MAX_PORTS; i++) {
    if (i < n && rule->ports[i] == ip->dport) return 1;
  }
  return 0;
}

/* Longest-prefix lookup that skips rules that do not apply: expired ones, and ones whose
 * scope (ports, new-only) does not cover the packet. key->prefixlen must start at the full
 * address length. A skipped rule is retried with a prefix length one shorter than that
 * rule, so a covering rule keeps applying (a trie lookup never matches more bits than
 * key->prefixlen). More than XG_MAX_RULE_RETRIES skipped levels are not followed.
 * *cacheable is set when the outcome depends on the source address alone (no rule, or a
 * drop or pass rule without scope or expiry found at the first lookup), so the verdict
 * cache may keep it. */
static __always_inline struct xg_rule *match_rule(void *map, __u32 *key_prefixlen, void *key,
                                                  const struct ip_info *ip, __u8 *reason,
                                                  int *cacheable) {
  __u64 now = 0;
#pragma unroll
  for (int i = 0; i <= XG_MAX_RULE_RETRIES; i++) {
    struct xg_rule *rule = bpf_map_lookup_elem(map, key);
    if (!rule) {
      *cacheable = i == 0;
      return 0;
    }
    if (i == 0 && !rule->expires_ns && rule->nports == 0 && !(rule->flags & XG_RULE_NEW_ONLY) &&
        rule->action != XG_ACTION_RATELIMIT) {
      *cacheable = 1;
      return rule;
    }
    int live = 1;
    if (rule->expires_ns) {
      if (!now) now = XG_NOW_NS();
      if (rule->expires_ns <= now) {
        live = 0;
        *reason = XG_REASON_RULE_EXPIRED;
      }
    }
    if (live && rule_covers(rule, ip)) return rule;
    if (rule->prefixlen == 0) return 0;
    *key_prefixlen = rule->prefixlen - 1;
  }
  *reason = XG_REASON_RULE_BUDGET;
  return 0;
}

static __always_inline struct xg_rule *match_block_v4(const struct ip_info *ip, __u8 *reason,
                                                      int *cacheable) {
  struct xg_lpm_v4_key key = {.prefixlen = 32, .addr = ip->saddr[0]};
  return match_rule(&xg_block_v4, &key.prefixlen, &key, ip, reason, cacheable);
}

static __always_inline struct xg_rule *match_block_v6(const struct ip_info *ip, __u8 *reason,
                                                      int *cacheable) {
  struct xg_lpm_v6_key key = {.prefixlen = 128};
  __builtin_memcpy(key.addr, ip->saddr, 16);
  return match_rule(&xg_block_v6, &key.prefixlen, &key, ip, reason, cacheable);
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
