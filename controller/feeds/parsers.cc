// SPDX-License-Identifier: GPL-2.0
#include "feeds/parsers.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "feeds/body.h"

namespace xdpguard::feeds {
namespace {

struct FormatNameEntry {
  Format format;
  const char* name;
};
constexpr FormatNameEntry kFormatNames[] = {
    {Format::kPlain, "plain"},
    {Format::kAbuseIpdb, "abuseipdb"},
    {Format::kSpamhausDrop, "spamhaus-drop"},
    {Format::kAwsIpRanges, "aws-ip-ranges"},
    {Format::kCrawlerRanges, "crawler-ranges"},
    {Format::kCrowdsec, "crowdsec"},
};

}  // namespace

absl::StatusOr<Format> ParseFormatName(absl::string_view name) {
  std::vector<std::string> known;
  for (const auto& e : kFormatNames) {
    if (name == e.name) return e.format;
    known.push_back(e.name);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown feed format '", name,
                                                 "' (expected one of ", absl::StrJoin(known, ", "), ")"));
}

std::string FormatName(Format format) {
  for (const auto& e : kFormatNames) {
    if (e.format == format) return e.name;
  }
  return "unknown";
}

absl::StatusOr<ParsedFeed> ParseFeedBody(Format format, std::string body,
                                         const FormatOptions& options, size_t max_bytes) {
  const bool may_be_json = format != Format::kPlain;
  absl::StatusOr<std::string> prepared = PrepareBody(std::move(body), max_bytes, may_be_json);
  if (!prepared.ok()) return prepared.status();
  absl::StatusOr<ParsedFeed> parsed;
  switch (format) {
    case Format::kPlain: parsed = ParsePlain(*prepared, options.plain); break;
    case Format::kAbuseIpdb: parsed = ParseAbuseIpdb(*prepared); break;
    case Format::kSpamhausDrop: parsed = ParseSpamhausDrop(*prepared); break;
    case Format::kAwsIpRanges: parsed = ParseAwsIpRanges(*prepared, options.aws); break;
    case Format::kCrawlerRanges: parsed = ParseCrawlerRanges(*prepared); break;
    case Format::kCrowdsec:
      return absl::InvalidArgumentError("a CrowdSec decision stream is not a list body");
  }
  if (!parsed.ok()) return parsed;
  if (parsed->cidrs.empty()) {
    if (parsed->invalid > 0)
      return absl::InvalidArgumentError(absl::StrCat(
          "all ", parsed->invalid, " entries are invalid (e.g. '",
          absl::StrJoin(parsed->invalid_examples, "', '"), "')"));
    if (parsed->filtered_out > 0)
      return absl::FailedPreconditionError(absl::StrCat(
          "the filters matched none of the ", parsed->filtered_out, " records (check the names)"));
    // A list that declares itself complete and empty (Spamhaus "; EOF" after comments
    // only) is a real empty list; anything else with no entries is a broken download.
    if (!parsed->eof_marker) return absl::FailedPreconditionError("the body has no entries");
  }
  return parsed;
}

}  // namespace xdpguard::feeds
