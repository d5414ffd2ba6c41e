// SPDX-License-Identifier: GPL-2.0
// Datapath tests: crafted frames through the real XDP object with BPF_PROG_TEST_RUN.
// Each fixture names what it checks, the frame, the expected verdict and the counter that
// must move (and nothing else). Needs root (CAP_BPF).
#include <linux/bpf.h>

#include <catch2/catch.hpp>

#include "bpf_tester.h"
#include "net/cidr.h"

using namespace xdpguard;
using test::Bytes;
using test::PacketBuilder;

using test::C;
using test::Tester;

namespace {

uint64_t TotalPackets(const datapath::Counters& c) {
  uint64_t n = 0;
  for (const auto& cls : c.verdicts)
    for (const auto& fam : cls) n += fam.packets;
  return n;
}

struct Fixture {
  const char* description;
  Bytes frame;
  int action;   // XDP_PASS / XDP_DROP
  int cls;      // XG_CLASS_*
  int family;   // XG_FAM_*
  int reason;   // XG_REASON_* expected to move (NONE: no reason counter moves)
};

// A blocklist shared by the fixtures below:
//   198.51.100.0/24 drop, inside it 198.51.100.128/25 pass (pass-with-count),
//   203.0.113.0/24 drop with 203.0.113.7/32 allowlisted, 192.0.2.0/24 allowlisted as a
//   whole with a more specific 192.0.2.64/26 drop, 2001:db8:bad::/48 drop.
void LoadSharedRules(test::BpfTester& t) {
  REQUIRE(t.block()
              .Upsert({{C("198.51.100.0/24"), test::DropRule()},
                       {C("198.51.100.128/25"), test::PassRule()},
                       {C("203.0.113.0/24"), test::DropRule()},
                       {C("192.0.2.64/26"), test::DropRule()},
                       {C("2001:db8:bad::/48"), test::DropRule()}})
              .ok());
  REQUIRE(t.allow().Upsert({{C("203.0.113.7/32"), {}}, {C("192.0.2.0/24"), {}}}).ok());
}

constexpr const char* kBad4 = "198.51.100.9";
constexpr const char* kGood4 = "10.1.2.3";
constexpr const char* kBad6 = "2001:db8:bad::9";
constexpr const char* kGood6 = "2001:db8:900d::9";
constexpr const char* kDst4 = "10.0.0.1";
constexpr const char* kDst6 = "2001:db8::1";

std::vector<Fixture> Fixtures() {
  using P = PacketBuilder;
  return {
      {"IPv4 source in blocked /24 is dropped", P().Eth().Ipv4(kBad4, kDst4).Udp().Build(),
       XDP_DROP, XG_CLASS_DROP, XG_FAM_IPV4, XG_REASON_NONE},
      {"IPv4 source in no list passes", P().Eth().Ipv4(kGood4, kDst4).Udp().Build(), XDP_PASS,
       XG_CLASS_PASS, XG_FAM_IPV4, XG_REASON_NONE},
      {"IPv6 source in blocked /48 is dropped", P().Eth().Ipv6(kBad6, kDst6).Udp().Build(),
       XDP_DROP, XG_CLASS_DROP, XG_FAM_IPV6, XG_REASON_NONE},
      {"IPv6 source in no list passes", P().Eth().Ipv6(kGood6, kDst6).Udp().Build(), XDP_PASS,
       XG_CLASS_PASS, XG_FAM_IPV6, XG_REASON_NONE},
      {"longest prefix wins: /25 pass rule inside /24 drop",
       P().Eth().Ipv4("198.51.100.200", kDst4).Tcp().Build(), XDP_PASS, XG_CLASS_RULE_PASS,
       XG_FAM_IPV4, XG_REASON_NONE},
      {"allowlisted /32 inside a blocked /24 passes",
       P().Eth().Ipv4("203.0.113.7", kDst4).Tcp().Build(), XDP_PASS, XG_CLASS_ALLOW,
       XG_FAM_IPV4, XG_REASON_NONE},
      {"allowlist /24 wins over a more specific blocked /26",
       P().Eth().Ipv4("192.0.2.70", kDst4).Tcp().Build(), XDP_PASS, XG_CLASS_ALLOW, XG_FAM_IPV4,
       XG_REASON_NONE},
      {"802.1Q: blocked inner source dropped",
       P().Eth().Vlan(0x8100, 10).Ipv4(kBad4, kDst4).Udp().Build(), XDP_DROP, XG_CLASS_DROP,
       XG_FAM_IPV4, XG_REASON_NONE},
      {"QinQ 802.1ad + 802.1Q: blocked inner IPv6 source dropped",
       P().Eth().Vlan(0x88a8, 100).Vlan(0x8100, 10).Ipv6(kBad6, kDst6).Udp().Build(), XDP_DROP,
       XG_CLASS_DROP, XG_FAM_IPV6, XG_REASON_NONE},
      {"legacy 0x9100 QinQ: blocked inner source dropped",
       P().Eth().Vlan(0x9100, 100).Vlan(0x8100, 10).Ipv4(kBad4, kDst4).Udp().Build(), XDP_DROP,
       XG_CLASS_DROP, XG_FAM_IPV4, XG_REASON_NONE},
      {"three VLAN tags exceed the depth: pass, counted vlan_too_deep",
       P().Eth().Vlan(0x88a8, 1).Vlan(0x8100, 2).Vlan(0x8100, 3).Ipv4(kBad4, kDst4).Udp().Build(),
       XDP_PASS, XG_CLASS_PASS, XG_FAM_OTHER, XG_REASON_VLAN_TOO_DEEP},
      {"IPv4 options (ihl 6): source still matched",
       P().Eth().Ipv4(kBad4, kDst4, 17, 1).Udp().Build(), XDP_DROP, XG_CLASS_DROP, XG_FAM_IPV4,
       XG_REASON_NONE},
      {"IPv4 options (ihl 15): source still matched",
       P().Eth().Ipv4(kBad4, kDst4, 17, 10).Udp().Build(), XDP_DROP, XG_CLASS_DROP, XG_FAM_IPV4,
       XG_REASON_NONE},
      {"IPv4 first fragment (MF) from a blocked source dropped",
       P().Eth().Ipv4(kBad4, kDst4, 17, 0, 0x2000).Udp().Payload(16).Build(), XDP_DROP,
       XG_CLASS_DROP, XG_FAM_IPV4, XG_REASON_IPV4_FRAGMENT},
      {"IPv4 middle fragment from a blocked source dropped",
       P().Eth().Ipv4(kBad4, kDst4, 17, 0, 0x2000 | 3).Payload(24).Build(), XDP_DROP,
       XG_CLASS_DROP, XG_FAM_IPV4, XG_REASON_IPV4_FRAGMENT},
      {"IPv4 last fragment from a blocked source dropped",
       P().Eth().Ipv4(kBad4, kDst4, 17, 0, 6).Payload(24).Build(), XDP_DROP, XG_CLASS_DROP,
       XG_FAM_IPV4, XG_REASON_IPV4_FRAGMENT},
      {"IPv4 fragment from an unlisted source passes",
       P().Eth().Ipv4(kGood4, kDst4, 17, 0, 6).Payload(24).Build(), XDP_PASS, XG_CLASS_PASS,
       XG_FAM_IPV4, XG_REASON_IPV4_FRAGMENT},
      {"ihl < 5 with the source present: malformed, still dropped (blocked source)",
       [] {
         Bytes f = P().Eth().Ipv4(kBad4, kDst4).Udp().Build();
         f[14] = 0x44;
         return f;
       }(),
       XDP_DROP, XG_CLASS_DROP, XG_FAM_IPV4, XG_REASON_IPV4_IHL},
      {"ihl < 5 from an unlisted source: malformed, passed",
       [] {
         Bytes f = P().Eth().Ipv4(kGood4, kDst4).Udp().Build();
         f[14] = 0x43;
         return f;
       }(),
       XDP_PASS, XG_CLASS_PASS, XG_FAM_IPV4, XG_REASON_IPV4_IHL},
      {"version 6 under ethertype 0x0800: malformed, blocked source dropped",
       [] {
         Bytes f = P().Eth().Ipv4(kBad4, kDst4).Udp().Build();
         f[14] = 0x65;
         return f;
       }(),
       XDP_DROP, XG_CLASS_DROP, XG_FAM_IPV4, XG_REASON_IPV4_VERSION},
      {"tot_len larger than the frame: malformed, blocked source dropped",
       [] {
         Bytes f = P().Eth().Ipv4(kBad4, kDst4).Udp().Build();
         f[16] = 0x05;  // tot_len 0x05xx
         return f;
       }(),
       XDP_DROP, XG_CLASS_DROP, XG_FAM_IPV4, XG_REASON_IPV4_TOTLEN},
      {"IPv6 HBH + DstOpts + Routing chain: blocked source dropped",
       P().Eth().Ipv6(kBad6, kDst6, 0).Ipv6Ext(60).Ipv6Ext(43, 1).Ipv6Ext(17).Udp().Build(),
       XDP_DROP, XG_CLASS_DROP, XG_FAM_IPV6, XG_REASON_NONE},
      {"IPv6 first fragment from a blocked source dropped",
       P().Eth().Ipv6(kBad6, kDst6, 44).Ipv6Frag(17, 0, true).Udp().Payload(16).Build(),
       XDP_DROP, XG_CLASS_DROP, XG_FAM_IPV6, XG_REASON_IPV6_FRAGMENT},
      {"IPv6 non-first fragment from a blocked source dropped",
       P().Eth().Ipv6(kBad6, kDst6, 44).Ipv6Frag(17, 4, false).Payload(24).Build(), XDP_DROP,
       XG_CLASS_DROP, XG_FAM_IPV6, XG_REASON_IPV6_FRAGMENT},
      {"IPv6 chain longer than the budget: blocked source still dropped, counted",
       [] {
         P p;
         p.Eth().Ipv6(kBad6, kDst6, 60);
         for (int i = 0; i < 9; i++) p.Ipv6Ext(60);
         return p.Ipv6Ext(17).Udp().Build();
       }(),
       XDP_DROP, XG_CLASS_DROP, XG_FAM_IPV6, XG_REASON_IPV6_EXTHDR_BUDGET},
      {"ND neighbour solicitation from a blocked IPv6 source is never dropped",
       P().Eth().Ipv6(kBad6, kDst6, 58).Icmp6(135).Build(), XDP_PASS, XG_CLASS_PASS,
       XG_FAM_IPV6, XG_REASON_ND},
      {"ND neighbour advertisement behind DstOpts from a blocked source passes",
       P().Eth().Ipv6(kBad6, kDst6, 60).Ipv6Ext(58).Icmp6(136).Build(), XDP_PASS,
       XG_CLASS_PASS, XG_FAM_IPV6, XG_REASON_ND},
      {"router advertisement from a blocked source passes",
       P().Eth().Ipv6(kBad6, kDst6, 58).Icmp6(134).Build(), XDP_PASS, XG_CLASS_PASS,
       XG_FAM_IPV6, XG_REASON_ND},
      {"ICMPv6 echo (not ND) from a blocked source is dropped",
       P().Eth().Ipv6(kBad6, kDst6, 58).Icmp6(128).Build(), XDP_DROP, XG_CLASS_DROP,
       XG_FAM_IPV6, XG_REASON_NONE},
      {"ARP from a blocked address is never dropped",
       P().Eth().Arp(1, "02:00:00:00:00:09", kBad4, kDst4).Build(), XDP_PASS, XG_CLASS_PASS,
       XG_FAM_OTHER, XG_REASON_ARP},
      {"ARP inside a VLAN passes", P().Eth().Vlan(0x8100, 5).Arp(2, "02:00:00:00:00:09", kBad4, kDst4).Build(),
       XDP_PASS, XG_CLASS_PASS, XG_FAM_OTHER, XG_REASON_ARP},
      {"LLDP (unknown ethertype) passes, counted ethertype_other",
       P().Eth().Ethertype(0x88cc).Payload(40).Build(), XDP_PASS, XG_CLASS_PASS, XG_FAM_OTHER,
       XG_REASON_ETHERTYPE_OTHER},
      {"802.3 length field passes, counted ethertype_other",
       P().Eth().Ethertype(0x0040).Payload(46).Build(), XDP_PASS, XG_CLASS_PASS, XG_FAM_OTHER,
       XG_REASON_ETHERTYPE_OTHER},
  };
}

}  // namespace

