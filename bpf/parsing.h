/* SPDX-License-Identifier: GPL-2.0 */
/* Cursor-style packet parsers. Each parser checks bounds once for the header it reads,
 * advances the cursor past it and returns what the caller needs. Multi-byte fields are
 * returned in network byte order unless a comment says otherwise; callers compare them
 * with constant-folded bpf_htons()/bpf_htonl(). */
#ifndef XDPGUARD_PARSING_H
#define XDPGUARD_PARSING_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdpguard_maps.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define XG_ETH_P_QINQ_LEGACY 0x9100 /* pre-standard QinQ TPID, still seen on switches */

/* IPv4 frag_off bits (host order after bpf_ntohs; compared in network order below). */
#define XG_IP_MF 0x2000
#define XG_IP_OFFSET 0x1FFF

/* Hides a value from the optimiser so it cannot re-associate packet-pointer arithmetic
 * into a form the verifier rejects (e.g. "pkt_end + scalar"). */
#define XG_OPAQUE(x) asm volatile("" : "+r"(x))

struct cursor {
  void *pos;
  void *end;
};

struct vlan_hdr_raw {
  __be16 tci;
  __be16 encap_proto;
};

static __always_inline int is_vlan_proto(__be16 proto) {
  return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD) ||
         proto == bpf_htons(XG_ETH_P_QINQ_LEGACY);
}

/* Parses Ethernet and up to XG_MAX_VLAN_DEPTH VLAN tags. On success returns 0 and sets
 * *proto to the inner ethertype (network order). On failure returns -1 with *reason set:
 * frame shorter than an Ethernet header, a truncated tag, or more tags than we follow
 * (policy: such frames pass, counted as vlan_too_deep; we never guess at deeper tags).
 * *vlan_id (host order) is the innermost VLAN id, untouched when there is no tag. */
static __always_inline int parse_eth(struct cursor *c, __be16 *proto, __u16 *vlan_id,
                                     __u8 *reason) {
  struct ethhdr *eth = c->pos;
  if ((void *)(eth + 1) > c->end) {
    *reason = XG_REASON_ETH_SHORT;
    return -1;
  }
  c->pos = eth + 1;
  __be16 p = eth->h_proto;

#pragma unroll
  for (int i = 0; i < XG_MAX_VLAN_DEPTH; i++) {
    if (!is_vlan_proto(p)) break;
    struct vlan_hdr_raw *vh = c->pos;
    if ((void *)(vh + 1) > c->end) {
      *reason = XG_REASON_VLAN_TRUNCATED;
      return -1;
    }
    c->pos = vh + 1;
    p = vh->encap_proto;
    *vlan_id = bpf_ntohs(vh->tci) & 0x0fff; /* host order; the innermost tag wins */
  }
  if (is_vlan_proto(p)) {
    *reason = XG_REASON_VLAN_TOO_DEEP;
    return -1;
  }
  *proto = p;
  return 0;
}

/* What the IP parsers learn. Addresses and ports network order; IPv4 uses [0] only. */
struct ip_info {
  __be32 saddr[4];
  __be32 daddr[4];
  __be16 sport;
  __be16 dport;
  __u8 saddr_present; /* the source address bytes are inside the frame */
  __u8 daddr_present; /* the whole fixed IP header is inside the frame */
  __u8 is_nd;         /* ICMPv6 neighbour discovery (RS/RA/NS/NA/redirect) */
  __u8 reason;        /* XG_REASON_* describing the first anomaly, or NONE */
  __u8 l4proto;       /* upper-layer protocol, 0 if not resolved */
  __u8 ports_known;   /* sport/dport were read from a complete TCP/UDP/SCTP header */
  __u8 nonfirst_frag; /* a fragment with offset > 0: no L4 header in this packet */
  __u8 tcp_flags;     /* valid when l4proto is TCP and ports_known */
};

/* Reads ports (and TCP flags) at the cursor for protocols that have them. A header cut
 * short leaves ports_known 0 and counts the packet as malformed. */
