// SPDX-License-Identifier: GPL-2.0
#include "datapath/counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "datapath/keys.h"
#include "datapath/possible_cpus.h"
#include "datapath/rule_counter_sets.h"
#include "datapath/stats_slots.h"
#include "datapath/xdp_query.h"

namespace xdpguard::datapath {
namespace {

size_t Slot(size_t value_size) { return (value_size + 7) & ~size_t{7}; }

void Add(xg_counter* sum, const xg_counter& v) {
  sum->packets += v.packets;
  sum->bytes += v.bytes;
}
void Add(uint64_t* sum, uint64_t v) { *sum += v; }

// Sums the per-CPU slots of one value of T (xg_counter or __u64) read into buf.
template <typename T>
T SumSlots(const std::vector<char>& buf, int cpus) {
  T sum{};
  for (int c = 0; c < cpus; c++) {
    T v;
    std::memcpy(&v, buf.data() + c * Slot(sizeof(T)), sizeof(T));
    Add(&sum, v);
  }
  return sum;
}

// Sums one per-CPU array element of T.
template <typename T>
absl::Status SumArrayElem(int fd, uint32_t idx, T* out) {
  const int cpus = PossibleCpus();
  std::vector<char> buf(Slot(sizeof(T)) * cpus);
  if (bpf_map_lookup_elem(fd, &idx, buf.data()) != 0)
    return ErrnoToStatus(errno, "read per-CPU counter");
  *out = SumSlots<T>(buf, cpus);
  return absl::OkStatus();
}

// Adds every CPU's valid write-back slot (xg_rule_cache) to its rule's counter in
// by_rule, or only the slots of `only` when it is given.
absl::Status AddWriteBackSlots(int cache_fd, std::map<net::Cidr, xg_counter>* by_rule,
                               const net::Cidr* only) {
  const int cpus = PossibleCpus();
  std::vector<char> slots(Slot(sizeof(xg_rule_cache)) * cpus);
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(cache_fd, &zero, slots.data()) != 0)
    return ErrnoToStatus(errno, "read the per-rule write-back slots");
  for (int c = 0; c < cpus; c++) {
    xg_rule_cache slot;
    std::memcpy(&slot, slots.data() + c * Slot(sizeof(xg_rule_cache)), sizeof(slot));
    if (!slot.valid || !slot.counter.packets) continue;
    const net::Cidr rule = FromRuleStatsKey(slot.key);
    if (!only || rule == *only) Add(&(*by_rule)[rule], slot.counter);
  }
  return absl::OkStatus();
}

// The per-rule counters: the counter sets summed over the CPU regions, plus every CPU's
// write-back slot (xg_rule_cache) added to its rule. The sets are read first: a slot
// flushed into them between the two reads is missed by this read (never counted twice);
// the next read has it.
absl::Status ReadRuleCountersFromFd(int fd, int cache_fd, std::vector<RuleCounter>* out,
                                    uint64_t* evicted_packets) {
  absl::StatusOr<RuleSetTotals> sets = ReadRuleSets(fd);
  if (!sets.ok()) return sets.status();
  if (evicted_packets) *evicted_packets = sets->evicted_packets;
  std::map<net::Cidr, xg_counter>& by_rule = sets->by_rule;
  if (cache_fd >= 0) {
    if (absl::Status s = AddWriteBackSlots(cache_fd, &by_rule, nullptr); !s.ok()) return s;
  }
  for (const auto& [cidr, counter] : by_rule) out->push_back({cidr, counter});
  std::sort(out->begin(), out->end(), [](const RuleCounter& a, const RuleCounter& b) {
    if (a.counter.packets != b.counter.packets) return a.counter.packets > b.counter.packets;
    return a.cidr < b.cidr;
  });
  return absl::OkStatus();
}

}  // namespace

// Labels from the contract's lists (maps/): one definition per id, counts checked here.
template <size_t N>
const char* Label(const char* const (&labels)[N], int id) {
  return id >= 0 && static_cast<size_t>(id) < N ? labels[id] : "unknown";
}
constexpr const char* kClassLabels[] = {XG_CLASSES(XG_X_LABEL)};
constexpr const char* kFamilyLabels[] = {XG_FAMILIES(XG_X_LABEL)};
constexpr const char* kReasonLabels[] = {XG_REASONS(XG_X_LABEL)};
constexpr const char* kGuardStatLabels[] = {XG_GUARD_STATS(XG_X_LABEL)};
static_assert(std::size(kClassLabels) == XG_CLASS_MAX);
static_assert(std::size(kFamilyLabels) == XG_FAM_MAX);
static_assert(std::size(kReasonLabels) == XG_REASON_MAX);
static_assert(std::size(kGuardStatLabels) == XG_GSTAT_MAX);

