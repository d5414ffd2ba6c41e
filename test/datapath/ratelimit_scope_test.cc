// SPDX-License-Identifier: GPL-2.0
// Datapath tests for rate limits (GCRA token buckets), rule scope (ports, new-only),
// the fragment policy for scoped rules, and flow records. BPF_PROG_TEST_RUN, needs root.
// Timing: back-to-back test runs take microseconds, so a bucket refills by far less than
// one packet during a burst; refill is checked after a real sleep with a tolerance of one.
#include <arpa/inet.h>
#include <linux/bpf.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "bpf_tester.h"
#include "datapath/interface_config.h"
#include "datapath/keys.h"
#include "lists/manual_rules.h"
#include "net/cidr.h"

using namespace xdpguard;
using test::Bytes;
using test::PacketBuilder;

using test::C;
using test::Tester;
using test::Udp4;

namespace {

xg_rule Rule(const lists::RuleOptions& o, const char* cidr) {
  return lists::MakeManualRule(C(cidr), o, 0, 0);
}

lists::RuleOptions Limit(uint32_t pps, uint32_t burst, uint8_t per = XG_RL_PER_SOURCE) {
  lists::RuleOptions o;
  o.action = XG_ACTION_RATELIMIT;
  o.pps = pps;
  o.burst = burst;
  o.per = per;
  return o;
}

int Passes(test::BpfTester& t, const Bytes& frame, int n) {
  int passed = 0;
  for (int i = 0; i < n; i++) passed += t.Run(frame) == XDP_PASS;
  return passed;
}

Bytes Tcp4(const char* src, uint16_t dport, uint8_t flags) {
  return PacketBuilder().Eth().Ipv4(src, "10.0.0.1", 6).Tcp(40000, dport, flags).Build();
}

}  // namespace

TEST_CASE("rate limit: burst then refill, over-limit counted as ratelimit", "[ratelimit]") {
  auto& t = Tester();
  t.Reset();
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), Rule(Limit(10, 5), "198.51.100.0/24")}}).ok());
  Bytes f = Udp4("198.51.100.7");
  CHECK(Passes(t, f, 20) == 5);  // the burst
  datapath::Counters c = t.ReadCounters();
  CHECK(c.verdicts[XG_CLASS_RULE_PASS][XG_FAM_IPV4].packets == 5);
  CHECK(c.verdicts[XG_CLASS_RATELIMIT][XG_FAM_IPV4].packets == 15);
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 0);
  CHECK(c.rules.at(0).counter.packets == 20);  // every hit is attributed to the rule
  std::this_thread::sleep_for(std::chrono::milliseconds(350));  // 3.5 tokens at 10/s
  int refilled = Passes(t, f, 10);
  INFO("passed after 350 ms: " << refilled);
  CHECK(refilled >= 3);
  CHECK(refilled <= 4);
}

TEST_CASE("rate limit: per-source buckets vs one shared per-rule bucket", "[ratelimit]") {
  auto& t = Tester();
  t.Reset();
  REQUIRE(t.block()
              .Upsert({{C("198.51.100.0/24"), Rule(Limit(1, 4), "198.51.100.0/24")},
                       {C("203.0.113.0/24"), Rule(Limit(1, 4, XG_RL_PER_RULE), "203.0.113.0/24")}})
              .ok());
  // Per source: each address has its own burst of 4.
  CHECK(Passes(t, Udp4("198.51.100.1"), 10) == 4);
  CHECK(Passes(t, Udp4("198.51.100.2"), 10) == 4);
  // Per rule: rotating addresses share one burst of 4.
  CHECK(Passes(t, Udp4("203.0.113.1"), 3) == 3);
  CHECK(Passes(t, Udp4("203.0.113.2"), 10) == 1);
  CHECK(Passes(t, Udp4("203.0.113.3"), 10) == 0);
}

