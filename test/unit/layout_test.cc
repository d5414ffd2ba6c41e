// SPDX-License-Identifier: GPL-2.0
// Repeats the contract's layout asserts from C++ (g++ may lay out differently from
// clang -target bpf only if the header is wrong; this makes such a change fail loudly).
#include <catch2/catch.hpp>

#include <map>

#include <cstddef>
#include <type_traits>

#include "datapath/datapath_object.h"
#include "xdpguard_guard.h"
#include "xdpguard_maps.h"

TEST_CASE("kernel/user contract layout") {
  CHECK(sizeof(xg_lpm_v4_key) == 8);
  CHECK(sizeof(xg_lpm_v6_key) == 20);
  CHECK(offsetof(xg_lpm_v6_key, addr) == 4);
  CHECK(sizeof(xg_rule) == 56);
  CHECK(offsetof(xg_rule, prefixlen) == 2);
  CHECK(offsetof(xg_rule, origin) == 4);
  CHECK(offsetof(xg_rule, expires_ns) == 8);
  CHECK(offsetof(xg_rule, created_s) == 16);
  CHECK(offsetof(xg_rule, rl_pps) == 24);
  CHECK(offsetof(xg_rule, rl_bps) == 32);
  CHECK(offsetof(xg_rule, ports) == 40);
  CHECK(sizeof(xg_allow) == 8);
  CHECK(offsetof(xg_allow, prefixlen) == 2);
  CHECK(sizeof(xg_counter) == 16);
  CHECK(sizeof(xg_rule_stats_key) == 20);
  CHECK(offsetof(xg_rule_stats_key, addr) == 4);
  CHECK(sizeof(xg_if_config) == 8);
  CHECK(sizeof(xg_info) == 8);
  CHECK(sizeof(xg_comment) == XG_COMMENT_MAX);
  CHECK(sizeof(xg_verdict_slot) == 32);
  CHECK(offsetof(xg_verdict_slot, origin) == 30);
  CHECK(XG_VERDICT_SLOTS == 4096);
  CHECK(sizeof(xg_bucket_key) == 36);
  CHECK(offsetof(xg_bucket_key, src) == 20);
  CHECK(sizeof(xg_bucket) == 16);
  CHECK(sizeof(xg_flow_key) == 44);
  CHECK(offsetof(xg_flow_key, sport) == 6);
  CHECK(offsetof(xg_flow_key, saddr) == 12);
  CHECK(offsetof(xg_flow_key, daddr) == 28);
  CHECK(sizeof(xg_flow) == 72);
  CHECK(offsetof(xg_flow, rule) == 48);
  CHECK(offsetof(xg_flow, origin) == 68);
  CHECK(offsetof(xg_if_config, flow_mode) == 4);
  CHECK(std::is_trivially_copyable_v<xg_rule>);
  CHECK(XG_STATS_ENTRIES == XG_CLASS_MAX * XG_FAM_MAX);
}

TEST_CASE("map names fit the kernel's 15-character limit") {
  for (const char* name : {XG_MAP_BLOCK_V4, XG_MAP_BLOCK_V6, XG_MAP_ALLOW_V4, XG_MAP_ALLOW_V6,
                           XG_MAP_STATS, XG_MAP_REASONS, XG_MAP_RULE_STATS, XG_MAP_ORIGIN_STATS,
                           XG_MAP_IFCONFIG, XG_MAP_INFO, XG_MAP_COMMENTS, XG_MAP_BUCKETS,
                           XG_MAP_FLOWS, XG_MAP_IF_SLOTS, XG_MAP_RULE_CACHE, XG_MAP_LENS_V4,
                           XG_MAP_LENS_V6, XG_MAP_LSUM_V4, XG_MAP_LSUM_V6, XG_MAP_RULES_V4,
                           XG_MAP_RULES_V6}) {
    INFO(name);
    CHECK(std::char_traits<char>::length(name) <= 15);
  }
}

TEST_CASE("the object's maps are the contract's: names, key and value sizes") {
  absl::StatusOr<std::vector<xdpguard::datapath::ObjectMapSpec>> specs =
      xdpguard::datapath::ObjectMapSpecs();
  REQUIRE(specs.ok());
  std::map<std::string, std::pair<uint32_t, uint32_t>> sizes;
  for (const auto& s : *specs) sizes[s.name] = {s.key_size, s.value_size};
  using P = std::pair<uint32_t, uint32_t>;
  CHECK(sizes.at(XG_MAP_BLOCK_V4) == P{sizeof(__u32), sizeof(xg_bucket_v4)});
  CHECK(sizes.at(XG_MAP_BLOCK_V6) == P{sizeof(__u32), sizeof(xg_bucket_v6)});
  CHECK(sizes.at(XG_MAP_ALLOW_V4) == P{sizeof(__u32), sizeof(xg_bucket_v4)});
  CHECK(sizes.at(XG_MAP_ALLOW_V6) == P{sizeof(__u32), sizeof(xg_bucket_v6)});
  CHECK(sizes.at(XG_MAP_RULES_V4) == P{sizeof(__u32), sizeof(xg_rule)});
  CHECK(sizes.at(XG_MAP_RULES_V6) == P{sizeof(__u32), sizeof(xg_rule)});
  CHECK(sizes.at(XG_MAP_STATS) == P{sizeof(__u32), sizeof(xg_counter)});
  CHECK(sizes.at(XG_MAP_VERDICTS) == P{sizeof(__u32), sizeof(xg_verdict_slot)});
  CHECK(sizes.at(XG_MAP_VERDICT_CTL) == P{sizeof(__u32), sizeof(xg_verdict_ctl)});
  CHECK(sizes.at(XG_MAP_GUARD_STATS) == P{sizeof(__u32), sizeof(__u64)});
  CHECK(sizes.at(XG_MAP_LENS_V4) == P{sizeof(__u32), sizeof(xg_lens_v4)});
  CHECK(sizes.at(XG_MAP_LENS_V6) == P{sizeof(__u32), sizeof(xg_lens_v6)});
  CHECK(sizes.at(XG_MAP_LSUM_V4) == P{sizeof(__u32), sizeof(__u64)});
  CHECK(sizes.at(XG_MAP_LSUM_V6) == P{sizeof(__u32), sizeof(__u64)});
  CHECK(sizes.size() == 29);  // every pinned map; a new one is a new row in this test
  for (const auto& [name, kv] : sizes) {
    INFO(name);
    CHECK(name.size() <= 15);
  }
}
