/* SPDX-License-Identifier: GPL-2.0 */
/* The allowlist and blocklist lookup, written once for the datapath and for the host (the
 * differential tests run this very code against a naive longest-prefix match).
 *
 * Structure (measurements and the alternatives in docs/datapath.md, "Prefix match"): one
 * bucketised table per list and family keyed by (prefix length, masked address)
 * (bucket_lookup.h), and a
 * per-region mask of the lengths present (struct xg_lens_v4/v6). A lookup probes only the
 * lengths present in the source's region, longest first; the first rule that applies wins,
 * exactly as a longest-prefix match that skips expired and out-of-scope rules. A list of
 * single addresses costs one probe per packet; a miss in a region without entries costs
 * none.
 *
 * The includer defines, before including this file:
 *   what bucket_lookup.h needs (XG_BUCKET_V4/V6, XG_BKT_MASK)
 *   XG_RULE_V4(ref)        the struct xg_rule of a blocklist reference, or 0 (likewise _V6)
 *   XG_LENS_V4(region_ptr) the struct xg_lens_v4 of a region, or 0 (likewise XG_LENS_V6)
 *   XG_LSUM_V4(index_ptr)  the __u64 summary element of 4 regions, or 0 (likewise _V6)
 *   XG_NOW_NS()            the CLOCK_MONOTONIC time in ns (expiry)
 * Loop state lives in the caller's xg_match_result, not in locals: in the datapath the
 * lookups run in global functions whose pointer arguments the verifier does not track, so
 * every probe is verified once instead of once per combination of loop-carried values. */
#ifndef XDPGUARD_PREFIX_MATCH_H
#define XDPGUARD_PREFIX_MATCH_H

#include "bucket_lookup.h"
#include "xdpguard_maps.h"

#ifdef __clang__
#define XG_UNROLL _Pragma("unroll")
#else
#define XG_UNROLL
#endif

/* The packet facts a lookup needs. */
struct xg_match_query {
  __be32 saddr[4]; /* IPv4 in saddr[0] */
  __be16 dport;
  __u8 ports_known;
  __u8 l4proto;
  __u8 tcp_flags;
  __u8 pad[3];
};

struct xg_match_result {
  struct xg_rule rule; /* the rule that applies (blocklist, when found) */
  __u8 found;
  __u8 reason;    /* XG_REASON_RULE_EXPIRED / _RULE_BUDGET when rules were skipped */
  __u8 cacheable; /* the outcome depends on the source address alone */
  __u8 word;      /* loop state: the mask word being scanned (IPv6); IPv4: 1 while words[0]
                     still holds lengths not yet moved into mask */
  __u32 hits;     /* loop state: rules found so far */
  __u64 mask;     /* loop state: lengths still to probe in the current word */
  __u64 words[4]; /* loop state: the region's mask words (IPv4: words[0] alone; IPv6:
                     words[3] stays 0) */
};

/* 1 when x != 0, without a branch. */
XG_SHARED_FN __u64 xg_nonzero(__u64 x) { return (x | (0 - x)) >> 63; }

/* Index of the highest set bit of a non-zero word. Branch-free (a branch per step would
 * multiply the states the verifier walks per probe), and not __builtin_clzll: clang 14's
 * BPF backend crashes selecting it. */
XG_SHARED_FN __u32 xg_top_bit(__u64 w) {
  __u64 n, s;
  s = xg_nonzero(w >> 32) << 5;
  w >>= s;
  n = s;
  s = xg_nonzero(w >> 16) << 4;
  w >>= s;
  n += s;
  s = xg_nonzero(w >> 8) << 3;
  w >>= s;
  n += s;
  s = xg_nonzero(w >> 4) << 2;
  w >>= s;
  n += s;
  s = xg_nonzero(w >> 2) << 1;
  w >>= s;
  n += s;
  return (__u32)(n + (w >> 1));
}

/* The first `bits` bits of a 32-bit word set (network order); bits clamped to 0..32
 * without branches. */
XG_SHARED_FN __be32 xg_word_mask(__s64 bits) {
  bits &= ~(bits >> 63);
  __s64 over = bits - 32;
  bits -= over & ~(over >> 63);
  return xg_host32((__u32)(0xffffffff00000000ull >> bits));
}