const char* ClassName(int cls) { return Label(kClassLabels, cls); }
const char* FamilyName(int family) { return Label(kFamilyLabels, family); }
const char* ReasonName(int reason) { return Label(kReasonLabels, reason); }
const char* GuardStatName(int idx) { return Label(kGuardStatLabels, idx); }

std::string InterfaceLabel(const InterfaceVerdicts& iv) {
  return iv.slot == 0 || iv.ifindex == 0 ? "shared" : InterfaceName(iv.ifindex);
}

absl::StatusOr<Counters> ReadCountersFromFds(int stats_fd, int reasons_fd, int origin_fd,
                                             int rule_stats_fd, int guard_stats_fd,
                                             int if_slots_fd, int rule_cache_fd) {
  Counters c;
  SlotOwners owners{};
  if (if_slots_fd >= 0) {
    absl::StatusOr<SlotOwners> read = ReadSlotOwners(if_slots_fd);
    if (!read.ok()) return read.status();
    owners = *read;
  }
  for (uint32_t slot = 0; slot < XG_MAX_IF_SLOTS; slot++) {
    InterfaceVerdicts iv{slot, owners[slot], {}};
    bool any = false;
    for (int cls = 0; cls < XG_CLASS_MAX; cls++) {
      for (int fam = 0; fam < XG_FAM_MAX; fam++) {
        xg_counter& v = iv.verdicts[cls][fam];
        absl::Status s = SumArrayElem(stats_fd, slot * XG_STATS_ENTRIES + cls * XG_FAM_MAX + fam, &v);
        if (!s.ok()) return s;
        Add(&c.verdicts[cls][fam], v);
        any = any || v.packets != 0;
      }
    }
    if (any || iv.ifindex != 0) c.interfaces.push_back(iv);
  }
  for (int r = 0; r < XG_REASON_MAX; r++) {
    if (absl::Status s = SumArrayElem(reasons_fd, r, &c.reasons[r]); !s.ok()) return s;
  }
  for (int o = 0; o < XG_MAX_ORIGINS; o++) {
    if (absl::Status s = SumArrayElem(origin_fd, o, &c.origins[o]); !s.ok()) return s;
  }
  if (rule_stats_fd >= 0) {
    if (absl::Status s = ReadRuleCountersFromFd(rule_stats_fd, rule_cache_fd, &c.rules,
                                                &c.rule_evicted_packets);
        !s.ok())
      return s;
  }
  if (guard_stats_fd >= 0) {
    for (int g = 0; g < XG_GSTAT_MAX; g++)
      if (absl::Status s = SumArrayElem(guard_stats_fd, g, &c.guard[g]); !s.ok()) return s;
  }
  return c;
}

absl::StatusOr<xg_counter> ReadRuleCounter(const PinnedMaps& maps, const net::Cidr& rule) {
  absl::StatusOr<xg_counter> in_sets = ReadRuleSetCounter(maps.map(XG_MAP_RULE_STATS)->fd(), rule);
  if (!in_sets.ok()) return in_sets.status();
  std::map<net::Cidr, xg_counter> by_rule;
  by_rule[rule] = *in_sets;
  if (absl::Status s = AddWriteBackSlots(maps.map(XG_MAP_RULE_CACHE)->fd(), &by_rule, &rule); !s.ok())
    return s;
  return by_rule[rule];
}

absl::StatusOr<std::vector<RuleCounter>> ReadRuleCounters(const PinnedMaps& maps) {
  std::vector<RuleCounter> out;
  if (absl::Status s = ReadRuleCountersFromFd(maps.map(XG_MAP_RULE_STATS)->fd(),
                                              maps.map(XG_MAP_RULE_CACHE)->fd(), &out, nullptr);
      !s.ok())
    return s;
  return out;
}

absl::StatusOr<Counters> ReadCounters(const PinnedMaps& maps, bool with_rules) {
  return ReadCountersFromFds(maps.map(XG_MAP_STATS)->fd(), maps.map(XG_MAP_REASONS)->fd(),
                             maps.map(XG_MAP_ORIGIN_STATS)->fd(),
                             with_rules ? maps.map(XG_MAP_RULE_STATS)->fd() : -1,
                             maps.map(XG_MAP_GUARD_STATS)->fd(), maps.if_slots_fd(),
                             maps.map(XG_MAP_RULE_CACHE)->fd());
}

}  // namespace xdpguard::datapath
