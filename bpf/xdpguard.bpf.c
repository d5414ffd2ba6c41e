// SPDX-License-Identifier: GPL-2.0
/* xdpguard datapath entry. Order per frame: parse (Ethernet, VLAN, IPv4/IPv6, L4 ports)
 * -> ARP/ND: gateway guard, never blocklisted -> allowlist (a hit always passes) -> blocklist, longest prefix
 * whose scope covers the packet wins (both answered by the per-CPU verdict cache when it can) -> action (drop, rate limit, pass-with-count; monitor
 * turns a drop into a counted pass) -> counters and flow record at the single exit.
 * Anything not understood passes and is counted. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "flows.h"
#include "guard.h"
#include "maps.bpf.h"
#include "match.h"
#include "parsing.h"
#include "ratelimit.h"
#include "stats.h"
#include "verdict_cache.h"

/* libxdp multiprog: run early (low priority value) and chain on to the next program when
 * we pass, so xdp-filter or other programs on the same interface keep working. */
struct {
  __uint(priority, 10);
  __uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xdpguard_main);

struct {
  __uint(priority, 10);
  __uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xdpguard_frags);

/* Set before load (the verifier then drops the unused path): benchmarks turn the verdict
 * cache off to measure it; the product always runs with it. */
const volatile __u8 use_verdict_cache = 1;

struct verdict {
  __u32 action; /* XDP_PASS / XDP_DROP */
  __u8 cls;     /* XG_CLASS_* */
  __u8 family;  /* XG_FAM_* */
  __u8 reason;  /* XG_REASON_* */
  __u8 matched; /* a rule matched: rk and origin are valid */
  __u16 origin;
  struct xg_rule_stats_key rk;
};

/* The interface's settings, decoded from xg_ifconfig (all-zero entry = defaults). */
struct if_cfg {
  __u32 flags;
  __u8 flow_mode;
  __u8 drop_sample_shift;
  __u8 pass_sample_shift;
  __u8 stats_slot;
};

static __always_inline void load_if_cfg(struct xdp_md *ctx, struct if_cfg *cfg) {
  __u32 ifindex = ctx->ingress_ifindex;
  /* An array lookup, inlined by the verifier: about one nanosecond per packet. */
  struct xg_if_config *c = bpf_map_lookup_elem(&xg_ifconfig, &ifindex);
  cfg->flags = 0;
  cfg->flow_mode = XG_FLOWS_MATCHED;
  cfg->drop_sample_shift = XG_DEFAULT_DROP_SAMPLE_SHIFT;
  cfg->pass_sample_shift = XG_DEFAULT_PASS_SAMPLE_SHIFT;
  cfg->stats_slot = 0;
  if (!c) return; /* ifindex beyond the array: defaults */
  cfg->flags = c->flags;
  cfg->flow_mode = c->flow_mode;
  if (c->drop_sample_code) cfg->drop_sample_shift = c->drop_sample_code - 1;
  if (c->pass_sample_code) cfg->pass_sample_shift = c->pass_sample_code - 1;
  cfg->stats_slot = c->stats_slot;
}

/* Applies a matched rule. Monitor (rule or interface) turns what would be dropped into a
 * counted pass; a rate-limit rule passes conforming packets as "rule_pass". */
static __always_inline void apply_rule(struct verdict *v, const struct xg_rule *rule,
                                       const struct if_cfg *cfg, const struct ip_info *ip,
                                       __u64 bytes) {
  int monitor = (rule->flags & XG_RULE_MONITOR) || (cfg->flags & XG_IF_MONITOR);
  __u8 drop_class = XG_CLASS_DROP;
  if (rule->action == XG_ACTION_RATELIMIT) {
    if (!ratelimit_exceeded(rule, &v->rk, ip, bytes)) {
      v->cls = XG_CLASS_RULE_PASS;
      return;
    }
    drop_class = XG_CLASS_RATELIMIT;
  } else if (rule->action != XG_ACTION_DROP) {
    v->cls = XG_CLASS_RULE_PASS; /* pass-with-count */
    return;
  }
  if (monitor) {
    v->cls = XG_CLASS_MONITOR;
    return;
  }
  v->cls = drop_class;
  v->action = XDP_DROP;
}

/* Allowlist, then blocklist, for a source address already known to be present: from this
 * CPU's verdict cache when it holds the source's current verdict, else from the lookups
 * (and the verdict is cached when it depends on the source alone). While the cache keeps
 * missing (a spread flood) this CPU skips it for a while (verdict_consulted). */