/* Whether a rule's scope covers the packet. Policy for packets without a readable L4
 * header (non-first fragments, truncated or portless protocols): a rule limited to ports
 * does not match them, because we cannot know their port; a rule covering all ports does.
 * Dropping every fragment of a port-scoped source would block its traffic to other ports,
 * the opposite of what the scope asks for. --new-only matches only TCP SYN without ACK. */
XG_SHARED_FN int xg_rule_covers(const struct xg_rule *rule, const struct xg_match_query *q) {
  if (rule->flags & XG_RULE_NEW_ONLY) {
    if (q->l4proto != 6 /* TCP */ || !q->ports_known) return 0;
    if ((q->tcp_flags & (XG_TCP_SYN | XG_TCP_ACK)) != XG_TCP_SYN) return 0;
  }
  __u8 n = rule->nports;
  if (n == 0) return 1;
  if (!q->ports_known) return 0;
  XG_UNROLL
  for (int i = 0; i < XG_MAX_PORTS; i++) {
    if (i < n && rule->ports[i] == q->dport) return 1;
  }
  return 0;
}

/* A rule found at the length being probed: 1 when it applies (copied to out), 0 when it is
 * skipped (expired, or its scope does not cover the packet) and shorter lengths are tried.
 * More than XG_MAX_RULE_RETRIES skipped rules are not followed (reason RULE_BUDGET). The
 * outcome stays cacheable only when the first rule found is a plain drop or pass. */
XG_SHARED_FN int xg_take_rule(const struct xg_rule *rule, const struct xg_match_query *q,
                              struct xg_match_result *out) {
  __u32 hit = out->hits++;
  if (hit == 0 && !rule->expires_ns && rule->nports == 0 && !(rule->flags & XG_RULE_NEW_ONLY) &&
      rule->action != XG_ACTION_RATELIMIT) {
    out->rule = *rule;
    out->found = 1;
    return 1;
  }
  out->cacheable = 0;
  int live = 1;
  if (rule->expires_ns && rule->expires_ns <= XG_NOW_NS()) {
    live = 0;
    out->reason = XG_REASON_RULE_EXPIRED;
  }
  if (live && xg_rule_covers(rule, q)) {
    out->rule = *rule;
    out->found = 1;
    return 1;
  }
  return 0;
}

/* After a skipped rule: 1 when the retry budget is spent (and the search ends). */
XG_SHARED_FN int xg_budget_spent(const struct xg_rule *rule, struct xg_match_result *out) {
  if (out->hits <= XG_MAX_RULE_RETRIES) return 0;
  if (rule->prefixlen) out->reason = XG_REASON_RULE_BUDGET; /* a /0 has nothing behind it */
  return 1;
}

XG_SHARED_FN void xg_match_start(struct xg_match_result *out) {
  out->words[3] = 0;
  out->found = 0;
  out->reason = XG_REASON_NONE;
  out->cacheable = 1;
  out->hits = 0;
  out->word = 0;
  out->mask = 0;
}

/* Pops the longest length left in out->mask. */
XG_SHARED_FN __u32 xg_pop_len(struct xg_match_result *out) {
  __u64 m = out->mask;
  __u32 bit = xg_top_bit(m);
  out->mask = m & ~(1ull << (bit & 63));
  return bit;
}

/* The IPv4 key of the source masked to len bits. */
XG_SHARED_FN void xg_v4_key(struct xg_lpm_v4_key *key, __be32 saddr, __u32 len) {
  key->prefixlen = len;
  key->addr = saddr & xg_word_mask(len);
}

/* The IPv6 key of the source masked to len bits. */
XG_SHARED_FN void xg_v6_key(struct xg_lpm_v6_key *key, const __be32 *saddr, __u32 len) {
  key->prefixlen = len;
  XG_UNROLL
  for (int w = 0; w < 4; w++) key->addr[w] = saddr[w] & xg_word_mask((__s64)len - 32 * w);
}

/* The next IPv4 length to probe, longest first, or -1. The lengths a start deferred
 * (words[0], out->word set) follow the ones in out->mask, which are all longer. */
