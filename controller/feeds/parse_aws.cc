// SPDX-License-Identifier: GPL-2.0
// AWS ip-ranges.json: "prefixes" (ip_prefix) and "ipv6_prefixes" (ipv6_prefix) records with
// region, service and (since ~2019) network_border_group. Records are filtered (see
// AwsFilter); the same prefix under several services is deduplicated later, with all
// other entries, by the feed policy.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "feeds/parsers.h"
#include "nlohmann/json.hpp"

namespace xdpguard::feeds {
namespace {

using json = nlohmann::json;

bool Matches(const std::vector<std::string>& wanted, const json& record, const char* field) {
  if (wanted.empty()) return true;
  auto it = record.find(field);
  if (it == record.end() || !it->is_string()) return false;
  return std::find(wanted.begin(), wanted.end(), it->get<std::string>()) != wanted.end();
}

absl::Status ReadRecords(const json& root, const char* list_key, const char* prefix_key,
                         const AwsFilter& filter, ParsedFeed* feed) {
  auto list = root.find(list_key);
  if (list == root.end()) return absl::OkStatus();
  if (!list->is_array())
    return absl::InvalidArgumentError(absl::StrCat("\"", list_key, "\" is not an array"));
  for (const json& r : *list) {
    if (!r.is_object()) {
      feed->invalid++;
      continue;
    }
    if (!Matches(filter.services, r, "service") || !Matches(filter.regions, r, "region") ||
        !Matches(filter.network_border_groups, r, "network_border_group")) {
      feed->filtered_out++;
      continue;
    }
    auto p = r.find(prefix_key);
    if (p == r.end() || !p->is_string()) {
      feed->invalid++;
      continue;
    }
    AddEntry(p->get<std::string>(), feed);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedFeed> ParseAwsIpRanges(absl::string_view body, const AwsFilter& filter) {
  json root = json::parse(body.begin(), body.end(), nullptr, false);
  if (root.is_discarded()) return absl::DataLossError("invalid JSON (truncated download?)");
  if (!root.is_object() || !root.contains("prefixes"))
    return absl::InvalidArgumentError("not an ip-ranges.json document (no \"prefixes\")");
  ParsedFeed feed;
  if (absl::Status s = ReadRecords(root, "prefixes", "ip_prefix", filter, &feed); !s.ok()) return s;
  if (absl::Status s = ReadRecords(root, "ipv6_prefixes", "ipv6_prefix", filter, &feed); !s.ok())
    return s;
  return feed;
}

}  // namespace xdpguard::feeds
