/* SPDX-License-Identifier: GPL-2.0 */
/* xdpguard kernel/user contract: every map key, value, enum and limit that the XDP
 * datapath (bpf/) and the controller (controller/) share. Defined once, here, using only
 * fixed-width <linux/types.h> members so the same bytes mean the same thing under
 * `clang -target bpf` and g++. Byte order: addresses network order, everything else host.
 * Layout is pinned with static asserts; test/unit/layout_test.cc repeats them from C++. */
#ifndef XDPGUARD_MAPS_H
#define XDPGUARD_MAPS_H

#include <linux/types.h>

#ifdef __cplusplus
#define XG_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define XG_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
/* bpf_helpers.h defines offsetof as a pointer cast, which is not a constant expression. */
#define XG_OFFSETOF(type, member) __builtin_offsetof(type, member)

/* Tables of ids shared by both sides are X-macro lists, X(NAME, "label"): the ids are an
 * enum generated in list order (the datapath indexes counters by them), the labels are
 * what the controller prints and exports. One list, so a name can never drift from its id.
 * Each list's length is pinned below: a new entry changes a map's layout (bump the ABI). */
#define XG_X_LABEL(name, label) label,

/* Functions both sides run on the same bytes (the datapath inlines everything). */
#ifdef __cplusplus
#define XG_SHARED_FN static inline
#else
#define XG_SHARED_FN static __always_inline
#endif

/* Bumped whenever a struct below changes size or meaning; stored in the info map so an
 * older controller never misreads newer pinned maps (and vice versa). */
#define XG_ABI_VERSION 11

/* Map names (<= 15 chars: the kernel truncates longer names). The controller opens pins
 * under XG_PIN_DIR by these names. */
#define XG_PIN_DIR "/sys/fs/bpf/xdpguard"
#define XG_MAP_BLOCK_V4 "xg_block_v4"
#define XG_MAP_BLOCK_V6 "xg_block_v6"
#define XG_MAP_ALLOW_V4 "xg_allow_v4"
#define XG_MAP_ALLOW_V6 "xg_allow_v6"
#define XG_MAP_STATS "xg_stats"
#define XG_MAP_REASONS "xg_reasons"
#define XG_MAP_RULE_STATS "xg_rule_stats"
#define XG_MAP_ORIGIN_STATS "xg_origin_stats"
#define XG_MAP_RULE_CACHE "xg_rule_cache"
#define XG_MAP_IFCONFIG "xg_ifconfig"
#define XG_MAP_IF_SLOTS "xg_if_slots"
#define XG_MAP_INFO "xg_info"
#define XG_MAP_COMMENTS "xg_comments"
#define XG_MAP_BUCKETS "xg_buckets"
#define XG_MAP_FLOWS "xg_flows"
#define XG_MAP_LIST_GEN "xg_list_gen"
#define XG_MAP_VERDICTS "xg_verdicts"
#define XG_MAP_VERDICT_CTL "xg_verdict_ctl"
#define XG_MAP_LENS_V4 "xg_lens_v4"
#define XG_MAP_LENS_V6 "xg_lens_v6"
#define XG_MAP_LSUM_V4 "xg_lsum_v4"
#define XG_MAP_LSUM_V6 "xg_lsum_v6"
#define XG_MAP_RULES_V4 "xg_rules_v4"
#define XG_MAP_RULES_V6 "xg_rules_v6"

/* Default and maximum map sizes. Sizes are chosen at first attach and then fixed by the
 * pinned maps. */
#define XG_DEFAULT_BLOCK_V4_ENTRIES 1048576
#define XG_DEFAULT_BLOCK_V6_ENTRIES 131072
#define XG_DEFAULT_ALLOW_ENTRIES 65536 /* IPv4; IPv6 allowlists default to a quarter */
#define XG_DEFAULT_RULE_STATS_ENTRIES 24576 /* per CPU: 8,192 sets of XG_RULE_SET_WAYS */
#define XG_DEFAULT_BUCKET_ENTRIES 65536
#define XG_DEFAULT_FLOW_ENTRIES 65536
#define XG_MAX_MAP_ENTRIES (1u << 28)
#define XG_MAX_ORIGINS 256 /* origin ids, see below */
/* Who wrote an entry (xg_rule.origin, xg_allow.origin, counted in xg_origin_stats). */
#define XG_ORIGIN_MANUAL 0                       /* the CLI (block add / load, allow add) */
#define XG_ORIGIN_FEED_FIRST 1                   /* feeds: 1..XG_ORIGIN_FEED_LAST */
#define XG_ORIGIN_FEED_LAST (XG_MAX_ORIGINS - 3)
#define XG_ORIGIN_FAIL2BAN (XG_MAX_ORIGINS - 2)  /* bans by fail2ban's action (--origin fail2ban) */
#define XG_ORIGIN_CONFIG (XG_MAX_ORIGINS - 1)    /* the config file's static lists */
#define XG_MAX_IFINDEX 65536 /* xg_ifconfig is an array indexed by ifindex (see below) */
#define XG_MAX_IF_SLOTS 64 /* per-interface verdict counters; slot 0 = interfaces without one */
#define XG_MAX_VLAN_DEPTH 2 /* 802.1ad + 802.1Q (QinQ) */
#define XG_MAX_IPV6_EXTHDRS 8
#define XG_MAX_RULE_RETRIES 4 /* covering prefixes tried when the best match expired or
                                * does not cover the packet (port / new-only scope) */
