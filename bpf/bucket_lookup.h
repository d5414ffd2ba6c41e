/* SPDX-License-Identifier: GPL-2.0 */
/* Lookups in the lists' bucketised tables (layout and write protocol: xdpguard_maps.h),
 * written once for the datapath and the host (the controller's tables and the
 * differential tests probe with this very code).
 *
 * The includer defines:
 *   XG_BUCKET_V4(table, idx)  the struct xg_bucket_v4 * of bucket idx of table (an
 *                             XG_BKT_* constant), or 0; likewise XG_BUCKET_V6
 *   XG_BKT_MASK(table)        the table's bucket count - 1
 * Slot words are read once each (volatile): a writer changes them while programs run. An
 * IPv6 slot's tag is read before and after its address: a match counts only if its length
 * and generation did not change in between (the reference may: the key stays the same). */
#ifndef XDPGUARD_BUCKET_LOOKUP_H
#define XDPGUARD_BUCKET_LOOKUP_H

#include "xdpguard_maps.h"

#ifdef __clang__
#define XG_BKT_UNROLL _Pragma("unroll")
#else
#define XG_BKT_UNROLL
#endif

#define XG_BKT_LOAD(x) (*(volatile const __typeof__(x) *)&(x))
#define XG_BKT_ABSENT (-1)
#define XG_BKT_TRY_SECOND (-2)

/* The reference of the slot holding `want` (xg_bkt_key_v4), XG_BKT_TRY_SECOND when absent
 * from a spilled bucket, else XG_BKT_ABSENT. */
XG_SHARED_FN __s64 xg_bkt_scan_v4(const struct xg_bucket_v4 *b, __u64 want) {
  __u64 first = XG_BKT_LOAD(b->slot[0]);
  if ((first & XG_BKT_KEY_MASK_V4) == want) return (__s64)(first >> 40);
  XG_BKT_UNROLL
  for (int i = 1; i < XG_BKT_V4_SLOTS; i++) {
    __u64 w = XG_BKT_LOAD(b->slot[i]);
    if ((w & XG_BKT_KEY_MASK_V4) == want) return (__s64)(w >> 40);
  }
  return (first & XG_BKT_SPILLED_V4) ? XG_BKT_TRY_SECOND : XG_BKT_ABSENT;
}

XG_SHARED_FN __s64 xg_bkt_scan_v6(const struct xg_bucket_v6 *b, const __be32 *addr, __u32 len) {
  XG_BKT_UNROLL
  for (int i = 0; i < XG_BKT_V6_SLOTS; i++) {
    __u64 tag = XG_BKT_LOAD(b->slot[i].tag);
    if ((tag & 0xff) != len + 1) continue;
    if (XG_BKT_LOAD(b->slot[i].addr[0]) == addr[0] && XG_BKT_LOAD(b->slot[i].addr[1]) == addr[1] &&
        XG_BKT_LOAD(b->slot[i].addr[2]) == addr[2] && XG_BKT_LOAD(b->slot[i].addr[3]) == addr[3] &&
        /* not re-keyed while the address was read (a new reference alone is fine) */
        ((XG_BKT_LOAD(b->slot[i].tag) ^ tag) & ~((__u64)XG_BKT_REF_MASK << 8)) == 0)
      return (__s64)((tag >> 8) & XG_BKT_REF_MASK);
  }
  return XG_BKT_LOAD(b->spilled) ? XG_BKT_TRY_SECOND : XG_BKT_ABSENT;
}

/* The reference stored for (addr masked to len, len) in an IPv4 table, or XG_BKT_ABSENT. */
XG_SHARED_FN __s64 xg_bkt_find_v4(__u32 table, __be32 addr, __u32 len) {
  __u64 h = xg_bkt_hash_v4(addr, len);
  __u32 mask = XG_BKT_MASK(table);
  __u64 want = xg_bkt_key_v4(addr, len);
  const struct xg_bucket_v4 *b = XG_BUCKET_V4(table, xg_bkt_first(h, mask));
  if (!b) return XG_BKT_ABSENT;
  __s64 ref = xg_bkt_scan_v4(b, want);
  if (ref != XG_BKT_TRY_SECOND) return ref;
  b = XG_BUCKET_V4(table, xg_bkt_second(h, mask));
  if (!b) return XG_BKT_ABSENT;
  ref = xg_bkt_scan_v4(b, want);
  return ref == XG_BKT_TRY_SECOND ? XG_BKT_ABSENT : ref;
}

XG_SHARED_FN __s64 xg_bkt_find_v6(__u32 table, const __be32 *addr, __u32 len) {
  __u64 h = xg_bkt_hash_v6(addr, len);
  __u32 mask = XG_BKT_MASK(table);
  const struct xg_bucket_v6 *b = XG_BUCKET_V6(table, xg_bkt_first(h, mask));
  if (!b) return XG_BKT_ABSENT;
  __s64 ref = xg_bkt_scan_v6(b, addr, len);
  if (ref != XG_BKT_TRY_SECOND) return ref;
  b = XG_BUCKET_V6(table, xg_bkt_second(h, mask));
  if (!b) return XG_BKT_ABSENT;
  ref = xg_bkt_scan_v6(b, addr, len);
  return ref == XG_BKT_TRY_SECOND ? XG_BKT_ABSENT : ref;
}

#endif /* XDPGUARD_BUCKET_LOOKUP_H */
