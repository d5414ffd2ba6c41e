// SPDX-License-Identifier: GPL-2.0
// The per-rule counters' map, xg_rule_stats (maps/xdpguard_maps.h, struct xg_rule_set): one
// region of counter sets per possible CPU, XG_RULE_SET_WAYS counters per set. Sizing it at
// attach, reading it (a rule is summed over the regions), and forgetting a rule's counts.
#ifndef XDPGUARD_DATAPATH_RULE_COUNTER_SETS_H_
#define XDPGUARD_DATAPATH_RULE_COUNTER_SETS_H_

#include <cstdint>
#include <map>

#include "absl/status/statusor.h"
#include "net/cidr.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {

// Sets per CPU region for a requested number of counters per CPU: a power of two holding at
// least that many (at least one set).
uint32_t RuleSetsPerCpu(uint32_t counters_per_cpu);
// The map's max_entries (sets over every region) for a number of counters per CPU.
uint64_t RuleStatsMapEntries(uint32_t counters_per_cpu, int cpus);
// Counters per CPU held by a map of max_entries sets (what `--rule-stats-entries` means).
uint32_t RuleCountersPerCpu(uint32_t max_entries, int cpus);
// The datapath's set mask (sets per region - 1); an error when max_entries is not a power
// of two sets per possible CPU (a map made for another CPU count).
absl::StatusOr<uint32_t> RuleSetMask(uint32_t max_entries, int cpus);

// What the counter sets hold, summed over the CPU regions.
struct RuleSetTotals {
  std::map<net::Cidr, xg_counter> by_rule;  // rules with packets
  uint64_t evicted_packets = 0;             // packets of counters given up by their set
  uint64_t used_ways = 0;                   // counters in use, every region
  uint64_t ways = 0;                        // counters, every region
};

// Reads every set of the map behind fd (batched) and sums them.
absl::StatusOr<RuleSetTotals> ReadRuleSets(int fd);
// One rule's counts: its set in each region (a lookup per CPU, not a walk).
absl::StatusOr<xg_counter> ReadRuleSetCounter(int fd, const net::Cidr& rule);
// Zeroes the rule's counts in every region, so an entry listed again later starts clean.
// The way keeps its key and, with no packets, is the first its set gives up. A set is read
// and written back whole: hits its CPU counts between the two (microseconds) are lost.
absl::Status ForgetRuleCounter(int fd, const net::Cidr& rule);

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_RULE_COUNTER_SETS_H_