XG_SHARED_FN __s32 xg_next_len_v4(struct xg_match_result *out) {
  if (!out->mask && out->word) {
    out->mask = out->words[0];
    out->word = 0;
  }
  if (!out->mask) return -1;
  return (__s32)xg_pop_len(out);
}

/* The next IPv6 length to probe, longest first (mask words scanned 2, 1, 0), or -1. */
XG_SHARED_FN __s32 xg_next_len_v6(struct xg_match_result *out) {
  XG_UNROLL
  for (int k = 0; k < XG_LENS_V6_WORDS; k++) {
    if (out->mask) break;
    __u32 w = out->word;
    if (w == 0) return -1;
    /* Masked into the 4-word array (the 4th word stays 0), so every verifier sees the
     * index in bounds: 6.1's does not narrow a bound from an equality test. */
    __u32 idx = (w - 1) & 3;
    out->word = idx;
    out->mask = out->words[idx];
  }
  if (!out->mask) return -1;
  return (__s32)((out->word & 3) * 64 + xg_pop_len(out));
}

/* A region's list byte from its summary element. */
XG_SHARED_FN __u32 xg_lsum_byte(const __u64 *sum, __u32 region, int allow) {
  return (__u32)(*sum >> xg_lsum_shift(region, allow)) & 0xff;
}

/* Starts a lookup: the lengths to probe, from the source's region (its summary byte, and
 * its full mask only when the summary says a less common length is present). 0 when
 * there are none.
 * When the full mask is needed and the summary says the longest length (/32, /128) is
 * present, that length is probed first on its own and the mask is used only after it:
 * the mask's cache line is loaded here, but the first probe's address does not depend on
 * it, so the two misses of a cold source overlap instead of following each other. The
 * order stays longest first. The summary bit may be stale (the controller sets mask bits
 * before summary bits and clears them after): probing an absent length finds nothing,
 * and a /32 the summary does not show yet stays in the deferred mask. */
XG_SHARED_FN int xg_start_v4(const struct xg_match_query *q, struct xg_match_result *out,
                             int allow) {
  xg_match_start(out);
  __u32 region = xg_lens_region_v4(q->saddr[0]);
  __u32 idx = region >> 2;
  const __u64 *sum = XG_LSUM_V4(&idx);
  if (!sum) return 0;
  __u64 b = xg_lsum_byte(sum, region, allow);
  if (b & XG_LSUM_OTHER) {
    const struct xg_lens_v4 *lens = XG_LENS_V4(&region);
    if (!lens) return 0;
    __u64 first = (b & 1) << 32; /* /32 */
    out->mask = first;
    out->words[0] = (allow ? lens->allow : lens->block) & ~first;
    out->word = 1;
    return 1; /* an OTHER bit means some length is present */
  }
  out->mask = (b & 1) << 32 | (b & 2) << 23 | (b & 4) << 14 | (b & 8) << 5;
  return out->mask != 0;
}

XG_SHARED_FN int xg_start_v6(const struct xg_match_query *q, struct xg_match_result *out,
                             int allow) {
  xg_match_start(out);
  __u32 region = xg_lsum_region_v6(q->saddr[0]);
  __u32 idx = region >> 2;
  const __u64 *sum = XG_LSUM_V6(&idx);
  if (!sum) return 0;
  __u64 b = xg_lsum_byte(sum, region, allow);
  out->word = XG_LENS_V6_WORDS;
  xg_lsum_v6_words(b, out->words);
  if (b & XG_LSUM_OTHER) {
    /* The full mask is shared by 16 summary regions: only its other lengths are taken,
     * the common ones stay the summary's, which are this region's own. */
    __u32 lens_region = xg_lens_region_v6(region);
    const struct xg_lens_v6 *lens = XG_LENS_V6(&lens_region);
    if (!lens) return 0;
    const __u64 *w = allow ? lens->allow : lens->block;
    __u64 common[XG_LENS_V6_WORDS]; /* constants once inlined */
    xg_lsum_v6_words(0x0f, common);
    for (int i = 0; i < XG_LENS_V6_WORDS; i++) out->words[i] |= w[i] & ~common[i];
    if (b & 1) { /* /128 first, before the mask is used (see xg_start_v4) */
      out->word = 2;
      out->mask = 1;
    }
    return 1;
  }
  return (out->words[0] | out->words[1] | out->words[2]) != 0;
}

