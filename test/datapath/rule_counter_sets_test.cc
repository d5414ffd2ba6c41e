// SPDX-License-Identifier: GPL-2.0
// The per-rule counters' sets (maps/xdpguard_maps.h, struct xg_rule_set): a rule that finds
// no way of its own in a full set takes the way with the fewest packets and those packets
// go to the set's evicted count; `explain`'s one-rule read finds a rule in its set; a
// deleted entry's counts are forgotten and the entry, listed again, starts from zero;
// every CPU counts in its own region and readers sum the regions. BPF_PROG_TEST_RUN,
// needs root.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sched.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bpf_tester.h"
#include "datapath/keys.h"
#include "datapath/rule_counter_sets.h"
#include "pinned_cpu.h"

using namespace xdpguard;
using test::C;
using test::PinnedToThisCpu;
using test::Tester;
using test::Udp4;

namespace {

uint32_t SetMask(test::BpfTester& t) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  REQUIRE(bpf_obj_get_info_by_fd(t.map_fd(XG_MAP_RULE_STATS), &info, &len) == 0);
  absl::StatusOr<uint32_t> mask = datapath::RuleSetMask(info.max_entries, libbpf_num_possible_cpus());
  REQUIRE(mask.ok());
  return *mask;
}

// The first n /32s of 198.18.0.0/15 whose counters share one set.
std::vector<std::string> SameSetAddresses(uint32_t mask, size_t n) {
  std::vector<std::string> out;
  uint32_t want = 0;
  for (uint32_t i = 0; i < 131072 && out.size() < n; i++) {
    const std::string ip = absl::StrCat("198.", 18 + i / 65536, ".", i / 256 % 256, ".", i % 256);
    const xg_rule_stats_key key = datapath::RuleStatsKey(C((ip + "/32").c_str()));
    const uint32_t set = xg_rule_set_hash(&key) & mask;
    if (out.empty()) want = set;
    if (set == want) out.push_back(ip);
  }
  REQUIRE(out.size() == n);
  return out;
}

void Hit(test::BpfTester& t, const std::string& ip, int times) {
  const test::Bytes frame = Udp4(ip.c_str());
  for (int i = 0; i < times; i++) REQUIRE(t.Run(frame) == XDP_DROP);
}

// Packets counted for a /32 by a full read (sets plus write-back slots); 0 when unlisted.
uint64_t Counted(const datapath::Counters& c, const std::string& ip) {
  const net::Cidr want = C((ip + "/32").c_str());
  for (const datapath::RuleCounter& r : c.rules)
    if (r.cidr == want) return r.counter.packets;
  return 0;
}

uint64_t InSets(test::BpfTester& t, const std::string& ip) {
  absl::StatusOr<xg_counter> c =
      datapath::ReadRuleSetCounter(t.map_fd(XG_MAP_RULE_STATS), C((ip + "/32").c_str()));
  REQUIRE(c.ok());
  return c->packets;
}

void BlockAll(test::BpfTester& t, const std::vector<std::string>& ips) {
  std::vector<datapath::PrefixTable<xg_rule>::Entry> entries;
  for (const std::string& ip : ips) entries.push_back({C((ip + "/32").c_str()), test::DropRule()});
  REQUIRE(t.block().Upsert(entries).ok());
}

}  // namespace

