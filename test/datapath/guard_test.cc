// SPDX-License-Identifier: GPL-2.0
// Gateway guard in the datapath (BPF_PROG_TEST_RUN, needs root): ARP and IPv6 NA/RA that
// claim a guarded gateway from a MAC that is not allowed raise deduplicated ring-buffer
// events and, in drop mode, are dropped; the real gateway (and a VRRP second MAC) raises
// nothing; malformed frames are counted and passed. Frames run with ingress ifindex 1.
#include <linux/bpf.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "bpf_tester.h"
#include "guard/mac.h"

using namespace xdpguard;
using test::Bytes;
using test::C;
using test::PacketBuilder;
using test::Tester;

namespace {

constexpr const char* kGwMac = "02:00:00:00:00:aa";
constexpr const char* kVrrpMac = "00:00:5e:00:01:07";
constexpr const char* kBadMac = "02:00:00:00:00:66";
constexpr const char* kHostMac = "02:00:00:00:00:01";
constexpr uint32_t kIf = 1;

void Guard(const char* gw, bool drop = false) {
  guard::GuardEntry e;
  e.ifindex = kIf;
  e.gateway = C(gw);
  e.drop = drop;
  e.macs = {{*guard::ParseMac(kGwMac), false}, {*guard::ParseMac(kVrrpMac), false}};
  REQUIRE(Tester().guards().Add(e).ok());
}

// ARP with Ethernet source eth_src and sender MAC sha claiming spa.
Bytes Arp(uint16_t op, const char* eth_src, const char* sha, const char* spa, const char* tpa) {
  return PacketBuilder().Eth(eth_src, "ff:ff:ff:ff:ff:ff").Arp(op, sha, spa, tpa).Build();
}

Bytes Na(const char* eth_src, const char* target, bool solicited, const char* tlla,
         uint8_t hop_limit = 255) {
  return PacketBuilder().Eth(eth_src, kHostMac).Ipv6("fe80::66", "fe80::1", 58, hop_limit)
      .NeighborAdvert(target, solicited, tlla).Build();
}

uint64_t G(int idx) { return Tester().ReadCounters().guard[idx]; }

}  // namespace

TEST_CASE("ARP reply claiming the gateway from another MAC: event, passed in alert mode",
          "[guard]") {
  auto& t = Tester();
  t.Reset();
  Guard("10.0.0.1");
  CHECK(t.Run(Arp(2, kBadMac, kBadMac, "10.0.0.1", "10.0.0.50"), kIf) == XDP_PASS);
  auto ev = t.DrainGuardEvents();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == XG_GUARD_ARP_SPOOF);
  CHECK(ev[0].frames == 1);
  CHECK(ev[0].ifindex == kIf);
  CHECK(guard::FormatMac(ev[0].claimed_mac) == kBadMac);
  CHECK(guard::FormatMac(ev[0].eth_src) == kBadMac);
  CHECK(ev[0].dropped == 0);
  CHECK(G(XG_GSTAT_ARP_SPOOF) == 1);
}

TEST_CASE("drop mode drops the spoofed ARP so the neighbour cache is never poisoned",
          "[guard]") {
  auto& t = Tester();
  t.Reset();
  Guard("10.0.0.1", true);
  CHECK(t.Run(Arp(2, kBadMac, kBadMac, "10.0.0.1", "10.0.0.50"), kIf) == XDP_DROP);
  CHECK(t.DrainGuardEvents().at(0).dropped == 1);
  CHECK(G(XG_GSTAT_DROPPED) == 1);
  // The real gateway still gets through in drop mode.
  CHECK(t.Run(Arp(2, kGwMac, kGwMac, "10.0.0.1", "10.0.0.50"), kIf) == XDP_PASS);
}

TEST_CASE("Ethernet source differing from the ARP sender MAC is flagged even if allowed",
          "[guard]") {
  auto& t = Tester();
  t.Reset();
  Guard("10.0.0.1");
  CHECK(t.Run(Arp(2, kBadMac, kGwMac, "10.0.0.1", "10.0.0.50"), kIf) == XDP_PASS);
  auto ev = t.DrainGuardEvents();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == XG_GUARD_ARP_MISMATCH);
  CHECK(guard::FormatMac(ev[0].claimed_mac) == kGwMac);
  CHECK(guard::FormatMac(ev[0].eth_src) == kBadMac);
}