TEST_CASE("fixtures: verdict and exactly one counter move per frame", "[datapath]") {
  auto& t = Tester();
  for (const Fixture& f : Fixtures()) {
    t.Reset();
    LoadSharedRules(t);
    INFO(f.description);
    CHECK(t.Run(f.frame) == f.action);
    datapath::Counters c = t.ReadCounters();
    CHECK(TotalPackets(c) == 1);
    CHECK(c.verdicts[f.cls][f.family].packets == 1);
    CHECK(c.verdicts[f.cls][f.family].bytes == f.frame.size());
    for (int r = 1; r < XG_REASON_MAX; r++) {
      INFO("reason " << datapath::ReasonName(r));
      CHECK(c.reasons[r] == (r == f.reason ? 1u : 0u));
    }
  }
}

TEST_CASE("per-rule and per-origin counters attribute hits to the matched CIDR", "[datapath]") {
  auto& t = Tester();
  t.Reset();
  xg_rule feed_rule = test::DropRule();
  feed_rule.origin = 7;
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), test::DropRule()},
                            {C("2001:db8:bad::/48"), feed_rule}})
              .ok());
  Bytes v4 = PacketBuilder().Eth().Ipv4("198.51.100.77", kDst4).Udp().Build();
  Bytes v6 = PacketBuilder().Eth().Ipv6("2001:db8:bad:1::5", kDst6).Udp().Build();
  for (int i = 0; i < 5; i++) CHECK(t.Run(v4) == XDP_DROP);
  for (int i = 0; i < 3; i++) CHECK(t.Run(v6) == XDP_DROP);
  datapath::Counters c = t.ReadCounters();
  REQUIRE(c.rules.size() == 2);
  CHECK(c.rules[0].cidr.ToString() == "198.51.100.0/24");
  CHECK(c.rules[0].counter.packets == 5);
  CHECK(c.rules[0].counter.bytes == 5 * v4.size());
  CHECK(c.rules[1].cidr.ToString() == "2001:db8:bad::/48");
  CHECK(c.rules[1].counter.packets == 3);
  CHECK(c.origins[0].packets == 5);
  CHECK(c.origins[7].packets == 3);
}

