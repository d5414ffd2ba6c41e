/* SPDX-License-Identifier: GPL-2.0 */
/* Per-CPU verdict cache in front of the allowlist and blocklist lookups (the layout and the
 * invalidation contract are in maps/xdpguard_maps.h, struct xg_verdict_slot). The two
 * lookups cost 20-50 ns per packet hot and hundreds cold; a slot hit costs an inlined
 * per-CPU array lookup and a compare. Slots are direct-mapped by a multiplicative hash of
 * the source: sources that collide evict each other, which costs a lookup, never a wrong
 * verdict. */
#ifndef XDPGUARD_VERDICT_CACHE_H
#define XDPGUARD_VERDICT_CACHE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"

/* The list generation, read before any list lookup: a slot filled from a lookup made after
 * this read is tagged with it, so a write the lookup missed is always followed by a new
 * generation (the controller stores it after the write completes). */
static __always_inline __u64 list_generation(void) {
  __u32 zero = 0;
  __u64 *gen = bpf_map_lookup_elem(&xg_list_gen, &zero);
  return gen ? *(volatile __u64 *)gen : 0;
}

/* Whether this packet consults the cache, by this CPU's switch (struct xg_verdict_ctl):
 * off for XG_VERDICT_BYPASS packets after a window of XG_VERDICT_WINDOW consultations with
 * fewer than XG_VERDICT_MIN_HITS hits. The caller counts a hit in the returned switch
 * (ctl->hits), so a NULL return means "not consulted". */
static __always_inline struct xg_verdict_ctl *verdict_consulted(void) {
  __u32 zero = 0;
  struct xg_verdict_ctl *c = bpf_map_lookup_elem(&xg_verdict_ctl, &zero);
  if (!c) return 0;
  if (c->bypass) {
    c->bypass--;
    return 0;
  }
  if (c->lookups >= XG_VERDICT_WINDOW) {
    int poor = c->hits < XG_VERDICT_MIN_HITS;
    c->lookups = 0;
    c->hits = 0;
    if (poor) {
      c->bypass = XG_VERDICT_BYPASS - 1; /* this packet is the first of the run */
      return 0;
    }
  }
  c->lookups++;
  return c;
}

/* This CPU's slot for the source (never NULL in practice: the index is in range). */
static __always_inline struct xg_verdict_slot *verdict_slot(__u8 family, const __be32 *saddr) {
  __u32 idx = xg_verdict_index(family, saddr);
  return bpf_map_lookup_elem(&xg_verdicts, &idx);
}

/* Whether the slot holds a current verdict for exactly this source. */
static __always_inline int verdict_hit(const struct xg_verdict_slot *s, __u64 gen, __u8 family,
                                       const __be32 *saddr) {
  if (s->kind == XG_VERDICT_EMPTY || s->gen != gen || s->family != family) return 0;
  if (s->addr[0] != saddr[0]) return 0;
  if (family == XG_FAM_IPV4) return 1;
  return s->addr[1] == saddr[1] && s->addr[2] == saddr[2] && s->addr[3] == saddr[3];
}

static __always_inline void verdict_fill(struct xg_verdict_slot *s, __u64 gen, __u8 family,
                                         const __be32 *saddr, __u8 kind,
                                         const struct xg_rule *rule) {
  s->gen = gen;
  s->family = family;
  s->kind = kind;
  s->addr[0] = saddr[0];
  if (family == XG_FAM_IPV4) {
    s->addr[1] = s->addr[2] = s->addr[3] = 0;
  } else {
    s->addr[1] = saddr[1];
    s->addr[2] = saddr[2];
    s->addr[3] = saddr[3];
  }
  if (rule) {
    s->action = rule->action;
    s->flags = rule->flags;
    s->prefixlen = rule->prefixlen;
    s->origin = rule->origin;
  }
}

/* The cached rule as the rest of the program reads a rule: the fields a cached (drop or
 * pass-with-count) rule is applied and counted by; the rate-limit fields stay zero. */
static __always_inline void verdict_rule(const struct xg_verdict_slot *s, struct xg_rule *rule) {
  __builtin_memset(rule, 0, sizeof(*rule));
  rule->action = s->action;
  rule->flags = s->flags;
  rule->prefixlen = s->prefixlen;
  rule->origin = s->origin;
}

#endif /* XDPGUARD_VERDICT_CACHE_H */
