// SPDX-License-Identifier: GPL-2.0
#include <catch2/catch.hpp>

#include "datapath/fake_map.h"
#include "lists/manual_rules.h"

using namespace xdpguard;
using net::ParseCidr;

TEST_CASE("manual rules: action, monitor flag, expiry") {
  auto c = ParseCidr("198.51.100.0/24")->cidr;
  lists::RuleOptions o;
  o.monitor = true;
  o.ttl_seconds = 60;
  xg_rule r = lists::MakeManualRule(c, o, 1000, 1700000000);
  CHECK(r.action == XG_ACTION_DROP);
  CHECK(r.flags == XG_RULE_MONITOR);
  CHECK(r.prefixlen == 24);
  CHECK(r.origin == lists::kOriginManual);
  CHECK(r.expires_ns == 1000 + 60ull * 1000000000ull);
  CHECK_FALSE(lists::IsExpired(r, 1000));
  CHECK(lists::IsExpired(r, r.expires_ns));
  xg_rule forever = lists::MakeManualRule(c, {}, 1000, 0);
  CHECK(forever.expires_ns == 0);
  CHECK_FALSE(lists::IsExpired(forever, ~0ull));
}

TEST_CASE("replace plan deletes only manual entries missing from the new list") {
  using Entry = datapath::PrefixTable<xg_rule>::Entry;
  xg_rule manual{}, feed{};
  feed.origin = 3;
  std::vector<Entry> current = {{ParseCidr("10.0.0.0/8")->cidr, manual},
                                {ParseCidr("11.0.0.0/8")->cidr, manual},
                                {ParseCidr("12.0.0.0/8")->cidr, feed}};
  auto stale = lists::ManualEntriesNotIn(current, {ParseCidr("10.0.0.0/8")->cidr});
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].ToString() == "11.0.0.0/8");
}

TEST_CASE("comments: validated, stored, erased") {
  CHECK(lists::ValidateComment("crawler fleet 2026-11").ok());
  CHECK_FALSE(lists::ValidateComment(std::string(64, 'x')).ok());
  CHECK_FALSE(lists::ValidateComment("evil\x1b[2J").ok());
  datapath::FakeMap map("xg_comments", sizeof(xg_rule_stats_key), sizeof(xg_comment), 8);
  lists::CommentStore store(&map);
  auto c = ParseCidr("10.0.0.0/8")->cidr;
  REQUIRE(store.Set(c, "lab").ok());
  CHECK(store.Get(c) == "lab");
  REQUIRE(store.Erase(c).ok());
  CHECK(store.Get(c).empty());
  CHECK(store.Erase(c).ok());  // absent is fine
}