#define XG_MAX_PORTS 8
#define XG_COMMENT_MAX 64 /* bytes of an operator comment, NUL included */
#define XG_DEFAULT_COMMENT_ENTRIES 65536

/* Prefix keys of the allowlist and blocklist: exact-match hash keys, one entry per prefix.
 * prefixlen is host order, addr network order with the host bits beyond prefixlen zero
 * (the datapath probes with the packet's source masked to each length it tries). */
struct xg_lpm_v4_key {
  __u32 prefixlen;
  __be32 addr;
};

struct xg_lpm_v6_key {
  __u32 prefixlen;
  __be32 addr[4];
};

/* What a matching blocklist rule does to a packet. */
#define XG_ACTION_DROP 0
#define XG_ACTION_PASS 1      /* pass, counted per rule ("pass-with-count") */
#define XG_ACTION_RATELIMIT 2 /* token bucket: over-limit packets dropped (XG_CLASS_RATELIMIT) */

/* xg_rule.flags */
#define XG_RULE_MONITOR (1u << 0) /* count as "would drop", pass */
#define XG_RULE_NEW_ONLY (1u << 1) /* only TCP SYN without ACK (new inbound connections) */

/* TCP flag bits as in byte 13 of the TCP header (new-only scope, tests). */
#define XG_TCP_FIN 0x01
#define XG_TCP_SYN 0x02
#define XG_TCP_ACK 0x10

/* xg_rule.rl_per */
#define XG_RL_PER_SOURCE 0
#define XG_RL_PER_RULE 1

/* Blocklist value (both families): action, monitor and scope flags, origin (manual or which
 * feed), optional expiry, rate-limit parameters and destination-port scope. */
struct xg_rule {
  __u8 action;    /* XG_ACTION_* */
  __u8 flags;     /* XG_RULE_* */
  __u8 prefixlen; /* the key's prefix length (stamped by the controller): the datapath
                   * copies it into verdicts, counters and flow records */
  __u8 rl_per;    /* XG_RL_PER_* */
  __u16 origin;   /* XG_ORIGIN_*: manual, a feed, or the config file */
  __u8 nports;    /* 0 = all destination ports, else ports[0..nports) */
  __u8 pad0;
  __u64 expires_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) deadline, 0 = never */
  __u64 created_s;  /* CLOCK_REALTIME seconds when the entry was written (for listing) */
  __u32 rl_pps;   /* XG_ACTION_RATELIMIT: packets per second (> 0) */
  __u32 rl_burst; /* packets allowed at once above the rate (>= 1) */
  __u64 rl_bps;   /* optional bytes per second, 0 = no byte limit */
  __be16 ports[XG_MAX_PORTS]; /* destination ports, network order */
};

/* Allowlist value. A hit always passes. */
struct xg_allow {
  __u16 origin;
  __u8 prefixlen; /* the key's prefix length (see xg_rule.prefixlen) */
  __u8 pad0;
  __u32 reserved;
};

/* Packets and bytes, the unit of every counter. */
struct xg_counter {
  __u64 packets;
  __u64 bytes;
};

/* Address families as counted. */
#define XG_FAMILIES(X)                                                                    \
  X(IPV4, "ipv4")                                                                         \
  X(IPV6, "ipv6")                                                                         \
  X(OTHER, "other") /* ARP, unknown ethertypes, frames too short to classify */
#define XG_X_FAM_ENUM(name, label) XG_FAM_##name,
enum { XG_FAMILIES(XG_X_FAM_ENUM) XG_FAM_MAX };

/* Verdict classes. Every frame lands in exactly one class, once, at the program's exit. */
#define XG_CLASSES(X)                                                                     \
  X(PASS, "pass")           /* no rule matched (or not IP) */                             \
  X(ALLOW, "allow")         /* allowlist hit */                                           \
  X(DROP, "drop")           /* blocklist drop */                                          \
  X(MONITOR, "monitor")     /* would have been dropped (rule or interface monitor mode) */ \
  X(RULE_PASS, "rule_pass") /* matched a pass-with-count rule */                          \
  X(RATELIMIT, "ratelimit") /* dropped by a rate limit (over the token bucket) */
