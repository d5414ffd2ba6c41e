// SPDX-License-Identifier: GPL-2.0
// Feed formats (test/data/feeds/FORMATS.md has the wire formats). One parser per format,
// each in its own file; ParseFeedBody runs the common body checks (body.h) first and the
// common result checks after: a body where nothing parsed, or that lost its truncation
// marker, is a failed fetch, never an empty list.
#ifndef XDPGUARD_FEEDS_PARSERS_H_
#define XDPGUARD_FEEDS_PARSERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "feeds/parsed_feed.h"

namespace xdpguard::feeds {

// kCrowdsec is CrowdSec's decision stream: not a list body, the engine pulls and keeps it
// as a decision set (crowdsec_stream.h, feed_engine_crowdsec.cc).
enum class Format { kPlain, kAbuseIpdb, kSpamhausDrop, kAwsIpRanges, kCrawlerRanges, kCrowdsec };

absl::StatusOr<Format> ParseFormatName(absl::string_view name);
std::string FormatName(Format format);

struct PlainOptions {
  // "dshield": TAB-separated "start end prefixlen ..." rows (feeds.dshield.org/block.txt);
  // otherwise the first field of a line is the entry.
  bool dshield_columns = false;
};

// AWS ip-ranges.json record filters. services must be non-empty (the config refuses an
// empty list: "AMAZON" is the superset of every service and is only used when named).
// regions match the `region` field exactly, which includes the Local Zones and
// Wavelength zones of that region (their region is the parent); network_border_groups
// match exactly, so "us-east-1" there means the home region only.
struct AwsFilter {
  std::vector<std::string> services;
  std::vector<std::string> regions;                // empty = any
  std::vector<std::string> network_border_groups;  // empty = any
};

struct FormatOptions {
  PlainOptions plain;
  AwsFilter aws;
};

// The individual parsers take a body that PrepareBody has already checked.
absl::StatusOr<ParsedFeed> ParsePlain(absl::string_view body, const PlainOptions& options);
absl::StatusOr<ParsedFeed> ParseAbuseIpdb(absl::string_view body);
absl::StatusOr<ParsedFeed> ParseSpamhausDrop(absl::string_view body);
absl::StatusOr<ParsedFeed> ParseAwsIpRanges(absl::string_view body, const AwsFilter& filter);
absl::StatusOr<ParsedFeed> ParseCrawlerRanges(absl::string_view body);

// Decodes (gzip, BOM), refuses non-list bodies, parses, and refuses results with no
// usable entry. max_bytes caps the (inflated) body.
absl::StatusOr<ParsedFeed> ParseFeedBody(Format format, std::string body,
                                         const FormatOptions& options, size_t max_bytes);

}  // namespace xdpguard::feeds

#endif  // XDPGUARD_FEEDS_PARSERS_H_