TEST_CASE("the real gateway, its VRRP MAC, gratuitous ARP and probes raise no alarm",
          "[guard]") {
  auto& t = Tester();
  t.Reset();
  Guard("10.0.0.1");
  t.Run(Arp(2, kGwMac, kGwMac, "10.0.0.1", "10.0.0.50"), kIf);    // reply
  t.Run(Arp(1, kVrrpMac, kVrrpMac, "10.0.0.1", "10.0.0.50"), kIf);  // failover partner
  t.Run(Arp(1, kGwMac, kGwMac, "10.0.0.1", "10.0.0.1"), kIf);      // gratuitous
  t.Run(Arp(1, kBadMac, kBadMac, "0.0.0.0", "10.0.0.1"), kIf);     // RFC 5227 probe
  t.Run(Arp(2, kBadMac, kBadMac, "10.0.0.9", "10.0.0.50"), kIf);   // not the gateway
  CHECK(t.DrainGuardEvents().empty());
  CHECK(G(XG_GSTAT_GATEWAY_OK) == 2);
  CHECK(G(XG_GSTAT_GRATUITOUS) == 1);
  CHECK(G(XG_GSTAT_ARP_SPOOF) == 0);
}

TEST_CASE("malformed and truncated ARP is counted and passed", "[guard]") {
  auto& t = Tester();
  t.Reset();
  Guard("10.0.0.1");
  Bytes bad_hlen = Arp(2, kBadMac, kBadMac, "10.0.0.1", "10.0.0.50");
  bad_hlen[14 + 4] = 8;  // hardware length 8
  CHECK(t.Run(bad_hlen, kIf) == XDP_PASS);
  Bytes cut = Arp(2, kBadMac, kBadMac, "10.0.0.1", "10.0.0.50");
  for (size_t len = 14; len < cut.size(); len++) {
    Bytes c(cut.begin(), cut.begin() + static_cast<long>(len));
    CHECK(t.Run(c, kIf) == XDP_PASS);
  }
  // The bad hardware length, plus every cut from 14 to 41 bytes (the ARP body is 28).
  REQUIRE(cut.size() == 14 + 28);
  CHECK(G(XG_GSTAT_ARP_MALFORMED) == 1 + 28);
  CHECK(t.DrainGuardEvents().empty());
}

TEST_CASE("spoofed ARP inside VLAN tags carries the VLAN id", "[guard]") {
  auto& t = Tester();
  t.Reset();
  Guard("10.0.0.1");
  Bytes f = PacketBuilder().Eth(kBadMac, "ff:ff:ff:ff:ff:ff").Vlan(0x88a8, 100).Vlan(0x8100, 42)
                .Arp(2, kBadMac, "10.0.0.1", "10.0.0.50").Build();
  CHECK(t.Run(f, kIf) == XDP_PASS);
  auto ev = t.DrainGuardEvents();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].vlan == 42);
}

TEST_CASE("events are deduplicated per gateway and MAC per second, carrying frame counts",
          "[guard]") {
  auto& t = Tester();
  t.Reset();
  Guard("10.0.0.1");
  Bytes spoof = Arp(2, kBadMac, kBadMac, "10.0.0.1", "10.0.0.50");
  for (int i = 0; i < 5; i++) t.Run(spoof, kIf);
  auto first = t.DrainGuardEvents();
  REQUIRE(first.size() == 1);
  CHECK(first[0].frames == 1);
  CHECK(G(XG_GSTAT_EVENTS_DEDUP) == 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  t.Run(spoof, kIf);
  auto second = t.DrainGuardEvents();
  REQUIRE(second.size() == 1);
  CHECK(second[0].frames == 5);  // the 4 folded frames and this one
  CHECK(G(XG_GSTAT_ARP_SPOOF) == 6);
}

TEST_CASE("IPv6: neighbour advertisement for the gateway from another MAC", "[guard]") {
  auto& t = Tester();
  t.Reset();
  Guard("fe80::1");
  CHECK(t.Run(Na(kBadMac, "fe80::1", false, kBadMac), kIf) == XDP_PASS);
  auto ev = t.DrainGuardEvents();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == XG_GUARD_NA_SPOOF);
  CHECK(ev[0].family == XG_FAM_IPV6);
  CHECK(guard::FormatMac(ev[0].claimed_mac) == kBadMac);
  // Allowed Ethernet source but a foreign target link-layer address: still a spoof.
  CHECK(t.Run(Na(kGwMac, "fe80::1", true, kBadMac), kIf) == XDP_PASS);
  CHECK(G(XG_GSTAT_NA_SPOOF) == 2);
}