#define XG_X_CLASS_ENUM(name, label) XG_CLASS_##name,
enum { XG_CLASSES(XG_X_CLASS_ENUM) XG_CLASS_MAX };

/* xg_stats is a per-CPU array of XG_MAX_IF_SLOTS blocks of XG_STATS_ENTRIES counters, one
 * block per interface stats slot (xg_if_config.stats_slot), indexed within a block by
 * class * XG_FAM_MAX + family. xg_if_slots (an array of XG_MAX_IF_SLOTS __u32) names the
 * ifindex that owns each slot; the datapath never reads it. */
#define XG_STATS_ENTRIES (XG_CLASS_MAX * XG_FAM_MAX)
#define XG_STATS_MAP_ENTRIES (XG_MAX_IF_SLOTS * XG_STATS_ENTRIES)

/* Why a frame was not (fully) understood. xg_reasons is a per-CPU array of packet counts
 * indexed by these. Names follow Suricata's decoder events where one exists. */
#define XG_REASONS(X)                                                                     \
  X(NONE, "none")                                                                         \
  X(ETH_SHORT, "eth_short")                                                               \
  X(VLAN_TRUNCATED, "vlan_truncated")                                                     \
  X(VLAN_TOO_DEEP, "vlan_too_deep")                                                       \
  X(ETHERTYPE_OTHER, "ethertype_other")                                                   \
  X(IPV4_TRUNCATED, "ipv4_truncated")     /* fewer than 20 bytes of IPv4 header */        \
  X(IPV4_IHL, "ipv4_ihl")                 /* ihl < 5 */                                   \
  X(IPV4_OPT_TRUNC, "ipv4_opt_truncated") /* ihl*4 beyond the frame */                    \
  X(IPV4_VERSION, "ipv4_version")                                                         \
  X(IPV4_TOTLEN, "ipv4_totlen")           /* tot_len < ihl*4 or > frame */                \
  X(IPV6_TRUNCATED, "ipv6_truncated")                                                     \
  X(IPV6_VERSION, "ipv6_version")                                                         \
  X(IPV6_EXTHDR_TRUNC, "ipv6_exthdr_truncated")                                           \
  X(IPV6_EXTHDR_BUDGET, "ipv6_exthdr_budget") /* chain longer than XG_MAX_IPV6_EXTHDRS */ \
  X(IPV4_FRAGMENT, "ipv4_fragment")  /* informational: a fragment (parsed fine) */        \
  X(IPV6_FRAGMENT, "ipv6_fragment")  /* informational */                                  \
  X(ARP, "arp")                      /* informational: ARP passed, never blocklisted */   \
  X(ND, "nd")                        /* informational: ICMPv6 ND passed, never blocklisted */ \
  X(RULE_EXPIRED, "rule_expired")    /* best match expired (ignored) */                   \
  X(RULE_BUDGET, "rule_budget")      /* too many nested expired/out-of-scope prefixes */  \
  X(L4_TRUNC, "l4_truncated")        /* TCP/UDP/SCTP header cut short: ports unknown */
#define XG_X_REASON_ENUM(name, label) XG_REASON_##name,
enum { XG_REASONS(XG_X_REASON_ENUM) XG_REASON_MAX };

/* Reasons that mean "malformed" rather than informational, for the CLI and tests. */
#define XG_REASON_IS_MALFORMED(r)                                                    \
  (((r) >= XG_REASON_ETH_SHORT && (r) <= XG_REASON_IPV6_EXTHDR_BUDGET &&            \
    (r) != XG_REASON_ETHERTYPE_OTHER) ||                                              \
   (r) == XG_REASON_L4_TRUNC)

/* Per-rule counter key: the matched CIDR, so counters need no id allocator. */
struct xg_rule_stats_key {
  __u8 family; /* XG_FAM_IPV4 / XG_FAM_IPV6 */
  __u8 prefixlen;
  __u8 pad[2];
  __be32 addr[4]; /* IPv4 in addr[0], rest zero; host bits zero */
};

/* The per-rule counters (xg_rule_stats): a set-associative cache of counters in one plain
 * array, a region of 2^k sets per possible CPU (region = CPU number; a CPU writes only its
 * own, so no atomics). A rule's set in a region is xg_rule_set_hash(key) & (sets - 1); a set
 * is two cache lines of XG_RULE_SET_WAYS counters. A way with no packets is free. A rule
 * that finds no way of its own takes the way with the fewest packets, whose packets go to
 * the set's `evicted` count (so the total stays checkable against the per-origin counters)
 * and whose rule starts again from zero when next counted: a recorded run costs one cold
 * line, against three or four for a hash map's bucket, element and per-CPU value.
 * Readers sum a rule's ways over the regions and add the CPUs' write-back slots. */
