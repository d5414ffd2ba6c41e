/* SPDX-License-Identifier: GPL-2.0 */
/* BPF-only map definitions. Types, names and default sizes come from the contract in
 * maps/xdpguard_maps.h; the controller resizes the lists before load and pins every map
 * under XG_PIN_DIR so enforcement state outlives the controller. */
#ifndef XDPGUARD_MAPS_BPF_H
#define XDPGUARD_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xdpguard_guard.h"
#include "xdpguard_maps.h"

/* The allowlist and blocklist: one bucketised table per list and family (the layout and
 * write protocol are in xdpguard_maps.h), keyed by (prefix length, masked address), probed
 * per length present (prefix_match.h). Sizes are bucket counts, powers of two, set by the
 * controller from the entry capacity asked for; the masks go to .rodata at load. */
#define XG_BKT_DEFAULT_V4(entries) ((entries) * XG_BKT_MAX_LOAD_DIV / XG_BKT_V4_SLOTS)
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, XG_BKT_DEFAULT_V4(XG_DEFAULT_BLOCK_V4_ENTRIES));
  __type(key, __u32);
  __type(value, struct xg_bucket_v4);
} xg_block_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 65536); /* >= XG_DEFAULT_BLOCK_V6_ENTRIES * 2 / 5, a power of two */
  __type(key, __u32);
  __type(value, struct xg_bucket_v6);
} xg_block_v6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, XG_BKT_DEFAULT_V4(XG_DEFAULT_ALLOW_ENTRIES));
  __type(key, __u32);
  __type(value, struct xg_bucket_v4);
} xg_allow_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, 8192); /* >= XG_DEFAULT_ALLOW_ENTRIES / 4 * 2 / 5, a power of two */
  __type(key, __u32);
  __type(value, struct xg_bucket_v6);
} xg_allow_v6 SEC(".maps");

/* The blocklists' rules, indexed by the slots' references (shared by entries whose rules
 * are identical: a feed's entries, one `block load`). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, XG_DEFAULT_BLOCK_V4_ENTRIES / 16);
  __type(key, __u32);
  __type(value, struct xg_rule);
} xg_rules_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, XG_DEFAULT_BLOCK_V6_ENTRIES / 16);
  __type(key, __u32);
  __type(value, struct xg_rule);
} xg_rules_v6 SEC(".maps");

/* Bucket count - 1 of each table (XG_BKT_*), set by the controller before load. */
const volatile __u32 xg_bkt_masks[XG_BKT_TABLES] = {1, 1, 1, 1};

/* Length summaries per region (see XG_LSUM_* in xdpguard_maps.h), read first. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, XG_LSUM_V4_ENTRIES);
  __type(key, __u32);
  __type(value, __u64);
} xg_lsum_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, XG_LSUM_V6_ENTRIES);
  __type(key, __u32);
  __type(value, __u64);
} xg_lsum_v6 SEC(".maps");

/* Prefix lengths present per region (struct xg_lens_v4/v6), written in place by the
 * controller through mmap. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, XG_LENS_V4_REGIONS);
  __type(key, __u32);
  __type(value, struct xg_lens_v4);
} xg_lens_v4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(map_flags, BPF_F_MMAPABLE);
  __uint(max_entries, XG_LENS_V6_REGIONS);
  __type(key, __u32);
  __type(value, struct xg_lens_v6);
} xg_lens_v6 SEC(".maps");

/* List generation: a fresh random value stored by the controller after every allowlist or
 * blocklist write; verdict cache slots from another generation are ignored. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} xg_list_gen SEC(".maps");

/* Per-CPU verdict cache in front of the lookups (see struct xg_verdict_slot). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, XG_VERDICT_SLOTS);
  __type(key, __u32);
  __type(value, struct xg_verdict_slot);
} xg_verdicts SEC(".maps");

/* Per-CPU switch of the verdict cache (see struct xg_verdict_ctl). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct xg_verdict_ctl);
} xg_verdict_ctl SEC(".maps");

/* Verdict x family counters per interface stats slot (see xdpguard_maps.h). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, XG_STATS_MAP_ENTRIES);
  __type(key, __u32);
  __type(value, struct xg_counter);
} xg_stats SEC(".maps");

/* Packet counts per XG_REASON_*. */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, XG_REASON_MAX);
  __type(key, __u32);
  __type(value, __u64);
} xg_reasons SEC(".maps");