TEST_CASE("rate limit: byte limit (bps) caps large packets", "[ratelimit]") {
  auto& t = Tester();
  t.Reset();
  lists::RuleOptions o = Limit(1000000, 1000000);
  o.bps = 10000;  // 100 ms of tolerance = 1000 bytes
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), Rule(o, "198.51.100.0/24")}}).ok());
  Bytes big = PacketBuilder().Eth().Ipv4("198.51.100.9", "10.0.0.1").Udp().Payload(458).Build();
  REQUIRE(big.size() == 500);
  // 500 B = 50 ms each: the first conforms, then up to 100 ms of tolerance: 2 more.
  CHECK(Passes(t, big, 10) == 3);
}

TEST_CASE("rate limit in monitor mode counts would-drops and passes", "[ratelimit]") {
  auto& t = Tester();
  t.Reset();
  lists::RuleOptions o = Limit(1, 1);
  o.monitor = true;
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), Rule(o, "198.51.100.0/24")}}).ok());
  CHECK(Passes(t, Udp4("198.51.100.3"), 5) == 5);
  datapath::Counters c = t.ReadCounters();
  CHECK(c.verdicts[XG_CLASS_RULE_PASS][XG_FAM_IPV4].packets == 1);
  CHECK(c.verdicts[XG_CLASS_MONITOR][XG_FAM_IPV4].packets == 4);
}

TEST_CASE("port scope: only listed destination ports match, others fall to a covering rule",
          "[scope]") {
  auto& t = Tester();
  t.Reset();
  lists::RuleOptions web;
  web.ports = {80, 443};
  lists::RuleOptions pass;
  pass.action = XG_ACTION_PASS;
  REQUIRE(t.block()
              .Upsert({{C("198.51.100.0/24"), Rule(web, "198.51.100.0/24")},
                       {C("198.51.0.0/16"), Rule(pass, "198.51.0.0/16")},
                       {C("203.0.113.0/24"), Rule(web, "203.0.113.0/24")}})
              .ok());
  CHECK(t.Run(Tcp4("203.0.113.5", 80, XG_TCP_SYN)) == XDP_DROP);
  CHECK(t.Run(Udp4("203.0.113.5", 443)) == XDP_DROP);  // ports apply to UDP too
  CHECK(t.Run(Tcp4("203.0.113.5", 22, XG_TCP_SYN)) == XDP_PASS);
  CHECK(t.Run(PacketBuilder().Eth().Ipv4("203.0.113.5", "10.0.0.1", 1).Payload(8).Build()) ==
        XDP_PASS);  // ICMP has no port: a port-scoped rule does not match
  // Out of the /24's scope, the covering /16 pass-with-count rule applies.
  CHECK(t.Run(Tcp4("198.51.100.5", 22, XG_TCP_SYN)) == XDP_PASS);
  CHECK(t.Run(Tcp4("198.51.100.5", 443, XG_TCP_ACK)) == XDP_DROP);
  datapath::Counters c = t.ReadCounters();
  CHECK(c.verdicts[XG_CLASS_RULE_PASS][XG_FAM_IPV4].packets == 1);
  CHECK(c.verdicts[XG_CLASS_DROP][XG_FAM_IPV4].packets == 3);
  // IPv6 behind extension headers: the port is found after the chain.
  REQUIRE(t.block().Upsert({{C("2001:db8:bad::/48"), Rule(web, "2001:db8:bad::/48")}}).ok());
  Bytes v6 = PacketBuilder().Eth().Ipv6("2001:db8:bad::1", "2001:db8::1", 0).Ipv6Ext(60)
                 .Ipv6Ext(6).Tcp(40000, 443, XG_TCP_SYN).Build();
  CHECK(t.Run(v6) == XDP_DROP);
}

