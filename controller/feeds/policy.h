// SPDX-License-Identifier: GPL-2.0
// What a feed's parsed entries must pass before they may reach the datapath, and how
// several feeds become one blocklist.
//
// Per feed: deduplicate; refuse prefixes shorter than the feed's floor; refuse anything
// that overlaps a protected range (loopback, link-local, multicast, reserved, the host's
// own addresses and default gateways, the allowlist, and private space unless the config
// allows it): a feed that lists 0.0.0.0/1 must not cut the host off from its gateway;
// aggregate (covered prefixes dropped, siblings merged); then cap the count.
//
// Across feeds: the union, where a prefix listed by several feeds takes the strictest
// rule (drop > ratelimit > monitor; then all ports before a port scope; then the lower
// rate; then config order). Different prefixes coexist and the datapath's longest-prefix
// match picks the most specific.
#ifndef XDPGUARD_FEEDS_POLICY_H_
#define XDPGUARD_FEEDS_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "feeds/prefix_set.h"
#include "lists/manual_rules.h"
#include "lists/reconciler.h"
#include "net/cidr.h"

namespace xdpguard::feeds {

struct FeedLimits {
  int min_prefix_v4 = net::kMinPrefixV4;
  int min_prefix_v6 = net::kMinPrefixV6;
  size_t max_entries = 1000000;  // after aggregation: what the feed costs in the map
};

struct PrepareReport {
  size_t parsed = 0;      // entries the parser produced
  size_t duplicates = 0;  // exact duplicates removed
  size_t too_short = 0;   // below the prefix floor
  size_t protected_rejected = 0;
  std::vector<std::string> rejected_examples;  // "0.0.0.0/1 overlaps 10.0.0.1/32", first few
  size_t aggregated = 0;  // entries after aggregation (what is applied for this feed)
};

// Normalises parsed into the feed's applied set. Fails (the caller keeps the last good
// set) when the result exceeds limits.max_entries.
absl::StatusOr<std::vector<net::Cidr>> PrepareEntries(const std::vector<net::Cidr>& parsed,
                                                      const FeedLimits& limits,
                                                      const RangeList& protected_ranges,
                                                      PrepareReport* report);

// Always protected, whatever the config says.
std::vector<net::Cidr> BuiltinProtectedRanges();
// RFC 1918, shared address space (RFC 6598) and IPv6 ULA: protected unless allowed.
std::vector<net::Cidr> PrivateRanges();

// Orders rules strictest first (indices into rules; ties keep the given order).
std::vector<size_t> StrictestFirst(const std::vector<lists::RuleOptions>& rules);

struct FeedSet {
  uint32_t value;                       // the feed's rule: an index into the desired values
  const std::vector<net::Cidr>* cidrs;  // its prepared (sorted) entries
};
// A prefix and the rule (value index) of the strictest feed listing it.
using UnionEntry = lists::DesiredSet<xg_rule>::Item;

// feeds must be ordered strictest first. Returns the union sorted by prefix.
std::vector<UnionEntry> UnionFeeds(const std::vector<FeedSet>& feeds);

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_POLICY_H_