#define XG_RULE_SET_WAYS 3
struct xg_rule_way {
  struct xg_rule_stats_key key;
  __u32 pad;
  __u64 packets; /* 0: free */
  __u64 bytes;
};
struct xg_rule_set {
  struct xg_rule_way way[XG_RULE_SET_WAYS];
  __u64 evicted; /* packets of the counters this set gave up */
};
/* The set of a rule: its key's five words mixed (multiply-add, then a murmur-style
 * finaliser: every input bit reaches the low bits the mask keeps). Host byte order, the
 * same in the kernel and the controller of one machine. */
XG_SHARED_FN __u32 xg_rule_set_hash(const struct xg_rule_stats_key *key) {
  const __u32 *w = (const __u32 *)key;
  __u32 h = w[0] * 0x9e3779b1u + w[1] * 0x85ebca77u + w[2] * 0xc2b2ae3du + w[3] * 0x27d4eb2fu +
            w[4] * 0x165667b1u;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  return h;
}

/* Per-CPU write-back slot in front of xg_rule_stats (a per-CPU array of one): the rule this
 * CPU matched last and the hits it took since. Consecutive hits on the same rule (a flood)
 * cost an array lookup and a key compare instead of a hash lookup; the slot is added into
 * xg_rule_stats when this CPU matches another rule. Readers add every CPU's valid slot to
 * the hash's value for its key. */
struct xg_rule_cache {
  struct xg_rule_stats_key key;
  __u32 valid;
  struct xg_counter counter;
  /* Spread-flood sampling (see count_rule_hit in bpf/stats.h): rule changes seen in the
   * current coarse-clock tick, that tick, and this CPU's xorshift state for the draw. */
  __u64 tick_ns;
  __u32 changes;
  __u32 draw;
};
/* Per-rule counters are exact while a CPU changes rules at most XG_RULE_EXACT_CHANGES
 * times per coarse-clock tick (one jiffy, 1-10 ms). Beyond that (a flood spread over many
 * rules, where an exact count costs a cold counter access per packet), a run of n < R hits on
 * one rule is recorded with probability n/R, as R hits and bytes * R / n: unbiased, with a
 * relative error of about 1/sqrt(hits / R) per rule. R is 16, and 64 once the CPU has
 * changed rules more than XG_RULE_HEAVY_CHANGES times in the tick (250,000 changes per
 * second at HZ=250): each recorded run is a cold access to a counter set that also evicts
 * the list tables' lines, so its rate is what bounds the cost of a spread flood. Runs of R
 * or more and the per-origin counters stay exact (a counter evicted from its set aside). */
#define XG_RULE_EXACT_CHANGES 64
#define XG_RULE_SAMPLE_RUN 16
#define XG_RULE_HEAVY_CHANGES 1024
#define XG_RULE_HEAVY_SAMPLE_RUN 64

/* Verdict cache: a per-CPU, direct-mapped array of XG_VERDICT_SLOTS slots in front of the
 * allowlist and blocklist lookups. A flood from a few sources then costs an array lookup and
 * a compare per packet instead of two lookups. A slot is valid only while its
 * gen equals the list generation (xg_list_gen, a one-entry array holding a __u64): every
 * controller write to the allowlist or blocklist stores a fresh random generation after
 * the write, which invalidates every slot on every CPU at once. Only outcomes that depend
 * on the source address alone are cached: no match, an allowlist hit, or a drop or
 * pass-with-count rule without ports, new-only scope or expiry that matched at the first
 * lookup (rate-limit rules need their parameters: they always take the full lookup). Slots are
 * 32 bytes and the array small (128 KiB per CPU), since a slot that misses costs a cache
 * line and a TLB entry on top of the lookup. */
#define XG_VERDICT_SLOT_BITS 12
#define XG_VERDICT_SLOTS (1u << XG_VERDICT_SLOT_BITS)
#define XG_VERDICT_EMPTY 0    /* slot never filled */
#define XG_VERDICT_NONE 1     /* no allowlist or blocklist entry covers the source */
#define XG_VERDICT_ALLOW 2    /* an allowlist entry covers it */
#define XG_VERDICT_RULE 3     /* the blocklist rule described by action..origin covers it */
/* The slot of a source (addr as in xg_verdict_slot): Fibonacci hashing, whose top bits
 * mix every input bit. Tests use it to build sources that collide in one slot. */
XG_SHARED_FN __u32 xg_verdict_index(__u8 family, const __be32 *addr) {
  __u32 h = addr[0];
  if (family != XG_FAM_IPV4) h ^= addr[1] ^ addr[2] ^ addr[3];
  return (h * 2654435761u) >> (32 - XG_VERDICT_SLOT_BITS);
}
struct xg_verdict_slot {
  __u64 gen;
  __be32 addr[4]; /* the source: IPv4 in addr[0], rest zero */
  __u8 family;    /* XG_FAM_IPV4 / XG_FAM_IPV6 */
  __u8 kind;      /* XG_VERDICT_* */
  __u8 action;    /* XG_VERDICT_RULE: the rule's action, flags, prefixlen and origin */
  __u8 flags;
  __u8 prefixlen;
  __u8 pad;
  __u16 origin;
};

