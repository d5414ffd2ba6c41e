// SPDX-License-Identifier: GPL-2.0
// The list tables (datapath/bucket_map.h) in ordinary memory, probed with the datapath's
// own lookup code (bpf/bucket_lookup.h compiled for the host): entries stay findable
// through the moves a filling table makes, capacity is enforced, rules are shared and
// reused only after a grace period, and a reader running beside the writer never misses
// a key that is being moved (a clear-first mover, the control, does).
#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "datapath/bucket_map.h"
#include "datapath/keys.h"

namespace xdpguard::datapath {
namespace {

const BucketMap* g_table = nullptr;  // what the host-compiled lookup reads
#define XG_BKT_MASK(table) ((void)(table), g_table->bucket_mask())  // one table at a time
#define XG_BUCKET_V4(table, idx) (static_cast<const xg_bucket_v4*>(g_table->buckets()) + (idx))
#define XG_BUCKET_V6(table, idx) (static_cast<const xg_bucket_v6*>(g_table->buckets()) + (idx))
#include "bucket_lookup.h"

using net::Family;

xg_lpm_v4_key Key4(uint32_t host_addr, uint32_t len) { return {len, htonl(host_addr)}; }
xg_lpm_v6_key Key6(uint64_t hi, uint32_t len) {
  xg_lpm_v6_key k{};
  k.prefixlen = len;
  k.addr[0] = htonl(0x20010db8);
  k.addr[1] = htonl(static_cast<uint32_t>(hi >> 32));
  k.addr[2] = htonl(static_cast<uint32_t>(hi));
  return k;
}

xg_rule Rule(uint8_t action, uint64_t expires = 0) {
  xg_rule r{};
  r.action = action;
  r.expires_ns = expires;
  return r;
}

__s64 Find(const xg_lpm_v4_key& k) { return xg_bkt_find_v4(XG_BKT_BLOCK_V4, k.addr, k.prefixlen); }
__s64 Find(const xg_lpm_v6_key& k) { return xg_bkt_find_v6(XG_BKT_BLOCK_V6, k.addr, k.prefixlen); }

// Fills a table to 90% of its slots (past its capacity, where moves are needed).
template <typename K>
void FillAndCheck(Family family, uint32_t buckets, K (*make)(uint64_t, uint32_t)) {
  auto t = BucketMap::InMemory({"xg_block", family, true}, buckets, 0);
  const uint32_t slots = buckets * (family == Family::kIPv4 ? XG_BKT_V4_SLOTS : XG_BKT_V6_SLOTS);
  t->set_capacity_for_testing(slots * 9 / 10);
  g_table = t.get();
  std::vector<K> keys;
  for (uint64_t i = 0; keys.size() < t->max_entries(); i++) keys.push_back(make(i * 2654435761u, 24 + i % 9));
  for (size_t i = 0; i < keys.size(); i++) {
    xg_allow v{};
    v.origin = static_cast<__u16>(i % 1000);
    REQUIRE(t->UpdateBatch(&keys[i], &v, 1, nullptr).ok());
  }
  CHECK(t->moves() > 0);  // a table this full moves keys to make room
  CHECK(*t->Count() == keys.size());
  for (size_t i = 0; i < keys.size(); i++) {
    INFO("key " << i);
    CHECK(Find(keys[i]) == static_cast<__s64>(i % 1000));
  }
  // One more is refused, naming the map; nothing changes.
  K extra = make(0xdeadbeef, 30);
  xg_allow v{};
  absl::Status s = t->UpdateBatch(&extra, &v, 1, nullptr);
  CHECK(absl::IsResourceExhausted(s));
  CHECK(std::string(s.message()).find("xg_block is full") != std::string::npos);
  CHECK(*t->Count() == keys.size());
  // Deletes free the keys; the rest stay findable.
  CHECK(t->spilled_buckets() > 0);
  for (size_t i = 0; i < keys.size(); i += 2) REQUIRE(t->DeleteBatch(&keys[i], 1, nullptr).ok());
  for (size_t i = 0; i < keys.size(); i++) CHECK((Find(keys[i]) >= 0) == (i % 2 == 1));
  CHECK(absl::IsNotFound(t->DeleteBatch(&keys[0], 1, nullptr)));
  // Emptied, the table keeps no spilled mark: marks are cleared with the last key that
  // needed them, so misses stop reading second buckets.
  for (size_t i = 1; i < keys.size(); i += 2) REQUIRE(t->DeleteBatch(&keys[i], 1, nullptr).ok());
  CHECK(*t->Count() == 0);
  CHECK(t->spilled_buckets() == 0);
}

xg_lpm_v4_key Make4(uint64_t x, uint32_t len) { return Key4(static_cast<uint32_t>(x) & ~0xffu, len); }
xg_lpm_v6_key Make6(uint64_t x, uint32_t len) { return Key6(x, len + 32); }

}  // namespace

TEST_CASE("bucket table: a table filled past its capacity keeps every key findable") {
  FillAndCheck<xg_lpm_v4_key>(Family::kIPv4, 64, Make4);
  FillAndCheck<xg_lpm_v6_key>(Family::kIPv6, 64, Make6);
}

TEST_CASE("bucket table: capacity is half the slots, bucket counts are powers of two") {
  CHECK(BucketsForEntries(Family::kIPv4, 1048576) == 262144);
  CHECK(EntryCapacity(Family::kIPv4, 262144) == 1048576);
  CHECK(BucketsForEntries(Family::kIPv6, 131072) == 65536);
  CHECK(EntryCapacity(Family::kIPv6, 65536) == 163840);
  CHECK(RulesForEntries(1048576) == 65536);
  CHECK(BucketsForEntries(Family::kIPv4, 1) == 2);
  CHECK(EntryCapacity(Family::kIPv4, BucketsForEntries(Family::kIPv4, 1000)) >= 1000);
}

TEST_CASE("bucket table: identical rules share one, a freed rule is reused after a grace period") {
  auto t = BucketMap::InMemory({"xg_block_v4", Family::kIPv4, false}, 64, 3);
  g_table = t.get();
  int graces = 0;
  t->set_grace_for_testing([&] { graces++; });
  auto put = [&](uint32_t addr, const xg_rule& r) {
    xg_lpm_v4_key k = Key4(addr, 32);
    return t->UpdateBatch(&k, &r, 1, nullptr);
  };
  auto get = [&](uint32_t addr) {
    xg_lpm_v4_key k = Key4(addr, 32);
    xg_rule r{};
    REQUIRE(*t->Lookup(&k, &r));
    return r;
  };
  for (uint32_t a = 1; a <= 3; a++) REQUIRE(put(a, Rule(XG_ACTION_DROP)).ok());
  REQUIRE(put(4, Rule(XG_ACTION_PASS)).ok());
  CHECK(t->rule_count() == 2);
  CHECK(Find(Key4(1, 32)) == Find(Key4(3, 32)));  // one shared rule
  // A new value for a key switches its reference; the old rule stays for its other users.
  REQUIRE(put(1, Rule(XG_ACTION_PASS)).ok());
  CHECK(get(1).action == XG_ACTION_PASS);
  CHECK(get(2).action == XG_ACTION_DROP);
  CHECK(t->rule_count() == 2);
  // The last user of the pass rule goes: the rule is freed but not reused at once.
  xg_lpm_v4_key k1 = Key4(1, 32), k4 = Key4(4, 32);
  REQUIRE(t->DeleteBatch(&k1, 1, nullptr).ok());
  REQUIRE(t->DeleteBatch(&k4, 1, nullptr).ok());
  CHECK(t->rule_count() == 1);
  REQUIRE(put(5, Rule(XG_ACTION_DROP, 7)).ok());  // the third, never used, slot
  CHECK(graces == 0);
  REQUIRE(put(6, Rule(XG_ACTION_DROP, 8)).ok());  // only the freed one is left: grace first
  CHECK(graces == 1);
  CHECK(get(6).expires_ns == 8);
  absl::Status full = put(7, Rule(XG_ACTION_DROP, 9));
  CHECK(absl::IsResourceExhausted(full));
  CHECK(std::string(full.message()).find("distinct rules") != std::string::npos);
  CHECK(get(2).action == XG_ACTION_DROP);  // untouched by the refusal
}

TEST_CASE("bucket table: past half the rule slots, rules differing only in creation time are shared") {
  auto t = BucketMap::InMemory({"xg_block_v4", Family::kIPv4, false}, 64, 4);
  g_table = t.get();
  auto put = [&](uint32_t addr, xg_rule r) {
    xg_lpm_v4_key k = Key4(addr, 32);
    return t->UpdateBatch(&k, &r, 1, nullptr);
  };
  xg_rule r = Rule(XG_ACTION_DROP);
  for (uint32_t a = 1; a <= 2; a++) {  // two slots of four: each creation time its own rule
    r.created_s = a;
    REQUIRE(put(a, r).ok());
  }
  CHECK(t->rule_count() == 2);
  for (uint32_t a = 3; a <= 100; a++) {  // then shared: the array never fills
    r.created_s = a;
    REQUIRE(put(a, r).ok());
  }
  CHECK(t->rule_count() == 2);
  xg_lpm_v4_key k = Key4(50, 32);
  xg_rule got{};
  REQUIRE(*t->Lookup(&k, &got));
  CHECK(got.action == XG_ACTION_DROP);
  CHECK(got.created_s <= 2);  // the listing shows the shared rule's (older) time
  REQUIRE(put(101, Rule(XG_ACTION_DROP, 5)).ok());  // a TTL still gets a rule of its own
  CHECK(t->rule_count() == 3);
}

namespace {

// A reader beside a writer that fills a table from 45% to 90% of its slots (an insert into
// two full buckets moves keys): the reader looks up keys already present, round robin,
// and counts misses.
size_t MissesWhileFilling(bool clear_first_moves) {
  auto t = BucketMap::InMemory({"xg_block", Family::kIPv4, true}, 1024, 0);
  g_table = t.get();
  t->set_move_order_for_testing(clear_first_moves);
  t->set_capacity_for_testing(1024 * XG_BKT_V4_SLOTS * 9 / 10);  // full enough to need moves
  const uint32_t n = t->max_entries();
  std::vector<xg_lpm_v4_key> keys;
  std::mt19937 rng(5);
  std::set<uint32_t> seen;
  while (keys.size() < n) {
    uint32_t a = rng();
    if (seen.insert(a).second) keys.push_back(Key4(a, 32));
  }
  const uint32_t probed = n / 2;  // present before the reader starts
  for (uint32_t i = 0; i < probed; i++) {
    xg_allow v{};
    v.origin = 1;
    REQUIRE(t->UpdateBatch(&keys[i], &v, 1, nullptr).ok());
  }
  std::atomic<bool> done{false};
  std::atomic<size_t> misses{0};
  std::thread reader([&] {
    size_t local = 0;
    for (uint32_t i = 0; !done.load(std::memory_order_relaxed); i = (i + 1) % probed)
      if (Find(keys[i]) < 0) local++;
    misses = local;
  });
  const size_t before = t->moves();
  for (uint32_t i = probed; i < n; i++) {
    xg_allow v{};
    v.origin = 1;
    REQUIRE(t->UpdateBatch(&keys[i], &v, 1, nullptr).ok());
  }
  done = true;
  reader.join();
  CHECK(t->moves() - before > 100);  // the fill did move keys
  return misses;
}

}  // namespace

TEST_CASE("bucket table: a reader never misses a key while the writer moves keys") {
  CHECK(MissesWhileFilling(false) == 0);
  // The control moves by clearing first (and pausing, as a preempted writer would): the
  // same reader sees keys vanish, so a gap in the product's moves could not hide.
  CHECK(MissesWhileFilling(true) > 0);
}

}  // namespace xdpguard::datapath