/* One probe of the blocklist: 1 when the search is over (a rule applies, the retry budget
 * is spent, or no length is left), 0 to probe the next length. */
XG_SHARED_FN int xg_block_step_v4(const struct xg_match_query *q, struct xg_match_result *out) {
  __s32 len = xg_next_len_v4(out);
  if (len < 0) return 1;
  struct xg_lpm_v4_key key;
  xg_v4_key(&key, q->saddr[0], (__u32)len);
  __s64 ref = xg_bkt_find_v4(XG_BKT_BLOCK_V4, key.addr, key.prefixlen);
  if (ref < 0) return 0;
  const struct xg_rule *rule = XG_RULE_V4((__u32)ref);
  if (!rule) return 0;
  return xg_take_rule(rule, q, out) || xg_budget_spent(rule, out);
}

XG_SHARED_FN int xg_block_step_v6(const struct xg_match_query *q, struct xg_match_result *out) {
  __s32 len = xg_next_len_v6(out);
  if (len < 0) return 1;
  struct xg_lpm_v6_key key;
  xg_v6_key(&key, q->saddr, (__u32)len);
  __s64 ref = xg_bkt_find_v6(XG_BKT_BLOCK_V6, key.addr, key.prefixlen);
  if (ref < 0) return 0;
  const struct xg_rule *rule = XG_RULE_V6((__u32)ref);
  if (!rule) return 0;
  return xg_take_rule(rule, q, out) || xg_budget_spent(rule, out);
}

/* One probe of the allowlist: 1 when the search is over (out->found: an entry covers the
 * source; any hit passes, so no order is needed, but the longest lengths go first). */
XG_SHARED_FN int xg_allow_step_v4(const struct xg_match_query *q, struct xg_match_result *out) {
  __s32 len = xg_next_len_v4(out);
  if (len < 0) return 1;
  struct xg_lpm_v4_key key;
  xg_v4_key(&key, q->saddr[0], (__u32)len);
  out->found = xg_bkt_find_v4(XG_BKT_ALLOW_V4, key.addr, key.prefixlen) >= 0;
  return out->found;
}

XG_SHARED_FN int xg_allow_step_v6(const struct xg_match_query *q, struct xg_match_result *out) {
  __s32 len = xg_next_len_v6(out);
  if (len < 0) return 1;
  struct xg_lpm_v6_key key;
  xg_v6_key(&key, q->saddr, (__u32)len);
  out->found = xg_bkt_find_v6(XG_BKT_ALLOW_V6, key.addr, key.prefixlen) >= 0;
  return out->found;
}

#ifndef XG_STEP
/* The datapath calls each step through a global function (verified once); the host
 * calls them directly. */
#define XG_STEP(fn) fn
#endif

/* Blocklist: the longest rule that applies to the packet's source (out->found, out->rule). */
XG_SHARED_FN void xg_match_block(const struct xg_match_query *q, struct xg_match_result *out,
                                 int ipv4) {
  if (ipv4) {
    if (!xg_start_v4(q, out, 0)) return;
    for (int i = 0; i < 33; i++)
      if (XG_STEP(xg_block_step_v4)(q, out)) return;
    return;
  }
  if (!xg_start_v6(q, out, 0)) return;
  for (int i = 0; i < 129; i++)
    if (XG_STEP(xg_block_step_v6)(q, out)) return;
}

/* Allowlist: 1 when an entry covers the source. */
XG_SHARED_FN int xg_match_allow(const struct xg_match_query *q, struct xg_match_result *out,
                                int ipv4) {
  if (ipv4) {
    if (!xg_start_v4(q, out, 1)) return 0;
    for (int i = 0; i < 33; i++)
      if (XG_STEP(xg_allow_step_v4)(q, out)) break;
    return out->found;
  }
  if (!xg_start_v6(q, out, 1)) return 0;
  for (int i = 0; i < 129; i++)
    if (XG_STEP(xg_allow_step_v6)(q, out)) break;
  return out->found;
}

#endif /* XDPGUARD_PREFIX_MATCH_H */
