/* SPDX-License-Identifier: GPL-2.0 */
/* Gateway guard: ARP and IPv6 neighbour/router advertisements that claim a guarded
 * gateway's address from a MAC that is not allowed for it. Detection only by default (the
 * frame passes and an event is reported); a guard in drop mode drops the spoofed frame so
 * this host's neighbour cache is never poisoned. Events go through a ring buffer,
 * deduplicated here: at most one per (gateway, offending MAC, kind) per second, each
 * carrying the number of frames it stands for. Malformed frames are counted and passed. */
#ifndef XDPGUARD_GUARD_BPF_H
#define XDPGUARD_GUARD_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "parsing.h"
#include "xdpguard_guard.h"

static __always_inline void guard_count(__u32 idx) {
  __u64 *c = bpf_map_lookup_elem(&xg_guard_stats, &idx);
  if (c) (*c)++;
}

/* A MAC as one integer: one comparison instead of six byte branches, which keeps the
 * verifier's path count (and the instruction count) small. */
static __always_inline __u64 mac64(const __u8 *m) {
  __u64 v = 0;
  __builtin_memcpy(&v, m, XG_ETH_ALEN);
  return v;
}

static __always_inline int mac_in(const __u8 (*macs)[XG_ETH_ALEN], __u8 n, int max, __u64 mac) {
#pragma unroll
  for (int i = 0; i < XG_GUARD_IF_MAX_MACS; i++) {
    if (i >= max || i >= n) break;
    if (mac64(macs[i]) == mac) return 1;
  }
  return 0;
}

/* What the guard needs about the frame around the ARP/ND payload. */
struct guard_frame {
  __u32 ifindex;
  __u16 vlan;
  const __u8 *eth_src; /* packet pointer, 6 bytes checked */
};

/* The guard entry points are *global* BPF functions: the verifier checks each once, on its
 * own, instead of once per caller state. (As static subprograms, their MAC loops and option
 * walk multiplied the main program's states past the 1M-instruction budget.) The price is
 * that they take offsets, not packet pointers, and re-check bounds themselves. */
#define XG_GUARD_MAX_OFFSET 512 /* ND further into the frame is counted as unverifiable */

/* Reports (or folds into a pending report) one spoofed frame. */
static __always_inline void guard_report(const struct guard_frame *f, __u8 kind,
                                         const struct xg_guard_key *gw, const __u8 *claimed,
                                         __u8 dropped) {
  struct xg_guard_dedup_key dk = {.gw = *gw, .kind = kind};
  __builtin_memcpy(dk.mac, claimed, XG_ETH_ALEN);
  __u64 now = bpf_ktime_get_ns();
  struct xg_guard_dedup *d = bpf_map_lookup_elem(&xg_guard_dedup, &dk);
  if (d && now - d->last_event_ns < XG_GUARD_DEDUP_NS) {
    __sync_fetch_and_add(&d->pending, 1);
    guard_count(XG_GSTAT_EVENTS_DEDUP);
    return;
  }
  struct xg_guard_event *ev = bpf_ringbuf_reserve(&xg_guard_events, sizeof(*ev), 0);
  if (!ev) {
    /* Never silent: counted, and the frame stays pending for the next event. */
    guard_count(XG_GSTAT_RINGBUF_FULL);
    if (d) __sync_fetch_and_add(&d->pending, 1);
    return;
  }
  __u64 pending = d ? d->pending : 0;
  ev->ts_ns = now;
  ev->ifindex = f->ifindex;
  ev->frames = (__u32)(pending + 1);
  ev->vlan = f->vlan;
  ev->kind = kind;
  ev->family = gw->family;
  ev->dropped = dropped;
  ev->pad[0] = ev->pad[1] = ev->pad[2] = 0;
  __builtin_memcpy(ev->gateway, gw->addr, 16);
  __builtin_memcpy(ev->claimed_mac, claimed, XG_ETH_ALEN);
  __builtin_memcpy(ev->eth_src, f->eth_src, XG_ETH_ALEN);
  bpf_ringbuf_submit(ev, 0);
  guard_count(XG_GSTAT_EVENTS);
  struct xg_guard_dedup fresh = {.last_event_ns = now, .pending = 0};
  bpf_map_update_elem(&xg_guard_dedup, &dk, &fresh, BPF_ANY);
}

