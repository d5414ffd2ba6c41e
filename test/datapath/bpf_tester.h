// SPDX-License-Identifier: GPL-2.0
// Loads the real embedded XDP object (unpinned) and runs frames through it with
// BPF_PROG_TEST_RUN. Maps are reset between cases so counter deltas are exact.
#ifndef XDPGUARD_TEST_BPF_TESTER_H_
#define XDPGUARD_TEST_BPF_TESTER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "datapath/counters.h"
#include "datapath/datapath_object.h"
#include "datapath/interface_config.h"
#include "datapath/libbpf_map.h"
#include "datapath/prefix_table.h"
#include "flows/flow_view.h"
#include "guard/guard_store.h"
#include "net/cidr.h"
#include "packet_builder.h"

namespace xdpguard::test {

class BpfTester {
 public:
  // block_entries: blocklist capacity per family (the shared tester needs few).
  // verdict_cache = false loads the program with the cache compiled out (tests that must
  // see every lookup, whatever the list generation says). rule_stats_entries: the per-rule
  // counters per CPU (a set holds XG_RULE_SET_WAYS of them: a test hitting more rules in
  // one set loses the evicted counts to the set's evicted count).
  explicit BpfTester(bool frags = false, uint32_t block_entries = 4096, bool verdict_cache = true,
                     uint32_t rule_stats_entries = 1024);

  // Returns the XDP action (XDP_PASS = 2, XDP_DROP = 1); ifindex feeds ctx.ingress_ifindex.
  int Run(const Bytes& frame, uint32_t ifindex = 0);
  // Runs a frame `repeat` times in the kernel and returns the mean ns per run.
  double TimeNs(const Bytes& frame, uint32_t repeat);

  datapath::PrefixTable<xg_rule>& block() { return *block_; }
  datapath::PrefixTable<xg_allow>& allow() { return *allow_; }
  // The datapath's length masks, mapped (tests read and, for controls, corrupt them).
  // A list table itself (writes behind PrefixTable's back).
  datapath::BucketMap* table(const char* name) { return lists_->table(name); }
  const datapath::LengthMasks& masks() { return *masks_; }
  datapath::Counters ReadCounters();
  void SetInterfaceMonitor(uint32_t ifindex, bool on);
  // Gives ifindex its own block of verdict counters (resetting its other settings).
  uint8_t AssignStatsSlot(uint32_t ifindex, bool (*interface_exists)(uint32_t) = nullptr);
  void SetInterfaceSettings(uint32_t ifindex, const datapath::InterfaceSettings& s);
  std::vector<flows::FlowRecord> Flows();
  guard::GuardStore& guards() { return *guards_; }
  // Every gateway-guard event the ring buffer holds now.
  std::vector<xg_guard_event> DrainGuardEvents();
  void Reset();  // empties every map and zeroes every counter
  int prog_fd();
  int map_fd(const char* name) { return obj_->map_fd(name); }
  // The verdict cache slot that holds ip on some CPU, if one does (any generation).
  std::optional<xg_verdict_slot> CachedVerdict(const std::string& ip);
  uint64_t ListGeneration();

 private:
  std::unique_ptr<datapath::LibbpfMap> Map(const char* name);

  std::unique_ptr<datapath::DatapathObject> obj_;
  std::unique_ptr<datapath::ListTables> lists_;
  std::unique_ptr<datapath::LibbpfMap> flows_, guard_map_, guard_if_,
      list_gen_;
  std::unique_ptr<datapath::LengthMasks> masks_;
  std::unique_ptr<guard::GuardStore> guards_;
  std::unique_ptr<datapath::PrefixTable<xg_rule>> block_;
  std::unique_ptr<datapath::PrefixTable<xg_allow>> allow_;
};

xg_rule DropRule();
xg_rule PassRule();

// The tester shared by all datapath test cases (one loaded object; cases call Reset()).
BpfTester& Tester();
// A CIDR from text the test knows is valid.
net::Cidr C(const char* text);
// A UDP datagram from src to 10.0.0.1:dport.
Bytes Udp4(const char* src, uint16_t dport = 53);

// The datapath's verdict cache slot index for an address (mirrors verdict_cache.h;
// CachedVerdict() finding the address in that slot checks the mirror).
uint32_t VerdictSlotIndex(const std::string& ip);
// The first IPv4 address at or after `from` (dotted) whose slot index equals ip's.
std::string CollidingV4(const std::string& ip, const std::string& from);

}  // namespace xdpguard::test

#endif  // XDPGUARD_TEST_BPF_TESTER_H_