/* The cache's own switch, per CPU (xg_verdict_ctl, one entry): a cache that misses costs a
 * slot read and a fill on top of the lookups, and on a flood spread over more sources than
 * it has slots nearly every packet misses. So each CPU counts the hits of its last
 * XG_VERDICT_WINDOW consultations; a window with fewer than XG_VERDICT_MIN_HITS hits (25%)
 * turns the cache off for the next XG_VERDICT_BYPASS packets, which take the lookups
 * directly, then a new window decides again (the cache is consulted on about 1 packet in 16
 * while it keeps missing). The cache is transparent: this changes the cost, never a
 * verdict. */
#define XG_VERDICT_WINDOW 64
#define XG_VERDICT_MIN_HITS 16
#define XG_VERDICT_BYPASS 960
struct xg_verdict_ctl {
  __u32 lookups; /* consultations in the current window */
  __u32 hits;    /* of which answered by a slot */
  __u32 bypass;  /* packets still to skip the cache */
  __u32 pad;
};

/* Which prefix lengths are present, per region of the address space, so a lookup probes
 * only the lengths that can match, longest first (one exact hash probe per length; a list
 * of single addresses costs one probe). Bit L of a mask = some entry of length L covers
 * part of the region. IPv4 regions are the /16s (xg_lens_v4, indexed by the top 16 bits);
 * IPv6 regions are the /32s hashed into XG_LENS_V6_REGIONS slots (xg_lens_v6; the
 * summaries below use finer ones, XG_LSUM_V6_REGIONS). A prefix
 * shorter than its family's region marks every region it covers (all of them when it
 * covers more than XG_LENS_WIDE_LIMIT). Bits are set by the controller before the entry is
 * written and may outlive it: a stale bit costs a wasted probe, never a wrong verdict.
 * Both arrays are BPF_F_MMAPABLE: the controller sets bits with atomic ORs in place. */
#define XG_LENS_V4_REGION_BITS 16
#define XG_LENS_V4_REGIONS (1u << XG_LENS_V4_REGION_BITS)
#define XG_LENS_V6_REGION_BITS 16
#define XG_LENS_V6_REGIONS (1u << XG_LENS_V6_REGION_BITS)
/* IPv6 summaries are finer than the full masks: the /32s hash into 2^20 summary regions,
 * 16 of which share one full mask (summary region >> 4 = mask region: both are top bits of
 * the same product). A list of N IPv6 prefixes leaves most summary regions empty up to N
 * near a million, so a miss usually probes nothing and a hit only the lengths of its own
 * summary region (lpm_bench's 250k random prefixes: 2.5 probes per cold miss at 2^16
 * summary regions, 0.25 at 2^20; 1.9 per hit, 1.1). */
#define XG_LSUM_V6_REGION_BITS 20
#define XG_LSUM_V6_REGIONS (1u << XG_LSUM_V6_REGION_BITS)
#define XG_LENS_WIDE_LIMIT (1u << 16)
#define XG_LENS_V6_WORDS 3 /* lengths 0..128 */
struct xg_lens_v4 {
  __u64 block;
  __u64 allow;
};
struct xg_lens_v6 {
  __u64 block[XG_LENS_V6_WORDS];
  __u64 allow[XG_LENS_V6_WORDS];
};

/* Length summaries (xg_lsum_v4 / xg_lsum_v6): one byte per summary region and list, 4
 * regions per 8-byte array element (block in the low byte of each region's 16 bits, allow
 * in the high byte); 128 KiB for IPv4 (its /16s), 2 MiB for IPv6 (XG_LSUM_V6_REGIONS).
 * Bits 0-3 say the common lengths are present (IPv4 /32 /24 /16 /8, IPv6 /128 /64 /48
 * /32), exactly for the summary region; bit 7 says some other length is, and then the
 * full mask of the region's mask region is read, of which only the other lengths are
 * used (the common ones come from the summary). The controller sets full-mask bits, then
 * summary bits, then writes the entry. */
#define XG_LSUM_OTHER 0x80
#define XG_LSUM_V4_ENTRIES (XG_LENS_V4_REGIONS / 4)
#define XG_LSUM_V6_ENTRIES (XG_LSUM_V6_REGIONS / 4)
/* The summary bit of a length, or XG_LSUM_OTHER. */
XG_SHARED_FN __u8 xg_lsum_bit(__u32 len, int ipv4) {
  if (ipv4) return len == 32 ? 1 : len == 24 ? 2 : len == 16 ? 4 : len == 8 ? 8 : XG_LSUM_OTHER;
  return len == 128 ? 1 : len == 64 ? 2 : len == 48 ? 4 : len == 32 ? 8 : XG_LSUM_OTHER;
}
/* The full-mask words of the IPv6 common lengths a summary byte b sets: /128 in word 2,
 * /64 in word 1, /48 and /32 in word 0 (b = 0x0f gives every common length's bits). */