static __always_inline void parse_l4(struct cursor *c, struct ip_info *ip) {
  __u8 proto = ip->l4proto;
  if (proto != IPPROTO_TCP && proto != IPPROTO_UDP && proto != IPPROTO_SCTP &&
      proto != IPPROTO_UDPLITE)
    return;
  /* Two constant-size checks (ports, then TCP flags at byte 13): with one variable-size
   * check the compiler merges them and the verifier only sees the smaller bound. */
  __be16 *ports = c->pos;
  if ((void *)(ports + 2) > c->end) goto truncated;
  if (proto == IPPROTO_TCP) {
    __u8 *flags = c->pos + 13;
    if ((void *)(flags + 1) > c->end) goto truncated;
    ip->tcp_flags = *flags;
  }
  ip->sport = ports[0];
  ip->dport = ports[1];
  ip->ports_known = 1;
  return;
truncated:
  if (ip->reason == XG_REASON_NONE) ip->reason = XG_REASON_L4_TRUNC;
}

/* IPv4. Policy (RELIABILITY P2/P4/P5): the source address is taken whenever its four bytes
 * are present, even if the rest of the header is malformed, because dropping a blocked
 * source is always safe. Options (ihl 6..15) are allowed and skipped; ihl < 5, a header
 * beyond the frame, tot_len inconsistent with the frame, or a wrong version are counted
 * as malformed. Fragments are noted (every fragment carries the source, so every
 * fragment of a blocked source is dropped). nonlinear_len is the part of the frame beyond
 * the linear buffer (multi-buffer XDP), so tot_len is checked against the whole frame;
 * Ethernet padding makes the frame longer than tot_len, which is fine. */
static __always_inline void parse_ipv4(struct cursor *c, struct ip_info *ip, __u32 nonlinear_len) {
  struct iphdr *iph = c->pos;
  /* saddr occupies bytes 12..15 of the header. */
  if (c->pos + 16 > c->end) {
    ip->reason = XG_REASON_IPV4_TRUNCATED;
    return;
  }
  ip->saddr[0] = *(__be32 *)(c->pos + 12);
  ip->saddr_present = 1;
  if ((void *)(iph + 1) > c->end) {
    ip->reason = XG_REASON_IPV4_TRUNCATED;
    return;
  }
  ip->daddr[0] = iph->daddr;
  ip->daddr_present = 1;
  if (iph->version != 4) {
    ip->reason = XG_REASON_IPV4_VERSION;
    return;
  }
  __u32 hdr_len = iph->ihl * 4;
  if (hdr_len < sizeof(*iph)) {
    ip->reason = XG_REASON_IPV4_IHL;
    return;
  }
  if (c->pos + hdr_len > c->end) {
    ip->reason = XG_REASON_IPV4_OPT_TRUNC;
    return;
  }
  __u32 tot_len = bpf_ntohs(iph->tot_len);
  __u32 l3_len = (__u32)(c->end - c->pos);
  XG_OPAQUE(l3_len);
  l3_len += nonlinear_len;
  if (tot_len < hdr_len || tot_len > l3_len) {
    ip->reason = XG_REASON_IPV4_TOTLEN;
    return;
  }
  if (iph->frag_off & bpf_htons(XG_IP_MF | XG_IP_OFFSET)) ip->reason = XG_REASON_IPV4_FRAGMENT;
  c->pos += hdr_len;
  ip->l4proto = iph->protocol;
  /* A non-first fragment carries no L4 header: its first bytes are payload, never ports. */
  if (iph->frag_off & bpf_htons(XG_IP_OFFSET)) {
    ip->nonfirst_frag = 1;
    return;
  }
  parse_l4(c, ip);
}

/* Generic IPv6 extension header prefix (RFC 8200 4.x). */
struct ipv6_ext_raw {
  __u8 nexthdr;
  __u8 hdrlen;
};

#define XG_IPPROTO_MH 135 /* Mobility header; not in older uapi headers */

/* Walks the IPv6 extension-header chain (at most XG_MAX_IPV6_EXTHDRS headers) to find the
 * upper-layer protocol, only to recognise neighbour discovery: the blocklist never drops
 * ND, so a blocklisted neighbour cannot cut this host off its LAN. A non-first fragment,
 * ESP or an unknown header ends the walk (the L4 header is unknown, so not ND). A chain
 * longer than the budget or truncated is counted and the packet is treated as not-ND. */
