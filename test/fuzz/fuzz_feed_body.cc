// SPDX-License-Identifier: GPL-2.0
// Every feed format's parser on the same bytes (gzip, BOM and error-body checks first, as
// a fetched body goes), then what a parsed list goes through next: sort, the policy
// (floors, protected ranges, aggregation) and the union. The seeds are the repository's
// real feed samples; each input is tried as every format, so a seed of one format also
// probes the others.
#include <cstddef>
#include <cstdint>
#include <string>

#include "feeds/parsers.h"
#include "feeds/policy.h"
#include "feeds/prefix_set.h"

using namespace xdpguard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const feeds::RangeList* protected_ranges = [] {
    auto* r = new feeds::RangeList();
    for (const net::Cidr& c : feeds::BuiltinProtectedRanges()) r->Add(c);
    for (const net::Cidr& c : feeds::PrivateRanges()) r->Add(c, /*inside_only=*/true);
    return r;
  }();
  const std::string body(reinterpret_cast<const char*>(data), size);
  struct Variant {
    feeds::Format format;
    bool dshield;
  };
  static const Variant kVariants[] = {
      {feeds::Format::kPlain, false},        {feeds::Format::kPlain, true},
      {feeds::Format::kAbuseIpdb, false},    {feeds::Format::kSpamhausDrop, false},
      {feeds::Format::kAwsIpRanges, false},  {feeds::Format::kCrawlerRanges, false},
  };
  for (const Variant& v : kVariants) {
    feeds::FormatOptions options;
    options.plain.dshield_columns = v.dshield;
    options.aws.services = {"AMAZON", "EC2"};
    absl::StatusOr<feeds::ParsedFeed> parsed = feeds::ParseFeedBody(v.format, body, options, 1u << 20);
    if (!parsed.ok()) continue;
    feeds::SortUnique(&parsed->cidrs);
    feeds::FeedLimits limits;
    feeds::PrepareReport report;
    absl::StatusOr<std::vector<net::Cidr>> prepared =
        feeds::PrepareEntries(parsed->cidrs, limits, *protected_ranges, &report);
    if (!prepared.ok()) continue;
    std::vector<net::Cidr> other(parsed->cidrs.begin(), parsed->cidrs.begin() + parsed->cidrs.size() / 2);
    feeds::UnionFeeds({{0, &*prepared}, {1, &other}});
  }
  return 0;
}