/* Per-rule hit counters: per-CPU regions of counter sets (struct xg_rule_set), fixed in
 * size, so a million-entry list with hits spread over many rules cannot exhaust them; an
 * evicted counter restarts from zero (docs/datapath.md). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, XG_DEFAULT_RULE_STATS_ENTRIES / XG_RULE_SET_WAYS); /* set at load */
  __type(key, __u32);
  __type(value, struct xg_rule_set);
} xg_rule_stats SEC(".maps");

/* Sets per CPU region of xg_rule_stats - 1 (a power of two - 1), set by the controller. */
const volatile __u32 xg_rule_set_mask = 0;

/* Write-back slot in front of xg_rule_stats (see struct xg_rule_cache). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct xg_rule_cache);
} xg_rule_cache SEC(".maps");

/* Per-origin hit counters (origin 0 = manual). */
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, XG_MAX_ORIGINS);
  __type(key, __u32);
  __type(value, struct xg_counter);
} xg_origin_stats SEC(".maps");

/* Token buckets for rate-limit rules. LRU: a flood of spoofed sources evicts the least
 * recently seen buckets instead of growing; an evicted source starts again with a full
 * burst. Shared across CPUs (updated with atomic adds) so a limit holds across CPUs. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, XG_DEFAULT_BUCKET_ENTRIES);
  __type(key, struct xg_bucket_key);
  __type(value, struct xg_bucket);
} xg_buckets SEC(".maps");

/* Flow records (see flows.h for what is recorded and how dropped traffic is sampled). */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, XG_DEFAULT_FLOW_ENTRIES);
  __type(key, struct xg_flow_key);
  __type(value, struct xg_flow);
} xg_flows SEC(".maps");

/* Per-interface settings, indexed by ifindex (all-zero = defaults). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, XG_MAX_IFINDEX);
  __type(key, __u32);
  __type(value, struct xg_if_config);
} xg_ifconfig SEC(".maps");

/* Owner (ifindex) of each stats slot; written by the controller, never read here. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, XG_MAX_IF_SLOTS);
  __type(key, __u32);
  __type(value, __u32);
} xg_if_slots SEC(".maps");

/* Describes the pinned state (ABI version); never read by the datapath. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct xg_info);
} xg_info SEC(".maps");

/* Operator comments for manual entries; never read by the datapath. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, XG_DEFAULT_COMMENT_ENTRIES);
  __type(key, struct xg_rule_stats_key);
  __type(value, struct xg_comment);
} xg_comments SEC(".maps");

/* Gateway guard: guarded gateways, the per-interface router MAC union, the event ring
 * buffer, per-(gateway, MAC) dedup state and counters (see guard.h). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(max_entries, XG_MAX_GUARDS);
  __type(key, struct xg_guard_key);
  __type(value, struct xg_guard);
} xg_guards SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, XG_MAX_GUARDS);
  __type(key, __u32);
  __type(value, struct xg_guard_if);
} xg_guard_if SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, XG_GUARD_EVENTS_BYTES);
} xg_guard_events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, XG_GUARD_DEDUP_ENTRIES);
  __type(key, struct xg_guard_dedup_key);
  __type(value, struct xg_guard_dedup);
} xg_guard_dedup SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, XG_GSTAT_MAX);
  __type(key, __u32);
  __type(value, __u64);
} xg_guard_stats SEC(".maps");

#endif /* XDPGUARD_MAPS_BPF_H */
