// SPDX-License-Identifier: GPL-2.0
#include "datapath/rule_counter_sets.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "datapath/keys.h"
#include "datapath/libbpf_map.h"
#include "datapath/possible_cpus.h"

namespace xdpguard::datapath {
namespace {

// The counter map behind fd (a dup: the caller keeps its fd), checked to hold this
// version's sets.
absl::StatusOr<std::unique_ptr<LibbpfMap>> OpenSets(int fd) {
  UniqueFd own(fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!own.valid()) return ErrnoToStatus(errno, "duplicate the per-rule counter map's fd");
  absl::StatusOr<std::unique_ptr<LibbpfMap>> map = LibbpfMap::FromFd(std::move(own));
  if (!map.ok()) return map.status();
  if ((*map)->value_size() != sizeof(xg_rule_set))
    return absl::FailedPreconditionError(absl::StrCat(
        "the per-rule counter map holds ", (*map)->value_size(), "-byte values, not ",
        sizeof(xg_rule_set), ": it was made by another xdpguard version"));
  return map;
}

bool SameKey(const xg_rule_stats_key& a, const xg_rule_stats_key& b) {
  return a.family == b.family && a.prefixlen == b.prefixlen &&
         std::equal(std::begin(a.addr), std::end(a.addr), std::begin(b.addr));
}

// A way's key as a rule: a torn read (the datapath replacing the way meanwhile) or a
// corrupted map can hold a key no rule has; such a way is skipped.
bool ValidKey(const xg_rule_stats_key& k) {
  if (k.family == XG_FAM_IPV4) return k.prefixlen <= 32 && !k.addr[1] && !k.addr[2] && !k.addr[3];
  return k.family == XG_FAM_IPV6 && k.prefixlen <= 128;
}

// Calls visit on each counter the rule holds (one with packets), in its set of every CPU
// region: a lookup per CPU, not a walk. A set in which visit changed a counter (returned
// true) is written back whole.
absl::Status VisitRuleCounters(int fd, const net::Cidr& rule,
                               const std::function<bool(xg_rule_way*)>& visit) {
  absl::StatusOr<std::unique_ptr<LibbpfMap>> map = OpenSets(fd);
  if (!map.ok()) return map.status();
  const int cpus = PossibleCpus();
  absl::StatusOr<uint32_t> mask = RuleSetMask((*map)->max_entries(), cpus);
  if (!mask.ok()) return mask.status();
  const xg_rule_stats_key key = RuleStatsKey(rule);
  const uint32_t set_in_region = xg_rule_set_hash(&key) & *mask;
  for (int cpu = 0; cpu < cpus; cpu++) {
    uint32_t idx = static_cast<uint32_t>(cpu) * (*mask + 1) + set_in_region;
    xg_rule_set set;
    if (bpf_map_lookup_elem(fd, &idx, &set) != 0)
      return ErrnoToStatus(errno, absl::StrCat("read the counter of ", rule.ToString()));
    bool changed = false;
    for (xg_rule_way& w : set.way) {
      if (w.packets && SameKey(w.key, key)) changed = visit(&w) || changed;
    }
    if (changed && bpf_map_update_elem(fd, &idx, &set, BPF_ANY) != 0)
      return ErrnoToStatus(errno, absl::StrCat("clear the counter of ", rule.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace

uint32_t RuleSetsPerCpu(uint32_t counters_per_cpu) {
  const uint32_t need = (counters_per_cpu + XG_RULE_SET_WAYS - 1) / XG_RULE_SET_WAYS;
  uint32_t sets = 1;
  while (sets < need && sets < (1u << 30)) sets <<= 1;
  return sets;
}

uint64_t RuleStatsMapEntries(uint32_t counters_per_cpu, int cpus) {
  return uint64_t{RuleSetsPerCpu(counters_per_cpu)} * static_cast<uint64_t>(std::max(cpus, 1));
}

uint32_t RuleCountersPerCpu(uint32_t max_entries, int cpus) {
  return max_entries / static_cast<uint32_t>(std::max(cpus, 1)) * XG_RULE_SET_WAYS;
}

absl::StatusOr<uint32_t> RuleSetMask(uint32_t max_entries, int cpus) {
  const uint32_t n = static_cast<uint32_t>(std::max(cpus, 1));
  const uint32_t sets = max_entries / n;
  if (sets == 0 || sets * n != max_entries || (sets & (sets - 1)) != 0)
    return absl::FailedPreconditionError(absl::StrCat(
        "the per-rule counter map has ", max_entries, " sets, not a power of two per each of the ",
        n, " possible CPUs: it was made for another CPU count. Detach every interface without "
        "--keep-maps, then attach again"));
  return sets - 1;
}

absl::StatusOr<RuleSetTotals> ReadRuleSets(int fd) {
  absl::StatusOr<std::unique_ptr<LibbpfMap>> map = OpenSets(fd);
  if (!map.ok()) return map.status();
  RuleSetTotals t;
  t.ways = uint64_t{(*map)->max_entries()} * XG_RULE_SET_WAYS;
  absl::Status s = (*map)->ForEach([&t](const void*, const void* value) {
    xg_rule_set set;
    std::memcpy(&set, value, sizeof(set));  // the batch buffer is not aligned for the type
    t.evicted_packets += set.evicted;
    for (const xg_rule_way& w : set.way) {
      if (!w.packets || !ValidKey(w.key)) continue;
      t.used_ways++;
      xg_counter& sum = t.by_rule[FromRuleStatsKey(w.key)];
      sum.packets += w.packets;
      sum.bytes += w.bytes;
    }
  });
  if (!s.ok()) return s;
  return t;
}

absl::StatusOr<xg_counter> ReadRuleSetCounter(int fd, const net::Cidr& rule) {
  xg_counter sum{};
  absl::Status s = VisitRuleCounters(fd, rule, [&sum](xg_rule_way* w) {
    sum.packets += w->packets;
    sum.bytes += w->bytes;
    return false;
  });
  if (!s.ok()) return s;
  return sum;
}

absl::Status ForgetRuleCounter(int fd, const net::Cidr& rule) {
  return VisitRuleCounters(fd, rule, [](xg_rule_way* w) {
    w->packets = 0;
    w->bytes = 0;
    return true;
  });
}

}  // namespace xdpguard::datapath
