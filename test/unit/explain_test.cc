// SPDX-License-Identifier: GPL-2.0
// lists::Explain against the in-memory fake maps: longest first, the allowlist first, the
// datapath's fallback over expired and scoped rules and its retry budget.
#include <catch2/catch.hpp>

#include "datapath/prefix_table.h"
#include "fake_map.h"
#include "lists/explain.h"
#include "xdpguard_maps.h"

using xdpguard::datapath::FakeMap;
using xdpguard::datapath::PrefixTable;
using xdpguard::datapath::TestMasks;
using xdpguard::lists::Explain;
using xdpguard::net::Cidr;
using xdpguard::net::ParseCidr;

namespace {

Cidr C(const char* s) { return ParseCidr(s)->cidr; }

constexpr uint64_t kNow = 1000ull * 1000000000ull;

struct Lists {
  FakeMap b4{"xg_block_v4", sizeof(xg_lpm_v4_key), sizeof(xg_rule), 64};
  FakeMap b6{"xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 64};
  FakeMap a4{"xg_allow_v4", sizeof(xg_lpm_v4_key), sizeof(xg_allow), 64};
  FakeMap a6{"xg_allow_v6", sizeof(xg_lpm_v6_key), sizeof(xg_allow), 64};
  PrefixTable<xg_rule> block = *PrefixTable<xg_rule>::Create(&b4, &b6, TestMasks());
  PrefixTable<xg_allow> allow = *PrefixTable<xg_allow>::Create(&a4, &a6, TestMasks());

  void Block(const char* cidr, xg_rule r = {}) { REQUIRE(block.Upsert({{C(cidr), r}}).ok()); }
};

xg_rule Expired() {
  xg_rule r{};
  r.expires_ns = kNow - 1;
  return r;
}

xg_rule Ports(uint16_t port) {
  xg_rule r{};
  r.nports = 1;
  r.ports[0] = __builtin_bswap16(port);
  return r;
}

}  // namespace

TEST_CASE("explain: the longest applicable rule decides, the rules behind it are listed but not consulted") {
  Lists l;
  l.Block("203.0.0.0/16");
  l.Block("203.0.113.0/24");
  l.Block("203.0.113.7/32", Ports(80));
  auto e = Explain(l.block, l.allow, C("203.0.113.7"), kNow);
  REQUIRE(e.ok());
  REQUIRE(e->block.size() == 3);
  CHECK(e->block[0].cidr == C("203.0.113.7/32"));
  CHECK(e->block[0].scoped);
  CHECK(e->block[0].reached);
  REQUIRE(e->deciding == 1u);
  CHECK(e->block[2].cidr == C("203.0.0.0/16"));
  CHECK_FALSE(e->block[2].reached);
  CHECK(e->verdict == "rule");
}

TEST_CASE("explain: an allowlist entry wins over every rule") {
  Lists l;
  l.Block("198.51.100.0/24");
  REQUIRE(l.allow.Upsert({{C("198.51.100.0/25"), xg_allow{}}}).ok());
  auto e = Explain(l.block, l.allow, C("198.51.100.5"), kNow);
  REQUIRE(e.ok());
  CHECK(e->verdict == "allow");
  CHECK(e->allow.size() == 1);
  CHECK_FALSE(e->deciding.has_value());
  CHECK_FALSE(e->block[0].reached);
}

TEST_CASE("explain: expired and scoped rules fall back to the covering rule") {
  Lists l;
  l.Block("10.0.0.0/8");
  l.Block("10.1.0.0/16", Expired());
  l.Block("10.1.2.3/32", Ports(443));
  auto e = Explain(l.block, l.allow, C("10.1.2.3"), kNow);
  REQUIRE(e.ok());
  REQUIRE(e->block.size() == 3);
  CHECK(e->block[1].expired);
  REQUIRE(e->deciding == 2u);
  CHECK(e->verdict == "rule");
}

TEST_CASE("explain: with only scoped rules other packets pass, and an unlisted address is none") {
  Lists l;
  l.Block("10.1.2.3/32", Ports(443));
  auto e = Explain(l.block, l.allow, C("10.1.2.3"), kNow);
  REQUIRE(e.ok());
  CHECK(e->verdict == "scoped");
  CHECK(Explain(l.block, l.allow, C("10.9.9.9"), kNow)->verdict == "none");
}

TEST_CASE("explain: beyond the retry budget the datapath stops, and so does the answer") {
  Lists l;
  l.Block("10.0.0.0/8");  // would decide, but six skipped rules come first
  for (const char* c : {"10.1.2.3/32", "10.1.2.2/31", "10.1.2.0/30", "10.1.2.0/29", "10.1.2.0/28",
                        "10.1.2.0/27"})
    l.Block(c, Ports(443));
  auto e = Explain(l.block, l.allow, C("10.1.2.3"), kNow);
  REQUIRE(e.ok());
  REQUIRE(e->block.size() == 7);
  for (int i = 0; i <= XG_MAX_RULE_RETRIES; i++) CHECK(e->block[i].reached);
  CHECK_FALSE(e->block[XG_MAX_RULE_RETRIES + 1].reached);
  CHECK_FALSE(e->block[6].reached);
  CHECK_FALSE(e->deciding.has_value());
  CHECK(e->verdict == "scoped");
}

TEST_CASE("explain: IPv6, and a prefix instead of an address is refused") {
  Lists l;
  l.Block("2001:db8::/32");
  auto e = Explain(l.block, l.allow, C("2001:db8::1"), kNow);
  REQUIRE(e.ok());
  CHECK(e->deciding == 0u);
  CHECK_FALSE(Explain(l.block, l.allow, C("2001:db8::/64"), kNow).ok());
}
