// SPDX-License-Identifier: GPL-2.0
// The per-CPU verdict cache in front of the allowlist and blocklist tries: it is really
// consulted (a trie change made behind the controller's back is not seen), every write
// through PrefixTable takes effect on the very next packet, colliding sources never mix
// verdicts, and outcomes that depend on more than the source (ports, new-only, expiry)
// are never cached. BPF_PROG_TEST_RUN, needs root.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sched.h>

#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "bpf_tester.h"
#include "datapath/keys.h"
#include "lists/manual_rules.h"
#include "pinned_cpu.h"

using namespace xdpguard;
using test::Bytes;
using test::C;
using test::PacketBuilder;
using test::PinnedToThisCpu;
using test::Tester;
using test::Udp4;

namespace {

Bytes Udp6(const char* src) {
  return PacketBuilder().Eth().Ipv6(src, "2001:db8::1").Udp(40000, 53).Build();
}

int CachedKind(test::BpfTester& t, const char* ip) {
  std::optional<xg_verdict_slot> s = t.CachedVerdict(ip);
  if (!s || s->gen != t.ListGeneration()) return XG_VERDICT_EMPTY;
  return s->kind;
}

xg_verdict_ctl CacheSwitch(test::BpfTester& t, int cpu) {
  const uint32_t zero = 0;
  std::vector<xg_verdict_ctl> values(libbpf_num_possible_cpus());
  if (bpf_map_lookup_elem(t.map_fd(XG_MAP_VERDICT_CTL), &zero, values.data()) != 0)
    throw std::runtime_error("read xg_verdict_ctl");
  return values.at(cpu);
}

std::string Spread(int i) {  // distinct sources in no list
  return "100.64." + std::to_string(i / 250) + "." + std::to_string(1 + i % 250);
}

}  // namespace

TEST_CASE("verdict cache: every list write takes effect on the next packet", "[cache]") {
  auto& t = Tester();
  t.Reset();
  const char* src = "198.18.5.9";
  CHECK(t.Run(Udp4(src)) == XDP_PASS);
  CHECK(CachedKind(t, src) == XG_VERDICT_NONE);  // also checks the test's index mirror

  const uint64_t gen0 = t.ListGeneration();
  REQUIRE(t.block().Upsert({{C("198.18.5.0/24"), test::DropRule()}}).ok());
  CHECK(t.ListGeneration() != gen0);
  CHECK(t.Run(Udp4(src)) == XDP_DROP);
  CHECK(CachedKind(t, src) == XG_VERDICT_RULE);
  CHECK(t.Run(Udp4(src)) == XDP_DROP);  // from the slot

  xg_rule monitor = test::DropRule();
  monitor.flags = XG_RULE_MONITOR;
  REQUIRE(t.block().Upsert({{C("198.18.5.0/24"), monitor}}).ok());
  CHECK(t.Run(Udp4(src)) == XDP_PASS);

  REQUIRE(t.block().Upsert({{C("198.18.5.0/24"), test::DropRule()}}).ok());
  REQUIRE(t.allow().Upsert({{C("198.18.5.9/32"), {}}}).ok());
  CHECK(t.Run(Udp4(src)) == XDP_PASS);
  CHECK(CachedKind(t, src) == XG_VERDICT_ALLOW);
  REQUIRE(t.allow().Delete({C("198.18.5.9/32")}).ok());
  CHECK(t.Run(Udp4(src)) == XDP_DROP);

  auto removed = t.block().DeleteWhere({C("198.18.5.0/24")}, [](const xg_rule&) { return true; });
  REQUIRE(removed.ok());
  CHECK(*removed == 1);
  CHECK(t.Run(Udp4(src)) == XDP_PASS);
  CHECK(CachedKind(t, src) == XG_VERDICT_NONE);

  datapath::Counters c = t.ReadCounters();
  CHECK(c.verdicts[XG_CLASS_PASS][XG_FAM_IPV4].packets == 2);
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 3);
  CHECK(c.verdicts[XG_CLASS_MONITOR][XG_FAM_IPV4].packets == 1);
  CHECK(c.verdicts[XG_CLASS_ALLOW][XG_FAM_IPV4].packets == 1);
  REQUIRE(c.rules.size() == 1);
  CHECK(c.rules[0].cidr.ToString() == "198.18.5.0/24");
  CHECK(c.rules[0].counter.packets == 4);  // cached hits count per rule like trie hits
}

