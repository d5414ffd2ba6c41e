// SPDX-License-Identifier: GPL-2.0
// Prefix-set algebra, the per-feed policy (floors, protected ranges, aggregation, caps)
// and the strictest-wins union across feeds.
#include <catch2/catch.hpp>
#include <algorithm>
#include <random>

#include "common/radix_sort.h"

#include "feeds/http_fetch.h"
#include "feeds/policy.h"
#include "feeds/prefix_set.h"

namespace xdpguard::feeds {
namespace {

net::Cidr C(const char* s) { return net::ParseCidr(s).value().cidr; }

std::vector<std::string> Strings(const std::vector<net::Cidr>& v) {
  std::vector<std::string> out;
  for (const auto& c : v) out.push_back(c.ToString());
  return out;
}

std::vector<net::Cidr> List(std::initializer_list<const char*> texts) {
  std::vector<net::Cidr> out;
  for (const char* t : texts) out.push_back(C(t));
  return out;
}

}  // namespace

TEST_CASE("aggregate: duplicates, covered prefixes and siblings merge, repeatedly") {
  std::vector<net::Cidr> v = List({"192.0.2.128/25", "192.0.2.0/25", "198.51.100.7/32",
                                   "198.51.100.0/24", "192.0.2.0/25", "203.0.113.0/26",
                                   "203.0.113.64/26", "203.0.113.128/25", "2001:db8::/33",
                                   "2001:db8:8000::/33", "2001:db8::1/128"});
  CHECK(SortUnique(&v) == 1);
  Aggregate(&v);
  CHECK(Strings(v) == std::vector<std::string>{"192.0.2.0/24", "198.51.100.0/24",
                                               "203.0.113.0/24", "2001:db8::/32"});
}

TEST_CASE("radix sort by a 40-bit key: the comparison sort's order, stable") {
  std::mt19937_64 rng(11);
  for (int shape = 0; shape < 3; shape++) {
    // Random keys; one length for all (a digit skipped); few distinct keys (ties).
    std::vector<std::pair<uint64_t, uint32_t>> v;
    for (uint32_t i = 0; i < 50000; i++) {
      uint64_t key = rng() & ((uint64_t{1} << 40) - 1);
      if (shape == 1) key = (key & ~uint64_t{0xff}) | 32;
      if (shape == 2) key = (rng() % 50) << 19 | 24;
      v.emplace_back(key, i);
    }
    std::vector<std::pair<uint64_t, uint32_t>> want = v;
    std::stable_sort(want.begin(), want.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    RadixSortKey40(&v, [](const std::pair<uint64_t, uint32_t>& e) { return e.first; });
    CHECK(v == want);
  }
  std::vector<uint64_t> none;
  RadixSortKey40(&none, [](uint64_t k) { return k; });
  CHECK(none.empty());
}

TEST_CASE("aggregate: non-siblings of equal length stay apart") {
  // 192.0.2.128/25 and 192.0.3.0/25 are adjacent but not halves of one /24.
  std::vector<net::Cidr> v = List({"192.0.2.128/25", "192.0.3.0/25"});
  SortUnique(&v);
  Aggregate(&v);
  CHECK(v.size() == 2);
}

TEST_CASE("range list: overlap both ways, inside-only for the allowlist") {
  RangeList r;
  r.Add(C("10.0.0.0/8"));
  r.Add(C("198.51.100.10/32"), /*inside_only=*/true);
  CHECK(r.Overlaps(C("10.1.0.0/16")));
  CHECK(r.Overlaps(C("8.0.0.0/6")));  // covers 10/8
  CHECK_FALSE(r.Overlaps(C("11.0.0.0/8")));
  CHECK(r.Overlaps(C("198.51.100.10/32")));
  CHECK_FALSE(r.Overlaps(C("198.51.100.0/24")));  // covers an allowlisted host: allowlist wins in the datapath
  CHECK_FALSE(r.Overlaps(C("2001:db8::/32")));
}

TEST_CASE("prepare: floors, protected space and the cap, with counts") {
  RangeList prot;
  for (const auto& c : BuiltinProtectedRanges()) prot.Add(c);
  for (const auto& c : PrivateRanges()) prot.Add(c);
  prot.Add(C("203.0.113.1/32"));  // the host's own address
  FeedLimits limits;
  PrepareReport rep;
  auto out = PrepareEntries(List({"0.0.0.0/0", "1.0.0.0/7", "10.0.0.0/8", "127.0.0.1/32",
                                  "224.0.0.0/3", "203.0.113.0/24", "198.51.100.0/25",
                                  "198.51.100.128/25", "198.51.100.0/25", "fe80::1/128",
                                  "::/0", "2001:db8::/32", "fd00::/8"}),
                            limits, prot, &rep);
  REQUIRE(out.ok());
  CHECK(Strings(*out) == std::vector<std::string>{"198.51.100.0/24", "2001:db8::/32"});
  CHECK(rep.parsed == 13);
  CHECK(rep.duplicates == 1);
  CHECK(rep.too_short == 5);          // /0, /7, 224/3, ::/0, fd00::/8
  CHECK(rep.protected_rejected == 4);  // 10/8, 127.0.0.1, 203.0.113.0/24, fe80::1
  CHECK(rep.aggregated == 2);
  CHECK_FALSE(rep.rejected_examples.empty());

  limits.max_entries = 1;
  PrepareReport rep2;
  auto capped = PrepareEntries(List({"198.51.100.0/24", "2001:db8::/32"}), limits, prot, &rep2);
  REQUIRE_FALSE(capped.ok());
  CHECK_THAT(std::string(capped.status().message()), Catch::Contains("max_entries"));
}

TEST_CASE("union: the strictest feed wins a shared prefix, others coexist") {
  lists::RuleOptions drop, limit, monitor, drop_ports;
  limit.action = XG_ACTION_RATELIMIT;
  limit.pps = 10;
  monitor.monitor = true;
  drop_ports.ports = {443};
  // Config order: monitor, ratelimit, drop-on-443, drop.
  std::vector<size_t> order = StrictestFirst({monitor, limit, drop_ports, drop});
  CHECK(order == std::vector<size_t>{3, 2, 1, 0});

  std::vector<net::Cidr> a = List({"192.0.2.0/24", "198.51.100.0/24"});
  std::vector<net::Cidr> b = List({"198.51.100.0/24", "203.0.113.0/24"});
  // b (origin 2) is stricter than a (origin 1).
  std::vector<UnionEntry> u = UnionFeeds({{2, &b}, {1, &a}});
  REQUIRE(u.size() == 3);
  CHECK(u[0] == UnionEntry{C("192.0.2.0/24"), 1});
  CHECK(u[1] == UnionEntry{C("198.51.100.0/24"), 2});
  CHECK(u[2] == UnionEntry{C("203.0.113.0/24"), 2});
}


TEST_CASE("same origin: scheme, host and port, default ports explicit") {
  using xdpguard::feeds::SameOrigin;
  CHECK(SameOrigin("https://api.abuseipdb.com/api/v2/blacklist", "https://api.abuseipdb.com:443/other?x=1"));
  CHECK(SameOrigin("http://127.0.0.1:8080/feed", "http://127.0.0.1:8080/steal"));
  CHECK(SameOrigin("HTTPS://API.abuseipdb.com/a", "https://api.abuseipdb.com/b"));
  CHECK_FALSE(SameOrigin("https://api.abuseipdb.com/a", "https://evil.example/a"));
  CHECK_FALSE(SameOrigin("https://api.abuseipdb.com/a", "http://api.abuseipdb.com/a"));
  CHECK_FALSE(SameOrigin("http://127.0.0.1:8080/feed", "http://127.0.0.1:8081/feed"));
  CHECK_FALSE(SameOrigin("https://api.abuseipdb.com/a", "https://api.abuseipdb.com.evil.example/a"));
  CHECK_FALSE(SameOrigin("not a url", "not a url"));
}

TEST_CASE("prepare: the IPv4 integer path agrees with the generic filter and aggregation") {
  // Clustered random prefixes (many nested, adjacent and sibling pairs) against protected
  // ranges of both kinds; the reference is RangeList::Overlaps then Aggregate.
  std::mt19937 rng(11);
  for (int round = 0; round < 20; round++) {
    RangeList prot;
    for (int i = 0; i < 60; i++) {  // enough to nest, overlap and abut
      uint32_t a = (0x0a000000u + (rng() & 0x0003ffffu)) & ~0xffu;
      int len = 14 + static_cast<int>(rng() % 19);
      a &= len == 0 ? 0 : ~0u << (32 - len);
      net::Cidr c = FromV4Key(uint64_t{a} << 8 | static_cast<uint64_t>(len));
      prot.Add(c, /*inside_only=*/i % 2 == 0);
    }
    std::vector<net::Cidr> in;
    for (int i = 0; i < 20000; i++) {
      uint32_t a = 0x0a000000u + (rng() & 0x0003ffffu);
      int len = 8 + static_cast<int>(rng() % 25);
      if (rng() % 4 == 0) len = 32;
      a &= ~0u << (32 - len);
      in.push_back(FromV4Key(uint64_t{a} << 8 | static_cast<uint64_t>(len)));
    }
    in.push_back(C("2001:db8::/48"));
    in.push_back(C("2001:db8:0:1::/64"));
    FeedLimits limits;
    limits.min_prefix_v4 = 12;
    limits.max_entries = 1u << 30;
    PrepareReport rep;
    auto fast = PrepareEntries(in, limits, prot, &rep);
    REQUIRE(fast.ok());

    std::vector<net::Cidr> ref = in;
    SortUnique(&ref);
    std::vector<net::Cidr> kept;
    size_t rejected = 0;
    for (const net::Cidr& c : ref) {
      int floor = c.family == net::Family::kIPv4 ? limits.min_prefix_v4 : limits.min_prefix_v6;
      if (c.prefixlen < floor || prot.Overlaps(c)) {
        rejected++;
        continue;
      }
      kept.push_back(c);
    }
    Aggregate(&kept);
    CHECK(Strings(*fast) == Strings(kept));
    CHECK(rep.too_short + rep.protected_rejected == rejected);
    CHECK(rep.duplicates == in.size() - ref.size());
  }
}
}  // namespace xdpguard::feeds
