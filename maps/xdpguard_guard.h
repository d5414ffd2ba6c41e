/* SPDX-License-Identifier: GPL-2.0 */
/* Gateway-guard part of the kernel/user contract: which gateway addresses are guarded on
 * which interface, the MACs allowed to answer for them, the events the datapath reports
 * through its ring buffer, and the guard counters. Same rules as xdpguard_maps.h: fixed-
 * width members, explicit padding, layout asserts. */
#ifndef XDPGUARD_GUARD_H
#define XDPGUARD_GUARD_H

#include "xdpguard_maps.h"

#define XG_MAP_GUARDS "xg_guards"
#define XG_MAP_GUARD_IF "xg_guard_if"
#define XG_MAP_GUARD_EVENTS "xg_guard_events"
#define XG_MAP_GUARD_DEDUP "xg_guard_dedup"
#define XG_MAP_GUARD_STATS "xg_guard_stats"

#define XG_GUARD_MAX_MACS 8         /* allowed MACs per gateway (VRRP/HSRP pairs, failover) */
#define XG_GUARD_IF_MAX_MACS 16     /* allowed MACs per interface, for router advertisements */
#define XG_MAX_GUARDS 1024
#define XG_GUARD_EVENTS_BYTES (256 * 1024)
#define XG_GUARD_DEDUP_ENTRIES 4096
#define XG_GUARD_DEDUP_NS 1000000000ull /* at most one event per (gateway, MAC) per second */
#define XG_ETH_ALEN 6

/* A guarded gateway address on one interface. addr is network order; IPv4 in addr[0]. */
struct xg_guard_key {
  __u32 ifindex;
  __u8 family; /* XG_FAM_IPV4 / XG_FAM_IPV6 */
  __u8 pad[3];
  __be32 addr[4];
};

#define XG_GUARD_DROP (1u << 0) /* drop spoofed frames (default: pass and report) */
struct xg_guard {
  __u8 flags;    /* XG_GUARD_* */
  __u8 nmacs;    /* allowed MACs in macs[0..nmacs) */
  __u8 learned;  /* bit i: macs[i] was learned from the neighbour table, not configured */
  __u8 pad;
  __u8 macs[XG_GUARD_MAX_MACS][XG_ETH_ALEN];
  __u8 pad2[4];
};

/* Per interface: the union of the allowed MACs of its IPv6 gateways, for the rogue-router
 * check (a router advertisement names no address, only its sender). */
struct xg_guard_if {
  __u8 flags;   /* XG_GUARD_DROP if any IPv6 guard on the interface drops */
  __u8 nmacs;
  __u8 has_v6;  /* at least one IPv6 gateway is guarded here */
  __u8 pad;
  __u8 macs[XG_GUARD_IF_MAX_MACS][XG_ETH_ALEN];
  __u8 pad2[4];
};

/* Event kinds (ids from 1: 0 is no event). */
#define XG_GUARD_KINDS(X)                                                                  \
  X(ARP_SPOOF, "arp_spoof")              /* ARP for a guarded gateway from a MAC not allowed */ \
  X(ARP_MISMATCH, "arp_sender_mismatch") /* Ethernet source differs from the ARP sender MAC */  \
  X(NA_SPOOF, "na_spoof")                /* neighbour advertisement for a gateway, wrong MAC */ \
  X(ROGUE_RA, "rogue_router")            /* router advertisement from a MAC not allowed here */
#define XG_X_GUARD_ENUM(name, label) XG_GUARD_##name,
enum { XG_GUARD_NO_EVENT, XG_GUARD_KINDS(XG_X_GUARD_ENUM) XG_GUARD_KIND_END };

/* One ring-buffer record; it stands for `frames` spoofed frames since the previous event for
 * the same (gateway, offending MAC). */
struct xg_guard_event {
  __u64 ts_ns; /* bpf_ktime_get_ns() */
  __u32 ifindex;
  __u32 frames;
  __u16 vlan; /* innermost VLAN id, 0 if untagged */
  __u8 kind;  /* XG_GUARD_* kind */
  __u8 family;
  __u8 dropped; /* the frame was dropped (guard in drop mode) */
  __u8 pad[3];
  __be32 gateway[4];
  __u8 claimed_mac[XG_ETH_ALEN]; /* ARP sender MAC / NA target link-layer address */
  __u8 eth_src[XG_ETH_ALEN];
};

/* Dedup state per (gateway, offending MAC). */
struct xg_guard_dedup_key {
  struct xg_guard_key gw;
  __u8 mac[XG_ETH_ALEN];
  __u8 kind;
  __u8 pad;
};

struct xg_guard_dedup {
  __u64 last_event_ns;
  __u64 pending; /* frames since the last event */
};

/* Guard counters: a per-CPU array of packet counts indexed by these. */
#define XG_GUARD_STATS(X)                                                                 \
  X(ARP_SPOOF, "arp_spoof")                                                               \
  X(ARP_MISMATCH, "arp_sender_mismatch")                                                  \
  X(NA_SPOOF, "na_spoof")                                                                 \
  X(ROGUE_RA, "rogue_router")                                                             \
  X(GRATUITOUS, "gratuitous")         /* gratuitous ARP / unsolicited NA from an allowed MAC */ \
  X(GATEWAY_OK, "gateway_ok")         /* ARP/NA for a gateway from an allowed MAC */      \
  X(ARP_MALFORMED, "arp_malformed")   /* wrong hardware/protocol type or length, truncated */ \
  X(ND_MALFORMED, "nd_malformed")     /* truncated NA/RA */                               \
  X(ND_UNVERIFIABLE, "nd_unverifiable") /* fragmented or unresolvable ND chain */         \
  X(HOPLIMIT, "nd_hop_limit")         /* ND with hop limit != 255 (the kernel ignores it) */ \
  X(EVENTS, "events")                 /* events written to the ring buffer */             \
  X(EVENTS_DEDUP, "events_deduplicated") /* spoofed frames folded into a later event */   \
  X(RINGBUF_FULL, "ringbuf_full")     /* events lost: ring buffer full (never silent) */  \
  X(DROPPED, "dropped")               /* spoofed frames dropped (drop mode) */
#define XG_X_GSTAT_ENUM(name, label) XG_GSTAT_##name,
enum { XG_GUARD_STATS(XG_X_GSTAT_ENUM) XG_GSTAT_MAX };

XG_STATIC_ASSERT(XG_GUARD_KIND_END == 5, "guard event kinds (bump XG_ABI_VERSION)");
XG_STATIC_ASSERT(XG_GSTAT_MAX == 14, "guard counters: xg_guard_stats size (bump XG_ABI_VERSION)");
XG_STATIC_ASSERT(sizeof(struct xg_guard_key) == 24, "xg_guard_key layout");
XG_STATIC_ASSERT(sizeof(struct xg_guard) == 56, "xg_guard layout");
XG_STATIC_ASSERT(sizeof(struct xg_guard_if) == 104, "xg_guard_if layout");
XG_STATIC_ASSERT(sizeof(struct xg_guard_event) == 56, "xg_guard_event layout");
XG_STATIC_ASSERT(XG_OFFSETOF(struct xg_guard_event, gateway) == 24, "xg_guard_event.gateway");
XG_STATIC_ASSERT(sizeof(struct xg_guard_dedup_key) == 32, "xg_guard_dedup_key layout");
XG_STATIC_ASSERT(sizeof(struct xg_guard_dedup) == 16, "xg_guard_dedup layout");

#endif /* XDPGUARD_GUARD_H */
