// SPDX-License-Identifier: GPL-2.0
// PrefixTable against the in-memory fake: all-or-nothing writes, full-map reporting,
// rollback of a batch the kernel refuses part-way, exact-match semantics.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>

#include "fake_map.h"
#include "datapath/prefix_table.h"
#include "xdpguard_maps.h"

using xdpguard::datapath::FakeMap;
using xdpguard::datapath::TestMasks;
using xdpguard::datapath::PrefixTable;
using xdpguard::net::Cidr;
using xdpguard::net::ParseCidr;

namespace {

Cidr C(const char* s) { return ParseCidr(s)->cidr; }

xg_rule Rule(uint8_t action) {
  xg_rule r{};
  r.action = action;
  return r;
}

struct Fixture {
  FakeMap v4{"xg_block_v4", sizeof(xg_lpm_v4_key), sizeof(xg_rule), 4};
  FakeMap v6{"xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 4};
  PrefixTable<xg_rule> table = *PrefixTable<xg_rule>::Create(&v4, &v6, TestMasks());
};

}  // namespace

TEST_CASE("upsert, get, list and delete across families") {
  Fixture f;
  REQUIRE(f.table.Upsert({{C("10.0.0.0/8"), Rule(XG_ACTION_DROP)},
                          {C("2001:db8::/32"), Rule(XG_ACTION_PASS)}})
              .ok());
  CHECK(f.v4.size() == 1);
  CHECK(f.v6.size() == 1);
  auto got = f.table.Get(C("10.0.0.0/8"));
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->prefixlen == 8);  // the table stamps the key's length into the value
  CHECK(f.table.List()->size() == 2);
  REQUIRE(f.table.Delete({C("10.0.0.0/8")}).ok());
  CHECK(f.v4.size() == 0);
}