TEST_CASE("fragment policy: port-scoped rules never match non-first fragments", "[scope]") {
  auto& t = Tester();
  t.Reset();
  lists::RuleOptions web;
  web.ports = {80};
  REQUIRE(t.block()
              .Upsert({{C("203.0.113.0/24"), Rule(web, "203.0.113.0/24")},
                       {C("198.51.100.0/24"), Rule({}, "198.51.100.0/24")}})
              .ok());
  // First fragment carries the ports: matched as usual.
  Bytes first = PacketBuilder().Eth().Ipv4("203.0.113.5", "10.0.0.1", 6, 0, 0x2000)
                    .Tcp(40000, 80, XG_TCP_SYN).Payload(16).Build();
  CHECK(t.Run(first) == XDP_DROP);
  // A non-first fragment has no ports: the port-scoped rule does not match it...
  Bytes later = PacketBuilder().Eth().Ipv4("203.0.113.5", "10.0.0.1", 6, 0, 3).Payload(40).Build();
  CHECK(t.Run(later) == XDP_PASS);
  Bytes later6 = PacketBuilder().Eth().Ipv6("2001:db8:bad::1", "2001:db8::1", 44)
                     .Ipv6Frag(6, 8, false).Payload(40).Build();
  REQUIRE(t.block().Upsert({{C("2001:db8:bad::/48"), Rule(web, "2001:db8:bad::/48")}}).ok());
  CHECK(t.Run(later6) == XDP_PASS);
  // ...while a rule covering all ports drops every fragment of its source.
  CHECK(t.Run(PacketBuilder().Eth().Ipv4("198.51.100.5", "10.0.0.1", 6, 0, 3).Payload(40).Build()) ==
        XDP_DROP);
}

TEST_CASE("new-only scope: inbound SYN dropped, replies to our own connections pass", "[scope]") {
  auto& t = Tester();
  t.Reset();
  lists::RuleOptions o;
  o.new_only = true;
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), Rule(o, "198.51.100.0/24")}}).ok());
  CHECK(t.Run(Tcp4("198.51.100.9", 22, XG_TCP_SYN)) == XDP_DROP);
  CHECK(t.Run(Tcp4("198.51.100.9", 40000, XG_TCP_SYN | XG_TCP_ACK)) == XDP_PASS);
  CHECK(t.Run(Tcp4("198.51.100.9", 40000, XG_TCP_ACK)) == XDP_PASS);
  CHECK(t.Run(Tcp4("198.51.100.9", 40000, XG_TCP_ACK | XG_TCP_FIN)) == XDP_PASS);
  CHECK(t.Run(Udp4("198.51.100.9")) == XDP_PASS);
  // A SYN whose TCP header is cut before the flags is not known to be new: not matched.
  Bytes cut = Tcp4("198.51.100.9", 22, XG_TCP_SYN);
  cut.resize(14 + 20 + 10);
  CHECK(t.Run(cut) == XDP_PASS);
}

TEST_CASE("flows: matched mode records rule hits exactly, ignores unmatched traffic", "[flows]") {
  auto& t = Tester();
  t.Reset();
  lists::RuleOptions pass;
  pass.action = XG_ACTION_PASS;
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), Rule(pass, "198.51.100.0/24")}}).ok());
  Bytes hit = Tcp4("198.51.100.7", 443, XG_TCP_ACK);
  for (int i = 0; i < 7; i++) t.Run(hit);
  for (int i = 0; i < 5; i++) t.Run(Udp4("10.9.9.9"));  // no rule: not recorded
  auto flows = t.Flows();
  REQUIRE(flows.size() == 1);
  const xg_flow& f = flows[0].value;
  CHECK(f.packets == 7);
  CHECK(f.bytes == 7 * hit.size());
  CHECK(f.dropped == 0);
  CHECK((f.flags & XG_FLOW_MATCHED));
  CHECK(datapath::FromRuleStatsKey(f.rule).ToString() == "198.51.100.0/24");
  CHECK(flows[0].key.proto == 6);
  CHECK(ntohs(flows[0].key.dport) == 443);
  CHECK(ntohs(flows[0].key.sport) == 40000);
  CHECK(f.first_ns <= f.last_ns);
}

