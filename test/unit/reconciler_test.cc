// SPDX-License-Identifier: GPL-2.0
// The one reconciler (lists/reconciler.h) on the in-memory map: the no-gap guarantee
// checked between every single map change, with the delete-first control showing the
// check can see a gap; only the owner's entries touched; unchanged entries not written;
// the state file keyed by map identity; block load --replace semantics (manual owner).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>

#include "temp_dir.h"
#include "delete_first_writer.h"
#include "fake_map.h"
#include "lists/manual_rules.h"
#include "lists/reconciler.h"

namespace xdpguard::lists {
namespace {

using datapath::FakeMap;
using datapath::TestMasks;
using datapath::PrefixTable;
using Entry = PrefixTable<xg_rule>::Entry;

net::Cidr C(const char* s) { return net::ParseCidr(s).value().cidr; }

xg_rule Rule(uint16_t origin, uint8_t action = XG_ACTION_DROP) {
  xg_rule r{};
  r.origin = origin;
  r.action = action;
  return r;
}

const Owner<xg_rule> kFeeds{"feeds", [](const xg_rule& r) { return !IsOperatorOrigin(r.origin); },
                            [](const xg_rule& r) { return IsOperatorOrigin(r.origin); }};
const Owner<xg_rule> kManual{"manual", [](const xg_rule& r) { return r.origin == kOriginManual; }, {}};

struct Maps {
  FakeMap v4{"xg_block_v4", sizeof(xg_lpm_v4_key), sizeof(xg_rule), 100000};
  FakeMap v6{"xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 100000};
  PrefixTable<xg_rule> table = *PrefixTable<xg_rule>::Create(&v4, &v6, TestMasks());

  std::optional<xg_rule> Get(const char* cidr) const { return table.Get(C(cidr)).value(); }
};

using xdpguard::test::TempDir;

absl::StatusOr<Reconciled> Run(Maps& m, const Owner<xg_rule>& owner, std::vector<Entry> desired,
                               const ReconcileOptions& options = {}) {
  absl::StatusOr<AppliedSet> before = LoadApplied(m.table, owner, options);
  if (!before.ok()) return before.status();
  return Reconcile(&m.table, owner, *before, std::move(desired), options);
}

// n /32 entries from 10.0.<base..>.x, all with origin 1 (or the given action).
std::vector<Entry> Hosts(int from, int to, uint8_t action = XG_ACTION_DROP) {
  std::vector<Entry> out;
  for (int i = from; i < to; i++) {
    std::string s = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32";
    out.push_back({C(s.c_str()), Rule(1, action)});
  }
  return out;
}

// Counts the moments (between two single map changes) at which a prefix that is in both
// the old and the new set is missing from the map: what a packet would fall through.
struct GapProbe {
  Maps* m;
  std::vector<net::Cidr> kept;
  size_t changes = 0, gaps = 0;
  void Watch() {
    m->v4.AfterEachChange([this] {
      changes++;
      for (const net::Cidr& c : kept) {
        if (!m->table.Get(c).value()) {
          gaps++;
          return;
        }
      }
    });
  }
};

}  // namespace

TEST_CASE("reconcile: adds and changes before deletes, no gap between any two map changes") {
  Maps m;
  REQUIRE(Run(m, kFeeds, Hosts(0, 200)).ok());
  GapProbe probe{&m};
  // 100..199 stay (50 of them change action), 0..99 go, 200..299 arrive.
  for (const Entry& e : Hosts(100, 200)) probe.kept.push_back(e.cidr);
  probe.Watch();
  std::vector<Entry> next = Hosts(100, 300);
  for (int i = 0; i < 50; i++) next[i].value.action = XG_ACTION_PASS;
  absl::StatusOr<Reconciled> r = Run(m, kFeeds, next);
  REQUIRE(r.ok());
  CHECK(r->result.added == 100);
  CHECK(r->result.changed == 50);
  CHECK(r->result.unchanged == 50);
  CHECK(r->result.deleted == 100);
  CHECK(probe.changes == 250);  // 100 adds + 50 changes + 100 deletes, nothing else written
  CHECK(probe.gaps == 0);
  CHECK(m.v4.size() == 200);
  CHECK(m.Get("10.0.0.100/32")->action == XG_ACTION_PASS);
  CHECK_FALSE(m.Get("10.0.0.99/32"));
}

TEST_CASE("reconcile: the delete-first control opens a gap the probe sees") {
  Maps m;
  REQUIRE(Run(m, kFeeds, Hosts(0, 200)).ok());
  GapProbe probe{&m};
  for (const Entry& e : Hosts(100, 200)) probe.kept.push_back(e.cidr);
  probe.Watch();
  xdpguard::testing::DeleteFirstScope control;
  REQUIRE(Run(m, kFeeds, Hosts(100, 300)).ok());
  CHECK(probe.gaps > 0);
  CHECK(m.v4.size() == 200);  // same end state, reached through a window
}

TEST_CASE("reconcile: only the owner's entries are deleted, and it yields to the operator") {
  Maps m;
  REQUIRE(m.table.Upsert({{C("192.0.2.0/24"), Rule(kOriginManual)},
                          {C("198.51.100.0/24"), Rule(kOriginConfig)}})
              .ok());
  REQUIRE(Run(m, kFeeds, {{C("203.0.113.0/24"), Rule(1)}, {C("192.0.2.0/24"), Rule(2)}}).ok());
  CHECK(m.Get("192.0.2.0/24")->origin == kOriginManual);  // yielded, not overwritten
  // The feeds' set becomes empty: their own entry goes; the operator's stay.
  absl::StatusOr<Reconciled> r = Run(m, kFeeds, {});
  REQUIRE(r.ok());
  CHECK(r->result.deleted == 1);
  CHECK_FALSE(m.Get("203.0.113.0/24"));
  CHECK(m.Get("192.0.2.0/24")->origin == kOriginManual);
  CHECK(m.Get("198.51.100.0/24")->origin == kOriginConfig);
}

TEST_CASE("reconcile: a prefix taken over by another owner since is not deleted") {
  Maps m;
  TempDir dir;
  ReconcileOptions o;
  o.state_path = dir.path + "/feeds.set";
  REQUIRE(Run(m, kFeeds, {{C("203.0.113.0/24"), Rule(1)}}, o).ok());
  REQUIRE(m.table.Upsert({{C("203.0.113.0/24"), Rule(kOriginManual)}}).ok());  // operator
  REQUIRE(Run(m, kFeeds, {}, o).ok());
  CHECK(m.Get("203.0.113.0/24")->origin == kOriginManual);
}

TEST_CASE("reconcile: the state file spares the map walk and is refused for other maps") {
  Maps m;
  TempDir dir;
  ReconcileOptions o;
  o.state_path = dir.path + "/feeds.set";
  REQUIRE(Run(m, kFeeds, Hosts(0, 10), o).ok());
  absl::StatusOr<AppliedSet> saved = LoadAppliedSet(o.state_path);
  REQUIRE(saved.ok());
  CHECK(saved->entries.size() == 10);
  CHECK(saved->maps_identity == m.table.Identity());

  // An entry deleted by hand: the state still lists it, so a plain run does not restore it
  // (the state is trusted: no walk) ...
  REQUIRE(m.table.Delete({C("10.0.0.3/32")}).ok());
  absl::StatusOr<Reconciled> trusted = Run(m, kFeeds, Hosts(0, 10), o);
  REQUIRE(trusted.ok());
  CHECK(trusted->result.unchanged == 10);
  CHECK_FALSE(m.Get("10.0.0.3/32"));
  // ... a resync reads the maps and does; so does verify_unchanged.
  o.resync = true;
  absl::StatusOr<Reconciled> resynced = Run(m, kFeeds, Hosts(0, 10), o);
  REQUIRE(resynced.ok());
  CHECK(resynced->result.added == 1);
  CHECK(m.Get("10.0.0.3/32"));
  o.resync = false;
  REQUIRE(m.table.Delete({C("10.0.0.4/32")}).ok());
  o.verify_unchanged = true;
  absl::StatusOr<Reconciled> verified = Run(m, kFeeds, Hosts(0, 10), o);
  REQUIRE(verified.ok());
  CHECK(verified->result.changed == 1);
  CHECK(m.Get("10.0.0.4/32"));

  // The same file against other maps (a reboot re-created them): read from those maps.
  Maps other;
  REQUIRE(other.table.Upsert({{C("10.9.9.9/32"), Rule(1)}}).ok());
  absl::StatusOr<AppliedSet> before = LoadApplied(other.table, kFeeds, o);
  REQUIRE(before.ok());
  REQUIRE(before->entries.size() == 1);
  CHECK(before->entries[0].cidr == C("10.9.9.9/32"));

  // A corrupt file is refused (DataLoss) and the maps are read instead.
  FILE* f = fopen(o.state_path.c_str(), "r+");
  REQUIRE(f);
  fseek(f, -3, SEEK_END);
  fputs("xyz", f);
  fclose(f);
  CHECK(absl::IsDataLoss(LoadAppliedSet(o.state_path).status()));
  absl::StatusOr<AppliedSet> walked = LoadApplied(m.table, kFeeds, o);
  REQUIRE(walked.ok());
  CHECK(walked->entries.size() == 10);
}

TEST_CASE("reconcile: a refused write leaves the state file absent, so the next run reads the maps") {
  Maps m;
  TempDir dir;
  ReconcileOptions o;
  o.state_path = dir.path + "/feeds.set";
  REQUIRE(Run(m, kFeeds, Hosts(0, 10), o).ok());
  m.v4.FailUpdateAfter(3);
  CHECK_FALSE(Run(m, kFeeds, Hosts(0, 20), o).ok());
  CHECK(absl::IsNotFound(LoadAppliedSet(o.state_path).status()));
  CHECK(m.v4.size() == 10);  // the batch was rolled back
  REQUIRE(Run(m, kFeeds, Hosts(0, 20), o).ok());
  CHECK(m.v4.size() == 20);
}

TEST_CASE("reconcile: block load --replace deletes only manual entries missing from the file") {
  Maps m;
  REQUIRE(m.table.Upsert({{C("10.0.0.0/8"), Rule(kOriginManual)},
                          {C("11.0.0.0/8"), Rule(kOriginManual)},
                          {C("12.0.0.0/8"), Rule(3)},
                          {C("13.0.0.0/8"), Rule(kOriginConfig)}})
              .ok());
  absl::StatusOr<AppliedSet> before = AppliedFromMaps(m.table, kManual);
  REQUIRE(before.ok());
  CHECK(before->entries.size() == 2);
  absl::StatusOr<Reconciled> r =
      Reconcile(&m.table, kManual, *before,
                {{C("10.0.0.0/8"), Rule(kOriginManual)}, {C("12.0.0.0/8"), Rule(kOriginManual)}}, {});
  REQUIRE(r.ok());
  REQUIRE(r->result.removed.size() == 1);
  CHECK(r->result.removed[0] == C("11.0.0.0/8"));
  CHECK(r->result.unchanged == 1);  // 10/8 is already exactly this
  CHECK_FALSE(m.Get("11.0.0.0/8"));
  CHECK(m.Get("12.0.0.0/8")->origin == kOriginManual);  // the operator's file takes it over
  CHECK(m.Get("13.0.0.0/8")->origin == kOriginConfig);  // not a manual entry: kept
}

TEST_CASE("value version ignores the creation time only") {
  xg_rule a = Rule(1), b = Rule(1);
  b.created_s = 12345;
  CHECK(ValueVersion(a) == ValueVersion(b));
  b.rl_pps = 1;
  CHECK(ValueVersion(a) != ValueVersion(b));
}

}  // namespace xdpguard::lists
