// SPDX-License-Identifier: GPL-2.0
// Set algebra on prefix lists, in sorted-vector form so a million entries cost one sort
// and linear passes (no per-entry allocation): deduplicate, drop covered prefixes, merge
// sibling pairs into their parent, and test overlap with a small list of ranges.
#ifndef XDPGUARD_FEEDS_PREFIX_SET_H_
#define XDPGUARD_FEEDS_PREFIX_SET_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/cidr.h"

namespace xdpguard::feeds {

// A prefix's address as an integer (IPv4 in the low 32 bits), and back: set algebra and
// range covers work on these instead of byte arrays.
unsigned __int128 AddressValue(const net::Cidr& cidr);
net::Cidr FromAddressValue(net::Family family, unsigned __int128 value, int prefixlen);

// Sorts (family, address, length) and removes exact duplicates; returns how many went.
size_t SortUnique(std::vector<net::Cidr>* cidrs);
// True if cidrs is in SortUnique's order with no duplicates (one pass, no copy).
bool IsSortedUnique(const std::vector<net::Cidr>& cidrs);

// An IPv4 prefix as one integer, address << 8 | length: orders like net::Cidr (within
// IPv4), and set algebra on it runs in registers. The feeds' policy uses it for the
// millions-of-entries case.
inline uint64_t V4Key(const net::Cidr& c) { return net::V4SortKey(c); }
inline net::Cidr FromV4Key(uint64_t key) { return net::FromV4SortKey(key); }

// On a SortUnique'd list: removes prefixes inside another one, then merges sibling pairs
// (a.b.c.0/25 + a.b.c.128/25 -> a.b.c.0/24) repeatedly. Same address space, fewer entries.
void Aggregate(std::vector<net::Cidr>* cidrs);

// Ranges that overlap-test in a few integer comparisons.
class RangeList {
 public:
  // inside_only: the range conflicts only with prefixes inside it, not with ones that
  // cover it (the allowlist: the datapath checks it first, so a covering block is fine).
  void Add(const net::Cidr& cidr, bool inside_only = false);
  // True if cidr conflicts with a listed range: they share an address (either may
  // contain the other), or for an inside_only range, cidr lies inside it.
  bool Overlaps(const net::Cidr& cidr) const;
  // The same test for IPv4 prefixes [start, end] given in ascending order of start (a
  // sorted list): O(1) per prefix whatever the number of ranges (an allowlist may hold
  // thousands). One sweep per list.
  class V4Sweep {
   public:
    explicit V4Sweep(const RangeList& ranges);
    bool Overlaps(uint32_t start, uint32_t end);

   private:
    struct Interval {
      uint32_t lo, hi;
    };
    std::vector<Interval> any_;     // overlap conflicts: merged, disjoint, sorted
    std::vector<Interval> inside_;  // inside-only: the outermost ones (disjoint), sorted
    size_t any_at_ = 0, inside_at_ = 0;
  };
  // The first listed prefix overlapping cidr (for messages); only valid if Overlaps.
  net::Cidr FirstOverlap(const net::Cidr& cidr) const;
  bool empty() const { return ranges_.empty(); }

 private:
  const net::Cidr* Find(const net::Cidr& cidr) const;
  struct Range {
    net::Family family;
    unsigned __int128 lo, hi;
    bool inside_only;
    net::Cidr cidr;
  };
  std::vector<Range> ranges_;
  struct RangeV4 {
    uint32_t lo, hi;
    bool inside_only;
  };
  std::vector<RangeV4> v4_;  // the IPv4 ranges again, for V4Sweep
};

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_PREFIX_SET_H_
