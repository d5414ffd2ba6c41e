// SPDX-License-Identifier: GPL-2.0
// Frames for the packet differential fuzzer: the shapes the datapath fixtures build
// (Ethernet with up to three VLAN tags; IPv4 with options, fragments and bad lengths; IPv6
// with extension-header chains; TCP, UDP, SCTP, ICMP; ARP; neighbour and router
// advertisements), sourced from the addresses the lists and guards hold, then often
// mutated (truncated, bytes flipped, padded), plus frames of random bytes. 14 to 1,500
// bytes; deterministic for a seed.
#ifndef XDPGUARD_TEST_FUZZ_PACKET_FRAMES_H_
#define XDPGUARD_TEST_FUZZ_PACKET_FRAMES_H_

#include <cstdint>
#include <random>
#include <vector>

#include "guard/mac.h"
#include "net/cidr.h"

namespace xdpguard::fuzz {

// What frames are built from: sources are drawn inside these prefixes (and at random).
struct AddressPools {
  std::vector<net::Cidr> prefixes;  // the lists' entries
  std::vector<net::Cidr> gateways;  // guarded addresses
  std::vector<guard::Mac> macs;     // the guards' allowed MACs
};

class FrameGenerator {
 public:
  explicit FrameGenerator(uint64_t seed) : rng_(seed) {}
  std::vector<uint8_t> Next(const AddressPools& pools);

 private:
  using Bytes = std::vector<uint8_t>;
  uint32_t Below(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  bool Chance(uint32_t percent) { return Below(100) < percent; }
  uint8_t Byte() { return static_cast<uint8_t>(rng_()); }

  void Ethernet(Bytes* f, const guard::Mac* src);
  void Put16(Bytes* f, uint16_t v);
  void PutMac(Bytes* f, const guard::Mac& m);
  guard::Mac Mac(const AddressPools& p);
  net::Cidr Source(const AddressPools& p, net::Family fam);
  void Transport(Bytes* f, uint8_t proto);
  void Ipv4(Bytes* f, const AddressPools& p);
  void Ipv6(Bytes* f, const AddressPools& p);
  void Neighbour(Bytes* f, const AddressPools& p);
  void Arp(Bytes* f, const AddressPools& p);
  void Mutate(Bytes* f);

  std::mt19937_64 rng_;
};

}  // namespace xdpguard::fuzz

#endif  // XDPGUARD_TEST_FUZZ_PACKET_FRAMES_H_