static __always_inline void walk_ipv6_chain(struct cursor *c, struct ip_info *ip, __u8 nexthdr) {
#pragma unroll
  for (int i = 0; i < XG_MAX_IPV6_EXTHDRS; i++) {
    struct ipv6_ext_raw *ext = c->pos;
    switch (nexthdr) {
      case IPPROTO_HOPOPTS:
      case IPPROTO_ROUTING:
      case IPPROTO_DSTOPTS:
      case XG_IPPROTO_MH:
      case IPPROTO_AH: {
        if ((void *)(ext + 1) > c->end) {
          ip->reason = XG_REASON_IPV6_EXTHDR_TRUNC;
          return;
        }
        /* AH counts its length in 4-byte units minus 2, the others in 8-byte units minus 1. */
        __u32 len = nexthdr == IPPROTO_AH ? ((__u32)ext->hdrlen + 2) * 4
                                          : ((__u32)ext->hdrlen + 1) * 8;
        nexthdr = ext->nexthdr;
        if (c->pos + len > c->end) {
          ip->reason = XG_REASON_IPV6_EXTHDR_TRUNC;
          return;
        }
        c->pos += len;
        break;
      }
      case IPPROTO_FRAGMENT: {
        struct frag_hdr_raw {
          __u8 nexthdr;
          __u8 reserved;
          __be16 frag_off;
          __be32 identification;
        } *fh = c->pos;
        if ((void *)(fh + 1) > c->end) {
          ip->reason = XG_REASON_IPV6_EXTHDR_TRUNC;
          return;
        }
        ip->reason = XG_REASON_IPV6_FRAGMENT;
        nexthdr = fh->nexthdr;
        /* Offset is the top 13 bits; a non-first fragment has no upper-layer header. */
        if (fh->frag_off & bpf_htons(0xFFF8)) {
          ip->l4proto = nexthdr;
          ip->nonfirst_frag = 1;
          return;
        }
        c->pos = fh + 1;
        break;
      }
      case IPPROTO_ICMPV6: {
        ip->l4proto = nexthdr;
        struct icmp6hdr *icmp = c->pos;
        if ((void *)(icmp + 1) > c->end) return; /* too short to be ND; not malformed IPv6 */
        __u8 type = icmp->icmp6_type;
        /* 133 RS, 134 RA, 135 NS, 136 NA, 137 Redirect (RFC 4861). */
        if (type >= 133 && type <= 137) ip->is_nd = 1;
        return;
      }
      default:
        /* TCP, UDP, ESP, NONE, anything else: the upper layer (ports if it has them). */
        ip->l4proto = nexthdr;
        parse_l4(c, ip);
        return;
    }
  }
  /* Budget spent while still inside extension headers. */
  if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING || nexthdr == IPPROTO_DSTOPTS ||
      nexthdr == XG_IPPROTO_MH || nexthdr == IPPROTO_AH || nexthdr == IPPROTO_FRAGMENT)
    ip->reason = XG_REASON_IPV6_EXTHDR_BUDGET;
}

/* IPv6: the source address (bytes 8..23) is taken whenever present, as for IPv4. */
static __always_inline void parse_ipv6(struct cursor *c, struct ip_info *ip) {
  struct ipv6hdr *ip6 = c->pos;
  if (c->pos + 24 > c->end) {
    ip->reason = XG_REASON_IPV6_TRUNCATED;
    return;
  }
  __builtin_memcpy(ip->saddr, c->pos + 8, 16);
  ip->saddr_present = 1;
  if ((void *)(ip6 + 1) > c->end) {
    ip->reason = XG_REASON_IPV6_TRUNCATED;
    return;
  }
  __builtin_memcpy(ip->daddr, &ip6->daddr, 16);
  ip->daddr_present = 1;
  if (ip6->version != 6) {
    ip->reason = XG_REASON_IPV6_VERSION;
    return;
  }
  c->pos = ip6 + 1;
  walk_ipv6_chain(c, ip, ip6->nexthdr);
}

#endif /* XDPGUARD_PARSING_H */
