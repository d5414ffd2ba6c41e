// SPDX-License-Identifier: GPL-2.0
/* xdpguard datapath entry. Order per frame: parse (Ethernet, VLAN, IPv4/IPv6) -> ARP/ND
 * always pass -> allowlist (a hit always passes) -> blocklist, longest prefix wins ->
 * action (drop, pass-with-count; monitor turns a drop into a counted pass) -> counters
 * recorded once at the single exit. Anything not understood passes and is counted. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "maps.bpf.h"
#include "match.h"
#include "parsing.h"
#include "stats.h"

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

struct verdict {
  __u32 action; /* XDP_PASS / XDP_DROP */
  __u8 cls;     /* XG_CLASS_* */
  __u8 family;  /* XG_FAM_* */
  __u8 reason;  /* XG_REASON_* */
  __u8 pad;
};

/* Applies a matched rule: drop unless the rule or the interface is in monitor mode. */
static __always_inline void apply_rule(struct xdp_md *ctx, struct verdict *v,
                                       const struct xg_rule *rule) {
  if (rule->action != XG_ACTION_DROP) {
    /* pass-with-count; XG_ACTION_RATELIMIT is reserved and passes until implemented */
    v->cls = XG_CLASS_RULE_PASS;
    return;
  }
  if (rule->flags & XG_RULE_MONITOR) {
    v->cls = XG_CLASS_MONITOR;
    return;
  }
  __u32 zero = 0;
  struct xg_info *info = bpf_map_lookup_elem(&xg_info, &zero);
  if (info && (info->flags & XG_INFO_ANY_IF_MONITOR)) {
    __u32 ifindex = ctx->ingress_ifindex;
    struct xg_if_config *ifc = bpf_map_lookup_elem(&xg_ifconfig, &ifindex);
    if (ifc && (ifc->flags & XG_IF_MONITOR)) {
      v->cls = XG_CLASS_MONITOR;
      return;
    }
  }
  v->cls = XG_CLASS_DROP;
  v->action = XDP_DROP;
}

/* Allowlist, then blocklist, for a source address already known to be present. */
static __always_inline void decide(struct xdp_md *ctx, struct verdict *v,
                                   const struct ip_info *ip, __u64 bytes) {
  struct xg_rule *rule;
  if (v->family == XG_FAM_IPV4) {
    if (match_allow_v4(ip->saddr[0])) {
      v->cls = XG_CLASS_ALLOW;
      return;
    }
    rule = match_block_v4(ip->saddr[0], &v->reason);
  } else {
    if (match_allow_v6(ip->saddr)) {
      v->cls = XG_CLASS_ALLOW;
      return;
    }
    rule = match_block_v6(ip->saddr, &v->reason);
  }
  if (!rule) return;
  apply_rule(ctx, v, rule);
  count_rule_hit(rule, v->family, ip->saddr, bytes);
}

/* frags is a compile-time constant: the frags-aware variant measures the whole frame
 * (linear part plus fragments) for byte counters; headers are always in the linear part. */
static __always_inline int xdpguard_run(struct xdp_md *ctx, int frags) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  struct cursor c = {.pos = data, .end = data_end};
  struct verdict v = {.action = XDP_PASS, .cls = XG_CLASS_PASS, .family = XG_FAM_OTHER};
  __u64 frame_len = frags ? bpf_xdp_get_buff_len(ctx) : (__u64)(data_end - data);
  __be16 proto;

  if (parse_eth(&c, &proto, &v.reason) < 0) goto out;

  if (proto == bpf_htons(ETH_P_ARP)) {
    /* ARP is never blocklisted: a blocked neighbour must not cut us off the LAN. */
    v.reason = XG_REASON_ARP;
    goto out;
  }

  struct ip_info ip = {};
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
    goto out;
  }
  if (ip.saddr_present) decide(ctx, &v, &ip, frame_len);

out:
  count_verdict(v.cls, v.family, v.reason, frame_len);
  return v.action;
}

SEC("xdp")
int xdpguard_main(struct xdp_md *ctx) { return xdpguard_run(ctx, 0); }

/* Loaded instead of xdpguard_main on interfaces whose MTU exceeds one page (jumbo frames,
 * multi-buffer XDP); the kernel refuses a non-frags program there. */
SEC("xdp.frags")
int xdpguard_frags(struct xdp_md *ctx) { return xdpguard_run(ctx, 1); }

char LICENSE[] SEC("license") = "GPL";