XG_SHARED_FN void xg_lsum_v6_words(__u64 b, __u64 *words) {
  words[2] = b & 1;
  words[1] = (b >> 1) & 1;
  words[0] = ((b >> 2) & 1) << 48 | ((b >> 3) & 1) << 32;
}
/* Shift of a region's list byte within its summary element. */
XG_SHARED_FN __u32 xg_lsum_shift(__u32 region, int allow) { return (region & 3) * 16 + (allow ? 8 : 0); }

XG_SHARED_FN __u32 xg_host32(__be32 x) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return __builtin_bswap32(x);
#else
  return x;
#endif
}

/* Region of an IPv4 address (network order): its /16. */
XG_SHARED_FN __u32 xg_lens_region_v4(__be32 addr) { return xg_host32(addr) >> 16; }

/* Summary region of an IPv6 address given its first word (network order): its /32,
 * hashed. */
XG_SHARED_FN __u32 xg_lsum_region_v6(__be32 addr0) {
  return (xg_host32(addr0) * 2654435761u) >> (32 - XG_LSUM_V6_REGION_BITS);
}

/* Full-mask region of an IPv6 summary region. */
XG_SHARED_FN __u32 xg_lens_region_v6(__u32 lsum_region) {
  return lsum_region >> (XG_LSUM_V6_REGION_BITS - XG_LENS_V6_REGION_BITS);
}

/* The lists' tables (ABI 8): bucketised two-choice hash tables in BPF arrays, so that a
 * probe reads one cache line where a kernel hash reads a bucket head and an element
 * (docs/design-bucket-table.md has the measurements). xg_block_v4/v6 and xg_allow_v4/v6
 * are arrays of buckets; a key (prefix length, masked address) lives in one of its two
 * buckets (xg_bkt_first/second). IPv4 slots are one 8-byte word: the address as stored
 * (network order) in bits 0-31, the length + 1 in bits 32-39 (0 = empty; bit 39 of slot
 * 0 is the bucket's "spilled" mark), a 24-bit reference in bits 40-63. IPv6 slots are the
 * address and a tag word (length + 1 in bits 0-7, reference in bits 8-31, a generation in
 * bits 32-63 that changes whenever the slot is cleared); a bucket is 5 slots and a spilled
 * word, two cache lines. "Spilled" means some key whose first bucket
 * is this one lives in its second: a probe reads the second bucket only then. The
 * reference is, in a blocklist, an index into xg_rules_v4/v6 (rules shared by entries
 * with identical values), in an allowlist the entry's origin.
 *
 * Writers (the controller, through mmap) keep every lookup seeing the old or the new
 * entry: an IPv4 slot changes with one store; an IPv6 slot is cleared (its tag, with a
 * new generation), then its address written, then its tag, and a reader accepts an IPv6
 * match only if length and generation read the same after the address (a seqlock per
 * slot; a new reference for the same key is one store of the tag); a
 * key only moves from its first bucket to its second (the spilled mark set before the
 * copy, the old slot cleared after it); a rule is never rewritten in place, and a freed
 * rule is reused only after an RCU grace period (membarrier), so no running program can
 * still be reading it.
 * Bucket counts are powers of two, set at load into xg_bkt_masks (.rodata). */
#define XG_BKT_V4_SLOTS 8
#define XG_BKT_V6_SLOTS 5
#define XG_BKT_SPILLED_V4 (0x80ull << 32)
#define XG_BKT_REF_MASK 0xffffffu
#define XG_BKT_MAX_LOAD_DIV 2 /* entries at most 1/2 of the slots */
struct xg_bucket_v4 {
  __u64 slot[XG_BKT_V4_SLOTS];
};
struct xg_slot_v6 {
  __be32 addr[4];
  __u64 tag;
};
struct xg_bucket_v6 {
  struct xg_slot_v6 slot[XG_BKT_V6_SLOTS];
  __u64 spilled;
};
/* Which list a .rodata bucket mask belongs to. */
enum { XG_BKT_BLOCK_V4, XG_BKT_BLOCK_V6, XG_BKT_ALLOW_V4, XG_BKT_ALLOW_V6, XG_BKT_TABLES };