static __always_inline void decide(struct verdict *v, const struct if_cfg *cfg,
                                   const struct ip_info *ip, __u64 bytes) {
  const struct xg_rule *rule;
  struct xg_rule cached;
  struct xg_match_result res; /* the lookups' answer; its rule is used in place */
  __u64 gen = 0;
  struct xg_verdict_slot *slot = 0;
  struct xg_verdict_ctl *ctl = use_verdict_cache ? verdict_consulted() : 0;
  if (ctl) {
    gen = list_generation();
    slot = verdict_slot(v->family, ip->saddr);
  }
  if (ctl && slot && verdict_hit(slot, gen, v->family, ip->saddr)) {
    ctl->hits++;
    if (slot->kind == XG_VERDICT_ALLOW) {
      v->cls = XG_CLASS_ALLOW;
      return;
    }
    if (slot->kind != XG_VERDICT_RULE) return;
    verdict_rule(slot, &cached);
    rule = &cached;
  } else {
    struct xg_match_query q;
    match_query(&q, ip);
    if (xg_allowed(&q, &res, v->family)) {
      if (slot) verdict_fill(slot, gen, v->family, ip->saddr, XG_VERDICT_ALLOW, 0);
      v->cls = XG_CLASS_ALLOW;
      return;
    }
    rule = xg_blocked(&q, &res, v->family) ? &res.rule : 0;
    v->reason = res.reason ? res.reason : v->reason;
    if (slot && res.cacheable)
      verdict_fill(slot, gen, v->family, ip->saddr, rule ? XG_VERDICT_RULE : XG_VERDICT_NONE, rule);
  }
  if (!rule) return;
  v->matched = 1;
  v->origin = rule->origin;
  rule_key(&v->rk, rule, v->family, ip->saddr);
  apply_rule(v, rule, cfg, ip, bytes);
  count_rule_hit(&v->rk, v->origin, bytes);
}

/* frags is a compile-time constant: the frags-aware variant measures the whole frame
 * (linear part plus fragments) for byte counters; headers are always in the linear part. */
static __always_inline int xdpguard_run(struct xdp_md *ctx, int frags) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct cursor c = {.pos = data, .end = data_end};
  struct verdict v = {.action = XDP_PASS, .cls = XG_CLASS_PASS, .family = XG_FAM_OTHER};
  struct if_cfg cfg;
  struct ip_info ip = {};
  __u64 frame_len = frags ? bpf_xdp_get_buff_len(ctx) : (__u64)(data_end - data);
  __be16 proto;
  __u16 vlan_id = 0;

  load_if_cfg(ctx, &cfg);

  if (parse_eth(&c, &proto, &vlan_id, &v.reason) < 0) goto out;
  __u32 l3_off = (__u32)(c.pos - data);

  if (proto == bpf_htons(ETH_P_ARP)) {
    /* ARP is never blocklisted (a blocked neighbour must not cut us off the LAN); the
     * gateway guard may drop a spoofed one. */
    v.reason = XG_REASON_ARP;
    if (xg_guard_arp(ctx, l3_off, vlan_id)) {
      v.cls = XG_CLASS_DROP;
      v.action = XDP_DROP;
    }
    goto out;
  }

  if (proto == bpf_htons(ETH_P_IP)) {
    v.family = XG_FAM_IPV4;
    parse_ipv4(&c, &ip, frags ? (__u32)(frame_len - (__u64)(data_end - data)) : 0);
  } else if (proto == bpf_htons(ETH_P_IPV6)) {
    v.family = XG_FAM_IPV6;
    parse_ipv6(&c, &ip);
  } else {
    v.reason = XG_REASON_ETHERTYPE_OTHER;
    goto out;
  }
  v.reason = ip.reason;
  if (ip.is_nd) {
    v.reason = XG_REASON_ND;
    if (xg_guard_nd(ctx, l3_off, (__u32)(c.pos - data), vlan_id,
                    ip.reason == XG_REASON_IPV6_FRAGMENT)) {
      v.cls = XG_CLASS_DROP;
      v.action = XDP_DROP;
    }
    goto out;
  }
  if (ip.saddr_present) decide(&v, &cfg, &ip, frame_len);

  /* Flow records: packets that matched a rule ("matched", the default), or every IP packet
   * with a complete header ("all"). */
  if (ip.daddr_present &&
      (cfg.flow_mode == XG_FLOWS_ALL || (cfg.flow_mode == XG_FLOWS_MATCHED && v.matched))) {
    /* The sampling draw is inline: unsampled packets (15 of 16 drops by default) skip the
     * call and the record's setup. */
    __u8 shift = flow_sample_shift(v.cls, v.matched, cfg.drop_sample_shift, cfg.pass_sample_shift);
    if (flow_sampled(shift)) {
      struct flow_update u = {.bytes = frame_len,
                              .scale = 1ull << shift,
                              .family = v.family,
                              .cls = v.cls,
                              .matched = v.matched,
                              .origin = v.origin,
                              .rule = &v.rk};
      record_flow(ctx, &ip, &u);
    }
  }

out:
  count_verdict(cfg.stats_slot, v.cls, v.family, v.reason, frame_len);
  return v.action;
}

SEC("xdp")
int xdpguard_main(struct xdp_md *ctx) { return xdpguard_run(ctx, 0); }

/* Loaded instead of xdpguard_main on interfaces whose MTU exceeds one page (jumbo frames,
 * multi-buffer XDP); the kernel refuses a non-frags program there. */
SEC("xdp.frags")
int xdpguard_frags(struct xdp_md *ctx) { return xdpguard_run(ctx, 1); }

char LICENSE[] SEC("license") = "GPL";
