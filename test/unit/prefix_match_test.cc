// SPDX-License-Identifier: GPL-2.0
// Differential tests of the datapath's prefix lookup (bpf/prefix_match.h, compiled here for
// the host) against a naive longest-prefix match that knows nothing of length masks or
// regions: it tries every length, longest first, in one exact table per length. The lists
// are written through the controller's PrefixTable (which marks the masks), so the test
// covers the controller's marking, the masks' layout and the lookup together.
// XDPGUARD_LONG_TESTS=1 runs the scale case at 1M prefixes and 10M addresses.
#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include <array>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <unordered_map>
#include <vector>

#include "datapath/bucket_map.h"
#include "datapath/keys.h"
#include "datapath/length_masks.h"
#include "datapath/prefix_table.h"
#include "fake_map.h"

namespace xdpguard::datapath {
namespace {

// The host's bindings for prefix_match.h: the controller's bucket tables and masks, in
// memory.
const BucketMap* g_tables[XG_BKT_TABLES];
const LengthMasks* g_masks = nullptr;
uint64_t g_now = 0;

const xg_rule* HostRule(int table, __u32 ref) {
  const BucketMap* t = g_tables[table];
  return ref < t->rules_capacity() ? &t->rules()[ref] : nullptr;
}

#define XG_BKT_MASK(table) (g_tables[table]->bucket_mask())
#define XG_BUCKET_V4(table, idx) (static_cast<const xg_bucket_v4*>(g_tables[table]->buckets()) + (idx))
#define XG_BUCKET_V6(table, idx) (static_cast<const xg_bucket_v6*>(g_tables[table]->buckets()) + (idx))
#define XG_RULE_V4(ref) HostRule(XG_BKT_BLOCK_V4, ref)
#define XG_RULE_V6(ref) HostRule(XG_BKT_BLOCK_V6, ref)
#define XG_LENS_V4(region) (&g_masks->v4()[*(region)])
#define XG_LENS_V6(region) (&g_masks->v6()[*(region)])
#define XG_LSUM_V4(index) (&g_masks->lsum_v4()[*(index)])
#define XG_LSUM_V6(index) (&g_masks->lsum_v6()[*(index)])
#define XG_NOW_NS() g_now
#include "prefix_match.h"

using net::Cidr;
using net::Family;

struct Outcome {
  bool allowed = false;
  bool found = false;
  uint8_t prefixlen = 0;  // of the rule found
  uint8_t reason = XG_REASON_NONE;
  bool cacheable = false;
  bool operator==(const Outcome& o) const {
    return allowed == o.allowed && found == o.found && prefixlen == o.prefixlen &&
           reason == o.reason && cacheable == o.cacheable;
  }
};

std::string Describe(const Outcome& o) {
  return "allowed=" + std::to_string(o.allowed) + " found=" + std::to_string(o.found) +
         " len=" + std::to_string(o.prefixlen) + " reason=" + std::to_string(o.reason) +
         " cacheable=" + std::to_string(o.cacheable);
}

Cidr Masked(Cidr c, int len) {
  c.prefixlen = static_cast<uint8_t>(len);
  int bytes = c.family == Family::kIPv4 ? 4 : 16;
  for (int i = 0; i < bytes; i++) {
    int keep = len - 8 * i;
    uint8_t m = keep >= 8 ? 0xff : keep <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    c.addr[i] &= m;
  }
  for (int i = bytes; i < 16; i++) c.addr[i] = 0;
  return c;
}

std::string KeyOf(const Cidr& c) {
  return std::string(reinterpret_cast<const char*>(c.addr.data()), 16) +
         static_cast<char>(c.prefixlen) + static_cast<char>(c.family == Family::kIPv4);
}

// The naive model: every length, longest first, in exact tables; the semantics written
// out again from the documentation (allowlist first; longest rule that applies; expired
// and out-of-scope rules skipped, at most XG_MAX_RULE_RETRIES of them followed).
struct Model {
  std::unordered_map<std::string, xg_rule> block;
  std::unordered_map<std::string, bool> allow;