TEST_CASE("verdict cache: serves repeats from the slot until the generation changes",
          "[cache]") {
  auto& t = Tester();
  t.Reset();
  REQUIRE(t.block().Upsert({{C("198.18.6.0/24"), test::DropRule()}}).ok());
  CHECK(t.Run(Udp4("198.18.6.1")) == XDP_DROP);
  // Delete the rule behind PrefixTable's back: no new generation.
  const xg_lpm_v4_key key = datapath::V4Key(C("198.18.6.0/24"));
  REQUIRE(t.table(XG_MAP_BLOCK_V4)->DeleteBatch(&key, 1, nullptr).ok());
  CHECK(t.Run(Udp4("198.18.6.1")) == XDP_DROP);  // the cached verdict
  CHECK(t.Run(Udp4("198.18.6.2")) == XDP_PASS);  // another source walks the trie
  // Any write through PrefixTable renews the generation.
  REQUIRE(t.allow().Upsert({{C("192.0.2.1/32"), {}}}).ok());
  CHECK(t.Run(Udp4("198.18.6.1")) == XDP_PASS);
}

TEST_CASE("verdict cache: sources sharing a slot evict each other, verdicts never mix",
          "[cache]") {
  auto& t = Tester();
  t.Reset();
  REQUIRE(t.block().Upsert({{C("198.18.7.0/24"), test::DropRule()},
                            {C("2001:db8:bad::/48"), test::DropRule()}})
              .ok());
  const std::string blocked = "198.18.7.7";
  const std::string other = test::CollidingV4(blocked, "100.64.0.0");
  REQUIRE(test::VerdictSlotIndex(other) == test::VerdictSlotIndex(blocked));
  const std::string blocked6 = "2001:db8:bad::7";
  const std::string other4 = test::CollidingV4(blocked6, "100.64.0.0");  // other family
  for (int i = 0; i < 5; i++) {
    CHECK(t.Run(Udp4(blocked.c_str())) == XDP_DROP);
    CHECK(t.Run(Udp4(other.c_str())) == XDP_PASS);
    CHECK(t.Run(Udp6(blocked6.c_str())) == XDP_DROP);
    CHECK(t.Run(Udp4(other4.c_str())) == XDP_PASS);
  }
  datapath::Counters c = t.ReadCounters();
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 5);
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV6].packets == 5);
  CHECK(c.verdicts[XG_CLASS_PASS][XG_FAM_IPV4].packets == 10);
}

TEST_CASE("verdict cache: port-scoped, new-only, expiring and rate-limit rules are never cached",
          "[cache]") {
  auto& t = Tester();
  t.Reset();
  lists::RuleOptions web;
  web.ports = {80};
  lists::RuleOptions syn;
  syn.new_only = true;
  xg_rule expiring = test::DropRule();
  expiring.expires_ns = ~0ull;
  lists::RuleOptions limit;
  limit.action = XG_ACTION_RATELIMIT;
  limit.pps = 1;
  limit.burst = 2;
  REQUIRE(t.block()
              .Upsert({{C("198.18.8.0/24"), lists::MakeManualRule(C("198.18.8.0/24"), web, 0, 0)},
                       {C("198.18.9.0/24"), lists::MakeManualRule(C("198.18.9.0/24"), syn, 0, 0)},
                       {C("198.18.10.0/24"), expiring},
                       {C("198.18.11.0/24"), lists::MakeManualRule(C("198.18.11.0/24"), limit, 0, 0)}})
              .ok());
  for (int i = 0; i < 3; i++) {
    CHECK(t.Run(Udp4("198.18.8.1", 80)) == XDP_DROP);
    CHECK(t.Run(Udp4("198.18.8.1", 22)) == XDP_PASS);
    CHECK(t.Run(PacketBuilder().Eth().Ipv4("198.18.9.1", "10.0.0.1", 6).Tcp(40000, 22, XG_TCP_SYN)
                    .Build()) == XDP_DROP);
    CHECK(t.Run(PacketBuilder().Eth().Ipv4("198.18.9.1", "10.0.0.1", 6).Tcp(40000, 22, XG_TCP_ACK)
                    .Build()) == XDP_PASS);
    CHECK(t.Run(Udp4("198.18.10.1")) == XDP_DROP);
  }
  // Burst of 2, then over the limit: the bucket is consulted on every packet.
  CHECK(t.Run(Udp4("198.18.11.1")) == XDP_PASS);
  CHECK(t.Run(Udp4("198.18.11.1")) == XDP_PASS);
  CHECK(t.Run(Udp4("198.18.11.1")) == XDP_DROP);
  CHECK(t.Run(Udp4("198.18.11.1")) == XDP_DROP);
  CHECK(CachedKind(t, "198.18.11.1") == XG_VERDICT_EMPTY);
  CHECK(CachedKind(t, "198.18.8.1") == XG_VERDICT_EMPTY);
  CHECK(CachedKind(t, "198.18.9.1") == XG_VERDICT_EMPTY);
  CHECK(CachedKind(t, "198.18.10.1") == XG_VERDICT_EMPTY);
}