TEST_CASE("flows: all mode records unmatched traffic, off records nothing", "[flows]") {
  auto& t = Tester();
  t.Reset();
  datapath::InterfaceSettings cfg;
  cfg.flow_mode = XG_FLOWS_ALL;
  cfg.pass_sample_shift = 0;  // exact
  t.SetInterfaceSettings(1, cfg);
  for (int i = 0; i < 4; i++) t.Run(Udp4("10.9.9.9"), 1);
  auto flows = t.Flows();
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].value.packets == 4);
  CHECK_FALSE((flows[0].value.flags & XG_FLOW_MATCHED));
  CHECK(flows[0].key.ifindex == 1);
  t.Reset();
  cfg.flow_mode = XG_FLOWS_OFF;
  t.SetInterfaceSettings(1, cfg);
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), test::DropRule()}}).ok());
  for (int i = 0; i < 4; i++) t.Run(Udp4("198.51.100.1"), 1);
  CHECK(t.Flows().empty());
  CHECK(t.ReadCounters().rules.at(0).counter.packets == 4);  // rule totals stay exact
}

TEST_CASE("flows: all mode samples unmatched packets 1 in 8 by default, scaled", "[flows]") {
  auto& t = Tester();
  t.Reset();
  datapath::InterfaceSettings cfg;
  cfg.flow_mode = XG_FLOWS_ALL;
  t.SetInterfaceSettings(1, cfg);
  // 8,000 packets give ~1,000 samples (standard error ~3% of the estimate); accept +-15%.
  for (int i = 0; i < 8000; i++) t.Run(Udp4("10.9.9.9"), 1);
  auto flows = t.Flows();
  REQUIRE(flows.size() == 1);
  INFO("estimated packets " << flows[0].value.packets << " of 8000");
  CHECK(flows[0].value.packets % 8 == 0);
  CHECK(flows[0].value.packets > 6800);
  CHECK(flows[0].value.packets < 9200);
}

TEST_CASE("flows: drop sampling draws at random, so sources taking turns are all sampled", "[flows]") {
  auto& t = Tester();
  t.Reset();
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), test::DropRule()}}).ok());
  // 16 sources in strict rotation, 1,000 drops each, sampled 1 in 16 (the default): a
  // sampler that counted packets instead of drawing would record one source only. Each
  // source gets ~62 samples (standard deviation ~12% of its estimate); accept +-50%.
  std::vector<Bytes> frames;
  for (int s = 0; s < 16; s++) frames.push_back(Udp4(("198.51.100." + std::to_string(s + 1)).c_str()));
  for (int i = 0; i < 1000; i++)
    for (const Bytes& f : frames) t.Run(f, 1);
  auto flows = t.Flows();
  REQUIRE(flows.size() == 16);
  for (const auto& f : flows) {
    INFO("estimated dropped " << f.value.dropped << " of 1000 for one source");
    CHECK(f.value.dropped > 500);
    CHECK(f.value.dropped < 1500);
  }
}

TEST_CASE("flows: dropped packets are sampled and scaled, and exact with sample 1", "[flows]") {
  auto& t = Tester();
  t.Reset();
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), test::DropRule()}}).ok());
  Bytes f = Udp4("198.51.100.1");
  // Default: 1 in 16. 16,000 drops give ~1,000 samples (standard deviation ~3% of the
  // estimate); accept +-15%.
  for (int i = 0; i < 16000; i++) t.Run(f);
  auto flows = t.Flows();
  REQUIRE(flows.size() == 1);
  INFO("estimated dropped " << flows[0].value.dropped << " of 16000");
  CHECK(flows[0].value.dropped % 16 == 0);
  CHECK(flows[0].value.dropped > 13600);
  CHECK(flows[0].value.dropped < 18400);
  t.Reset();
  REQUIRE(t.block().Upsert({{C("198.51.100.0/24"), test::DropRule()}}).ok());
  datapath::InterfaceSettings exact;
  exact.drop_sample_shift = 0;
  t.SetInterfaceSettings(1, exact);
  for (int i = 0; i < 100; i++) t.Run(f, 1);
  flows = t.Flows();
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].value.dropped == 100);
  CHECK(flows[0].value.packets == 100);
}