TEST_CASE("rule counters: a full set gives up the counter with the fewest packets",
          "[counters]") {
  auto& t = Tester();
  t.Reset();
  PinnedToThisCpu pin;  // one region and one write-back slot
  const std::vector<std::string> ip = SameSetAddresses(SetMask(t), XG_RULE_SET_WAYS + 1);
  BlockAll(t, ip);
  // Runs are added to the set when the CPU moves to another rule: a, b and c fill the set's
  // three ways with 5, 3 and 4 packets; d then takes b's way (the fewest), and the last hit
  // on a stays in the write-back slot.
  Hit(t, ip[0], 5);
  Hit(t, ip[1], 3);
  Hit(t, ip[2], 4);
  Hit(t, ip[3], 2);
  Hit(t, ip[0], 1);

  datapath::Counters c = t.ReadCounters();
  CHECK(Counted(c, ip[0]) == 6);
  CHECK(Counted(c, ip[1]) == 0);  // evicted
  CHECK(Counted(c, ip[2]) == 4);
  CHECK(Counted(c, ip[3]) == 2);
  CHECK(c.rule_evicted_packets == 3);
  uint64_t origin_packets = 0;
  for (const xg_counter& o : c.origins) origin_packets += o.packets;
  uint64_t rule_packets = c.rule_evicted_packets;
  for (const datapath::RuleCounter& r : c.rules) rule_packets += r.counter.packets;
  CHECK(rule_packets == origin_packets);  // nothing lost: counted or evicted

  // explain's read: the rule's set only (the write-back slot is added by the caller).
  CHECK(InSets(t, ip[0]) == 5);
  CHECK(InSets(t, ip[2]) == 4);
  CHECK(InSets(t, ip[1]) == 0);
}

TEST_CASE("rule counters: a deleted entry's counts are forgotten and start again from zero",
          "[counters]") {
  auto& t = Tester();
  t.Reset();
  PinnedToThisCpu pin;
  const std::vector<std::string> ip = SameSetAddresses(SetMask(t), 3);
  BlockAll(t, ip);
  Hit(t, ip[0], 7);
  Hit(t, ip[1], 4);
  Hit(t, ip[2], 1);  // flushes ip[1]
  REQUIRE(InSets(t, ip[0]) == 7);
  REQUIRE(InSets(t, ip[1]) == 4);

  REQUIRE(datapath::ForgetRuleCounter(t.map_fd(XG_MAP_RULE_STATS), C((ip[0] + "/32").c_str())).ok());
  CHECK(InSets(t, ip[0]) == 0);
  CHECK(InSets(t, ip[1]) == 4);  // its neighbours keep theirs
  datapath::Counters c = t.ReadCounters();
  CHECK(Counted(c, ip[0]) == 0);
  CHECK(Counted(c, ip[1]) == 4);

  // Listed (and hit) again: counted from zero, in the way it had.
  Hit(t, ip[0], 2);
  Hit(t, ip[1], 1);  // flushes ip[0]
  CHECK(InSets(t, ip[0]) == 2);
  CHECK(t.ReadCounters().rule_evicted_packets == 0);
}

TEST_CASE("rule counters: every CPU counts in its own region and readers sum them",
          "[counters]") {
  auto& t = Tester();
  t.Reset();
  cpu_set_t allowed;
  REQUIRE(sched_getaffinity(0, sizeof(allowed), &allowed) == 0);
  const std::vector<std::string> ip = SameSetAddresses(SetMask(t), 2);
  BlockAll(t, ip);
  int cpus_used = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpu < libbpf_num_possible_cpus(); cpu++) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    PinnedToThisCpu pin(cpu);
    Hit(t, ip[0], 3);
    Hit(t, ip[1], 1);  // flushes ip[0] into this CPU's region
    cpus_used++;
  }
  INFO(cpus_used << " CPUs used");
  CHECK(InSets(t, ip[0]) == uint64_t{3} * cpus_used);
  CHECK(Counted(t.ReadCounters(), ip[0]) == uint64_t{3} * cpus_used);
  // Each region holds its own way for the rule: as many ways in use as CPUs, per rule.
  absl::StatusOr<datapath::RuleSetTotals> totals = datapath::ReadRuleSets(t.map_fd(XG_MAP_RULE_STATS));
  REQUIRE(totals.ok());
  CHECK(totals->used_ways == static_cast<uint64_t>(cpus_used));  // ip[1] still in the slots
  CHECK(totals->evicted_packets == 0);
}
