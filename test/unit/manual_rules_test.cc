// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "fake_map.h"
#include "lists/manual_rules.h"
#include "lists/origin_names.h"
#include "lists/rule_options.h"

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

TEST_CASE("port lists: strict, distinct, at most 8") {
  auto p = lists::ParsePortList("80,443");
  REQUIRE(p.ok());
  CHECK(*p == std::vector<uint16_t>{80, 443});
  for (const char* bad : {"", "0", "65536", "80,", "80,80", "http", "1,2,3,4,5,6,7,8,9", "-1", " 80"}) {
    INFO(bad);
    CHECK_FALSE(lists::ParsePortList(bad).ok());
  }
}

TEST_CASE("rate-limit and scope options land in the rule value") {
  lists::RuleOptions o;
  o.action = XG_ACTION_RATELIMIT;
  o.pps = 10;
  o.per = XG_RL_PER_RULE;
  o.ports = {80, 443};
  o.new_only = true;
  xg_rule r = lists::MakeManualRule(ParseCidr("198.51.100.0/24")->cidr, o, 0, 0);
  CHECK(r.rl_pps == 10);
  CHECK(r.rl_burst == 10);  // default burst: one second's worth
  CHECK(r.rl_per == XG_RL_PER_RULE);
  CHECK(r.nports == 2);
  CHECK(r.ports[0] == htons(80));
  CHECK((r.flags & XG_RULE_NEW_ONLY));
  CHECK(lists::DescribeRule(r) == "ratelimit 10/s burst 10 per rule; ports 80,443; new-only");
  lists::RuleOptions plain;
  CHECK(lists::DescribeRule(lists::MakeManualRule(ParseCidr("10.0.0.0/8")->cidr, plain, 0, 0)) ==
        "drop");
}

TEST_CASE("origin names: feeds by name, operator origins fixed, unknown ids by id") {
  lists::OriginNames names({{"spamhaus", 1}, {"abuse", 7}});
  CHECK(names.Name(1) == "spamhaus");
  CHECK(names.Name(7) == "abuse");
  CHECK(names.Name(3) == "feed:3");
  CHECK(names.Name(lists::kOriginManual) == "manual");
  CHECK(names.Name(lists::kOriginConfig) == "config");
  CHECK(names.Name(lists::kOriginFail2ban) == "fail2ban");
  CHECK(lists::OriginNames().Name(1) == "feed:1");
}

TEST_CASE("origin names: the named ids are manual, every known feed, fail2ban and config, in order") {
  lists::OriginNames names({{"spamhaus", 1}, {"abuse", 7}});
  CHECK(names.NamedIds() ==
        std::vector<uint16_t>{lists::kOriginManual, 1, 7, lists::kOriginFail2ban, lists::kOriginConfig});
  CHECK(names.IsNamed(7));
  CHECK(names.IsNamed(lists::kOriginFail2ban));
  CHECK_FALSE(names.IsNamed(3));
  CHECK(lists::OriginNames().NamedIds() ==
        std::vector<uint16_t>{lists::kOriginManual, lists::kOriginFail2ban, lists::kOriginConfig});
}

TEST_CASE("origins: fail2ban's bans belong to the operator's side, never to the feeds") {
  CHECK(lists::IsOperatorOrigin(lists::kOriginFail2ban));
  CHECK(lists::IsOperatorOrigin(lists::kOriginManual));
  CHECK(lists::IsOperatorOrigin(lists::kOriginConfig));
  CHECK_FALSE(lists::IsOperatorOrigin(1));
  CHECK_FALSE(lists::IsOperatorOrigin(XG_ORIGIN_FEED_LAST));
  CHECK(XG_ORIGIN_FEED_LAST < lists::kOriginFail2ban);
}