TEST_CASE("TTL: an expired rule is ignored by the datapath, a covering prefix still applies",
          "[datapath]") {
  auto& t = Tester();
  t.Reset();
  xg_rule expired = test::PassRule();
  expired.expires_ns = 1;  // long past on CLOCK_MONOTONIC
  xg_rule future = test::DropRule();
  future.expires_ns = ~0ull;
  REQUIRE(t.block()
              .Upsert({{C("198.51.0.0/16"), test::DropRule()},
                       {C("198.51.100.0/24"), expired},
                       {C("203.0.113.0/24"), expired},
                       {C("192.0.2.0/24"), future}})
              .ok());
  // The expired /24 pass rule no longer shadows the /16 drop.
  CHECK(t.Run(PacketBuilder().Eth().Ipv4("198.51.100.1", kDst4).Udp().Build()) == XDP_DROP);
  // An expired rule with nothing under it: pass.
  CHECK(t.Run(PacketBuilder().Eth().Ipv4("203.0.113.1", kDst4).Udp().Build()) == XDP_PASS);
  // Not yet expired: enforced.
  CHECK(t.Run(PacketBuilder().Eth().Ipv4("192.0.2.1", kDst4).Udp().Build()) == XDP_DROP);
  datapath::Counters c = t.ReadCounters();
  CHECK(c.reasons[XG_REASON_RULE_EXPIRED] == 2);
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 2);
}

