// SPDX-License-Identifier: GPL-2.0
// The configuration the packet differential fuzzer runs under, kept in two places at once:
// the real maps (written through the controller's own writers: PrefixTable, GuardStore,
// interface settings) and the model's World. Random from a seed: nested prefixes from /0
// to host routes in both families, allowlist entries over and under blocklist rules, drop,
// pass-with-count and rate-limit rules with monitor, port and new-only scopes, expired and
// live deadlines, guards on IPv4 and IPv6 gateways, interface monitor, flow modes and a
// stats slot. Mutate() changes it while packets flow (adds, deletes of covering prefixes,
// overwrites, moves between lists).
#ifndef XDPGUARD_TEST_FUZZ_PACKET_WORLD_H_
#define XDPGUARD_TEST_FUZZ_PACKET_WORLD_H_

#include <cstdint>
#include <random>
#include <string>

#include "bpf_tester.h"
#include "frames.h"
#include "model.h"

namespace xdpguard::fuzz {

class WorldDriver {
 public:
  // The frames arrive on loopback (BPF_PROG_TEST_RUN without a context), ifindex 1.
  static constexpr uint32_t kIfindex = 1;

  WorldDriver(test::BpfTester* tester, uint64_t seed);
  // Empties the maps and loads a first world of `rules` blocklist rules.
  void Start(size_t rules);
  // One random change to the lists, guards or interface settings, in both places.
  std::string Mutate();

  const World& world() const { return world_; }
  const AddressPools& pools() const { return pools_; }
  uint8_t stats_slot() const { return settings_.stats_slot; }

 private:
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  bool Chance(uint32_t percent) { return Below(100) < percent; }
  net::Cidr RandomPrefix(net::Family fam);
  xg_rule RandomRule();
  std::string AddRules(size_t n);
  std::string AddStack();
  std::string DeleteRules(size_t n);
  std::string AddAllow();
  std::string DeleteAllow();
  std::string ChangeGuards();
  std::string ChangeInterface();
  void RefreshPools();

  test::BpfTester* tester_;
  std::mt19937_64 rng_;
  World world_;
  AddressPools pools_;
  datapath::InterfaceSettings settings_;
  uint8_t own_slot_ = 0;  // the stats slot assigned to the interface at start
};

}  // namespace xdpguard::fuzz

#endif  // XDPGUARD_TEST_FUZZ_PACKET_WORLD_H_