/* Ethernet/IPv4 ARP body (RFC 826), 28 bytes; addresses as byte arrays (unaligned). */
struct arp_body {
  __be16 htype;
  __be16 ptype;
  __u8 hlen;
  __u8 plen;
  __be16 op;
  __u8 sha[XG_ETH_ALEN];
  __u8 spa[4];
  __u8 tha[XG_ETH_ALEN];
  __u8 tpa[4];
};

/* ARP body at arp_off. Returns 1 when the frame must be dropped (spoof on a drop-mode
 * guard). */
__noinline int xg_guard_arp(struct xdp_md *ctx, __u32 arp_off, __u32 vlan) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  if (arp_off > XG_GUARD_MAX_OFFSET || data + ETH_HLEN > end) return 0;
  struct guard_frame frame = {.ifindex = ctx->ingress_ifindex, .vlan = (__u16)vlan,
                              .eth_src = data + XG_ETH_ALEN};
  const struct guard_frame *f = &frame;
  struct arp_body *arp = data + arp_off;
  if ((void *)(arp + 1) > end) {
    guard_count(XG_GSTAT_ARP_MALFORMED);
    return 0;
  }
  if (arp->htype != bpf_htons(1) || arp->ptype != bpf_htons(ETH_P_IP) || arp->hlen != 6 ||
      arp->plen != 4) {
    guard_count(XG_GSTAT_ARP_MALFORMED);
    return 0;
  }
  struct xg_guard_key key = {.ifindex = f->ifindex, .family = XG_FAM_IPV4};
  __builtin_memcpy(&key.addr[0], arp->spa, 4);
  struct xg_guard *g = bpf_map_lookup_elem(&xg_guards, &key);
  if (!g) return 0; /* the sender claims no guarded address (probes use 0.0.0.0) */
  int drop = (g->flags & XG_GUARD_DROP) != 0;
  __u64 sha = mac64(arp->sha);
  if (mac64(f->eth_src) != sha) {
    /* Even an allowed sender MAC is suspect when another station put it on the wire. */
    guard_count(XG_GSTAT_ARP_MISMATCH);
    guard_report(f, XG_GUARD_ARP_MISMATCH, &key, arp->sha, drop);
  } else if (!mac_in(g->macs, g->nmacs, XG_GUARD_MAX_MACS, sha)) {
    guard_count(XG_GSTAT_ARP_SPOOF);
    guard_report(f, XG_GUARD_ARP_SPOOF, &key, arp->sha, drop);
  } else {
    /* The real gateway: gratuitous (sender = target address) is normal at failover. */
    int gratuitous = arp->spa[0] == arp->tpa[0] && arp->spa[1] == arp->tpa[1] &&
                     arp->spa[2] == arp->tpa[2] && arp->spa[3] == arp->tpa[3];
    guard_count(gratuitous ? XG_GSTAT_GRATUITOUS : XG_GSTAT_GATEWAY_OK);
    return 0;
  }
  if (drop) guard_count(XG_GSTAT_DROPPED);
  return drop;
}

#define XG_ND_OPT_SLLA 1
#define XG_ND_OPT_TLLA 2
#define XG_ND_MAX_OPTS 4
#define XG_NA_FLAG_SOLICITED 0x40 /* in the first flags byte */

/* Finds a link-layer address option (type) among the first XG_ND_MAX_OPTS options that
 * start at opt. Returns a packet pointer to its 6 address bytes, or NULL. */
static __always_inline const __u8 *nd_lladdr(void *opt, void *end, __u8 type) {
  /* A bounded loop (kernel >= 5.3) rather than unrolled: the step is data-dependent. */
  for (int i = 0; i < XG_ND_MAX_OPTS; i++) {
    __u8 *o = opt;
    if ((void *)(o + 8) > end) return 0;
    __u32 len = o[1];
    if (len == 0) return 0; /* length 0 is invalid (RFC 4861 4.6): stop */
    if (o[0] == type && len == 1) return o + 2;
    opt = o + len * 8;
  }
  return 0;
}