TEST_CASE("monitor: per rule and per interface, would-drop is counted and passed", "[datapath]") {
  auto& t = Tester();
  t.Reset();
  xg_rule monitored = test::DropRule();
  monitored.flags = XG_RULE_MONITOR;
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), monitored}, {C("203.0.113.0/24"), test::DropRule()}}).ok());
  Bytes in_monitored = PacketBuilder().Eth().Ipv4("198.51.100.1", kDst4).Udp().Build();
  Bytes in_enforced = PacketBuilder().Eth().Ipv4("203.0.113.1", kDst4).Udp().Build();
  CHECK(t.Run(in_monitored) == XDP_PASS);
  CHECK(t.Run(in_enforced) == XDP_DROP);
  // Interface-wide switch: ifindex 1 (lo) exists in every namespace.
  t.SetInterfaceMonitor(1, true);
  CHECK(t.Run(in_enforced, 1) == XDP_PASS);
  t.SetInterfaceMonitor(1, false);
  CHECK(t.Run(in_enforced, 1) == XDP_DROP);
  datapath::Counters c = t.ReadCounters();
  CHECK(c.verdicts[XG_CLASS_MONITOR][XG_FAM_IPV4].packets == 2);
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 2);
  CHECK(c.rules.size() == 2);  // monitored hits are attributed too
}

