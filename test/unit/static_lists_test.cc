// SPDX-License-Identifier: GPL-2.0
// The daemon's static lists (the config file's allowlist and blocklist) on the in-memory
// maps: written, then only what changed rewritten, entries that left the file removed,
// the operator's manual entries never touched, comments kept in step, an entry removed by
// hand restored on the next sync, and no gap between any two map changes.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "config/config.h"
#include "daemon/static_lists.h"
#include "fake_map.h"
#include "lists/manual_rules.h"

namespace xdpguard::daemon {
namespace {

using datapath::FakeMap;
using datapath::TestMasks;
using datapath::PrefixTable;

net::Cidr C(const char* s) { return net::ParseCidr(s).value().cidr; }

struct Fixture {
  std::string dir;
  FakeMap b4{"xg_block_v4", sizeof(xg_lpm_v4_key), sizeof(xg_rule), 1000};
  FakeMap b6{"xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 1000};
  FakeMap a4{"xg_allow_v4", sizeof(xg_lpm_v4_key), sizeof(xg_allow), 1000};
  FakeMap a6{"xg_allow_v6", sizeof(xg_lpm_v6_key), sizeof(xg_allow), 1000};
  FakeMap comments_map{"xg_comments", sizeof(xg_rule_stats_key), sizeof(xg_comment), 1000};
  PrefixTable<xg_rule> block = *PrefixTable<xg_rule>::Create(&b4, &b6, TestMasks());
  PrefixTable<xg_allow> allow = *PrefixTable<xg_allow>::Create(&a4, &a6, TestMasks());

  Fixture() {
    char tmpl[] = "/tmp/xg-static-test-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~Fixture() { (void)!system(("rm -rf " + dir).c_str()); }

  config::Config Config(const std::string& lists) {
    return config::ParseConfig(R"({"state_dir": ")" + dir + R"(", )" + lists + "}", "test.json").value();
  }
  absl::StatusOr<StaticSyncResult> Sync(const config::Config& cfg) {
    return SyncStaticLists(StaticListMaps{&block, &allow, &comments_map}, cfg);
  }
  std::optional<xg_rule> Block(const char* c) const { return block.Get(C(c)).value(); }
  std::optional<xg_allow> Allow(const char* c) const { return allow.Get(C(c)).value(); }
};

}  // namespace

TEST_CASE("static lists: written, then only changes, removed entries go, manual stays") {
  Fixture f;
  xg_rule manual{};
  manual.origin = lists::kOriginManual;
  REQUIRE(f.block.Upsert({{C("192.0.2.0/24"), manual}}).ok());

  config::Config v1 = f.Config(R"("blocklist": [
      {"cidr": "203.0.113.0/24", "comment": "scanner"},
      {"cidr": "198.51.100.0/24", "action": "ratelimit", "ratelimit": {"pps": 10}},
      {"cidr": "192.0.2.0/24"}],
    "allowlist": ["10.1.0.0/16"])");
  absl::StatusOr<StaticSyncResult> r1 = f.Sync(v1);
  REQUIRE(r1.ok());
  CHECK(r1->block_written == 3);
  CHECK(r1->allow_written == 1);
  REQUIRE(r1->left_to_manual.size() == 1);
  CHECK(r1->left_to_manual[0] == C("192.0.2.0/24"));
  CHECK(f.Block("192.0.2.0/24")->origin == lists::kOriginManual);
  CHECK(f.Block("203.0.113.0/24")->origin == lists::kOriginConfig);
  CHECK(f.Block("198.51.100.0/24")->rl_pps == 10);
  CHECK(f.Allow("10.1.0.0/16")->origin == lists::kOriginConfig);
  CHECK(lists::CommentStore(&f.comments_map).Get(C("203.0.113.0/24")) == "scanner");

  // The same file again: nothing rewritten (the yielded prefix is tried again: it is not
  // the config's).
  absl::StatusOr<StaticSyncResult> same = f.Sync(v1);
  REQUIRE(same.ok());
  CHECK(same->block_written == 1);
  CHECK(same->allow_written == 0);
  CHECK(same->unchanged == 3);

  // One entry changes, one leaves, the allowlist entry leaves.
  config::Config v2 = f.Config(R"("blocklist": [
      {"cidr": "203.0.113.0/24", "action": "pass"}, "192.0.2.0/24"])");
  f.b4.AfterEachChange([&] {
    // 203.0.113.0/24 is in both versions: it must never be missing.
    if (!f.Block("203.0.113.0/24")) FAIL("203.0.113.0/24 missing between two map changes");
  });
  absl::StatusOr<StaticSyncResult> r2 = f.Sync(v2);
  REQUIRE(r2.ok());
  f.b4.AfterEachChange(nullptr);
  CHECK(r2->block_removed == 1);
  CHECK(r2->allow_removed == 1);
  CHECK(f.Block("203.0.113.0/24")->action == XG_ACTION_PASS);
  CHECK_FALSE(f.Block("198.51.100.0/24"));
  CHECK_FALSE(f.Allow("10.1.0.0/16"));
  CHECK(f.Block("192.0.2.0/24")->origin == lists::kOriginManual);
  CHECK(lists::CommentStore(&f.comments_map).Get(C("203.0.113.0/24")).empty());
}

TEST_CASE("static lists: an entry deleted by hand is restored by the next sync") {
  Fixture f;
  config::Config cfg = f.Config(R"("blocklist": ["203.0.113.0/24", "198.51.100.0/24"])");
  REQUIRE(f.Sync(cfg).ok());
  REQUIRE(f.block.Delete({C("198.51.100.0/24")}).ok());
  absl::StatusOr<StaticSyncResult> r = f.Sync(cfg);
  REQUIRE(r.ok());
  CHECK(r->block_written == 1);
  CHECK(r->unchanged == 1);
  CHECK(f.Block("198.51.100.0/24")->origin == lists::kOriginConfig);
}

TEST_CASE("static lists: without a state file, the config's entries are found in the maps") {
  Fixture f;
  REQUIRE(f.Sync(f.Config(R"("blocklist": ["203.0.113.0/24", "198.51.100.0/24"])")).ok());
  REQUIRE(system(("rm -f " + f.dir + "/static_block.set").c_str()) == 0);
  absl::StatusOr<StaticSyncResult> r = f.Sync(f.Config(R"("blocklist": ["203.0.113.0/24"])"));
  REQUIRE(r.ok());
  CHECK(r->block_removed == 1);
  CHECK(r->unchanged == 1);
  CHECK_FALSE(f.Block("198.51.100.0/24"));
}

}  // namespace xdpguard::daemon