TEST_CASE("size mismatch with the contract is refused at creation") {
  FakeMap wrong("xg_block_v4", sizeof(xg_lpm_v4_key), 48, 4);
  FakeMap v6("xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 4);
  auto t = PrefixTable<xg_rule>::Create(&wrong, &v6, TestMasks());
  REQUIRE_FALSE(t.ok());
  CHECK(std::string(t.status().message()).find("different xdpguard version") != std::string::npos);
}

TEST_CASE("a full map rejects the whole batch, names the map and the count that did not fit") {
  Fixture f;
  REQUIRE(f.table.Upsert({{C("10.0.0.0/8"), Rule(0)}, {C("11.0.0.0/8"), Rule(0)}}).ok());
  auto st = f.table.Upsert({{C("10.0.0.0/8"), Rule(XG_ACTION_PASS)},  // overwrite
                            {C("12.0.0.0/8"), Rule(0)},
                            {C("13.0.0.0/8"), Rule(0)},
                            {C("14.0.0.0/8"), Rule(0)}});
  REQUIRE_FALSE(st.ok());
  CHECK(absl::IsResourceExhausted(st));
  std::string msg(st.message());
  CHECK(msg.find("xg_block_v4") != std::string::npos);
  CHECK(msg.find("1 of 3 new entries did not fit") != std::string::npos);
  CHECK(msg.find("nothing was applied") != std::string::npos);
  // Old state byte for byte: two entries, the overwritten one restored.
  CHECK(f.v4.size() == 2);
  CHECK((*f.table.Get(C("10.0.0.0/8")))->action == XG_ACTION_DROP);
  CHECK_FALSE(f.table.Get(C("12.0.0.0/8"))->has_value());
}

TEST_CASE("a failure in the IPv6 half undoes the IPv4 half") {
  Fixture f;
  f.v6.FailUpdateAfter(0);
  auto st = f.table.Upsert({{C("10.0.0.0/8"), Rule(0)}, {C("2001:db8::/32"), Rule(0)}});
  REQUIRE_FALSE(st.ok());
  CHECK(f.v4.size() == 0);
  CHECK(f.v6.size() == 0);
}

TEST_CASE("a mid-batch kernel error rolls back what was written") {
  Fixture f;
  REQUIRE(f.table.Upsert({{C("10.0.0.0/8"), Rule(XG_ACTION_DROP)}}).ok());
  f.v4.FailUpdateAfter(1);
  auto st = f.table.Upsert({{C("10.0.0.0/8"), Rule(XG_ACTION_PASS)}, {C("11.0.0.0/8"), Rule(0)}});
  REQUIRE_FALSE(st.ok());
  CHECK(std::string(st.message()).find("nothing was applied") != std::string::npos);
  CHECK(f.v4.size() == 1);
  CHECK((*f.table.Get(C("10.0.0.0/8")))->action == XG_ACTION_DROP);
}

TEST_CASE("a write refused part-way restores only the overwrites made before the failure") {
  // The undo log is written before the map is: only the prefix of the write that the map
  // applied may be undone (two entries here, an overwrite and an add).
  Fixture f;
  REQUIRE(f.table.Upsert({{C("10.0.0.0/8"), Rule(XG_ACTION_DROP)},
                          {C("11.0.0.0/8"), Rule(XG_ACTION_DROP)}})
              .ok());
  f.v4.FailUpdateAfter(2);
  auto st = f.table.Upsert({{C("10.0.0.0/8"), Rule(XG_ACTION_PASS)},
                            {C("12.0.0.0/8"), Rule(0)},
                            {C("11.0.0.0/8"), Rule(XG_ACTION_PASS)},
                            {C("13.0.0.0/8"), Rule(0)}});
  REQUIRE_FALSE(st.ok());
  CHECK(f.v4.size() == 2);
  CHECK((*f.table.Get(C("10.0.0.0/8")))->action == XG_ACTION_DROP);
  CHECK((*f.table.Get(C("11.0.0.0/8")))->action == XG_ACTION_DROP);
  CHECK_FALSE(f.table.Get(C("12.0.0.0/8"))->has_value());
  CHECK_FALSE(f.table.Get(C("13.0.0.0/8"))->has_value());
}

TEST_CASE("delete of an absent prefix deletes nothing") {
  Fixture f;
  REQUIRE(f.table.Upsert({{C("10.0.0.0/8"), Rule(0)}}).ok());
  auto st = f.table.Delete({C("10.0.0.0/8"), C("192.0.2.0/24")});
  REQUIRE_FALSE(st.ok());
  CHECK(absl::IsNotFound(st));
  CHECK(std::string(st.message()).find("192.0.2.0/24") != std::string::npos);
  CHECK(f.v4.size() == 1);
}

namespace {

uint64_t Generation(FakeMap& gen) {
  const uint32_t key = 0;
  uint64_t value = 0;
  REQUIRE(gen.Lookup(&key, &value).ok());
  return value;
}

}  // namespace

TEST_CASE("every write renews the list generation, a refused one too") {
  FakeMap v4{"xg_block_v4", sizeof(xg_lpm_v4_key), sizeof(xg_rule), 2};
  FakeMap v6{"xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 2};
  FakeMap gen{"xg_list_gen", sizeof(uint32_t), sizeof(uint64_t), 1};
  PrefixTable<xg_rule> table = *PrefixTable<xg_rule>::Create(&v4, &v6, TestMasks(), &gen);
  std::vector<uint64_t> seen{Generation(gen)};
  auto renewed = [&] {
    uint64_t g = Generation(gen);
    bool fresh = g != 0 && std::find(seen.begin(), seen.end(), g) == seen.end();
    seen.push_back(g);
    return fresh;
  };
  REQUIRE(table.Upsert({{C("10.0.0.0/8"), Rule(XG_ACTION_DROP)}}).ok());
  CHECK(renewed());
  REQUIRE(table.Delete({C("10.0.0.0/8")}).ok());
  CHECK(renewed());
  REQUIRE(table.Upsert({{C("10.0.0.0/8"), Rule(XG_ACTION_DROP)}}).ok());
  CHECK(renewed());
  auto n = table.DeleteWhere({C("10.0.0.0/8")}, [](const xg_rule&) { return true; });
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK(renewed());
  // Refused (map full): nothing applied, but the datapath still drops its cached verdicts.
  CHECK_FALSE(table.Upsert({{C("1.0.0.0/8"), Rule(0)}, {C("2.0.0.0/8"), Rule(0)},
                            {C("3.0.0.0/8"), Rule(0)}})
                  .ok());
  CHECK(renewed());
}

TEST_CASE("a generation map that is not a u32 -> u64 array is refused") {
  FakeMap v4{"xg_block_v4", sizeof(xg_lpm_v4_key), sizeof(xg_rule), 2};
  FakeMap v6{"xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 2};
  FakeMap gen{"xg_list_gen", sizeof(uint32_t), sizeof(uint32_t), 1};
  auto t = PrefixTable<xg_rule>::Create(&v4, &v6, TestMasks(), &gen);
  REQUIRE_FALSE(t.ok());
  CHECK(std::string(t.status().message()).find("xg_list_gen") != std::string::npos);
}

TEST_CASE("ListSorted holds every entry once, in Cidr order, with its own value") {
  FakeMap v4{"xg_block_v4", sizeof(xg_lpm_v4_key), sizeof(xg_rule), 20000};
  FakeMap v6{"xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 20000};
  PrefixTable<xg_rule> table = *PrefixTable<xg_rule>::Create(&v4, &v6, TestMasks());
  std::mt19937 rng(7);
  std::map<Cidr, xg_rule> want;  // a naive model: Cidr order, one value per prefix
  for (int i = 0; i < 6000; i++) {
    Cidr c;
    if (i % 5 == 4) {
      c.family = xdpguard::net::Family::kIPv6;
      c.prefixlen = static_cast<uint8_t>(32 + rng() % 97);
      for (int b = 0; b < 16; b++) c.addr[b] = static_cast<uint8_t>(b < 2 ? 0x20 : rng());
    } else {
      c.prefixlen = static_cast<uint8_t>(8 + rng() % 25);
      for (int b = 0; b < 4; b++) c.addr[b] = static_cast<uint8_t>(rng());
      if (i % 3 == 0) c.addr[0] = 10;  // nested and neighbouring prefixes in one /8
    }
    for (int bit = c.prefixlen; bit < c.MaxPrefixLen(); bit++)  // host bits clear
      c.addr[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
    // Mostly shared values (a few actions), some unique ones (a TTL each).
    xg_rule r = Rule(static_cast<uint8_t>(rng() % 3));
    if (i % 7 == 0) r.expires_ns = 1000 + static_cast<uint64_t>(i);
    r.prefixlen = c.prefixlen;
    want[c] = r;
  }
  std::vector<PrefixTable<xg_rule>::Entry> entries;
  for (const auto& [c, r] : want) entries.push_back({c, r});
  REQUIRE(table.Upsert(entries).ok());

  auto sorted = table.ListSorted();
  REQUIRE(sorted.ok());
  CHECK(sorted->size() == want.size());
  std::vector<std::pair<Cidr, xg_rule>> got;
  sorted->Visit([&](const Cidr& c, const xg_rule& r) { got.emplace_back(c, r); });
  REQUIRE(got.size() == want.size());
  size_t i = 0, mismatches = 0;
  for (const auto& [c, r] : want) {
    if (!(got[i].first == c) || std::memcmp(&got[i].second, &r, sizeof(r)) != 0) mismatches++;
    i++;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("ListSorted of empty tables is empty") {
  Fixture f;
  auto sorted = f.table.ListSorted();
  REQUIRE(sorted.ok());
  CHECK(sorted->size() == 0);
  int visited = 0;
  sorted->Visit([&](const Cidr&, const xg_rule&) { visited++; });
  CHECK(visited == 0);
}

TEST_CASE("a big write refused in a later chunk undoes the earlier chunks too") {
  // Writes go to the map 65,536 entries at a time; the map fills up in the third chunk.
  FakeMap v4{"xg_block_v4", sizeof(xg_lpm_v4_key), sizeof(xg_rule), 150000};
  FakeMap v6{"xg_block_v6", sizeof(xg_lpm_v6_key), sizeof(xg_rule), 4};
  PrefixTable<xg_rule> table = *PrefixTable<xg_rule>::Create(&v4, &v6, TestMasks());
  auto host = [](uint32_t i) {
    Cidr c;
    c.prefixlen = 32;
    c.addr = {static_cast<uint8_t>(20 + (i >> 16)), static_cast<uint8_t>(i >> 8),
              static_cast<uint8_t>(i), 1};
    return c;
  };
  std::vector<PrefixTable<xg_rule>::Entry> before;
  for (uint32_t i = 0; i < 1000; i++) before.push_back({host(i), Rule(XG_ACTION_DROP)});
  REQUIRE(table.Upsert(before).ok());
  // 1,000 overwrites (in the first chunk) and 199,000 new entries: 149,000 fit.
  std::vector<PrefixTable<xg_rule>::Entry> big;
  for (uint32_t i = 0; i < 200000; i++) big.push_back({host(i), Rule(XG_ACTION_PASS)});
  absl::Status st = table.Upsert(big);
  REQUIRE_FALSE(st.ok());
  CHECK(std::string(st.message()).find("50000 of 199000 new entries did not fit") != std::string::npos);
  CHECK(v4.size() == 1000);
  size_t still_drop = 0;
  for (uint32_t i = 0; i < 1000; i++) {
    auto got = table.Get(host(i));
    if (got.ok() && got->has_value() && (*got)->action == XG_ACTION_DROP) still_drop++;
  }
  CHECK(still_drop == 1000);
  CHECK_FALSE(table.Get(host(5000))->has_value());
}
