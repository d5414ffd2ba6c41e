// SPDX-License-Identifier: GPL-2.0
// Reads the datapath's per-CPU counters and sums them over CPUs. Per-CPU values are laid
// out by the kernel as round_up(value_size, 8) bytes per possible CPU.
#ifndef XDPGUARD_DATAPATH_COUNTERS_H_
#define XDPGUARD_DATAPATH_COUNTERS_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datapath/pinned_maps.h"
#include "net/cidr.h"
#include "xdpguard_guard.h"
#include "xdpguard_maps.h"

namespace xdpguard::datapath {

struct RuleCounter {
  net::Cidr cidr;
  xg_counter counter{};
};

using Verdicts = std::array<std::array<xg_counter, XG_FAM_MAX>, XG_CLASS_MAX>;

// One interface's verdict counters (stats_slots.h). ifindex 0 = the shared block.
struct InterfaceVerdicts {
  uint32_t slot = 0;
  uint32_t ifindex = 0;
  Verdicts verdicts{};
};

struct Counters {
  Verdicts verdicts{};                        // every interface
  std::vector<InterfaceVerdicts> interfaces;  // blocks with an owner or non-zero counts
  std::array<uint64_t, XG_GSTAT_MAX> guard{};  // XG_GSTAT_*
  std::array<uint64_t, XG_REASON_MAX> reasons{};
  std::array<xg_counter, XG_MAX_ORIGINS> origins{};
  std::vector<RuleCounter> rules;  // rules with at least one hit, most packets first
  uint64_t rule_evicted_packets = 0;  // hits of per-rule counters their set gave up (read with rules)
};

// Stable names used by `stats` text and JSON output (and later by metrics labels).
const char* ClassName(int cls);
const char* FamilyName(int family);
const char* ReasonName(int reason);
const char* GuardStatName(int idx);

// "shared" for block 0 (interfaces without a slot of their own), else the owner's name
// ("ifN" once the interface is gone).
std::string InterfaceLabel(const InterfaceVerdicts& iv);

// Sums every counter map (with_rules: also reads the per-rule counters).
absl::StatusOr<Counters> ReadCounters(const PinnedMaps& maps, bool with_rules);
// One rule's counter (its set in every CPU region plus the CPUs' write-back slots), for
// `explain`.
absl::StatusOr<xg_counter> ReadRuleCounter(const PinnedMaps& maps, const net::Cidr& rule);
// Only the per-rule counters (most packets first), for `block list`.
absl::StatusOr<std::vector<RuleCounter>> ReadRuleCounters(const PinnedMaps& maps);

// The same for an unpinned object (datapath tests, benchmarks): fds of the maps. Without
// if_slots_fd, per-interface blocks are listed without their owner; without rule_cache_fd,
// hits still in the CPUs' write-back slots are not in the per-rule counters.
absl::StatusOr<Counters> ReadCountersFromFds(int stats_fd, int reasons_fd, int origin_fd,
                                             int rule_stats_fd, int guard_stats_fd = -1,
                                             int if_slots_fd = -1, int rule_cache_fd = -1);

}  // namespace xdpguard::datapath

#endif  // XDPGUARD_DATAPATH_COUNTERS_H_
