// SPDX-License-Identifier: GPL-2.0
#include "feeds/prefix_set.h"

#include <algorithm>

#include "common/radix_sort.h"

namespace xdpguard::feeds {

using u128 = unsigned __int128;

u128 AddressValue(const net::Cidr& c) {
  u128 v = 0;
  int bytes = c.family == net::Family::kIPv4 ? 4 : 16;
  for (int i = 0; i < bytes; i++) v = (v << 8) | c.addr[i];
  return v;
}

net::Cidr FromAddressValue(net::Family family, u128 v, int prefixlen) {
  net::Cidr c;
  c.family = family;
  c.prefixlen = static_cast<uint8_t>(prefixlen);
  int bytes = family == net::Family::kIPv4 ? 4 : 16;
  for (int i = bytes - 1; i >= 0; i--) {
    c.addr[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  return c;
}

namespace {

u128 End(const net::Cidr& c, u128 start) {
  int host_bits = c.MaxPrefixLen() - c.prefixlen;
  if (host_bits == 128) return ~static_cast<u128>(0);
  return start | ((static_cast<u128>(1) << host_bits) - 1);
}

// IPv4 prefixes as 40-bit integers (V4Key: address << 8 | length) sort in the same order
// as Cidr's operator<; a comparison sort of 18-byte records took hundreds of ms for a
// million.
void SortV4(std::vector<net::Cidr>::iterator begin, std::vector<net::Cidr>::iterator end) {
  const size_t n = static_cast<size_t>(end - begin);
  std::vector<uint64_t> keys(n);
  for (size_t i = 0; i < n; i++) keys[i] = V4Key(begin[static_cast<long>(i)]);
  RadixSortKey40(&keys, [](uint64_t k) { return k; });
  for (size_t i = 0; i < n; i++) begin[static_cast<long>(i)] = FromV4Key(keys[i]);
}

}  // namespace

bool IsSortedUnique(const std::vector<net::Cidr>& cidrs) {
  size_t i = 0;
  uint64_t prev = 0;
  // IPv4 first, by integer key; then IPv6 by the generic order.
  for (; i < cidrs.size() && cidrs[i].family == net::Family::kIPv4; i++) {
    uint64_t k = V4Key(cidrs[i]);
    if (i > 0 && k <= prev) return false;
    prev = k;
  }
  for (size_t j = i + 1; j < cidrs.size(); j++) {
    if (!(cidrs[j - 1] < cidrs[j])) return false;
  }
  return true;
}

size_t SortUnique(std::vector<net::Cidr>* cidrs) {
  if (IsSortedUnique(*cidrs)) return 0;
  {
    // IPv4 first (Family::kIPv4 < kIPv6), each family sorted on its own.
    auto is_v4 = [](const net::Cidr& c) { return c.family == net::Family::kIPv4; };
    auto v6 = std::is_partitioned(cidrs->begin(), cidrs->end(), is_v4)
                  ? std::partition_point(cidrs->begin(), cidrs->end(), is_v4)
                  : std::stable_partition(cidrs->begin(), cidrs->end(), is_v4);
    if (v6 - cidrs->begin() > 64) {
      SortV4(cidrs->begin(), v6);
    } else {
      std::sort(cidrs->begin(), v6);
    }
    std::sort(v6, cidrs->end());
  }
  size_t before = cidrs->size();
  cidrs->erase(std::unique(cidrs->begin(), cidrs->end()), cidrs->end());
  return before - cidrs->size();
}

void Aggregate(std::vector<net::Cidr>* cidrs) {
  // Sorted by address then length, a covering prefix precedes everything inside it, and
  // the output so far stays sorted and disjoint: only its top can absorb the next entry.
  // Prefixes are handled as (start, length) integers: no per-entry byte loops.
  struct P {
    net::Family family;
    int bits, len;
    u128 start;
  };
  auto host_bits = [](const P& p) { return p.bits - p.len; };
  auto contains = [&](const P& a, const P& b) {
    if (a.family != b.family || b.len < a.len) return false;
    int hb = host_bits(a);
    return hb == 128 || ((a.start ^ b.start) >> hb) == 0;
  };
  auto siblings = [&](const P& a, const P& b) {
    if (a.family != b.family || a.len != b.len || a.len == 0) return false;
    u128 bit = static_cast<u128>(1) << host_bits(a);
    return (a.start & bit) == 0 && (a.start ^ b.start) == bit;
  };
  std::vector<P> out;
  out.reserve(cidrs->size());
  for (const net::Cidr& c : *cidrs) {
    P p{c.family, c.MaxPrefixLen(), c.prefixlen, AddressValue(c)};
    if (!out.empty() && contains(out.back(), p)) continue;
    out.push_back(p);
    while (out.size() >= 2 && siblings(out[out.size() - 2], out.back())) {
      out.pop_back();
      out.back().len--;
    }
  }
  cidrs->clear();
  for (const P& p : out) cidrs->push_back(FromAddressValue(p.family, p.start, p.len));
}

void RangeList::Add(const net::Cidr& cidr, bool inside_only) {
  u128 s = AddressValue(cidr);
  ranges_.push_back({cidr.family, s, End(cidr, s), inside_only, cidr});
  if (cidr.family == net::Family::kIPv4)
    v4_.push_back({static_cast<uint32_t>(s), static_cast<uint32_t>(End(cidr, s)), inside_only});
}

RangeList::V4Sweep::V4Sweep(const RangeList& ranges) {
  for (const RangeV4& r : ranges.v4_) (r.inside_only ? inside_ : any_).push_back({r.lo, r.hi});
  auto by_lo = [](const Interval& a, const Interval& b) { return a.lo < b.lo || (a.lo == b.lo && a.hi > b.hi); };
  std::sort(any_.begin(), any_.end(), by_lo);
  std::sort(inside_.begin(), inside_.end(), by_lo);
  // Overlapping any of them is overlapping their union: merge.
  std::vector<Interval> merged;
  for (const Interval& i : any_) {
    if (!merged.empty() && i.lo <= merged.back().hi) {
      merged.back().hi = std::max(merged.back().hi, i.hi);
    } else {
      merged.push_back(i);
    }
  }
  any_.swap(merged);
  // Lying inside one of them is lying inside an outermost one (prefixes nest or are
  // disjoint): drop the nested ones. Not merged: a prefix spanning two adjacent ranges
  // lies inside neither.
  std::vector<Interval> outer;
  for (const Interval& i : inside_) {
    if (outer.empty() || i.lo > outer.back().hi) outer.push_back(i);
  }
  inside_.swap(outer);
}

bool RangeList::V4Sweep::Overlaps(uint32_t start, uint32_t end) {
  // Starts only grow: an interval that ends before this start ends before every later one.
  while (any_at_ < any_.size() && any_[any_at_].hi < start) any_at_++;
  if (any_at_ < any_.size() && any_[any_at_].lo <= end) return true;
  while (inside_at_ < inside_.size() && inside_[inside_at_].hi < start) inside_at_++;
  return inside_at_ < inside_.size() && inside_[inside_at_].lo <= start && end <= inside_[inside_at_].hi;
}

const net::Cidr* RangeList::Find(const net::Cidr& cidr) const {
  u128 s = AddressValue(cidr), e = End(cidr, s);
  for (const Range& r : ranges_) {
    if (r.family != cidr.family) continue;
    bool hit = r.inside_only ? (r.lo <= s && e <= r.hi) : (s <= r.hi && r.lo <= e);
    if (hit) return &r.cidr;
  }
  return nullptr;
}

bool RangeList::Overlaps(const net::Cidr& cidr) const { return Find(cidr) != nullptr; }

net::Cidr RangeList::FirstOverlap(const net::Cidr& cidr) const {
  const net::Cidr* hit = Find(cidr);
  return hit ? *hit : cidr;
}

}  // namespace xdpguard::feeds