TEST_CASE("IPv6: the real gateway's NA, hop limit and fragment policies", "[guard]") {
  auto& t = Tester();
  t.Reset();
  Guard("fe80::1", true);
  CHECK(t.Run(Na(kGwMac, "fe80::1", true, kGwMac), kIf) == XDP_PASS);
  CHECK(t.Run(Na(kVrrpMac, "fe80::1", false, kVrrpMac), kIf) == XDP_PASS);
  CHECK(t.Run(Na(kGwMac, "fe80::1", false, ""), kIf) == XDP_PASS);  // no TLLA option
  CHECK(G(XG_GSTAT_GATEWAY_OK) == 1);
  CHECK(G(XG_GSTAT_GRATUITOUS) == 2);
  // Hop limit != 255: not from the link; the kernel ignores it, we count it.
  CHECK(t.Run(Na(kBadMac, "fe80::1", false, kBadMac, 64), kIf) == XDP_PASS);
  CHECK(G(XG_GSTAT_HOPLIMIT) == 1);
  // Behind a destination-options header: the chain is walked, the spoof is still seen.
  Bytes behind = PacketBuilder().Eth(kBadMac, kHostMac).Ipv6("fe80::66", "fe80::1", 60)
                     .Ipv6Ext(58).NeighborAdvert("fe80::1", false, kBadMac).Build();
  CHECK(t.Run(behind, kIf) == XDP_DROP);
  // Fragmented ND cannot be verified (RFC 6980 forbids it): counted, passed.
  Bytes frag = PacketBuilder().Eth(kBadMac, kHostMac).Ipv6("fe80::66", "fe80::1", 44)
                   .Ipv6Frag(58, 0, true).NeighborAdvert("fe80::1", false, kBadMac).Build();
  CHECK(t.Run(frag, kIf) == XDP_PASS);
  CHECK(G(XG_GSTAT_ND_UNVERIFIABLE) == 1);
  // Behind more than 512 bytes of extension headers: not verified, but counted.
  Bytes deep = PacketBuilder().Eth(kBadMac, kHostMac).Ipv6("fe80::66", "fe80::1", 60)
                   .Ipv6Ext(60, 24).Ipv6Ext(60, 24).Ipv6Ext(58, 24)
                   .NeighborAdvert("fe80::1", false, kBadMac).Build();
  CHECK(t.Run(deep, kIf) == XDP_PASS);
  CHECK(G(XG_GSTAT_ND_UNVERIFIABLE) == 2);
  // Truncated NA (target cut): counted as malformed ND, passed.
  Bytes cut = Na(kBadMac, "fe80::1", false, kBadMac);
  cut.resize(14 + 40 + 12);
  CHECK(t.Run(cut, kIf) == XDP_PASS);
  CHECK(G(XG_GSTAT_ND_MALFORMED) == 1);
}

TEST_CASE("IPv6: router advertisement from a MAC not allowed on the interface", "[guard]") {
  auto& t = Tester();
  t.Reset();
  Bytes rogue = PacketBuilder().Eth(kBadMac, "33:33:00:00:00:01").Ipv6("fe80::66", "ff02::1", 58)
                    .RouterAdvert(kBadMac).Build();
  CHECK(t.Run(rogue, kIf) == XDP_PASS);  // no IPv6 gateway guarded yet: not checked
  CHECK(t.DrainGuardEvents().empty());
  Guard("2001:db8::1");
  CHECK(t.Run(rogue, kIf) == XDP_PASS);
  auto ev = t.DrainGuardEvents();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == XG_GUARD_ROGUE_RA);
  Bytes real = PacketBuilder().Eth(kGwMac, "33:33:00:00:00:01").Ipv6("fe80::1", "ff02::1", 58)
                   .RouterAdvert(kGwMac).Build();
  CHECK(t.Run(real, kIf) == XDP_PASS);
  CHECK(t.DrainGuardEvents().empty());
  CHECK(G(XG_GSTAT_ROGUE_RA) == 1);
}