  static bool Covers(const xg_rule& r, const xg_match_query& q) {
    if (r.flags & XG_RULE_NEW_ONLY) {
      if (q.l4proto != 6 || !q.ports_known) return false;
      if ((q.tcp_flags & (XG_TCP_SYN | XG_TCP_ACK)) != XG_TCP_SYN) return false;
    }
    if (r.nports == 0) return true;
    if (!q.ports_known) return false;
    for (int i = 0; i < r.nports; i++)
      if (r.ports[i] == q.dport) return true;
    return false;
  }

  Outcome Lookup(const Cidr& source, const xg_match_query& q, uint64_t now) const {
    Outcome o;
    const int max = source.family == Family::kIPv4 ? 32 : 128;
    for (int len = max; len >= 0; len--)
      if (allow.count(KeyOf(Masked(source, len)))) {
        o.allowed = true;
        return o;
      }
    o.cacheable = true;
    int hits = 0;
    for (int len = max; len >= 0; len--) {
      auto it = block.find(KeyOf(Masked(source, len)));
      if (it == block.end()) continue;
      const xg_rule& r = it->second;
      const bool first = hits++ == 0;
      const bool plain = !r.expires_ns && r.nports == 0 && !(r.flags & XG_RULE_NEW_ONLY) &&
                         r.action != XG_ACTION_RATELIMIT;
      if (first && plain) {
        o.found = true;
        o.prefixlen = static_cast<uint8_t>(len);
        return o;
      }
      o.cacheable = false;
      const bool expired = r.expires_ns && r.expires_ns <= now;
      if (expired) o.reason = XG_REASON_RULE_EXPIRED;
      if (!expired && Covers(r, q)) {
        o.found = true;
        o.prefixlen = static_cast<uint8_t>(len);
        return o;
      }
      if (hits > XG_MAX_RULE_RETRIES) {
        if (len > 0) o.reason = XG_REASON_RULE_BUDGET;
        return o;
      }
    }
    return o;
  }
};

Outcome HostLookup(const Cidr& source, const xg_match_query& q) {
  Outcome o;
  xg_match_result res{};
  const int ipv4 = source.family == Family::kIPv4;
  if (xg_match_allow(&q, &res, ipv4)) {
    o.allowed = true;
    return o;
  }
  xg_match_block(&q, &res, ipv4);
  o.found = res.found;
  o.prefixlen = res.found ? res.rule.prefixlen : 0;
  o.reason = res.reason;
  o.cacheable = res.cacheable;
  return o;
}

// The lists under test: the controller's bucket tables and masks in memory, written
// through PrefixTable, sized for the scale case (800k IPv4 and 200k IPv6 prefixes, up to
// 100k distinct rules).
std::unique_ptr<BucketMap> Table(const char* name, Family f, bool allowlist, uint32_t entries) {
  return BucketMap::InMemory({name, f, allowlist}, BucketsForEntries(f, entries), allowlist ? 0 : 262144);
}

struct Lists {
  std::unique_ptr<BucketMap> b4 = Table("xg_block_v4", Family::kIPv4, false, 1u << 20);
  std::unique_ptr<BucketMap> b6 = Table("xg_block_v6", Family::kIPv6, false, 300000);
  std::unique_ptr<BucketMap> a4 = Table("xg_allow_v4", Family::kIPv4, true, 4096);
  std::unique_ptr<BucketMap> a6 = Table("xg_allow_v6", Family::kIPv6, true, 4096);
  std::unique_ptr<LengthMasks> masks = LengthMasks::InMemory();
  PrefixTable<xg_rule> block = *PrefixTable<xg_rule>::Create(b4.get(), b6.get(), masks.get());
  PrefixTable<xg_allow> allow = *PrefixTable<xg_allow>::Create(a4.get(), a6.get(), masks.get());
  Model model;