// Every truncation of a frame from 14 bytes (the least BPF_PROG_TEST_RUN accepts for XDP)
// to its full length: never a crash, never a drop unless the blocked source address is
// inside the bytes we have, and always exactly one verdict counted.
TEST_CASE("truncation sweep: every length from 14 bytes to the full frame", "[datapath]") {
  auto& t = Tester();
  struct Base {
    const char* name;
    Bytes frame;
    size_t saddr_end;  // frame length from which the source address is complete
  };
  std::vector<Base> bases = {
      {"IPv4/UDP", PacketBuilder().Eth().Ipv4(kBad4, kDst4).Udp().Build(), 14 + 16},
      {"IPv4 with options", PacketBuilder().Eth().Ipv4(kBad4, kDst4, 6, 3).Tcp().Build(), 14 + 16},
      {"IPv6/UDP", PacketBuilder().Eth().Ipv6(kBad6, kDst6).Udp().Build(), 14 + 24},
      {"QinQ IPv4", PacketBuilder().Eth().Vlan(0x88a8, 1).Vlan(0x8100, 2).Ipv4(kBad4, kDst4).Udp().Build(),
       22 + 16},
      {"IPv6 ext chain",
       PacketBuilder().Eth().Ipv6(kBad6, kDst6, 0).Ipv6Ext(60).Ipv6Frag(17, 0, false).Udp().Build(),
       14 + 24},
      {"ARP", PacketBuilder().Eth().Arp(1, "02:00:00:00:00:09", kBad4, kDst4).Build(), ~size_t{0}},
  };
  for (const Base& b : bases) {
    for (size_t len = 14; len <= b.frame.size(); len++) {
      t.Reset();
      LoadSharedRules(t);
      Bytes cut(b.frame.begin(), b.frame.begin() + static_cast<long>(len));
      INFO(b.name << " truncated to " << len << " of " << b.frame.size() << " bytes");
      int expected = len >= b.saddr_end ? XDP_DROP : XDP_PASS;
      CHECK(t.Run(cut) == expected);
      datapath::Counters c = t.ReadCounters();
      CHECK(TotalPackets(c) == 1);
      if (expected == XDP_PASS && len < b.frame.size() && b.saddr_end != ~size_t{0}) {
        uint64_t malformed = 0;
        for (int r = 1; r < XG_REASON_MAX; r++)
          if (XG_REASON_IS_MALFORMED(r)) malformed += c.reasons[r];
        CHECK(malformed == 1);
      }
    }
  }
}

TEST_CASE("the frags-aware variant enforces the same rules", "[datapath]") {
  test::BpfTester frags(true);
  REQUIRE(frags.block().Upsert({{C("198.51.100.0/24"), test::DropRule()}}).ok());
  CHECK(frags.Run(PacketBuilder().Eth().Ipv4(kBad4, kDst4).Udp().Payload(1400).Build()) == XDP_DROP);
  CHECK(frags.Run(PacketBuilder().Eth().Ipv4(kGood4, kDst4).Udp().Build()) == XDP_PASS);
  datapath::Counters c = frags.ReadCounters();
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].bytes == 14 + 20 + 8 + 1400);
}