TEST_CASE("verdict cache: a CPU whose cache keeps missing skips it for a while, verdicts unchanged",
          "[cache]") {
  auto& t = Tester();
  t.Reset();
  PinnedToThisCpu pin;
  REQUIRE(t.block().Upsert({{C("198.18.12.0/24"), test::DropRule()}}).ok());
  REQUIRE(t.allow().Upsert({{C("198.18.12.7/32"), {}}}).ok());
  // A window of consultations by distinct sources: every one misses and fills its slot.
  for (int i = 0; i < XG_VERDICT_WINDOW; i++) CHECK(t.Run(Udp4(Spread(i).c_str())) == XDP_PASS);
  CHECK(CachedKind(t, Spread(0).c_str()) == XG_VERDICT_NONE);
  xg_verdict_ctl sw = CacheSwitch(t, pin.cpu());
  CHECK(sw.lookups == XG_VERDICT_WINDOW);
  CHECK(sw.hits == 0);
  CHECK(sw.bypass == 0);

  // The next packet starts a run that skips the cache: no slot is read or filled, and the
  // lookups still decide every verdict (block, allow over block, no match).
  CHECK(t.Run(Udp4("198.18.12.1")) == XDP_DROP);
  sw = CacheSwitch(t, pin.cpu());
  CHECK(sw.bypass == XG_VERDICT_BYPASS - 1);
  CHECK(CachedKind(t, "198.18.12.1") == XG_VERDICT_EMPTY);
  CHECK(t.Run(Udp4("198.18.12.7")) == XDP_PASS);
  CHECK(t.Run(Udp4(Spread(0).c_str())) == XDP_PASS);
  CHECK(CachedKind(t, "198.18.12.7") == XG_VERDICT_EMPTY);
  int sent_blocked = 1;
  // The rest of the run from one blocked source: still no slot for it.
  for (int i = 3; i < XG_VERDICT_BYPASS; i++, sent_blocked++)
    REQUIRE(t.Run(Udp4("198.18.12.1")) == XDP_DROP);
  CHECK(CacheSwitch(t, pin.cpu()).bypass == 0);
  CHECK(CachedKind(t, "198.18.12.1") == XG_VERDICT_EMPTY);

  // A new window: the repeated source fills its slot once and hits after, so the cache
  // stays on past the window's end.
  for (int i = 0; i < 2 * XG_VERDICT_WINDOW; i++, sent_blocked++)
    REQUIRE(t.Run(Udp4("198.18.12.1")) == XDP_DROP);
  sw = CacheSwitch(t, pin.cpu());
  CHECK(sw.bypass == 0);
  CHECK(sw.hits == sw.lookups);  // the second window: every consultation hit
  CHECK(CachedKind(t, "198.18.12.1") == XG_VERDICT_RULE);

  // Per-rule counters are exact whichever path answered.
  datapath::Counters c = t.ReadCounters();
  REQUIRE(c.rules.size() == 1);
  CHECK(c.rules[0].counter.packets == static_cast<uint64_t>(sent_blocked));
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == static_cast<uint64_t>(sent_blocked));
  CHECK(c.verdicts[XG_CLASS_ALLOW][XG_FAM_IPV4].packets == 1);
}
