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

absl::StatusOr<std::vector<net::Cidr>> PrepareEntries(std::vector<net::Cidr> parsed,
                                                      const FeedLimits& limits,
                                                      const RangeList& protected_ranges,
                                                      PrepareReport* report) {
  report->parsed = parsed.size();
  report->duplicates = SortUnique(&parsed);
  std::vector<net::Cidr> kept;
  kept.reserve(parsed.size());
  for (const net::Cidr& c : parsed) {
    int floor = c.family == net::Family::kIPv4 ? limits.min_prefix_v4 : limits.min_prefix_v6;
    bool short_prefix = c.prefixlen < floor || c.prefixlen == 0;
    bool protected_hit = !short_prefix && protected_ranges.Overlaps(c);
    if (!short_prefix && !protected_hit) {
      kept.push_back(c);
      continue;
    }
    short_prefix ? report->too_short++ : report->protected_rejected++;
    if (report->rejected_examples.size() < kMaxRejectedExamples) {
      report->rejected_examples.push_back(
          short_prefix ? absl::StrCat(c.ToString(), " is shorter than /", floor)
                       : absl::StrCat(c.ToString(), " overlaps protected ",
                                      protected_ranges.FirstOverlap(c).ToString()));
    }
  }
  Aggregate(&kept);
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