/* 64-bit mix (splitmix64's finaliser): both bucket indexes come from one hash. */
XG_SHARED_FN __u64 xg_bkt_mix(__u64 x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}
XG_SHARED_FN __u64 xg_bkt_hash_v4(__be32 addr, __u32 len) {
  return xg_bkt_mix(((__u64)len << 32) | (__u32)addr);
}
XG_SHARED_FN __u64 xg_bkt_hash_v6(const __be32 *addr, __u32 len) {
  __u64 h = xg_bkt_mix(((__u64)addr[0] << 32 | addr[1]) ^ ((__u64)len << 56));
  return xg_bkt_mix(h ^ ((__u64)addr[2] << 32 | addr[3]));
}
XG_SHARED_FN __u32 xg_bkt_first(__u64 h, __u32 mask) { return (__u32)(h >> 32) & mask; }
/* Never the first bucket (tables have at least two buckets). */
XG_SHARED_FN __u32 xg_bkt_second(__u64 h, __u32 mask) {
  __u32 first = xg_bkt_first(h, mask);
  __u32 second = (__u32)h & mask;
  return second == first ? first ^ 1 : second;
}
/* The IPv4 slot word of a key, as compared (no spilled mark, no reference). */
XG_SHARED_FN __u64 xg_bkt_key_v4(__be32 addr, __u32 len) { return ((__u64)(len + 1) << 32) | (__u32)addr; }
#define XG_BKT_KEY_MASK_V4 0x7fffffffffull

/* Operator comment for a manual entry, keyed like the rule counters. Never read by the
 * datapath; kept in a pinned map so it lives and dies with the entry it describes. */
struct xg_comment {
  __u8 text[XG_COMMENT_MAX];
};

/* Per-interface configuration: an array indexed by ifindex, so the datapath reads it with
 * an inlined array lookup on every packet (a hash lookup cost more than everything flow
 * tracking adds). All-zero means the defaults: no monitor, flow tracking "matched", dropped
 * packets sampled 1 in 2^XG_DEFAULT_DROP_SAMPLE_SHIFT, and in "all" mode packets that matched no
 * rule sampled 1 in 2^XG_DEFAULT_PASS_SAMPLE_SHIFT. Interfaces with an ifindex of
 * XG_MAX_IFINDEX or more always use the defaults (the controller refuses other settings). */
#define XG_IF_MONITOR (1u << 0) /* whole interface in monitor mode: nothing is dropped */
#define XG_FLOWS_MATCHED 0      /* record flows that hit a rule (default) */
#define XG_FLOWS_OFF 1          /* record nothing */
#define XG_FLOWS_ALL 2          /* record every IP flow */
#define XG_DEFAULT_DROP_SAMPLE_SHIFT 4 /* dropped packets recorded 1 in 2^4, scaled by 16 */
#define XG_DEFAULT_PASS_SAMPLE_SHIFT 3 /* "all" mode: unmatched passed packets 1 in 8 */
#define XG_MAX_DROP_SAMPLE_SHIFT 10 /* also the maximum pass sample shift */
struct xg_if_config {
  __u32 flags;
  __u8 flow_mode;        /* XG_FLOWS_* */
  __u8 drop_sample_code; /* 0 = default shift, else shift + 1: record 1 in 2^shift drops */
  __u8 pass_sample_code; /* same encoding, for packets that matched no rule ("all" mode) */
  __u8 stats_slot;       /* block of xg_stats this interface counts into (0 = shared) */
};

/* Token-bucket state, keyed by rule (+ source address for per-source limits). GCRA: tat is
 * the "theoretical arrival time" in ns; a packet conforms while tat <= now + burst * T. */
struct xg_bucket_key {
  struct xg_rule_stats_key rule;
  __be32 src[4]; /* zero for per-rule buckets; IPv4 in src[0] */
};

struct xg_bucket {
  __u64 tat_ns;      /* packet bucket */
  __u64 byte_tat_ns; /* byte bucket (rl_bps), in 1/1024 ns */
};

/* Flow table key: one direction of a conversation as seen on one interface. Ports are
 * zero for protocols without ports and for non-first fragments (no L4 header). */
struct xg_flow_key {
  __u32 ifindex;
  __u8 family; /* XG_FAM_IPV4 / XG_FAM_IPV6 */
  __u8 proto;  /* IP protocol (upper layer after IPv6 extension headers; 0 if unresolved) */
  __be16 sport;
  __be16 dport;
  __u8 pad[2];
  __be32 saddr[4];
  __be32 daddr[4];
};

#define XG_FLOW_MATCHED (1u << 0) /* a rule matched (rule/origin are valid) */
struct xg_flow {
  __u64 packets; /* estimated: dropped traffic is sampled and scaled */
  __u64 bytes;
  __u64 dropped;     /* blocklist drops (estimated, scaled) */
  __u64 ratelimited; /* rate-limit drops (estimated, scaled) */
  __u64 first_ns;    /* bpf_ktime_get_coarse_ns(), CLOCK_MONOTONIC, ~jiffy resolution */
  __u64 last_ns;
  struct xg_rule_stats_key rule; /* the matched CIDR */
  __u16 origin;
  __u8 flags; /* XG_FLOW_* */
  __u8 pad;
};

