// SPDX-License-Identifier: GPL-2.0
// Flow table presentation: grouping, sorting, rates between snapshots.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "datapath/keys.h"
#include "flows/flow_view.h"
#include "net/cidr.h"

using namespace xdpguard;
using flows::FlowRecord;

namespace {

FlowRecord Rec(const char* src, const char* dst, uint16_t dport, uint64_t packets,
               uint64_t dropped, const char* rule = nullptr) {
  FlowRecord r{};
  r.key.ifindex = 1;
  r.key.family = XG_FAM_IPV4;
  r.key.proto = 6;
  r.key.sport = htons(40000);
  r.key.dport = htons(dport);
  inet_pton(AF_INET, src, r.key.saddr);
  inet_pton(AF_INET, dst, r.key.daddr);
  r.value.packets = packets;
  r.value.bytes = packets * 100;
  r.value.dropped = dropped;
  r.value.last_ns = packets;
  if (rule) {
    r.value.flags = XG_FLOW_MATCHED;
    r.value.rule = datapath::RuleStatsKey(net::ParseCidr(rule)->cidr);
    r.value.origin = 0;
  }
  return r;
}

}  // namespace

TEST_CASE("rows per flow, sorted by packets, with addresses and ports") {
  std::vector<FlowRecord> after = {Rec("198.51.100.1", "10.0.0.1", 80, 5, 5, "198.51.100.0/24"),
                                   Rec("198.51.100.2", "10.0.0.1", 443, 9, 0, "198.51.100.0/24"),
                                   Rec("10.9.9.9", "10.0.0.1", 22, 1, 0)};
  auto rows = flows::BuildRows({}, after, 0, flows::GroupBy::kFlow, flows::SortBy::kPackets, 0);
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].src == "198.51.100.2:40000");
  CHECK(rows[0].dst == "10.0.0.1:443");
  CHECK(rows[0].proto == "tcp");
  CHECK(rows[0].rule == "198.51.100.0/24");
  CHECK(rows[0].origin == "manual");
  CHECK(rows[2].rule.empty());
  auto by_drops = flows::BuildRows({}, after, 0, flows::GroupBy::kFlow, flows::SortBy::kDrops, 1);
  REQUIRE(by_drops.size() == 1);
  CHECK(by_drops[0].src == "198.51.100.1:40000");
}

TEST_CASE("rows per source and per rule aggregate records") {
  std::vector<FlowRecord> after = {Rec("198.51.100.1", "10.0.0.1", 80, 5, 5, "198.51.100.0/24"),
                                   Rec("198.51.100.1", "10.0.0.2", 80, 3, 0, "198.51.100.0/24"),
                                   Rec("198.51.100.2", "10.0.0.1", 80, 2, 0, "198.51.100.0/24"),
                                   Rec("10.9.9.9", "10.0.0.1", 22, 1, 0)};
  auto src = flows::BuildRows({}, after, 0, flows::GroupBy::kSource, flows::SortBy::kPackets, 0);
  REQUIRE(src.size() == 3);
  CHECK(src[0].src == "198.51.100.1");
  CHECK(src[0].flows == 2);
  CHECK(src[0].packets == 8);
  auto rule = flows::BuildRows({}, after, 0, flows::GroupBy::kRule, flows::SortBy::kPackets, 0);
  REQUIRE(rule.size() == 1);  // unmatched traffic has no rule row
  CHECK(rule[0].rule == "198.51.100.0/24");
  CHECK(rule[0].packets == 10);
  CHECK(rule[0].dropped == 5);
}

TEST_CASE("rates come from the difference between snapshots") {
  std::vector<FlowRecord> before = {Rec("198.51.100.1", "10.0.0.1", 80, 100, 0)};
  std::vector<FlowRecord> after = {Rec("198.51.100.1", "10.0.0.1", 80, 300, 0),
                                   Rec("198.51.100.9", "10.0.0.1", 80, 50, 0)};
  auto rows = flows::BuildRows(before, after, 2.0, flows::GroupBy::kFlow, flows::SortBy::kPackets, 0);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].pps == Approx(100.0));
  CHECK(rows[1].pps == Approx(25.0));  // new flow: counted from zero
  auto json = flows::RowsToJson(rows, flows::GroupBy::kFlow, 2.0);
  CHECK(json[0]["pps"].get<double>() == Approx(100.0));
  CHECK(json[0]["src"] == "198.51.100.1:40000");
  CHECK(json[1]["rule"].is_null());
}

TEST_CASE("group and sort names") {
  CHECK(flows::ParseGroupBy("source").ok());
  CHECK_FALSE(flows::ParseGroupBy("dst").ok());
  CHECK(flows::ParseSortBy("last").ok());
  CHECK_FALSE(flows::ParseSortBy("pkts").ok());
}

TEST_CASE("rows name a feed's rule by the feed, and JSON keeps the id beside the name") {
  FlowRecord r = Rec("198.51.100.1", "10.0.0.1", 80, 5, 5, "198.51.100.0/24");
  r.value.origin = 4;
  lists::OriginNames names({{"crawlers", 4}});
  auto rows = flows::BuildRows({}, {r}, 0, flows::GroupBy::kRule, flows::SortBy::kPackets, 0, names);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].origin == "feed:4");
  CHECK(rows[0].origin_name == "crawlers");
  nlohmann::json j = flows::RowsToJson(rows, flows::GroupBy::kRule, 0);
  CHECK(j[0]["origin"] == "feed:4");
  CHECK(j[0]["origin_name"] == "crawlers");
}
