// SPDX-License-Identifier: GPL-2.0
#include "feeds/prefix_set.h"

#include <algorithm>

namespace xdpguard::feeds {
namespace {

using u128 = unsigned __int128;

u128 Start(const net::Cidr& c) {
  u128 v = 0;
  int bytes = c.family == net::Family::kIPv4 ? 4 : 16;
  for (int i = 0; i < bytes; i++) v = (v << 8) | c.addr[i];
  return v;
}

u128 End(const net::Cidr& c, u128 start) {
  int host_bits = c.MaxPrefixLen() - c.prefixlen;
  if (host_bits == 128) return ~static_cast<u128>(0);
  return start | ((static_cast<u128>(1) << host_bits) - 1);
}

// a and b are the two halves of one parent prefix, a the lower.
bool Siblings(const net::Cidr& a, const net::Cidr& b) {
  if (a.family != b.family || a.prefixlen != b.prefixlen || a.prefixlen == 0) return false;
  int bit = a.prefixlen - 1;  // the last bit inside the prefix
  int byte = bit / 8;
  uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
  if ((a.addr[byte] & mask) != 0 || (b.addr[byte] & mask) == 0) return false;
  for (int i = 0; i < 16; i++) {
    if (i == byte) {
      if ((a.addr[i] | mask) != b.addr[i]) return false;
    } else if (a.addr[i] != b.addr[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

size_t SortUnique(std::vector<net::Cidr>* cidrs) {
  if (!std::is_sorted(cidrs->begin(), cidrs->end())) std::sort(cidrs->begin(), cidrs->end());
  size_t before = cidrs->size();
  cidrs->erase(std::unique(cidrs->begin(), cidrs->end()), cidrs->end());
  return before - cidrs->size();
}

void Aggregate(std::vector<net::Cidr>* cidrs) {
  // Sorted by address then length, a covering prefix precedes everything inside it, and
  // the output so far stays sorted and disjoint: only its top can absorb the next entry.
  std::vector<net::Cidr> out;
  out.reserve(cidrs->size());
  for (const net::Cidr& c : *cidrs) {
    if (!out.empty() && out.back().Contains(c)) continue;
    out.push_back(c);
    while (out.size() >= 2 && Siblings(out[out.size() - 2], out.back())) {
      net::Cidr parent = out[out.size() - 2];
      parent.prefixlen--;
      out.pop_back();
      out.back() = parent;
    }
  }
  *cidrs = std::move(out);
}

void RangeList::Add(const net::Cidr& cidr, bool inside_only) {
  u128 s = Start(cidr);
  ranges_.push_back({cidr.family, s, End(cidr, s), inside_only, cidr});
}

const net::Cidr* RangeList::Find(const net::Cidr& cidr) const {
  u128 s = Start(cidr), e = End(cidr, s);
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
