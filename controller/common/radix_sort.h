// SPDX-License-Identifier: GPL-2.0
// LSD radix sort by a key of at most 40 bits: an IPv4 prefix as address << 8 | length
// (feeds::V4Key), which orders like net::Cidr. A comparison sort of a million prefixes
// took 100-200 ms; this is four passes over the items with 2,048 counters (in L1).
#ifndef XDPGUARD_COMMON_RADIX_SORT_H_
#define XDPGUARD_COMMON_RADIX_SORT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xdpguard {

// Sorts items by key_of(item) (uint64_t below 2^40), stably. The length byte goes first
// and any digit on which every key agrees (a feed of single addresses: every length is
// 32) is skipped.
template <typename T, typename KeyOf>
void RadixSortKey40(std::vector<T>* items, KeyOf key_of) {
  const size_t n = items->size();
  if (n < 2) return;
  std::vector<T> tmp(n);
  std::vector<uint32_t> count;
  auto pass = [&](int shift, int bits) {
    const uint64_t mask = (uint64_t{1} << bits) - 1;
    count.assign(size_t{1} << bits, 0);
    for (const T& item : *items) count[(key_of(item) >> shift) & mask]++;
    if (count[(key_of((*items)[0]) >> shift) & mask] == n) return;  // nothing to order
    uint32_t sum = 0;
    for (uint32_t& c : count) {
      const uint32_t v = c;
      c = sum;
      sum += v;
    }
    for (const T& item : *items) tmp[count[(key_of(item) >> shift) & mask]++] = item;
    items->swap(tmp);
  };
  pass(0, 8);
  pass(8, 11);
  pass(19, 11);
  pass(30, 10);
}

}  // namespace xdpguard

#endif  // XDPGUARD_COMMON_RADIX_SORT_H_