  Lists() {
    g_tables[XG_BKT_BLOCK_V4] = b4.get();
    g_tables[XG_BKT_BLOCK_V6] = b6.get();
    g_tables[XG_BKT_ALLOW_V4] = a4.get();
    g_tables[XG_BKT_ALLOW_V6] = a6.get();
    g_masks = masks.get();
  }

  void AddBlock(const std::vector<PrefixTable<xg_rule>::Entry>& entries) {
    REQUIRE(block.Upsert(entries).ok());
    for (const auto& e : entries) {
      xg_rule r = e.value;
      r.prefixlen = e.cidr.prefixlen;
      model.block[KeyOf(e.cidr)] = r;
    }
  }
  void DeleteBlock(const Cidr& c) {
    REQUIRE(block.Delete({c}).ok());
    model.block.erase(KeyOf(c));
  }
  void AddAllow(const Cidr& c) {
    REQUIRE(allow.Upsert({{c, xg_allow{}}}).ok());
    model.allow[KeyOf(c)] = true;
  }
  void DeleteAllow(const Cidr& c) {
    REQUIRE(allow.Delete({c}).ok());
    model.allow.erase(KeyOf(c));
  }
};

Cidr RandomWithin(const Cidr& base, std::mt19937_64& rng) {
  Cidr c = base;
  const int bits = c.family == Family::kIPv4 ? 32 : 128;
  for (int b = base.prefixlen; b < bits; b++)
    if (rng() & 1) c.addr[b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
  c.prefixlen = static_cast<uint8_t>(bits);
  return c;
}

xg_match_query QueryFor(const Cidr& source, std::mt19937_64& rng) {
  xg_match_query q{};
  std::memcpy(q.saddr, source.addr.data(), source.family == Family::kIPv4 ? 4 : 16);
  static const uint16_t kPorts[] = {22, 80, 443, 8080};
  q.dport = htons(kPorts[rng() % 4]);
  q.ports_known = rng() % 8 != 0;
  q.l4proto = rng() % 3 ? 6 : 17;
  q.tcp_flags = rng() % 2 ? XG_TCP_SYN : XG_TCP_SYN | XG_TCP_ACK;
  return q;
}

xg_rule RandomRule(std::mt19937_64& rng, uint64_t now) {
  xg_rule r{};
  const int kind = static_cast<int>(rng() % 10);
  r.action = kind < 6 ? XG_ACTION_DROP : kind < 8 ? XG_ACTION_PASS : XG_ACTION_RATELIMIT;
  if (r.action == XG_ACTION_RATELIMIT) {
    r.rl_pps = 10;
    r.rl_burst = 1;
  }
  if (rng() % 4 == 0) {  // port scope
    r.nports = static_cast<uint8_t>(1 + rng() % 2);
    static const uint16_t kPorts[] = {22, 80, 443};
    for (int i = 0; i < r.nports; i++) r.ports[i] = htons(kPorts[rng() % 3]);
  }
  if (rng() % 6 == 0) r.flags |= XG_RULE_NEW_ONLY;
  if (rng() % 4 == 0) r.expires_ns = rng() % 2 ? now - 1 : now + 1000;  // expired or live
  return r;
}

// Random operation sequences over a few nested regions, so that prefixes nest deeply
// (/8 > /16 > /24 > /28 > /32 and their IPv6 cousins), rules are skipped and retried, middle
// prefixes are deleted and re-added, and the allowlist overrides the blocklist.
void RunRandomOps(Family family, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Lists lists;
  g_now = 1'000'000;
  const bool v4 = family == Family::kIPv4;
  std::vector<Cidr> bases;
  for (const char* b : v4 ? std::vector<const char*>{"198.18.0.0/15", "10.0.0.0/8", "203.0.113.0/24"}
                          : std::vector<const char*>{"2001:db8::/32", "2001:db8:40::/48", "fd00::/8"})
    bases.push_back(net::ParseCidr(b)->cidr);
  const std::vector<int> lengths =
      v4 ? std::vector<int>{0, 4, 8, 12, 15, 16, 17, 20, 23, 24, 26, 28, 30, 31, 32}
         : std::vector<int>{0, 8, 16, 24, 31, 32, 33, 40, 47, 48, 56, 63, 64, 65, 96, 120, 127, 128};
  std::vector<Cidr> present;
  size_t checked = 0;
  for (int op = 0; op < 3000; op++) {
    const int what = static_cast<int>(rng() % 20);
    if (what < 11 || present.empty()) {  // add (or overwrite) a few nested prefixes
      Cidr at = RandomWithin(bases[rng() % bases.size()], rng);
      std::vector<PrefixTable<xg_rule>::Entry> entries;
      for (int n = static_cast<int>(1 + rng() % 3); n > 0; n--) {
        Cidr c = Masked(at, lengths[rng() % lengths.size()]);
        bool dup = false;
        for (const auto& e : entries) dup |= e.cidr == c;
        if (dup) continue;
        entries.push_back({c, RandomRule(rng, g_now)});
        present.push_back(c);
      }
      lists.AddBlock(entries);
    } else if (what < 17) {  // delete one (often a middle prefix of a nest)
      size_t i = rng() % present.size();
      Cidr c = present[i];
      present.erase(present.begin() + static_cast<long>(i));
      if (lists.model.block.count(KeyOf(c))) lists.DeleteBlock(c);
    } else if (what < 19) {  // allowlist entry, added or removed
      Cidr c = Masked(RandomWithin(bases[rng() % bases.size()], rng),
                      lengths[(lengths.size() / 2) + rng() % (lengths.size() / 2)]);
      if (lists.model.allow.count(KeyOf(c)))
        lists.DeleteAllow(c);
      else
        lists.AddAllow(c);
    } else {  // clear the bits nothing needs any more
      REQUIRE(lists.block.CompactMasks().ok());
      REQUIRE(lists.allow.CompactMasks().ok());
    }
    if (op % 10 != 0) continue;
    for (int k = 0; k < 200; k++) {
      // Sources near the entries (nested hits) and anywhere in the bases.
      Cidr source = !present.empty() && rng() % 2
                        ? RandomWithin(Masked(present[rng() % present.size()], 0), rng)
                        : RandomWithin(bases[rng() % bases.size()], rng);
      if (!present.empty() && rng() % 2) {
        const Cidr& p = present[rng() % present.size()];
        source = RandomWithin(p, rng);
      }
      xg_match_query q = QueryFor(source, rng);
      Outcome want = lists.model.Lookup(source, q, g_now);
      Outcome got = HostLookup(source, q);
      if (!(got == want)) {
        INFO("op " << op << " source " << source.ToString() << " dport " << ntohs(q.dport));
        INFO("model: " << Describe(want) << " / lookup: " << Describe(got));
        REQUIRE(got == want);
      }
      checked++;
    }
  }
  CHECK(checked > 50000);
}

// Three seeds each; one in the sanitizer build (10x slower), which checks the code path for
// memory and UB errors rather than more random sequences.
#ifdef XG_SANITIZER_BUILD
constexpr int kSeeds = 1;
#else
constexpr int kSeeds = 3;
#endif

TEST_CASE("prefix lookup agrees with a naive longest-prefix match: IPv4 random operations") {
  for (uint64_t seed = 1; seed <= kSeeds; seed++) RunRandomOps(Family::kIPv4, seed);
}

TEST_CASE("prefix lookup agrees with a naive longest-prefix match: IPv6 random operations") {
  for (uint64_t seed = 4; seed < 4 + kSeeds; seed++) RunRandomOps(Family::kIPv6, seed);
}

TEST_CASE("length masks: bits are set before entries, stale bits cost probes, compaction clears them") {
  Lists lists;
  Cidr wide = net::ParseCidr("10.0.0.0/8")->cidr;
  Cidr host = net::ParseCidr("10.1.2.3/32")->cidr;
  lists.AddBlock({{wide, xg_rule{}}, {host, xg_rule{}}});
  const uint32_t region = 0x0a01;  // 10.1/16
  CHECK(lists.masks->v4()[region].block == ((1ull << 8) | (1ull << 32)));
  CHECK(lists.masks->v4()[0x0aff].block == (1ull << 8));  // a /8 marks its 256 /16s
  CHECK(lists.masks->v4()[0x0b00].block == 0);
  // Summaries: /8 and /32 are common lengths (bits 3 and 0 of the region's block byte).
  auto summary = [&](uint32_t r, bool allow) {
    return (lists.masks->lsum_v4()[r >> 2] >> xg_lsum_shift(r, allow)) & 0xff;
  };
  CHECK(summary(region, false) == (8 | 1));
  CHECK(summary(region, true) == 0);
  lists.AddAllow(net::ParseCidr("10.1.16.0/20")->cidr);  // an uncommon length: "other"
  CHECK(summary(region, true) == XG_LSUM_OTHER);
  CHECK(summary(region, false) == (8 | 1));
  lists.DeleteBlock(host);
  CHECK(lists.masks->v4()[region].block == ((1ull << 8) | (1ull << 32)));  // stale, harmless
  REQUIRE(lists.block.CompactMasks().ok());
  CHECK(lists.masks->v4()[region].block == (1ull << 8));
  CHECK(summary(region, false) == 8);
  CHECK(summary(region, true) == XG_LSUM_OTHER);  // the allowlist's byte is left alone
  // IPv6 shorter than the /32 regions: a /24 marks the 256 regions of its /32s.
  Cidr v6 = net::ParseCidr("2001:db8::/24")->cidr;
  lists.AddBlock({{v6, xg_rule{}}});
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; i++) {
    Cidr s = RandomWithin(v6, rng);
    xg_match_query q = QueryFor(s, rng);
    CHECK(HostLookup(s, q).found);
  }
}

// IPv6 summaries are finer than the full masks (XG_LSUM_V6_REGIONS against
// XG_LENS_V6_REGIONS): a /32 that shares its full mask with a listed one but not its
// summary region starts no probe, and a region whose summary says "other" takes only the
// other lengths from the shared mask, never a common length of a neighbour.
TEST_CASE("IPv6 summary regions: a neighbour sharing the full mask costs no probe") {
  // Two /32s in one mask region and different summary regions, found by search.
  auto first_word = [](uint32_t host) { return htonl(host); };
  const uint32_t a = 0x20010db8u;
  uint32_t b = a + 1;
  while (xg_lens_region_v6(xg_lsum_region_v6(first_word(b))) !=
             xg_lens_region_v6(xg_lsum_region_v6(first_word(a))) ||
         xg_lsum_region_v6(first_word(b)) == xg_lsum_region_v6(first_word(a)))
    b++;
  auto cidr = [](uint32_t word0, int len) {
    Cidr c;
    c.family = Family::kIPv6;
    const uint32_t be = htonl(word0);
    std::memcpy(c.addr.data(), &be, 4);
    c.prefixlen = static_cast<uint8_t>(len);
    return c;
  };
  Lists lists;
  lists.AddBlock({{cidr(a, 40), xg_rule{}}, {cidr(a, 64), xg_rule{}}});
  auto start = [](uint32_t word0, xg_match_result* out) {
    xg_match_query q{};
    q.saddr[0] = htonl(word0);
    return xg_start_v6(&q, out, 0);
  };
  xg_match_result out{};
  CHECK(start(b, &out) == 0);  // the neighbour: an empty summary byte, no probe
  lists.AddBlock({{cidr(b, 44), xg_rule{}}});
  REQUIRE(start(b, &out) == 1);
  // /44 its own, /40 from the shared mask (a wasted probe, never a missed one), and not
  // a's /64: common lengths come from b's own summary byte.
  CHECK(out.words[0] == ((1ull << 44) | (1ull << 40)));
  CHECK(out.words[1] == 0);
  CHECK(out.words[2] == 0);
  REQUIRE(start(a, &out) == 1);
  CHECK(out.words[0] == ((1ull << 44) | (1ull << 40)));
  CHECK(out.words[1] == 1);  // /64
  std::mt19937_64 rng(9);
  for (uint32_t w : {a, b}) {
    const Cidr s = RandomWithin(cidr(w, 32), rng);
    const xg_match_query q = QueryFor(s, rng);
    CHECK(HostLookup(s, q) == lists.model.Lookup(s, q, g_now));
  }
}

// Prefixes shaped like the feeds (lpm_bench's mix: mostly /24 and /32, some /16-/23, a few
// /8-/15), and sources drawn half from inside them and half anywhere.
TEST_CASE("prefix lookup agrees with a naive longest-prefix match at scale") {
  const bool long_run = std::getenv("XDPGUARD_LONG_TESTS") != nullptr;
  const size_t prefixes = long_run ? 1'000'000 : 50'000;
  const size_t lookups = long_run ? 10'000'000 : 300'000;
  std::mt19937_64 rng(11);
  Lists lists;
  g_now = 1'000'000;
  std::vector<PrefixTable<xg_rule>::Entry> entries;
  std::vector<Cidr> v4s, v6s;
  std::map<std::string, size_t> seen;
  while (entries.size() < prefixes) {
    Cidr c;
    const bool v6 = rng() % 5 == 0;
    c.family = v6 ? Family::kIPv6 : Family::kIPv4;
    for (auto& b : c.addr) b = static_cast<uint8_t>(rng());
    if (v6) {
      c.addr[0] = 0x20;
      const int p = static_cast<int>(rng() % 100);
      c = Masked(c, p < 40 ? 48 : p < 70 ? 64 : p < 90 ? 32 + static_cast<int>(rng() % 16) : 128);
    } else {
      c.addr[0] = static_cast<uint8_t>(1 + rng() % 99);
      const int p = static_cast<int>(rng() % 100);
      c = Masked(c, p < 55 ? 24 : p < 80 ? 32 : p < 95 ? 16 + static_cast<int>(rng() % 8)
                                                         : 8 + static_cast<int>(rng() % 8));
    }
    if (!seen.emplace(KeyOf(c), entries.size()).second) continue;
    xg_rule r{};
    if (rng() % 10 == 0) r = RandomRule(rng, g_now);
    entries.push_back({c, r});
    (v6 ? v6s : v4s).push_back(c);
  }
  lists.AddBlock(entries);
  for (int i = 0; i < 50; i++) lists.AddAllow(Masked(RandomWithin(v4s[rng() % v4s.size()], rng), 28));
  size_t mismatches = 0, found = 0;
  for (size_t i = 0; i < lookups; i++) {
    const bool v6 = i % 5 == 0;
    const std::vector<Cidr>& pool = v6 ? v6s : v4s;
    Cidr source = i % 2 ? RandomWithin(pool[rng() % pool.size()], rng)
                        : RandomWithin(Masked(pool[rng() % pool.size()], v6 ? 8 : 0), rng);
    xg_match_query q = QueryFor(source, rng);
    Outcome want = lists.model.Lookup(source, q, g_now);
    Outcome got = HostLookup(source, q);
    found += want.found;
    if (!(got == want) && mismatches++ < 5) {
      INFO("source " << source.ToString() << " model: " << Describe(want)
                     << " / lookup: " << Describe(got));
      CHECK(got == want);
    }
  }
  CHECK(mismatches == 0);
  CHECK(found > lookups / 4);  // the sources do hit the lists
}

}  // namespace
}  // namespace xdpguard::datapath