/* ICMPv6 NA/RA at icmp_off, its IPv6 header at ip6_off. Returns 1 to drop. */
__noinline int xg_guard_nd(struct xdp_md *ctx, __u32 ip6_off, __u32 icmp_off, __u32 vlan,
                           __u32 fragmented) {
  void *data = (void *)(long)ctx->data;
  void *end = (void *)(long)ctx->data_end;
  if (data + ETH_HLEN > end) return 0;
  if (ip6_off > XG_GUARD_MAX_OFFSET || icmp_off > XG_GUARD_MAX_OFFSET) {
    guard_count(XG_GSTAT_ND_UNVERIFIABLE); /* behind very long extension headers */
    return 0;
  }
  struct ipv6hdr *ip6 = data + ip6_off;
  if ((void *)(ip6 + 1) > end) return 0;
  __u8 hop_limit = ip6->hop_limit;
  struct guard_frame frame = {.ifindex = ctx->ingress_ifindex, .vlan = (__u16)vlan,
                              .eth_src = data + XG_ETH_ALEN};
  const struct guard_frame *f = &frame;
  struct cursor cur = {.pos = data + icmp_off, .end = end};
  struct cursor *c = &cur;
  __u8 *icmp = c->pos;
  if ((void *)(icmp + 4) > c->end) return 0;
  __u8 type = icmp[0];
  if (type != 134 && type != 136) return 0; /* only NA and RA claim anything */
  if (fragmented) {
    /* RFC 6980 forbids fragmented ND; the kernel drops it. We cannot see the options. */
    guard_count(XG_GSTAT_ND_UNVERIFIABLE);
    return 0;
  }
  if (hop_limit != 255) {
    guard_count(XG_GSTAT_HOPLIMIT); /* not from the link: the kernel ignores it */
    return 0;
  }
  if (type == 136) {
    /* NA: 4 bytes header, 4 bytes flags, 16 bytes target, then options. */
    if ((void *)(icmp + 24) > c->end) {
      guard_count(XG_GSTAT_ND_MALFORMED);
      return 0;
    }
    struct xg_guard_key key = {.ifindex = f->ifindex, .family = XG_FAM_IPV6};
    __builtin_memcpy(key.addr, icmp + 8, 16);
    struct xg_guard *g = bpf_map_lookup_elem(&xg_guards, &key);
    if (!g) return 0;
    int drop = (g->flags & XG_GUARD_DROP) != 0;
    const __u8 *tlla = nd_lladdr(icmp + 24, c->end, XG_ND_OPT_TLLA);
    const __u8 *claimed = tlla ? tlla : f->eth_src;
    if ((tlla && !mac_in(g->macs, g->nmacs, XG_GUARD_MAX_MACS, mac64(tlla))) ||
        !mac_in(g->macs, g->nmacs, XG_GUARD_MAX_MACS, mac64(f->eth_src))) {
      guard_count(XG_GSTAT_NA_SPOOF);
      guard_report(f, XG_GUARD_NA_SPOOF, &key, claimed, drop);
      if (drop) guard_count(XG_GSTAT_DROPPED);
      return drop;
    }
    guard_count((icmp[4] & XG_NA_FLAG_SOLICITED) ? XG_GSTAT_GATEWAY_OK : XG_GSTAT_GRATUITOUS);
    return 0;
  }
  /* RA: only where an IPv6 gateway is guarded on this interface. */
  __u32 ifindex = f->ifindex;
  struct xg_guard_if *gi = bpf_map_lookup_elem(&xg_guard_if, &ifindex);
  if (!gi || !gi->has_v6) return 0;
  if (mac_in(gi->macs, gi->nmacs, XG_GUARD_IF_MAX_MACS, mac64(f->eth_src))) {
    guard_count(XG_GSTAT_GATEWAY_OK);
    return 0;
  }
  if ((void *)(icmp + 16) > c->end) {
    guard_count(XG_GSTAT_ND_MALFORMED);
    return 0;
  }
  /* RA: 16 bytes before options; the source link-layer option names the router's MAC. */
  const __u8 *slla = nd_lladdr(icmp + 16, c->end, XG_ND_OPT_SLLA);
  struct xg_guard_key key = {.ifindex = f->ifindex, .family = XG_FAM_IPV6};
  __builtin_memcpy(key.addr, &ip6->saddr, 16);
  int drop = (gi->flags & XG_GUARD_DROP) != 0;
  guard_count(XG_GSTAT_ROGUE_RA);
  guard_report(f, XG_GUARD_ROGUE_RA, &key, slla ? slla : f->eth_src, drop);
  if (drop) guard_count(XG_GSTAT_DROPPED);
  return drop;
}

#endif /* XDPGUARD_GUARD_BPF_H */