// Per-interface verdict counters: each interface with a stats slot counts into its own
// block; the totals are the sum of all blocks. When every slot is owned by an existing
// interface, a new one shares block 0; a removed interface's slot is reused, zeroed.
TEST_CASE("per-interface counters: own block, shared block, stale slot reused", "[datapath]") {
  auto& t = Tester();
  t.Reset();
  REQUIRE(t.block().Upsert({{C("203.0.113.0/24"), test::DropRule()}}).ok());
  Bytes blocked = PacketBuilder().Eth().Ipv4("203.0.113.1", kDst4).Udp().Build();
  // BPF_PROG_TEST_RUN always runs on lo (ifindex 1); before it has a slot, block 0.
  CHECK(t.Run(blocked, 1) == XDP_DROP);
  const uint8_t lo_slot = t.AssignStatsSlot(1);
  CHECK(lo_slot == 1);
  CHECK(t.AssignStatsSlot(1) == lo_slot);  // stable
  CHECK(t.Run(blocked, 1) == XDP_DROP);
  CHECK(t.Run(blocked, 1) == XDP_DROP);
  datapath::Counters c = t.ReadCounters();
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 3);
  REQUIRE(c.interfaces.size() == 2);
  CHECK(c.interfaces[0].slot == 0);
  CHECK(c.interfaces[0].verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 1);
  CHECK(c.interfaces[1].slot == lo_slot);
  CHECK(c.interfaces[1].ifindex == 1);
  CHECK(c.interfaces[1].verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 2);

  // Fill every other slot with (pretend) existing interfaces.
  auto all_exist = [](uint32_t) { return true; };
  for (uint32_t i = 0; i < XG_MAX_IF_SLOTS - 2; i++) CHECK(t.AssignStatsSlot(1000 + i, all_exist) != 0);
  CHECK(t.AssignStatsSlot(2000, all_exist) == 0);  // none left: shared block
  // lo "disappears": its slot goes to the newcomer, counts cleared.
  auto lo_gone = [](uint32_t ifindex) { return ifindex != 1; };
  CHECK(t.AssignStatsSlot(2001, lo_gone) == lo_slot);
  c = t.ReadCounters();
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 1);
  bool found = false;
  for (const auto& iv : c.interfaces) {
    if (iv.slot != lo_slot) continue;
    found = true;
    CHECK(iv.ifindex == 2001);
    CHECK(iv.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 0);
  }
  CHECK(found);
  t.Reset();
}

// Per-rule counters go through a per-CPU write-back slot: runs of hits on one rule stay in
// the slot, a change of rule adds the run to the hash. Readers merge both, so the counts
// are exact whatever the interleaving (BPF_PROG_TEST_RUN runs on one CPU).
TEST_CASE("per-rule counters: runs in the write-back slot, merged exactly on read", "[datapath]") {
  auto& t = Tester();
  t.Reset();
  REQUIRE(t.block().Upsert({{C("203.0.113.0/24"), test::DropRule()},
                            {C("198.51.100.0/24"), test::DropRule()}}).ok());
  Bytes a = PacketBuilder().Eth().Ipv4("203.0.113.7", kDst4).Udp().Build();
  Bytes b = PacketBuilder().Eth().Ipv4("198.51.100.9", kDst4).Udp().Build();
  auto hits = [&](const char* cidr) -> uint64_t {
    for (const auto& r : t.ReadCounters().rules)
      if (r.cidr == C(cidr)) return r.counter.packets;
    return 0;
  };
  for (int i = 0; i < 3; i++) CHECK(t.Run(a) == XDP_DROP);
  CHECK(hits("203.0.113.0/24") == 3);  // all three still in the slot
  CHECK(t.Run(b) == XDP_DROP);         // flushes a's run, b's run starts
  CHECK(hits("203.0.113.0/24") == 3);
  CHECK(hits("198.51.100.0/24") == 1);
  for (int i = 0; i < 2; i++) CHECK(t.Run(a) == XDP_DROP);
  CHECK(hits("203.0.113.0/24") == 5);
  CHECK(hits("198.51.100.0/24") == 1);
  CHECK(t.ReadCounters().origins[0].packets == 6);
}
