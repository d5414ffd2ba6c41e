// SPDX-License-Identifier: GPL-2.0
#include "feeds/policy.h"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace xdpguard::feeds {
namespace {

constexpr size_t kMaxRejectedExamples = 5;

std::vector<net::Cidr> Parse(std::initializer_list<const char*> texts) {
  std::vector<net::Cidr> out;
  for (const char* t : texts) out.push_back(net::ParseCidr(t).value().cidr);
  return out;
}

// Smaller is stricter.
std::tuple<int, int, uint32_t> StrictnessKey(const lists::RuleOptions& r) {
  int action = r.monitor ? 2 : r.action == XG_ACTION_DROP ? 0 : r.action == XG_ACTION_RATELIMIT ? 1 : 3;
  int scope = (!r.ports.empty() ? 1 : 0) + (r.new_only ? 1 : 0);
  return {action, scope, r.action == XG_ACTION_RATELIMIT ? r.pps : 0};
}

}  // namespace

std::vector<net::Cidr> BuiltinProtectedRanges() {
  return Parse({"0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
                "::/128", "::1/128", "fe80::/10", "ff00::/8"});
}

std::vector<net::Cidr> PrivateRanges() {
  return Parse({"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"});
}

namespace {

void Reject(const net::Cidr& c, bool short_prefix, int floor, const RangeList& protected_ranges,
            PrepareReport* report) {
  short_prefix ? report->too_short++ : report->protected_rejected++;
  if (report->rejected_examples.size() >= kMaxRejectedExamples) return;
  report->rejected_examples.push_back(
      short_prefix ? absl::StrCat(c.ToString(), " is shorter than /", floor)
                   : absl::StrCat(c.ToString(), " overlaps protected ",
                                  protected_ranges.FirstOverlap(c).ToString()));
}

// The IPv4 part of a sorted, unique list, filtered and aggregated on integer keys
// (prefix_set.h V4Key): the same rules as the generic path below, in registers. Sorted
// input means a covering prefix comes before what it covers and the output stays sorted
// and disjoint, so only its top can absorb the next entry (as in Aggregate).
void PrepareV4(const net::Cidr* begin, const net::Cidr* end, const FeedLimits& limits,
               const RangeList& protected_ranges, PrepareReport* report, std::vector<net::Cidr>* out) {
  struct P {
    uint32_t start;
    int len;
  };
  auto host_mask = [](int len) { return len == 0 ? ~0u : (len == 32 ? 0u : (1u << (32 - len)) - 1); };
  std::vector<P> agg;
  agg.reserve(static_cast<size_t>(end - begin));
  RangeList::V4Sweep sweep(protected_ranges);
  for (const net::Cidr* c = begin; c != end; c++) {
    const uint64_t key = V4Key(*c);
    const P p{static_cast<uint32_t>(key >> 8), c->prefixlen};
    const bool short_prefix = p.len < limits.min_prefix_v4 || p.len == 0;
    if (short_prefix || sweep.Overlaps(p.start, p.start | host_mask(p.len))) {
      Reject(*c, short_prefix, limits.min_prefix_v4, protected_ranges, report);
      continue;
    }
    if (!agg.empty()) {
      const P& top = agg.back();
      if (top.len <= p.len && ((top.start ^ p.start) & ~host_mask(top.len)) == 0) continue;  // covered
    }
    agg.push_back(p);
    while (agg.size() >= 2) {
      const P& a = agg[agg.size() - 2];
      const P& b = agg.back();
      if (a.len != b.len || a.len == 0) break;
      const uint32_t bit = 1u << (32 - a.len);
      if ((a.start & bit) != 0 || (a.start ^ b.start) != bit) break;
      agg.pop_back();  // siblings: their parent replaces both
      agg.back().len--;
    }
  }
  for (const P& p : agg) out->push_back(FromV4Key(uint64_t{p.start} << 8 | static_cast<uint64_t>(p.len)));
}

}  // namespace

absl::StatusOr<std::vector<net::Cidr>> PrepareEntries(const std::vector<net::Cidr>& parsed,
                                                      const FeedLimits& limits,
                                                      const RangeList& protected_ranges,
                                                      PrepareReport* report) {
  report->parsed = parsed.size();
  // The feed engine passes sorted, unique lists (its parsers' output and cache files are):
  // then nothing is copied.
  std::vector<net::Cidr> sorted;
  const std::vector<net::Cidr>* in = &parsed;
  if (!IsSortedUnique(parsed)) {
    sorted = parsed;
    report->duplicates = SortUnique(&sorted);
    in = &sorted;
  }
  const net::Cidr* first = in->data();
  const net::Cidr* last = first + in->size();
  const net::Cidr* v6 = std::partition_point(first, last, [](const net::Cidr& c) { return c.family == net::Family::kIPv4; });
  std::vector<net::Cidr> kept;
  kept.reserve(in->size());
  PrepareV4(first, v6, limits, protected_ranges, report, &kept);
  std::vector<net::Cidr> kept_v6;
  for (const net::Cidr* c = v6; c != last; c++) {
    bool short_prefix = c->prefixlen < limits.min_prefix_v6 || c->prefixlen == 0;
    if (short_prefix || protected_ranges.Overlaps(*c)) {
      Reject(*c, short_prefix, limits.min_prefix_v6, protected_ranges, report);
      continue;
    }
    kept_v6.push_back(*c);
  }
  Aggregate(&kept_v6);
  kept.insert(kept.end(), kept_v6.begin(), kept_v6.end());
  report->aggregated = kept.size();
  if (kept.size() > limits.max_entries)
    return absl::ResourceExhaustedError(absl::StrCat(
        kept.size(), " entries after aggregation exceed the feed's max_entries of ",
        limits.max_entries));
  return kept;
}

std::vector<size_t> StrictestFirst(const std::vector<lists::RuleOptions>& rules) {
  std::vector<size_t> order(rules.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return StrictnessKey(rules[a]) < StrictnessKey(rules[b]);
  });
  return order;
}

std::vector<UnionEntry> UnionFeeds(const std::vector<FeedSet>& feeds) {
  size_t total = 0;
  for (const FeedSet& f : feeds) total += f.cidrs->size();
  // (entry, rank): sorting by prefix then rank puts the strictest feed's copy first.
  struct Ranked {
    UnionEntry entry;
    uint32_t rank;
  };
  std::vector<UnionEntry> out;
  if (feeds.size() == 1) {  // nothing to resolve: skip the ranked copy and the sort
    out.reserve(total);
    for (const net::Cidr& c : *feeds[0].cidrs) out.push_back({c, feeds[0].value});
    return out;
  }
  std::vector<Ranked> all;
  all.reserve(total);
  for (uint32_t rank = 0; rank < feeds.size(); rank++) {
    for (const net::Cidr& c : *feeds[rank].cidrs) all.push_back({{c, feeds[rank].value}, rank});
  }
  std::sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) {
    if (a.entry.cidr == b.entry.cidr) return a.rank < b.rank;
    return a.entry.cidr < b.entry.cidr;
  });
  out.reserve(all.size());
  for (const Ranked& r : all) {
    if (!out.empty() && out.back().cidr == r.entry.cidr) continue;
    out.push_back(r.entry);
  }
  return out;
}

}  // namespace xdpguard::feeds
