// SPDX-License-Identifier: GPL-2.0
// Sizing of the per-rule counter sets (datapath/rule_counter_sets.h) and the spread of
// xg_rule_set_hash over the key shapes lists are made of: consecutive /32s, /24s, IPv6 /64s
// and /128s. A set holds XG_RULE_SET_WAYS counters, so a hash that clusters keys would give
// up counters long before the map is full.
#include <arpa/inet.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <vector>

#include "datapath/keys.h"
#include "datapath/rule_counter_sets.h"

using namespace xdpguard;

namespace {

// Share of n keys that find no way in their set when each set keeps XG_RULE_SET_WAYS.
double OverflowShare(const std::vector<xg_rule_stats_key>& keys, uint32_t sets) {
  std::vector<uint32_t> load(sets);
  for (const xg_rule_stats_key& k : keys) load[xg_rule_set_hash(&k) & (sets - 1)]++;
  uint64_t over = 0;
  for (uint32_t l : load) over += l > XG_RULE_SET_WAYS ? l - XG_RULE_SET_WAYS : 0;
  return static_cast<double>(over) / static_cast<double>(keys.size());
}

// The same share for a uniformly random hash (keys per set ~ Poisson).
double PoissonOverflowShare(double keys_per_set) {
  double p = std::exp(-keys_per_set), over = 0;
  for (int k = 1; k < 64; k++) {
    p *= keys_per_set / k;
    if (k > XG_RULE_SET_WAYS) over += p * (k - XG_RULE_SET_WAYS);
  }
  return over / keys_per_set;
}

xg_rule_stats_key V4(uint32_t host_order_addr, uint8_t len) {
  xg_rule_stats_key k{};
  k.family = XG_FAM_IPV4;
  k.prefixlen = len;
  k.addr[0] = htonl(host_order_addr);
  return k;
}

xg_rule_stats_key V6(uint64_t high, uint64_t low, uint8_t len) {
  xg_rule_stats_key k{};
  k.family = XG_FAM_IPV6;
  k.prefixlen = len;
  k.addr[0] = htonl(static_cast<uint32_t>(high >> 32));
  k.addr[1] = htonl(static_cast<uint32_t>(high));
  k.addr[2] = htonl(static_cast<uint32_t>(low >> 32));
  k.addr[3] = htonl(static_cast<uint32_t>(low));
  return k;
}

}  // namespace

TEST_CASE("rule counter sets: sized in powers of two per CPU", "[counters]") {
  CHECK(datapath::RuleSetsPerCpu(0) == 1);
  CHECK(datapath::RuleSetsPerCpu(3) == 1);
  CHECK(datapath::RuleSetsPerCpu(4) == 2);
  CHECK(datapath::RuleSetsPerCpu(XG_DEFAULT_RULE_STATS_ENTRIES) == 8192);
  CHECK(datapath::RuleSetsPerCpu(XG_DEFAULT_RULE_STATS_ENTRIES + 1) == 16384);
  CHECK(datapath::RuleStatsMapEntries(XG_DEFAULT_RULE_STATS_ENTRIES, 4) == 32768);
  CHECK(datapath::RuleCountersPerCpu(32768, 4) == XG_DEFAULT_RULE_STATS_ENTRIES);
  absl::StatusOr<uint32_t> mask = datapath::RuleSetMask(32768, 4);
  REQUIRE(mask.ok());
  CHECK(*mask == 8191);
  // A map made for another CPU count: not a power of two per CPU, or not divisible.
  CHECK(!datapath::RuleSetMask(32768, 3).ok());
  CHECK(!datapath::RuleSetMask(24576, 4).ok());
  CHECK(!datapath::RuleSetMask(2, 4).ok());
  CHECK(datapath::RuleSetMask(8, 8).ok());  // one set per CPU
}

TEST_CASE("rule counter sets: the hash spreads list-shaped keys like a random one",
          "[counters]") {
  constexpr uint32_t kSets = 8192;
  constexpr size_t kKeys = 2 * kSets;  // two rules per set on average
  const double random = PoissonOverflowShare(2.0);  // about 11%
  std::vector<std::vector<xg_rule_stats_key>> shapes(5);
  for (uint32_t i = 0; i < kKeys; i++) {
    shapes[0].push_back(V4(0xC6120000u + i, 32));             // consecutive /32s
    shapes[1].push_back(V4(0x0A000000u + (i << 8), 24));      // consecutive /24s
    shapes[2].push_back(V6(0x20010db800000000ull + i, 0, 64));  // consecutive /64s
    shapes[3].push_back(V6(0x20010db800000000ull, i, 128));   // consecutive /128s
    shapes[4].push_back(V4(0xC6120000u, static_cast<uint8_t>(i % 33)));  // same address
  }
  shapes[4].resize(33);  // the 33 lengths of one IPv4 address
  for (size_t s = 0; s < 4; s++) {
    const double share = OverflowShare(shapes[s], kSets);
    INFO("shape " << s << ": " << share * 100 << "% of keys without a way (random hash: "
                  << random * 100 << "%)");
    CHECK(share < random * 1.3);
  }
  // Lengths of one address land in different sets.
  std::vector<uint32_t> sets;
  for (const xg_rule_stats_key& k : shapes[4]) sets.push_back(xg_rule_set_hash(&k) & (kSets - 1));
  std::sort(sets.begin(), sets.end());
  CHECK(std::unique(sets.begin(), sets.end()) - sets.begin() >= 30);
}

TEST_CASE("rule counter sets: the key a reader builds hashes like the datapath's", "[counters]") {
  // The datapath builds the key from the packet (host bits clear, IPv4 words 1-3 zero); the
  // controller from a Cidr. Same bytes, same set: explain and delete find the rule.
  const xg_rule_stats_key from_cidr = datapath::RuleStatsKey(net::ParseCidr("198.18.7.0/24")->cidr);
  const xg_rule_stats_key by_hand = V4(0xC6120700u, 24);
  CHECK(std::memcmp(&from_cidr, &by_hand, sizeof(by_hand)) == 0);
  CHECK(xg_rule_set_hash(&from_cidr) == xg_rule_set_hash(&by_hand));
}
