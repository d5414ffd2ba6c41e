// SPDX-License-Identifier: GPL-2.0
// The crawler-range shape published by Google, Bing, OpenAI, Apple, Anthropic, Common
// Crawl and others: {"creationTime": ..., "prefixes": [{"ipv4Prefix": ...} |
// {"ipv6Prefix": ...}]}. Other keys (syncToken, notes) are ignored; an element with
// neither or both prefix keys is invalid. Some publishers list bare addresses: hosts.
#include "absl/strings/str_cat.h"
#include "feeds/parsers.h"
#include "nlohmann/json.hpp"

namespace xdpguard::feeds {

absl::StatusOr<ParsedFeed> ParseCrawlerRanges(absl::string_view body) {
  using json = nlohmann::json;
  json root = json::parse(body.begin(), body.end(), nullptr, false);
  if (root.is_discarded()) return absl::DataLossError("invalid JSON (truncated download?)");
  if (!root.is_object() || !root.contains("prefixes") || !root["prefixes"].is_array())
    return absl::InvalidArgumentError("not a crawler-ranges document (no \"prefixes\" array)");
  ParsedFeed feed;
  for (const json& p : root["prefixes"]) {
    const json* value = nullptr;
    int keys = 0;
    if (p.is_object()) {
      for (const char* k : {"ipv4Prefix", "ipv6Prefix"}) {
        if (p.contains(k)) {
          keys++;
          value = &p[k];
        }
      }
    }
    if (keys != 1 || !value->is_string()) {
      feed.invalid++;
      if (feed.invalid_examples.size() < 5) feed.invalid_examples.push_back(p.dump().substr(0, 60));
      continue;
    }
    AddEntry(value->get<std::string>(), &feed);
  }
  return feed;
}

}  // namespace xdpguard::feeds