/* Single-entry array describing the pinned state, so a different build can recognise it. */
struct xg_info {
  __u32 abi_version;
  __u32 reserved;
};

XG_STATIC_ASSERT(sizeof(struct xg_lpm_v4_key) == 8, "xg_lpm_v4_key layout");
XG_STATIC_ASSERT(sizeof(struct xg_lpm_v6_key) == 20, "xg_lpm_v6_key layout");
XG_STATIC_ASSERT(sizeof(struct xg_bucket_v4) == 64, "xg_bucket_v4: one cache line");
XG_STATIC_ASSERT(sizeof(struct xg_bucket_v6) == 128, "xg_bucket_v6: two cache lines");
XG_STATIC_ASSERT(XG_FAM_MAX == 3, "families: xg_stats layout (bump XG_ABI_VERSION)");
XG_STATIC_ASSERT(XG_CLASS_MAX == 6, "verdict classes: xg_stats layout (bump XG_ABI_VERSION)");
XG_STATIC_ASSERT(XG_REASON_MAX == 21, "reasons: xg_reasons size (bump XG_ABI_VERSION)");
XG_STATIC_ASSERT(XG_ORIGIN_FEED_FIRST > XG_ORIGIN_MANUAL && XG_ORIGIN_FEED_LAST < XG_ORIGIN_FAIL2BAN &&
                     XG_ORIGIN_FAIL2BAN < XG_ORIGIN_CONFIG,
                 "origin ids overlap");
XG_STATIC_ASSERT(sizeof(struct xg_rule) == 56, "xg_rule layout");
XG_STATIC_ASSERT(XG_OFFSETOF(struct xg_rule, expires_ns) == 8, "xg_rule.expires_ns");
XG_STATIC_ASSERT(XG_OFFSETOF(struct xg_rule, rl_pps) == 24, "xg_rule.rl_pps");
XG_STATIC_ASSERT(XG_OFFSETOF(struct xg_rule, ports) == 40, "xg_rule.ports");
XG_STATIC_ASSERT(sizeof(struct xg_allow) == 8, "xg_allow layout");
XG_STATIC_ASSERT(sizeof(struct xg_counter) == 16, "xg_counter layout");
XG_STATIC_ASSERT(sizeof(struct xg_rule_stats_key) == 20, "xg_rule_stats_key layout");
XG_STATIC_ASSERT(sizeof(struct xg_rule_cache) == 56, "xg_rule_cache layout");
XG_STATIC_ASSERT(sizeof(struct xg_rule_way) == 40, "xg_rule_way layout");
XG_STATIC_ASSERT(sizeof(struct xg_rule_set) == 128, "xg_rule_set: two cache lines");
XG_STATIC_ASSERT(XG_OFFSETOF(struct xg_rule_stats_key, addr) == 4, "xg_rule_stats_key.addr");
XG_STATIC_ASSERT(sizeof(struct xg_if_config) == 8, "xg_if_config layout");
XG_STATIC_ASSERT(sizeof(struct xg_info) == 8, "xg_info layout");
XG_STATIC_ASSERT(sizeof(struct xg_lens_v4) == 16, "xg_lens_v4 layout");
XG_STATIC_ASSERT(sizeof(struct xg_lens_v6) == 48, "xg_lens_v6 layout");
XG_STATIC_ASSERT(XG_LSUM_V6_REGION_BITS >= XG_LENS_V6_REGION_BITS, "IPv6 summary regions nest in mask regions");
XG_STATIC_ASSERT(sizeof(struct xg_comment) == XG_COMMENT_MAX, "xg_comment layout");
XG_STATIC_ASSERT(sizeof(struct xg_verdict_slot) == 32, "xg_verdict_slot layout");
XG_STATIC_ASSERT(XG_OFFSETOF(struct xg_verdict_slot, origin) == 30, "xg_verdict_slot.origin");
XG_STATIC_ASSERT(sizeof(struct xg_verdict_ctl) == 16, "xg_verdict_ctl layout");
XG_STATIC_ASSERT(sizeof(struct xg_bucket_key) == 36, "xg_bucket_key layout");
XG_STATIC_ASSERT(sizeof(struct xg_bucket) == 16, "xg_bucket layout");
XG_STATIC_ASSERT(sizeof(struct xg_flow_key) == 44, "xg_flow_key layout");
XG_STATIC_ASSERT(XG_OFFSETOF(struct xg_flow_key, saddr) == 12, "xg_flow_key.saddr");
XG_STATIC_ASSERT(sizeof(struct xg_flow) == 72, "xg_flow layout");
XG_STATIC_ASSERT(XG_OFFSETOF(struct xg_flow, rule) == 48, "xg_flow.rule");

#endif /* XDPGUARD_MAPS_H */
